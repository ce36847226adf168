using System.Numerics.Tensors;
using RnnGen.Data;
using RnnGen.Training;

namespace RnnGen.Tests.Api;

/// <summary>The model API of issue 9: shaped tensors at the boundary, Fit/Predict/Evaluate, early stopping.</summary>
public class ModelApiTests
{
    private static Model<float> Forecaster(int seed = 1) =>
        Model.Sequential<float>(seed).Input(1).Lstm(16, returnSequences: false).Dense(1).Build();

    private static float[] Sine(int length, double noise = 0, int seed = 0)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(t => (float)(Math.Sin(t * 0.3) + noise * (random.NextDouble() * 2 - 1))).ToArray();
    }

    [Fact]
    public void SequentialBuilderNamesLayersLikePyTorchModules()
    {
        var model = Model.Sequential<float>().Embedding(10, 4).Lstm(6, layers: 2).Dropout(0.1).Dense(3).Build();
        Assert.Equal(["embedding", "rnn", "dropout", "fc"], model.Layers.Select(l => l.Name));
        var shapes = model.Parameters().ToDictionary(p => p.Name, p => p.Shape.ToArray());
        Assert.Equal([10, 4], shapes["embedding.weight"]);
        Assert.Equal([6, 4], shapes["rnn.l0.W_i"]);
        Assert.Equal([6, 6], shapes["rnn.l1.U_o"]);
        Assert.Equal([6], shapes["rnn.l0.b_f"]);
        Assert.Equal([3, 6], shapes["fc.weight"]);
        Assert.Equal(["embedding", "recurrent", "dropout", "dense"], model.Config.Layers.Select(l => l.Config.Kind));
    }

    [Fact]
    public void ShapeMismatchesNameExpectedAndActualShapes()
    {
        var model = Model.Sequential<float>().Input(8).Gru(4).Dense(2).Build();
        var error = Assert.Throws<ArgumentException>(() => model.Predict(Tensor.Create(new float[4 * 10 * 7], [4, 10, 7])));
        Assert.Equal("input", error.ParamName);
        Assert.Contains("[batch, steps, 8]", error.Message);
        Assert.Contains("[4, 10, 7]", error.Message);
        error = Assert.Throws<ArgumentException>(() => model.Predict(Tensor.Create(new float[40], [4, 10])));
        Assert.Contains("[4, 10]", error.Message);

        var layer = model.Layers[0].Layer;
        error = Assert.Throws<ArgumentException>(() => layer.Forward(new SequenceBatch<float>(new float[4 * 10 * 7], 4, 10, 7)));
        Assert.Equal("input must be [batch, steps, 8] but is [4, 10, 7]. (Parameter 'input')", error.Message);

        var output = layer.Forward(new SequenceBatch<float>(new float[2 * 3 * 8], 2, 3, 8), training: true);
        error = Assert.Throws<ArgumentException>(() => layer.Backward(new SequenceBatch<float>(new float[2 * 3 * 5], 2, 3, 5)));
        Assert.Equal("dOutput", error.ParamName);
        Assert.Contains(output.ToString(), error.Message);
        Assert.Contains("[2, 3, 5]", error.Message);
    }

    [Fact]
    public void WrongElementTypeAndBadBatchesAreClearErrors()
    {
        var values = Model.Sequential<float>().Input(2).Lstm(3).Build();
        Assert.Contains("[batch, steps, 2] tensor of Single", Assert.Throws<ArgumentException>(() => values.Predict(Tensor.Create(new int[6], [2, 3]))).Message);
        var tokens = Model.Sequential<float>().Embedding(5, 2).Lstm(3).Build();
        Assert.Contains("token ids", Assert.Throws<ArgumentException>(() => tokens.Predict(Tensor.Create(new float[12], [2, 3, 2]))).Message);
        var length = Assert.Throws<ArgumentException>(() => new SequenceBatch<float>(new float[5], 2, 3, 1));
        Assert.Contains("[batch 2, steps 3, features 1]", length.Message);
        Assert.Equal("lengths", Assert.Throws<ArgumentOutOfRangeException>(() => new SequenceBatch<float>(new float[6], 2, 3, 1, new[] { 3, 4 })).ParamName);
        Assert.Contains("only be the first layer", Assert.Throws<ArgumentException>(() =>
            new Model<float>(new("rnn", new RecurrentLayer<RnnGen.Lstm, float>(2, 2, new RecurrentOptions { BatchFirst = true })), new("embedding", new Embedding<float>(3, 2)))).Message);
        Assert.Contains("reads 3 features per step but 'a' writes 2", Assert.Throws<ArgumentException>(() =>
            new Model<float>(new("a", new Dense<float>(1, 2)), new("b", new Dense<float>(3, 1)))).Message);
    }

    [Fact]
    public void PredictReturnsOwnedTensorsThatSurviveTheNextCall()
    {
        var model = Forecaster();
        var first = model.Predict(Tensor.Create(Sine(10), [2, 5, 1]));
        Assert.Equal([2, 1], first.Lengths.ToArray().Select(n => (int)n));
        var copy = first.ToArray();
        var second = model.Predict(Tensor.Create(Sine(10).Select(v => -v).ToArray(), [2, 5, 1]));
        Assert.Equal(copy, first.ToArray());
        Assert.NotEqual(copy, second.ToArray());

        var tagger = Model.Sequential<float>().Embedding(6, 3).Gru(4).Dense(6).Build();
        var logits = tagger.Predict(Tensor.Create(new[] { 1, 2, 3, 4, 5, 0 }, [2, 3]), [3, 2]);
        Assert.Equal([2, 3, 6], logits.Lengths.ToArray().Select(n => (int)n));
    }

    [Fact]
    public void EvaluateComputesMetricsOnAHandCheckableCase()
    {
        // y = 2x on inputs 1, 2, 3 against targets 2, 3, 4: errors 0, 1, 2 → MSE 5/3, MAE 1.
        var dense = new Dense<float>(1, 1);
        (dense.Weight[0], dense.Bias[0]) = (2, 0);
        var model = new Model<float>(new NamedLayer<float>("fc", dense));
        var metrics = model.Evaluate(new TimeSeriesDataset<float>([1f, 2, 3, 4], window: 1), new MeanSquaredErrorLoss<float>(), batchSize: 2);
        Assert.Equal(5.0 / 3, metrics.MeanSquaredError!.Value, 6);
        Assert.Equal(1.0, metrics.MeanAbsoluteError!.Value, 6);
        Assert.Equal(5.0 / 3, metrics.Loss, 6);
        Assert.Equal(3, metrics.Rows);
        Assert.Null(metrics.Accuracy);
    }

    [Fact]
    public void FitLearnsManyToOneRegression()
    {
        var model = Forecaster();
        var train = new TimeSeriesDataset<float>(Sine(300, noise: 0.05), window: 12, stride: 2, seed: 3);
        var validation = new TimeSeriesDataset<float>(Sine(300, seed: 9).Skip(100).ToArray(), window: 12, stride: 5);
        var loss = new MeanSquaredErrorLoss<float>();
        var before = model.Evaluate(validation, loss).MeanSquaredError;
        var history = model.Fit(train, loss, new Adam<float>(new ParameterSet<float>().AddAll(model.Parameters()), 0.01),
            new FitOptions<float> { Epochs = 12, BatchSize = 16, Validation = validation, ClipNorm = 5 });
        var after = model.Evaluate(validation, loss).MeanSquaredError;
        Assert.Equal(12, history.Epochs.Count);
        Assert.True(after < 0.02 && after < before / 10, $"validation MSE {before:F4} → {after:F4}");
    }

    [Fact]
    public void FitLearnsATokenClassifier()
    {
        // The class of a sequence is its first token (0, 1 or 2), followed by 3–7 distractor tokens: the layer must remember.
        var random = new Random(5);
        var sequences = Enumerable.Range(0, 120).Select(_ =>
            new[] { random.Next(3) }.Concat(Enumerable.Range(0, random.Next(3, 8)).Select(_ => 3 + random.Next(5))).ToArray()).ToList();
        var data = TokenSequenceDataset<float>.Classified(sequences, sequences.Select(s => s[0]).ToArray(), seed: 1);
        var model = Model.Sequential<float>(seed: 2).Embedding(8, 8).Gru(16, returnSequences: false).Dense(3).Build();
        var loss = new SoftmaxCrossEntropyLoss<float>();
        model.Fit(data, loss, new Adam<float>(new ParameterSet<float>().AddAll(model.Parameters()), 0.02),
            new FitOptions<float> { Epochs = 15, BatchSize = 16 });
        var metrics = model.Evaluate(data, loss);
        Assert.True(metrics.Loss < 0.1 && metrics.Accuracy > 0.97, $"loss {metrics.Loss:F3}, accuracy {metrics.Accuracy:P0}");
    }

    [Fact]
    public void EarlyStoppingRestoresTheWeightsOfTheBestEpoch()
    {
        // Training pulls the output towards +1 while validation wants −1: validation gets worse every epoch after the first.
        var model = Forecaster(seed: 4);
        var up = new TimeSeriesDataset<float>(Enumerable.Repeat(1f, 40).ToArray(), window: 4);
        var down = new TimeSeriesDataset<float>(Enumerable.Repeat(1f, 20).Select((v, i) => i < 4 ? v : -1f).ToArray(), window: 4, horizon: 1, stride: 100);
        var snapshots = new List<float[]>();
        var history = model.Fit(up, new MeanSquaredErrorLoss<float>(), new Sgd<float>(new ParameterSet<float>().AddAll(model.Parameters()), 0.05),
            new FitOptions<float>
            {
                Epochs = 20, BatchSize = 8, Validation = down, EarlyStopping = new EarlyStopping(Patience: 3),
                Callbacks = [_ => snapshots.Add(model.Parameters().SelectMany(p => p.Values.ToArray()).ToArray())],
            });
        Assert.True(history.StoppedEarly);
        Assert.True(history.RestoredBest);
        Assert.True(history.BestEpoch < history.Epochs.Count - 1);
        Assert.Equal(history.Epochs.MinBy(e => e.ValidationLoss)!.Epoch, history.BestEpoch);
        Assert.NotEqual(snapshots[^1], snapshots[history.BestEpoch]);
        Assert.Equal(snapshots[history.BestEpoch], model.Parameters().SelectMany(p => p.Values.ToArray()).ToArray());
    }

    [Fact]
    public void FitRejectsAnOptimizerOverOtherParametersAndEmptyValidation()
    {
        var model = Forecaster();
        var other = Forecaster();
        var data = new TimeSeriesDataset<float>(Sine(20), window: 4);
        var error = Assert.Throws<ArgumentException>(() => model.Fit(data, new MeanSquaredErrorLoss<float>(),
            new Adam<float>(new ParameterSet<float>().AddAll(other.Parameters().Skip(1)), 0.01)));
        Assert.Equal("optimizer", error.ParamName);
        Assert.Contains("rnn.l0.W_i", error.Message);
        var optimizer = new Adam<float>(new ParameterSet<float>().AddAll(model.Parameters()), 0.01);
        Assert.Contains("set options.Validation", Assert.Throws<ArgumentException>(() => model.Fit(data, new MeanSquaredErrorLoss<float>(), optimizer,
            new FitOptions<float> { EarlyStopping = new EarlyStopping(2) })).Message);
    }

    [Fact]
    public void BadTargetsAreClearErrors()
    {
        var model = Model.Sequential<float>().Embedding(4, 2).Lstm(3, returnSequences: false).Dense(2).Build();
        var data = TokenSequenceDataset<float>.Classified([[1, 2], [3, 1]], [0, 5]);
        var range = Assert.Throws<ArgumentOutOfRangeException>(() => model.Evaluate(data, new SoftmaxCrossEntropyLoss<float>()));
        Assert.Equal("targets", range.ParamName);
        Assert.Contains("targets[1] = 5", range.Message);

        var forecaster = Forecaster();
        var output = forecaster.Forward(new SequenceBatch<float>(new float[6], 2, 3, 1));
        var nan = Assert.Throws<ArgumentException>(() => new MeanSquaredErrorLoss<float>().Compute(output, Targets<float>.Regression(new[] { 0.5f, float.NaN }), default));
        Assert.Equal("targets", nan.ParamName);
        Assert.Contains("targets[1] is NaN", nan.Message);
        var shape = Assert.Throws<ArgumentException>(() => new MeanSquaredErrorLoss<float>().Compute(output, Targets<float>.Regression(new float[3]), default));
        Assert.Contains("[2, 1] (one row per sequence)", shape.Message);
        Assert.Contains("hold 3", shape.Message);
    }

    [Fact]
    public void ConfigsRebuildEveryLayerKind()
    {
        var model = Model.Sequential<double>().Embedding(7, 3, paddingIndex: 0).Recurrent<RnnGen.ResetBeforeGru>(4,
            new RecurrentOptions { Bidirectional = true, NumLayers = 2 }).Dropout(0.2).LastStep().Dense(5, Activation.Tanh).Build();
        var rebuilt = Model<double>.Create(model.Config);
        Assert.Equal(model.Config.Layers.Select(l => l.Config), rebuilt.Config.Layers.Select(l => l.Config));
        Assert.Equal(model.Parameters().Select(p => p.ToString()), rebuilt.Parameters().Select(p => p.ToString()));
        Assert.Contains("RecurrentCells.Register", Assert.Throws<KeyNotFoundException>(() =>
            new RecurrentConfig("NoSuchCell", 1, 1, new RecurrentOptions()).Create<float>()).Message);
    }

    [Fact]
    public void EveryBuiltInCellIsKnownByNameSoItsCheckpointsLoad()
    {
        var builtIn = typeof(Lstm).Assembly.GetExportedTypes().Where(t => t.IsValueType && typeof(IRecurrentCell).IsAssignableFrom(t)).Select(t => t.Name).ToList();
        Assert.Contains("LayerNormGru", builtIn);
        Assert.All(builtIn, name => Assert.Contains(name, RecurrentCells.Names));
    }
}

public class BinaryMetricsTests
{
    [Fact]
    public void BinaryCrossEntropyReportsAccuracyOfItsDecisions()
    {
        // Logits 2x for x = −1, 1, 2 against 0/1 targets 0, 0, 1: decisions (x > 0) right, wrong, right.
        var dense = new Dense<float>(1, 1);
        (dense.Weight[0], dense.Bias[0]) = (2, 0);
        var model = new Model<float>(new NamedLayer<float>("fc", dense));
        var data = new RnnGen.Data.SequenceDataset<float>(Tensor.Create(new[] { -1f, 1, 2 }, [3, 1, 1]), Tensor.Create(new[] { 0f, 0, 1 }, [3, 1, 1]));
        var metrics = model.Evaluate(data, new BinaryCrossEntropyLoss<float>());
        Assert.Equal(2.0 / 3, metrics.Accuracy!.Value, 9);
        Assert.Null(metrics.MeanSquaredError);
        var expected = (Math.Log(1 + Math.Exp(-2)) + Math.Log(1 + Math.Exp(2)) + Math.Log(1 + Math.Exp(-4))) / 3;
        Assert.Equal(expected, metrics.Loss, 5);
    }
}
