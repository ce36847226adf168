using System.CommandLine;
using RnnGen.Data;

namespace RnnGen.Samples;

/// <summary>Sizes of the spelling generator; <see cref="Quick"/> is what CI runs.</summary>
/// <remarks>Thread safety: immutable; thread-safe.</remarks>
public sealed record GenerateSettings(TrainingSettings Training, int BatchesPerEpoch = 25) : SampleSettings(Training)
{
    public GenerateSettings() : this(new TrainingSettings(Hidden: 64, Epochs: 20, Batch: 10, LearningRate: 0.01)) { }

    public static GenerateSettings Quick => new(new TrainingSettings(Hidden: 32, Epochs: 8, Batch: 10, LearningRate: 0.02));
}

/// <summary>
/// One-to-many (seed 000): from one vector, a one-hot digit, a GRU generator spells the digit's English name letter by
/// letter ("three"). The vector only sets the decoder's initial state; from then on it reads its own letters.
/// </summary>
public static class Generate
{
    public static readonly string[] Names = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];

    private static readonly CharacterTokenizer Letters = new();

    public static Command Configure(Command command)
    {
        new SampleOptions(command).SetAction(new GenerateSettings(), GenerateSettings.Quick, (settings, log) => Run(settings, log));
        return command;
    }

    /// <summary>Trains the generator and returns what it spells for each digit, 0 to 9.</summary>
    public static string[] Run(GenerateSettings settings, TextWriter log)
    {
        var training = settings.Training;
        var vocabulary = Vocabulary.Build(Names.SelectMany(Letters.Tokenize));
        var (digits, steps) = (Names.Length, Names.Max(n => n.Length) + 1);    // + 1: the start or the end token
        var model = new SequenceGenerator<Gru, float>(digits, vocabulary.Count, 8, training.Hidden, digits, steps, training.Seed);
        var condition = new float[digits * digits];
        for (var d = 0; d < digits; d++) condition[d * digits + d] = 1;
        // Teacher forcing: the decoder reads <s> t h r e e and predicts t h r e e </s>, padded to the longest name.
        var (input, targets, lengths) = (new int[digits * steps], new int[digits * steps], new int[digits]);
        for (var d = 0; d < digits; d++)
        {
            var letters = vocabulary.Encode(Letters.Tokenize(Names[d]), addStart: true, addEnd: true);
            lengths[d] = letters.Length - 1;
            letters.AsSpan(0, lengths[d]).CopyTo(input.AsSpan(d * steps));
            letters.AsSpan(1).CopyTo(targets.AsSpan(d * steps));
        }
        log.WriteLine($"spelling the digits' names from one-hot vectors; a GRU with {training.Hidden} units");
        // The ten names are the whole data set, one batch; the batch option does not apply.
        SampleTraining.Fit(model.Parameters(), settings.BatchesPerEpoch, (_, _) =>
        {
            model.Forward(condition, input, digits, steps, lengths, training: true);
            return (model.Loss(targets), lengths.Sum());
        }, training, log);

        var generated = new int[digits * steps];
        model.Generate(condition, digits, Vocabulary.StartId, steps, generated);
        var spelled = Enumerable.Range(0, digits).Select(d => Letters.Detokenize(vocabulary.Decode(generated.AsSpan(d * steps, steps)))).ToArray();
        log.WriteLine($"spelled: {string.Join(", ", spelled.Select((word, d) => $"{d} → {word}"))}");
        log.WriteLine($"{spelled.Where((word, d) => word == Names[d]).Count()} of {digits} correct");
        return spelled;
    }
}
