using RnnGen.Data;
using RnnGen.Tests.Support;

namespace RnnGen.Tests.Api;

/// <summary>Sequential builder and annotated class: the same model through the same protocol</summary>
[RecurrentModel]
public partial class AnnotatedLanguageModel
{
    [Layer] private readonly Embedding<double> embedding = new(9, 4, seed: 0);
    [Layer] private readonly RecurrentLayer<RnnGen.Lstm, double> rnn = new(4, 5, new RecurrentOptions { BatchFirst = true, NumLayers = 2, Bidirectional = true, Seed = 1 });
    [Layer] private readonly Dense<double> fc = new(10, 9, seed: 2);
}

/// <summary>Gradients through the layer protocol (Model.Forward/Backward with lengths) against finite differences in double.</summary>
public class ProtocolGradientTests
{
    private static void Check(Model<double> model, Func<SequenceBatch<double>> forward, ILoss<double> loss, Targets<double> targets,
        double[]? input = null)
    {
        var output = forward();
        var dOutput = new double[output.Values.Length];
        model.ZeroGradients();
        loss.Compute(output, targets, dOutput);
        var dInput = model.Backward(output.With(dOutput, output.Features), inputGradient: input is not null).Values.ToArray();
        double Loss() => loss.Compute(forward(), targets, default);
        var failures = new List<string>();
        foreach (var p in model.Parameters())
        {
            var error = Finite.RelativeError(p.Gradient.Span, Finite.Gradient(p.Values.Span, Loss));
            if (!(error <= 1e-6)) failures.Add($"{p}: {error:E2}");
        }
        if (input is not null && !(Finite.RelativeError(dInput, Finite.Gradient(input, Loss)) <= 1e-6)) failures.Add("input");
        Assert.True(failures.Count == 0, string.Join("; ", failures));
    }

    [Fact]
    public void TokenTaggerWithLengthsMatchesFiniteDifferences()
    {
        var model = Model.Sequential<double>().Embedding(9, 4).Lstm(5, layers: 2, bidirectional: true).Dense(9).Build();
        var data = TokenSequenceDataset<double>.NextToken([[1, 2, 3, 4, 5], [6, 7, 8], [2, 4]]);
        var batch = data.GetBatch(0, 3);
        Check(model, () => model.Forward(batch.Inputs, training: true), new SoftmaxCrossEntropyLoss<double>(), batch.Targets);
    }

    [Fact]
    public void ManyToOneRegressionMatchesFiniteDifferencesIncludingTheInput()
    {
        var model = Model.Sequential<double>(seed: 3).Input(2).Gru(4).Recurrent<RnnGen.ResetBeforeGru>(3,
            new RecurrentOptions { ReturnSequences = false, Seed = 5 }).Dense(2, Activation.Tanh).Build();
        var input = Finite.Random(new Random(3), 3 * 4 * 2);
        var lengths = new[] { 4, 2, 3 };
        var targets = Targets<double>.Regression(Finite.Random(new Random(4), 3 * 2));
        Check(model, () => model.Forward(new SequenceBatch<double>(input, 3, 4, 2, lengths), training: true), new MeanSquaredErrorLoss<double>(), targets, input);
    }

    [Fact]
    public void LastStepClassifierWithLengthsMatchesFiniteDifferences()
    {
        var model = Model.Sequential<double>(seed: 7).Embedding(6, 3).Gru(4, bidirectional: true).Dropout(0.5).LastStep().Dense(3).Build();
        var data = TokenSequenceDataset<double>.Classified([[1, 2, 3, 4], [5, 1], [2, 2, 3]], [2, 0, 1]);
        var batch = data.GetBatch(0, 3);
        // Dropout is the identity outside training, so finite differences see the same function.
        Check(model, () => model.Forward(batch.Inputs), new SoftmaxCrossEntropyLoss<double>(), batch.Targets);
        var last = model.Forward(batch.Inputs);
        Assert.True(last.IsPerSequence);
        Assert.Equal(3 * 3, last.Values.Length);
    }

    [Fact]
    public void AnnotatedAndSequentialModelsAreTheSameModel()
    {
        var annotated = new AnnotatedLanguageModel();
        var built = Model.Sequential<double>().Embedding(9, 4).Lstm(5, layers: 2, bidirectional: true).Dense(9).Build();
        Assert.Equal(built.Config.Layers, annotated.Model.Config.Layers);
        Assert.Equal(built.Parameters().Select(p => p.ToString()), annotated.Parameters().Select(p => p.ToString()));
        Assert.Equal(built.Parameters().Select(p => p.Values.ToArray()), annotated.Parameters().Select(p => p.Values.ToArray()));
        var tokens = SequenceBatch<double>.FromTokens(new[] { 1, 2, 3, 4, 5, 6 }, 2, 3, new[] { 3, 2 });
        Assert.Equal(built.Forward(tokens).Values.ToArray(), annotated.Forward(tokens).Values.ToArray());
    }
}
