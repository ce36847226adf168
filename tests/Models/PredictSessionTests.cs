using System.Numerics.Tensors;

namespace RnnGen.Tests.Models;

/// <summary>Predict and Evaluate run a forward-only session of the model: the same numbers as Forward, the model's own
/// recorded Forward left for its Backward, and the weights shared (a change shows at once).</summary>
public class PredictSessionTests
{
    private const int Batch = 3, Steps = 5, Input = 4;

    private static Model<double> Build() => Model.Sequential<double>(seed: 3).Input(Input)
        .Lstm(6, layers: 2, bidirectional: true).Dense(2).Build();

    private static double[] Values(int seed) => Enumerable.Range(0, Batch * Steps * Input).Select(i => Math.Sin(seed + 0.7 * i)).ToArray();

    [Fact]
    public void PredictEqualsForwardAndLeavesTheRecordedForwardToItsBackward()
    {
        var model = Build();
        var (a, b) = (new SequenceBatch<double>(Values(1), Batch, Steps, Input), Values(2));
        var dOutput = Enumerable.Range(0, Batch * Steps * 2).Select(i => Math.Cos(i)).ToArray();

        model.ZeroGradients();
        var output = model.Forward(a, training: true);
        model.Backward(output.With(dOutput, 2));
        var alone = Gradients(model);

        model.ZeroGradients();
        output = model.Forward(a, training: true);
        var predicted = model.Predict(Tensor.Create(b, [Batch, Steps, Input])).ToArray();
        model.Backward(output.With(dOutput, 2));
        Assert.Equal(alone, Gradients(model));

        Assert.Equal(model.Forward(new SequenceBatch<double>(b, Batch, Steps, Input)).Values.ToArray(), predicted);
    }

    [Fact]
    public void PredictSeesAWeightChangeAtOnce()
    {
        var model = Build();
        var input = Tensor.Create(Values(4), [Batch, Steps, Input]);
        var before = model.Predict(input).ToArray();
        var weights = model.Parameters().First(p => p.Name == "rnn.l1_reverse.U_g").Values.Span;
        for (var i = 0; i < weights.Length; i++) weights[i] += 0.25;
        var after = model.Predict(input).ToArray();
        Assert.NotEqual(before, after);
        Assert.Equal(model.Forward(new SequenceBatch<double>(Values(4), Batch, Steps, Input)).Values.ToArray(), after);
    }

    private static double[] Gradients(Model<double> model) =>
        model.Parameters().SelectMany(p => p.Gradient.ToArray()).ToArray();
}
