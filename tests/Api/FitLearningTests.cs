using System.Numerics.Tensors;
using RnnGen.Data;
using RnnGen.Training;
using RnnGen.Samples;

namespace RnnGen.Tests.Api;

/// <summary>The issue's own examples trained through Fit: a noisy sine predicted at every step (many-to-many regression)
/// and by a custom cell (many-to-one); the adding problem is the sample's (tests/Samples).</summary>
public class FitLearningTests
{
    [Fact]
    public void ANoisySineIsForecastAtEveryStep()
    {
        var random = new Random(4);
        var series = Enumerable.Range(0, 400).Select(t => (float)(Math.Sin(t * 0.25) + 0.05 * (random.NextDouble() * 2 - 1))).ToArray();
        var data = new TimeSeriesDataset<float>(series, window: 16, horizon: 1, stride: 3, perStep: true, seed: 5);
        var model = Model.Sequential<float>(seed: 6).Input(1).Gru(12).Dense(1).Build();
        var loss = new MeanSquaredErrorLoss<float>();
        var before = model.Evaluate(data, loss).MeanSquaredError;
        model.Fit(data, loss, new Adam<float>(new ParameterSet<float>().AddAll(model.Parameters()), 0.02), new FitOptions<float> { Epochs = 15, BatchSize = 16 });
        var after = model.Evaluate(data, loss).MeanSquaredError;
        Assert.True(after < 0.03 && after < before / 5, $"MSE {before:F4} → {after:F4}");
    }

    [Fact]
    public void ANoisySineForecasterWithACustomPeepholeCell()
    {
        var random = new Random(8);
        var series = Enumerable.Range(0, 300).Select(t => (float)(Math.Sin(t * 0.3) + 0.05 * (random.NextDouble() * 2 - 1))).ToArray();
        var data = new TimeSeriesDataset<float>(series, window: 10, stride: 2, seed: 1);
        var model = Model.Sequential<float>(seed: 2).Input(1).Recurrent<PeepholeLstm>(12, new RecurrentOptions { ReturnSequences = false, Seed = 3 }).Dense(1).Build();
        var loss = new MeanSquaredErrorLoss<float>();
        model.Fit(data, loss, new Adam<float>(new ParameterSet<float>().AddAll(model.Parameters()), 0.01), new FitOptions<float> { Epochs = 15, BatchSize = 16 });
        Assert.True(model.Evaluate(data, loss).MeanSquaredError < 0.02);

        RecurrentCells.Register<PeepholeLstm>();   // a custom cell, made rebuildable from its config by name
        Assert.Equal(model.Config.Layers, Model<float>.Create(model.Config).Config.Layers);
    }

    [Fact]
    public void FrozenParametersAreNotTrained()
    {
        var model = Model.Sequential<float>().Input(1).Lstm(4, returnSequences: false).Dense(1).Build();
        foreach (var p in model.Parameters().Where(p => p.Name.StartsWith("rnn.", StringComparison.Ordinal))) p.Frozen = true;
        var frozen = model.Parameters().Where(p => p.Frozen).Select(p => p.Values.ToArray()).ToList();
        var set = new ParameterSet<float>().AddAll(model.Parameters());
        Assert.Equal(["fc.weight", "fc.bias"], set.Entries.Select(e => e.Name));
        model.Fit(new TimeSeriesDataset<float>(Enumerable.Range(0, 30).Select(i => (float)i / 30).ToArray(), window: 4), new MeanSquaredErrorLoss<float>(),
            new Sgd<float>(set, 0.1), new FitOptions<float> { Epochs = 2 });
        Assert.Equal(frozen, model.Parameters().Where(p => p.Frozen).Select(p => p.Values.ToArray()));
    }

    [Fact]
    public void InferenceSessionsOfAModelPredictOnManyThreads()
    {
        var model = Model.Sequential<float>().Embedding(7, 3).Lstm(5).Dense(7).Build();
        var tokens = Tensor.Create(Enumerable.Range(0, 12).Select(i => i % 7).ToArray(), [3, 4]);
        var expected = model.Predict(tokens).ToArray();
        var results = new float[4][];
        Parallel.For(0, 4, i =>
        {
            var session = model.CreateInferenceSession();
            for (var k = 0; k < 20; k++) results[i] = session.Predict(tokens).ToArray();
        });
        Assert.All(results, r => Assert.Equal(expected, r));
        Assert.Throws<InvalidOperationException>(() => model.CreateInferenceSession().Backward(default));
    }

    [Fact]
    public void SequenceDatasetShapesAreChecked()
    {
        var inputs = Tensor.Create(new float[2 * 3 * 4], [2, 3, 4]);
        Assert.Contains("[2, outputs] or [2, 3, outputs] but is [3, 1]",
            Assert.Throws<ArgumentException>(() => new SequenceDataset<float>(inputs, Tensor.Create(new float[3], [3, 1]))).Message);
        Assert.Contains("[count, steps, features] but is [2, 12]",
            Assert.Throws<ArgumentException>(() => new SequenceDataset<float>(Tensor.Create(new float[24], [2, 12]), new[] { 0, 1 })).Message);
        Assert.Contains("targets[1] is NaN",
            Assert.Throws<ArgumentException>(() => new SequenceDataset<float>(inputs, Tensor.Create(new[] { 1f, float.NaN }, [2, 1]))).Message);
        var batch = new SequenceDataset<float>(inputs, new[] { 1, 0 }, lengths: [3, 2]).GetBatch(0, 2);
        Assert.Equal([1, 0], batch.Targets.Labels.ToArray());
        Assert.Equal([3, 2], batch.Inputs.Lengths.ToArray());
    }
}

/// <summary>The topology models expose their layers as the same protocol model.</summary>
public class TopologyModelProtocolTests
{
    [Fact]
    public void ASequenceTaggerTrainsThroughItsModel()
    {
        var tagger = new SequenceTagger<RnnGen.Gru, float>(6, 4, 8, 6, maxBatch: 2, maxSteps: 3, seed: 1);
        var sequences = Enumerable.Range(0, 24).Select(i => Enumerable.Range(0, 4 + i % 5).Select(t => (i + t) % 6).ToArray()).ToList();
        var data = TokenSequenceDataset<float>.NextToken(sequences, seed: 2);
        var loss = new SoftmaxCrossEntropyLoss<float>();
        var before = tagger.Model.Evaluate(data, loss).Loss;
        tagger.Model.Fit(data, loss, new Adam<float>(new ParameterSet<float>().AddAll(tagger.Parameters()), 0.05), new FitOptions<float> { Epochs = 20, BatchSize = 8 });
        var after = tagger.Model.Evaluate(data, loss);
        Assert.True(after.Loss < before / 4 && after.Accuracy > 0.9, $"loss {before:F3} → {after.Loss:F3}, accuracy {after.Accuracy:P0}");
        Assert.Equal(["embedding", "rnn", "output"], tagger.Model.Layers.Select(l => l.Name));
        Assert.Same(tagger.Parameters()[0], tagger.Model.Parameters()[0]);
    }
}
