using System.CommandLine;
using RnnGen.Data;

namespace RnnGen.Samples;

/// <summary>Sizes of the word-suggestion model; <see cref="Quick"/> is what CI runs.</summary>
/// <remarks>Thread safety: immutable; thread-safe.</remarks>
public sealed record SuggestSettings(TrainingSettings Training, int Repeats = 20) : SampleSettings(Training)
{
    public SuggestSettings() : this(new TrainingSettings(Hidden: 64, Epochs: 20, Batch: 16, LearningRate: 0.01)) { }

    public static SuggestSettings Quick => new(new TrainingSettings(Hidden: 32, Epochs: 8, Batch: 16, LearningRate: 0.01));
}

/// <summary>
/// Seed 000's word suggestion: a word-level next-word model (embedding, LSTM, softmax) of a few whitespace-tokenized
/// sentences; from 我 it suggests the likeliest next word, reads it, and goes on: 我 → 昨天 → 上学 → 迟到 → 了.
/// </summary>
public static class Suggest
{
    /// <summary>The corpus. After 我 the sentences go on with 昨天 more often than 今天, after 我 昨天 with 上学 more often
    /// than 上班, so the chain must come from the frequencies in context, not from one fixed word pair.</summary>
    public static readonly string[] Sentences =
    [
        "我 昨天 上学 迟到 了", "我 昨天 上学 迟到 了", "我 昨天 上学 迟到 了", "我 昨天 上班 早退 了",
        "我 今天 上学 没 迟到", "我 今天 上班 迟到 了", "你 昨天 上学 迟到 了", "他 昨天 上班 迟到 了",
        "我们 今天 上学 迟到 了", "他 今天 放学 回家 了",
    ];

    private static readonly WhitespaceTokenizer Words = new();

    public static Command Configure(Command command)
    {
        new SampleOptions(command).SetAction(new SuggestSettings(), SuggestSettings.Quick, (settings, log) => Run(settings, log));
        return command;
    }

    /// <summary>Trains the model and returns the suggestion chain from 我 (我 included, the end of sentence left out).</summary>
    public static string[] Run(SuggestSettings settings, TextWriter log)
    {
        var training = settings.Training;
        var vocabulary = Vocabulary.Build(Sentences.SelectMany(Words.Tokenize));
        var sentences = Sentences.Select(s => vocabulary.Encode(Words.Tokenize(s), addStart: true, addEnd: true)).ToArray();
        // Ten sentences make a tiny epoch: repeating them keeps the log short; the sentences themselves validate,
        // since the task is to learn their frequencies.
        var data = TokenSequenceDataset<float>.NextToken(Enumerable.Repeat(sentences, settings.Repeats).SelectMany(s => s).ToList(), seed: training.Seed);
        var model = Model.Sequential<float>(training.Seed).Embedding(vocabulary.Count, 16).Lstm(training.Hidden).Dense(vocabulary.Count).Build();
        log.WriteLine($"{Sentences.Length} sentences, {vocabulary.Count - Vocabulary.SpecialCount} words; an LSTM with {training.Hidden} units");
        SampleTraining.Fit(model, data, TokenSequenceDataset<float>.NextToken(sentences), new SoftmaxCrossEntropyLoss<float>(), training, log);

        List<int> context = [Vocabulary.StartId];
        var suggested = Sampling.Generate<float>(previous =>
        {
            context.Add(previous);
            return SampleTraining.NextTokenLogits(model, context.ToArray());
        }, maxLength: 8, SamplingStrategy.Greedy, startId: vocabulary.Id("我"));
        string[] chain = ["我", .. vocabulary.Decode(suggested)];
        log.WriteLine($"suggestions: {string.Join(" → ", chain)}");
        return chain;
    }
}
