using RnnGen.Tests.Cells;
using RnnGen.Tests.Support;

namespace RnnGen.Tests.Layers;

/// <summary>
/// BPTT through the generated backward passes against central finite differences in double, for every parameter,
/// the input and the initial states. Loss = Σ output ⊙ R + Σ final states ⊙ Q with fixed random R, Q.
/// </summary>
public class CellSequenceGradientTests
{
    private const double Tolerance = 1e-6;

    [Fact] public void SimpleRnnTanh() => Check<SimpleRnnTanh>();
    [Fact] public void SimpleRnnRelu() => Check<SimpleRnnRelu>();
    [Fact] public void Lstm() => Check<RnnGen.Lstm>();
    [Fact] public void Gru() => Check<RnnGen.Gru>();
    [Fact] public void ResetBeforeGru() => Check<RnnGen.ResetBeforeGru>();
    [Fact] public void PeepholeLstm() => Check<PeepholeLstm>();
    [Fact] public void CarryTrackRnn() => Check<CarryTrackRnn>();
    [Fact] public void ThreeStageCell() => Check<ThreeStageCell>();
    [Fact] public void FunctionZooCell() => Check<FunctionZooCell>();
    [Fact] public void FixedSizeRnn() => Check<FixedSizeRnn>(hidden: 6);

    /// <summary>H = 11 covers the two-vector body, a single vector and the scalar tail (Vector&lt;double&gt; has 4 lanes here).</summary>
    private static void Check<TCell>(int hidden = 11) where TCell : IRecurrentCell
    {
        const int batch = 3, steps = 5, inputSize = 4;
        var random = new Random(1234);
        var cell = TCell.Info;
        var parameters = new CellParameters<double>(cell, inputSize, hidden);
        foreach (var array in parameters.Groups.Append(parameters.Vectors))
            Finite.Random(random, array.Length, 0.6).CopyTo(array, 0);
        var sequence = new CellSequence<TCell, double>(parameters, batch, steps);
        var stateLength = cell.States.Count * batch * hidden;
        var input = Finite.Random(random, batch * steps * inputSize);
        var initial = Finite.Random(random, stateLength, 0.5);
        var outputWeights = Finite.Random(random, batch * steps * hidden);
        var finalWeights = Finite.Random(random, stateLength);
        var output = new double[batch * steps * hidden];
        var final = new double[stateLength];

        double Loss()
        {
            sequence.Forward(input, batch, steps, initial, output, final);
            double loss = 0;
            for (var i = 0; i < output.Length; i++) loss += output[i] * outputWeights[i];
            for (var i = 0; i < final.Length; i++) loss += final[i] * finalWeights[i];
            return loss;
        }

        Loss();
        var gradients = new CellParameters<double>(cell, inputSize, hidden);
        var dInput = new double[input.Length];
        var dInitial = new double[initial.Length];
        sequence.Backward(outputWeights, finalWeights, gradients, dInput, dInitial);

        var failures = new List<string>();
        void Compare(string name, ReadOnlySpan<double> analytic, double[] numeric)
        {
            var error = Finite.RelativeError(analytic, numeric);
            Assert.True(numeric.Any(v => v != 0), $"{name}: the loss does not depend on it — the check would be vacuous");
            if (!(error <= Tolerance)) failures.Add($"{name}: relative error {error:E2}");
        }

        var analyticTensors = gradients.Tensors().ToList();
        var tensors = parameters.Tensors().ToList();
        for (var k = 0; k < tensors.Count; k++)
            Compare(tensors[k].Name, analyticTensors[k].Values.Span, Finite.Gradient(tensors[k].Values.Span, Loss));
        Compare("input", dInput, Finite.Gradient(input, Loss));
        Compare("initial states", dInitial, Finite.Gradient(initial, Loss));
        Assert.True(failures.Count == 0, $"{cell.Name}: " + string.Join("; ", failures));
    }
}
