using System.CommandLine;
using RnnGen.Data;

namespace RnnGen.Samples;

/// <summary>Sizes of the character language model; <see cref="Quick"/> is what CI runs.</summary>
/// <remarks>Thread safety: immutable; thread-safe.</remarks>
public sealed record CharLanguageModelSettings(TrainingSettings Training, int Window = 48, int Generate = 300, double Temperature = 0.6) : SampleSettings(Training)
{
    public CharLanguageModelSettings() : this(new TrainingSettings(Hidden: 128, Epochs: 40, Batch: 16, LearningRate: 0.005)) { }

    public static CharLanguageModelSettings Quick => new(new TrainingSettings(Hidden: 48, Epochs: 6, Batch: 16, LearningRate: 0.01), Window: 32, Generate: 80);
}

/// <summary>The validation loss per character (nats) and the entropy of the characters' frequencies it must beat.</summary>
/// <remarks>Thread safety: immutable; thread-safe.</remarks>
public readonly record struct CharLanguageModelResult(double ValidationLoss, double UnigramEntropy, string Sample);

/// <summary>
/// A character-level language model of a few of Aesop's fables (embedded in this sample): an embedding, an LSTM and a
/// softmax over the characters, trained to predict each next character, then sampled from a prompt.
/// </summary>
public static class CharLanguageModel
{
    private static readonly CharacterTokenizer Characters = new();

    public static Command Configure(Command command)
    {
        var options = new SampleOptions(command);
        var length = new Option<int?>("--generate") { Description = "characters to generate after training" };
        command.Options.Add(length);
        options.SetAction(new CharLanguageModelSettings(), CharLanguageModelSettings.Quick, (result, settings) => settings with
        {
            Training = options.Apply(result, settings.Training),
            Generate = result.GetValue(length) ?? settings.Generate,
        }, (settings, log) => Run(settings, log));
        return command;
    }

    public static CharLanguageModelResult Run(CharLanguageModelSettings settings, TextWriter log)
    {
        var training = settings.Training;
        var text = Characters.Tokenize(Fables());
        var vocabulary = Vocabulary.Build(text);
        var ids = vocabulary.Encode(text);
        var split = ids.Length * 9 / 10;
        var data = TokenSequenceDataset<float>.NextToken(Chunks(ids[..split], settings.Window), seed: training.Seed);
        var validation = TokenSequenceDataset<float>.NextToken(Chunks(ids[split..], settings.Window));
        var model = Model.Sequential<float>(training.Seed).Embedding(vocabulary.Count, 16).Lstm(training.Hidden).Dropout(0.25).Dense(vocabulary.Count).Build();
        var entropy = UnigramEntropy(ids[..split]);
        log.WriteLine($"{ids.Length} characters of fables, {vocabulary.Count} distinct; an LSTM with {training.Hidden} units");
        var loss = new SoftmaxCrossEntropyLoss<float>();
        SampleTraining.Fit(model, data, validation, loss, training, log);

        var result = new CharLanguageModelResult(model.Evaluate(validation, loss).Loss, entropy,
            Sample(model, vocabulary, "The ", settings, training.Seed));
        log.WriteLine($"validation loss {result.ValidationLoss:F3} nats per character; the characters' frequencies alone give {entropy:F3}");
        log.WriteLine($"sampled at temperature {settings.Temperature}:\n{result.Sample}");
        return result;
    }

    /// <summary>The text embedded in this assembly.</summary>
    private static string Fables()
    {
        using var stream = typeof(CharLanguageModel).Assembly.GetManifestResourceStream("fables.txt")!;
        return new StreamReader(stream).ReadToEnd();
    }

    /// <summary>Consecutive pieces of window + 1 characters (the model reads window and predicts each next one).</summary>
    private static List<int[]> Chunks(int[] ids, int window) =>
        Enumerable.Range(0, (ids.Length - 1) / window).Select(k => ids[(k * window)..(k * window + window + 1)]).ToList();

    /// <summary>−Σ p log p of the characters' frequencies: the loss of a model that ignores context.</summary>
    private static double UnigramEntropy(int[] ids) =>
        -ids.GroupBy(id => id).Select(g => (double)g.Count() / ids.Length).Sum(p => p * Math.Log(p));

    /// <summary>Continues <paramref name="prompt"/>, feeding the model the last window characters before each draw.</summary>
    private static string Sample(Model<float> model, Vocabulary vocabulary, string prompt, CharLanguageModelSettings settings, int seed)
    {
        var context = vocabulary.Encode(Characters.Tokenize(prompt)).ToList();
        var last = context[^1];
        context.RemoveAt(context.Count - 1);
        var generated = Sampling.Generate<float>(previous =>
        {
            context.Add(previous);
            return SampleTraining.NextTokenLogits(model, context.TakeLast(settings.Window).ToArray());
        }, settings.Generate, SamplingStrategy.WithTemperature(settings.Temperature), new Random(seed), startId: last);
        return prompt + Characters.Detokenize(vocabulary.Decode(generated));
    }
}
