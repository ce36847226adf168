using RnnGen.Data;
using RnnGen.Tests.Support;
using RnnGen.Training;

namespace RnnGen.Tests.Learning;

public class TrainerTests
{
    /// <summary>A full training step — forward, backward, clipping, NaN check, optimizer update — allocates nothing.</summary>
    [Fact]
    public void AFullTrainingStepAllocatesNothing()
    {
        Assert.Equal(0, StepAllocations<RnnGen.Lstm>());
        Assert.Equal(0, StepAllocations<RnnGen.Gru>());
    }

    private static long StepAllocations<TCell>() where TCell : IRecurrentCell
    {
        const int batch = 8, steps = 12, vocabulary = 20;
        var model = new SequenceTagger<TCell, float>(vocabulary, 8, 16, vocabulary, batch, steps, new RecurrentOptions { NumLayers = 2 });
        var trainer = new Trainer<float>(new Adam<float>(new ParameterSet<float>().AddAll(model.Parameters()), 0.01),
            new TrainerOptions { ClipNorm = 1, ClipValue = 5, Schedule = new CosineAnnealingSchedule(0.01, 100, 1e-4) });
        var random = new Random(1);
        var tokens = Enumerable.Range(0, batch * steps).Select(_ => random.Next(vocabulary)).ToArray();
        var targets = Enumerable.Range(0, batch * steps).Select(_ => random.Next(vocabulary)).ToArray();
        var lengths = Enumerable.Range(0, batch).Select(b => steps - b % 3).ToArray();
        Func<(double, int)> step = () =>
        {
            model.Forward(tokens, batch, steps, lengths, training: true);
            return (model.Loss(targets), batch * steps);
        };
        return Allocations.Measure(() => trainer.TrainBatch(step));
    }

    [Fact]
    public void EarlyStoppingStopsWhenValidationStallsAndReportsTheBestEpoch()
    {
        var trainer = new Trainer<float>(new Sgd<float>(new ParameterSet<float>().Add("w", new float[1], new float[1]), 0.1),
            new TrainerOptions { Epochs = 50, Patience = 3 });
        double[] validation = [5, 4, 3, 3.5, 3.2, 3.1, 1, 0.5];
        var report = trainer.Fit(2, (_, _) => (1.0, 1), epoch => validation[epoch]);
        Assert.True(report.StoppedEarly);
        Assert.Equal(2, report.BestEpoch);
        Assert.Equal(6, report.ValidationLoss.Count);
        Assert.Equal(6, report.TrainingLoss.Count);
    }

    [Fact]
    public void ProgressReportsLossTokensAndTimeLeft()
    {
        var seen = new List<TrainingProgress>();
        var trainer = new Trainer<float>(new Sgd<float>(new ParameterSet<float>().Add("w", new float[1], new float[1]), 0.1),
            new TrainerOptions { Epochs = 2, Progress = seen.Add });
        trainer.Fit(3, (epoch, batch) => { Thread.Sleep(2); return (epoch * 10 + batch, 100); });
        Assert.Equal(6, seen.Count);
        Assert.Equal(12.0, seen[^1].Loss);
        Assert.All(seen, p => Assert.True(p.TokensPerSecond > 0));
        // Time left is the time so far scaled by the batches left over the batches done, whatever the machine's speed (a
        // comparison of two reports' estimates failed when a busy machine stretched the later sleeps).
        for (var done = 1; done <= seen.Count; done++)
        {
            var expected = seen[done - 1].Elapsed.Ticks * (double)(seen.Count - done) / done;
            Assert.InRange(seen[done - 1].Remaining.Ticks, (long)expected - 1, (long)expected + 1);
        }
        Assert.True(seen[0].Remaining > TimeSpan.Zero);
        Assert.Equal(TimeSpan.Zero, seen[^1].Remaining);
    }

    /// <summary>The same seeds give bit-identical training.</summary>
    [Fact]
    public void TrainingIsDeterministicForASeed()
    {
        float[] Run()
        {
            var sequences = Enumerable.Range(0, 24).Select(i => Enumerable.Range(0, 3 + i % 5).Select(t => (i * 7 + t * 3) % 10 + Vocabulary.SpecialCount).ToArray()).ToList();
            var batcher = new SequenceBatcher(sequences, 14, new SequenceBatcherOptions { BatchSize = 4, LanguageModel = true, Seed = 3, BucketBatches = 2 });
            var model = new SequenceTagger<RnnGen.Gru, float>(14, 6, 8, 14, 4, batcher.MaxSteps, new RecurrentOptions { Dropout = 0.2, NumLayers = 2 }, seed: 5);
            var trainer = new Trainer<float>(new AdamW<float>(new ParameterSet<float>().AddAll(model.Parameters()), 0.01), new TrainerOptions { Epochs = 3 });
            trainer.Fit(batcher.BatchCount, (epoch, index) =>
            {
                if (index == 0) batcher.StartEpoch(epoch);
                var batch = batcher.GetBatch(index);
                model.Forward(batch.Inputs, batch.BatchSize, batch.Steps, batch.Lengths, training: true);
                return (model.Loss(batch.Targets), batch.TokenCount);
            });
            return model.Parameters().SelectMany(p => p.Values.ToArray()).ToArray();
        }
        Assert.Equal(Run(), Run());
    }

    [Fact]
    public void BadSettingsAreRejectedBeforeAnyWork()
    {
        var set = new ParameterSet<float>().Add("w", new float[1], new float[1]);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd<float>(set, learningRate: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd<float>(set, learningRate: double.NaN));
        var optimizer = new Sgd<float>(set, 0.1);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Trainer<float>(optimizer, new TrainerOptions { Epochs = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Trainer<float>(optimizer, new TrainerOptions { ClipNorm = -1 }));
        var calls = 0;
        Assert.Throws<ArgumentOutOfRangeException>(() => new Trainer<float>(optimizer).Fit(0, (_, _) => { calls++; return (1, 1); }));
        Assert.Equal(0, calls);
        var tagger = new SequenceTagger<RnnGen.Lstm, float>(5, 2, 3, 5, 1, 4);
        tagger.Forward([1, 2, 3, 4], 1, 4);
        var mismatch = Assert.ThrowsAny<ArgumentException>(() => tagger.Loss([1, 2, 3]));
        Assert.Contains("targets", mismatch.Message + mismatch.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => tagger.Forward([1, 2, 9, 4], 1, 4));   // token outside the vocabulary
    }
}
