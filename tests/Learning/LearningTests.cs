using RnnGen.Data;
using RnnGen.Tests.Support;
using RnnGen.Training;

namespace RnnGen.Tests.Learning;

/// <summary>Learning that must be shown (issue 4): fixed seeds, fast enough for CI, bounds that a broken BPTT misses.</summary>
public class LearningTests
{
    /// <summary>Seed 000's own example: a word-level LSTM language model on a small segmented Chinese corpus.</summary>
    [Fact]
    public void WordLanguageModelPredictsTheSeedsSentence()
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryFiles.Folder("tests", "Fixtures", "corpus"), "school.zh.txt"))
            .Where(l => l.Length > 0).ToList();
        var tokenizer = new WhitespaceTokenizer();
        var vocabulary = Vocabulary.Build(lines.SelectMany(l => tokenizer.Tokenize(l)));
        var sequences = lines.Select(l => vocabulary.Encode(tokenizer.Tokenize(l), addStart: true, addEnd: true)).ToList();
        var batcher = new SequenceBatcher(sequences, vocabulary, new SequenceBatcherOptions { BatchSize = 6, LanguageModel = true, Seed = 1 });
        var model = new SequenceTagger<RnnGen.Lstm, float>(vocabulary.Count, 16, 32, vocabulary.Count, 6, batcher.MaxSteps, seed: 2);
        var trainer = new Trainer<float>(new Adam<float>(new ParameterSet<float>().AddAll(model.Parameters()), 0.01),
            new TrainerOptions { Epochs = 80, ClipNorm = 5 });
        var report = trainer.Fit(batcher.BatchCount, (epoch, index) =>
        {
            if (index == 0) batcher.StartEpoch(epoch);
            var batch = batcher.GetBatch(index);
            model.Forward(batch.Inputs, batch.BatchSize, batch.Steps, batch.Lengths, training: true);
            return (model.Loss(batch.Targets), batch.TokenCount);
        });
        Assert.True(report.TrainingLoss[^1] < report.TrainingLoss[0] / 3, $"loss {report.TrainingLoss[0]:F3} → {report.TrainingLoss[^1]:F3}");

        string Next(params string[] prefix)
        {
            var ids = vocabulary.Encode(prefix, addStart: true, addEnd: false);
            model.Forward(ids, 1, ids.Length);
            var last = model.Logits.Slice((ids.Length - 1) * vocabulary.Count, vocabulary.Count);
            return vocabulary.Token(Sampling.Greedy<float>(last));
        }
        Assert.Equal("昨天", Next("我"));
        Assert.Equal("迟到", Next("我", "昨天", "上学"));

        // Greedy generation from <s> writes the seed's sentence: each step feeds the whole prefix back in.
        var prefix = new List<int>();
        var generated = Sampling.Generate<float>(previous =>
        {
            prefix.Add(previous);
            model.Forward(prefix.ToArray(), 1, prefix.Count);
            return model.Logits.Slice((prefix.Count - 1) * vocabulary.Count, vocabulary.Count);
        }, 12, SamplingStrategy.Greedy, null, Vocabulary.StartId, Vocabulary.EndId);
        Assert.Equal("我 昨天 上学 迟到 了", string.Join(" ", vocabulary.Decode(generated).Take(5)));
    }

    /// <summary>The adding problem at T = 50: predicting the constant 1 scores ≈ 0.167; the LSTM must reach 0.01.</summary>
    [Fact]
    public void LstmSolvesTheAddingProblemAtFiftySteps() =>
        Assert.True(RnnGen.Samples.AddingProblem.Run(new RnnGen.Samples.AddingSettings() with { Steps = 50 }, TextWriter.Null) < 0.01);

    /// <summary>Many-to-one: does the sequence hold more a's than b's, among distractors c and d?</summary>
    [Fact]
    public void ClassifierCountsLettersAmongDistractors()
    {
        const int steps = 12, batch = 32, letters = 4;
        var random = new Random(3);
        (float[] Input, int[] Labels) Make(int count)
        {
            var input = new float[count * steps * letters];
            var labels = new int[count];
            for (var n = 0; n < count; n++)
            {
                int a, b;
                var ids = new int[steps];
                do
                {
                    for (var t = 0; t < steps; t++) ids[t] = random.Next(letters);
                    a = ids.Count(i => i == 0);
                    b = ids.Count(i => i == 1);
                } while (a == b);
                OneHot.Encode<float>(ids, letters, input.AsSpan(n * steps * letters, steps * letters));
                labels[n] = a > b ? 1 : 0;
            }
            return (input, labels);
        }
        var model = new SequenceClassifier<RnnGen.Lstm, float>(letters, 16, 2, batch, steps, seed: 4);
        var trainer = new Trainer<float>(new Adam<float>(new ParameterSet<float>().AddAll(model.Parameters()), 0.01));
        for (var i = 0; i < 600; i++)
        {
            var (x, y) = Make(batch);
            trainer.TrainBatch(() =>
            {
                model.Forward(x, batch, steps);
                return (model.Loss(y), batch * steps);
            });
        }
        var correct = 0;
        for (var k = 0; k < 16; k++)
        {
            var (x, y) = Make(batch);
            model.Forward(x, batch, steps);
            for (var n = 0; n < batch; n++)
                if (Sampling.Greedy<float>(model.Logits.Slice(n * 2, 2)) == y[n]) correct++;
        }
        var accuracy = correct / (16.0 * batch);
        Assert.True(accuracy >= 0.95, $"accuracy {accuracy:P1}");
    }

    /// <summary>Encoder–decoder (seed 000's translation case): reverse strings of digits, judged on whole sequences.</summary>
    [Fact]
    public void EncoderDecoderReversesDigitStrings()
    {
        const int batch = 64, maxLength = 5, start = 10, end = 11, vocabulary = 12;
        var random = new Random(5);
        var model = new EncoderDecoder<RnnGen.Lstm, float>(vocabulary, vocabulary, 16, 96, batch, maxLength, maxLength + 1, seed: 6);
        var trainer = new Trainer<float>(new Adam<float>(new ParameterSet<float>().AddAll(model.Parameters()), 0.005),
            new TrainerOptions { ClipNorm = 5 });
        var source = new int[batch * maxLength];
        var decoderInput = new int[batch * (maxLength + 1)];
        var targets = new int[batch * (maxLength + 1)];
        var sourceLengths = new int[batch];
        var targetLengths = new int[batch];
        void Make()
        {
            Array.Clear(source);
            Array.Clear(decoderInput);
            Array.Clear(targets);
            for (var b = 0; b < batch; b++)
            {
                var n = random.Next(2, maxLength + 1);
                sourceLengths[b] = n;
                targetLengths[b] = n + 1;
                for (var t = 0; t < n; t++) source[b * maxLength + t] = random.Next(10);
                decoderInput[b * (maxLength + 1)] = start;
                for (var t = 0; t < n; t++)
                {
                    var digit = source[b * maxLength + n - 1 - t];
                    targets[b * (maxLength + 1) + t] = digit;
                    decoderInput[b * (maxLength + 1) + t + 1] = digit;
                }
                targets[b * (maxLength + 1) + n] = end;
            }
        }
        for (var i = 0; i < 1500; i++)
        {
            Make();
            trainer.TrainBatch(() =>
            {
                model.Forward(source, batch, maxLength, sourceLengths, decoderInput, maxLength + 1, targetLengths, training: true);
                return (model.Loss(targets), batch * (maxLength + 1));
            });
        }
        var exact = 0;
        var translation = new int[batch * (maxLength + 1)];
        const int rounds = 8;
        for (var k = 0; k < rounds; k++)
        {
            Make();
            model.Translate(source, batch, maxLength, sourceLengths, start, end, maxLength + 1, translation);
            for (var b = 0; b < batch; b++)
            {
                var n = sourceLengths[b];
                var ok = translation[b * (maxLength + 1) + n] == end;
                for (var t = 0; t < n && ok; t++) ok = translation[b * (maxLength + 1) + t] == targets[b * (maxLength + 1) + t];
                if (ok) exact++;
            }
        }
        var accuracy = exact / (double)(rounds * batch);
        Assert.True(accuracy >= 0.95, $"whole-sequence accuracy {accuracy:P1}");
    }
}
