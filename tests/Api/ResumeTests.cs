using RnnGen.Tests.IO;
using RnnGen.Training;

namespace RnnGen.Tests.Api;

/// <summary>Issue 9 item 5's resume test: train N steps, save, rebuild from the file alone, train M steps: the same
/// losses, bit for bit, and the same weights as N + M steps uninterrupted, with dropout (layer and between stacked
/// recurrent layers), shuffling, clipping and a schedule all on.</summary>
public sealed class ResumeTests : IDisposable
{
    private const int Epochs = 3;   // 37 examples in batches of 8: 5 batches an epoch, the last one short
    private readonly string _folder = Directory.CreateTempSubdirectory("rnngen-resume-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static Model<float> NewModel() =>
        Model.Sequential<float>(seed: 3).Embedding(12, 6).Lstm(8, layers: 2, dropout: 0.3, returnSequences: false).Dropout(0.25).Dense(3).Build();

    private static Adam<float> NewOptimizer(Model<float> model) => new(new ParameterSet<float>().AddAll(model.Parameters()), 0.02);

    private static FitOptions<float> Options(List<double> losses, TrainingPosition? start = null, Action<TrainingPosition>? batchEnd = null) => new()
    {
        Epochs = Epochs,
        BatchSize = 8,
        ClipNorm = 1,
        Schedule = new StepDecaySchedule(0.02, every: 4, gamma: 0.5),
        Progress = p => { if (p.ValidationLoss is null) losses.Add(p.Loss); },
        StartAt = start,
        BatchEnd = batchEnd,
    };

    [Theory]
    [InlineData(7)]    // mid-epoch: epoch 1, batch 2
    [InlineData(10)]   // an epoch boundary: epoch 2, batch 0
    public void ResumingFromACheckpointGivesTheUninterruptedLossesAndWeights(int savedAtStep)
    {
        var path = Path.Combine(_folder, "resume.safetensors");
        var uninterrupted = new List<double>();
        var model = NewModel();
        var optimizer = NewOptimizer(model);
        model.Fit(ModelCheckpointTests.Data(), new SoftmaxCrossEntropyLoss<float>(), optimizer, Options(uninterrupted, batchEnd: position =>
        {
            if (position.Step == savedAtStep)
                ModelCheckpoint.Save(path, model, new CheckpointContents<float> { Optimizer = optimizer, Position = position });
        }));
        var finalWeights = model.Parameters().SelectMany(p => p.Values.ToArray()).ToArray();
        Assert.Equal(Epochs * 5, uninterrupted.Count);

        var resumed = ResumeFromFileAlone(path);
        Assert.Equal(uninterrupted.Skip(savedAtStep), resumed.Losses);
        Assert.Equal(finalWeights, resumed.Weights);
    }

    /// <summary>Everything from the file and fresh objects: nothing is shared with the first run, which is collected first.</summary>
    private static (List<double> Losses, float[] Weights) ResumeFromFileAlone(string path)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var checkpoint = ModelCheckpoint.Load<float>(path);
        var optimizer = NewOptimizer(checkpoint.Model);
        checkpoint.RestoreOptimizer(optimizer);
        var losses = new List<double>();
        checkpoint.Model.Fit(ModelCheckpointTests.Data(), new SoftmaxCrossEntropyLoss<float>(), optimizer, Options(losses, checkpoint.Position));
        return (losses, checkpoint.Model.Parameters().SelectMany(p => p.Values.ToArray()).ToArray());
    }

    [Fact]
    public void ResumingWithoutTheOptimizerStateIsRefused()
    {
        var model = NewModel();
        var error = Assert.Throws<ArgumentException>(() => model.Fit(ModelCheckpointTests.Data(), new SoftmaxCrossEntropyLoss<float>(), NewOptimizer(model),
            Options([], new TrainingPosition(1, 2, 7))));
        Assert.Contains("StartAt is at optimizer step 7, but the optimizer has taken 0 steps", error.Message);
    }

    [Fact]
    public void BatchEndReportsTheNextBatch()
    {
        var model = NewModel();
        var positions = new List<TrainingPosition>();
        model.Fit(ModelCheckpointTests.Data(), new SoftmaxCrossEntropyLoss<float>(), NewOptimizer(model), Options([], batchEnd: positions.Add));
        Assert.Equal(new TrainingPosition(0, 1, 1), positions[0]);
        Assert.Equal(new TrainingPosition(1, 0, 5), positions[4]);
        Assert.Equal(new TrainingPosition(Epochs, 0, Epochs * 5), positions[^1]);
    }

    /// <summary>A resumed run in a new process must see the same orders and masks: golden values, which a per-process
    /// salt (HashCode.Combine) or System.Random's unsaveable state would break.</summary>
    [Fact]
    public void OrdersAndMasksAreTheSameInEveryProcess()
    {
        var order = new RnnGen.Data.ExampleOrder(8, seed: 5);
        order.Shuffle(1);
        Assert.Equal([1, 0, 6, 4, 2, 7, 5, 3], Enumerable.Range(0, 8).Select(i => order[i]).ToArray());
        var mask = new float[8];
        CounterRandom.FillDropoutMask<float>(mask, 0.5, CounterRandom.Key(seed: 3, counter: 7, stream: 1));
        Assert.Equal([2f, 2f, 0f, 2f, 2f, 2f, 0f, 2f], mask);
    }
}
