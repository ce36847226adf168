using System.CommandLine;
using RnnGen.Data;

namespace RnnGen.Samples;

/// <summary>Sizes of the review classifier; <see cref="Quick"/> is what CI runs.</summary>
/// <remarks>Thread safety: immutable; thread-safe.</remarks>
public sealed record ClassifySettings(TrainingSettings Training, int Examples = 4000, int MaxWords = 12) : SampleSettings(Training)
{
    public ClassifySettings() : this(new TrainingSettings(Hidden: 32, Epochs: 10, Batch: 32, LearningRate: 0.01)) { }

    public static ClassifySettings Quick => new(new TrainingSettings(Hidden: 16, Epochs: 6, Batch: 32, LearningRate: 0.02), Examples: 1000, MaxWords: 8);
}

/// <summary>Test accuracy and what guessing the more frequent class scores.</summary>
/// <remarks>Thread safety: immutable; thread-safe.</remarks>
public readonly record struct ClassifyResult(double Accuracy, double Chance);

/// <summary>
/// Many-to-one (seed 000): a toy sentiment task. A review is a few words, positive, negative or neutral; it is positive
/// when it has more positive words than negative ones, counting "not good" as negative and "not bad" as positive.
/// An embedding, an LSTM that returns its last step only, and a softmax over the two classes.
/// </summary>
public static class Classify
{
    private static readonly string[] Positive = ["good", "great", "fun", "loved"], Negative = ["bad", "boring", "awful", "hated"],
        Neutral = ["the", "movie", "plot", "was", "and", "actors", "a", "really", "ending", "music"];

    public static Command Configure(Command command)
    {
        new SampleOptions(command).SetAction(new ClassifySettings(), ClassifySettings.Quick, (settings, log) => Run(settings, log));
        return command;
    }

    public static ClassifyResult Run(ClassifySettings settings, TextWriter log)
    {
        var training = settings.Training;
        var vocabulary = new Vocabulary([.. Positive, .. Negative, .. Neutral, "not"]);
        var (reviews, labels) = Reviews(settings.Examples, settings.MaxWords, vocabulary, training.Seed);
        var (testReviews, testLabels) = Reviews(settings.Examples / 4, settings.MaxWords, vocabulary, training.Seed + 1);
        var data = TokenSequenceDataset<float>.Classified(reviews, labels, seed: training.Seed);
        var test = TokenSequenceDataset<float>.Classified(testReviews, testLabels);
        var model = Model.Sequential<float>(training.Seed).Embedding(vocabulary.Count, 8).Lstm(training.Hidden, returnSequences: false).Dense(2).Build();
        log.WriteLine($"{reviews.Count} reviews of 3 to {settings.MaxWords} words (and their nots); an LSTM with {training.Hidden} units");
        var loss = new SoftmaxCrossEntropyLoss<float>();
        SampleTraining.Fit(model, data, test, loss, training, log);

        var positive = testLabels.Average();
        var result = new ClassifyResult(model.Evaluate(test, loss).Accuracy!.Value, Math.Max(positive, 1 - positive));
        log.WriteLine($"test accuracy {result.Accuracy:P1} on {test.Count} new reviews; guessing the more frequent class scores {result.Chance:P1}");
        return result;
    }

    /// <summary><paramref name="count"/> random reviews of 3 to <paramref name="maxWords"/> words (and their nots), labelled 1 when
    /// positive; ties are drawn again, so every review has an answer.</summary>
    private static (List<int[]> Reviews, List<int> Labels) Reviews(int count, int maxWords, Vocabulary vocabulary, int seed)
    {
        var random = new Random(seed);
        var (reviews, labels) = (new List<int[]>(), new List<int>());
        while (reviews.Count < count)
        {
            var (words, score, length) = (new List<string>(), 0, random.Next(3, maxWords + 1));
            while (words.Count < length)
            {
                var kind = random.Next(3);
                if (kind == 2)
                {
                    words.Add(Neutral[random.Next(Neutral.Length)]);
                    continue;
                }
                // "not" flips the word after it, so the order of the words matters, not only their counts.
                var sign = kind == 0 ? 1 : -1;
                if (random.Next(4) == 0) (sign, words) = (-sign, [.. words, "not"]);
                words.Add(kind == 0 ? Positive[random.Next(Positive.Length)] : Negative[random.Next(Negative.Length)]);
                score += sign;
            }
            if (score == 0) continue;
            reviews.Add(vocabulary.Encode(words));
            labels.Add(score > 0 ? 1 : 0);
        }
        return (reviews, labels);
    }
}
