using System.CommandLine;
using RnnGen.Data;

namespace RnnGen.Samples;

/// <summary>Sizes of the reversal model; <see cref="Quick"/> is what CI runs.</summary>
/// <remarks>Thread safety: immutable; thread-safe.</remarks>
public sealed record ReverseSettings(TrainingSettings Training, int MaxDigits = 8, int BatchesPerEpoch = 100, int TestBatches = 8) : SampleSettings(Training)
{
    public ReverseSettings() : this(new TrainingSettings(Hidden: 128, Epochs: 20, Batch: 64, LearningRate: 0.005)) { }

    public static ReverseSettings Quick => new(new TrainingSettings(Hidden: 64, Epochs: 8, Batch: 32, LearningRate: 0.01), MaxDigits: 4, BatchesPerEpoch: 50);
}

/// <summary>The share of random test strings reversed exactly, and a few of them as "input → output".</summary>
/// <remarks>Thread safety: immutable; thread-safe.</remarks>
public readonly record struct ReverseResult(double ExactMatch, IReadOnlyList<string> Examples);

/// <summary>
/// Many-to-many (seed 000's translation case): an encoder–decoder reads a string of digits and writes it reversed.
/// The decoder starts from the encoder's final states alone, so the whole string must pass through them.
/// </summary>
public static class Reverse
{
    private static readonly Vocabulary Digits = new(Enumerable.Range(0, 10).Select(d => d.ToString()));

    public static Command Configure(Command command)
    {
        new SampleOptions(command).SetAction(new ReverseSettings(), ReverseSettings.Quick, (settings, log) => Run(settings, log));
        return command;
    }

    public static ReverseResult Run(ReverseSettings settings, TextWriter log)
    {
        var (training, batch, steps) = (settings.Training, settings.Training.Batch, settings.MaxDigits);
        var model = new EncoderDecoder<Lstm, float>(Digits.Count, Digits.Count, 16, training.Hidden, batch, steps, steps + 1, seed: training.Seed);
        var data = new Strings(batch, steps);
        var random = new Random(training.Seed);
        log.WriteLine($"reversing strings of 2 to {steps} digits; LSTM encoder and decoder with {training.Hidden} units");
        // Every batch is new random strings, so there is no fixed training set to memorise: the model has to learn to reverse.
        SampleTraining.Fit(model.Parameters(), settings.BatchesPerEpoch, (_, _) =>
        {
            data.Draw(random);
            model.Forward(data.Source, batch, steps, data.SourceLengths, data.DecoderInput, steps + 1, data.TargetLengths, training: true);
            return (model.Loss(data.Targets), data.TargetLengths.Sum());
        }, training, log);

        var (exact, examples, output, test) = (0, new List<string>(), new int[batch * (steps + 1)], new Random(training.Seed + 1));
        for (var k = 0; k < settings.TestBatches; k++)
        {
            data.Draw(test);
            model.Translate(data.Source, batch, steps, data.SourceLengths, Vocabulary.StartId, Vocabulary.EndId, steps + 1, output);
            for (var b = 0; b < batch; b++)
            {
                // Up to and with the end token: a longer or shorter output is wrong too.
                var (start, length) = (b * (steps + 1), data.TargetLengths[b]);
                if (output.AsSpan(start, length).SequenceEqual(data.Targets.AsSpan(start, length))) exact++;
                if (examples.Count >= 3) continue;
                var source = string.Concat(Digits.Decode(data.Source.AsSpan(b * steps, data.SourceLengths[b])));
                examples.Add($"{source} → {string.Concat(Digits.Decode(output.AsSpan(start, length)))}");
            }
        }
        var result = new ReverseResult((double)exact / (settings.TestBatches * batch), examples);
        log.WriteLine($"exact match {result.ExactMatch:P1} on {settings.TestBatches * batch} random strings (a guess of n digits is right once in 10ⁿ)");
        log.WriteLine($"for example {string.Join(", ", examples)}");
        return result;
    }

    /// <summary>One batch of random digit strings, padded: the source, the reversal behind a start token (the decoder's
    /// input) and the reversal before an end token (its targets).</summary>
    /// <remarks>Thread safety: not thread-safe.</remarks>
    private sealed class Strings(int batch, int steps)
    {
        public int[] Source { get; } = new int[batch * steps];
        public int[] DecoderInput { get; } = new int[batch * (steps + 1)];
        public int[] Targets { get; } = new int[batch * (steps + 1)];
        public int[] SourceLengths { get; } = new int[batch];
        public int[] TargetLengths { get; } = new int[batch];

        public void Draw(Random random)
        {
            Array.Clear(Source);
            Array.Clear(DecoderInput);
            Array.Clear(Targets);
            for (var b = 0; b < batch; b++)
            {
                var (n, source, target) = (random.Next(2, steps + 1), b * steps, b * (steps + 1));
                (SourceLengths[b], TargetLengths[b]) = (n, n + 1);
                for (var t = 0; t < n; t++) Source[source + t] = Digits.Id(random.Next(10).ToString());
                DecoderInput[target] = Vocabulary.StartId;
                for (var t = 0; t < n; t++) Targets[target + t] = DecoderInput[target + t + 1] = Source[source + n - 1 - t];
                Targets[target + n] = Vocabulary.EndId;
            }
        }
    }
}
