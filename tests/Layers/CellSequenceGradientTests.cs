using RnnGen.Tests.Cells;
using RnnGen.Tests.Support;
using RnnGen.Samples;

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
    // Random inputs meet a tie or a kink of max, min, abs or clamp with probability 0 (TieTests covers them).
    [Fact] public void StabilizerCell() => Check<StabilizerCell>();
    [Fact] public void FixedSizeRnn() => Check<FixedSizeRnn>(hidden: 6);
    [Fact] public void IndRnn() => Check<RnnGen.IndRnn>(lengths: new[] { 5, 2, 4 });
    [Fact] public void Mgu() => Check<RnnGen.Mgu>(lengths: new[] { 3, 5, 1 }, reverse: true);
    [Fact] public void SLstm() => Check<RnnGen.SLstm>(lengths: new[] { 4, 1, 5 });
    // P < H, P > H and ragged reverse: the projected h ([B, P]) and c ([B, H]) and W_hr [P, H] are all checked.
    [Fact] public void Lstmp() => Check<RnnGen.Lstmp>(projection: 5);
    [Fact] public void LstmpWiderProjectionRaggedReversed() => Check<RnnGen.Lstmp>(projection: 13, lengths: new[] { 2, 5, 3 }, reverse: true);

    // Training masks held fixed: every run of the loss repeats the same draw, so the loss is a smooth function again.
    private static readonly MaskDraw Draw = new(Seed: 7, Counter: 3, Stream: 1);
    private static readonly Dictionary<string, double> ZooRates = new() { ["p_h"] = 0.4 };
    [Fact] public void RandomZooCellTrainingMasks() => Check<RandomZooCell>(lengths: new[] { 5, 2, 4 }, masks: Draw, rates: ZooRates);
    [Fact] public void RandomZooCellReversedInference() => Check<RandomZooCell>(lengths: new[] { 3, 5, 1 }, reverse: true, rates: ZooRates);
    [Fact] public void ZoneoutLstmTrainingMasks() => Check<ZoneoutLstm>(lengths: new[] { 4, 1, 5 }, reverse: true, masks: Draw);
    [Fact] public void RecurrentDropoutLstmTrainingMasks() =>
        Check<RecurrentDropoutLstm>(lengths: new[] { 5, 3, 2 }, timeMajor: true, masks: Draw, rates: new() { ["recurrent_dropout"] = 0.3 });
    [Fact] public void WeightDropLstmTrainingMasks() =>
        Check<WeightDropLstm>(lengths: new[] { 2, 5, 4 }, reverse: true, masks: Draw, rates: new() { ["weight_drop"] = 0.4 });
    [Fact] public void WeightDropLstmTwoSteps() => Check<WeightDropLstm>(lengths: new[] { 2, 1, 2 }, masks: Draw, rates: new() { ["weight_drop"] = 0.4 }, steps: 2);

    // Cells with the scan schedule (CellInfo.Schedule): the chunked scan and its reverse, checked the same way.
    [Fact] public void MinGru() => Check<RnnGen.MinGru>();
    [Fact] public void MinLstm() => Check<RnnGen.MinLstm>();
    [Fact] public void QrnnCell() => Check<QrnnCell>();
    [Fact] public void RealLinearRecurrence() => Check<RealLinearRecurrence>();
    [Fact] public void QrnnRaggedReversedTimeMajor() => Check<QrnnCell>(lengths: new[] { 5, 2, 4 }, reverse: true, timeMajor: true);
    [Fact] public void MinGruRaggedForward() => Check<RnnGen.MinGru>(lengths: new[] { 3, 5, 1 });
    [Fact] public void ReductionCell() => Check<ReductionCell>();
    [Fact] public void ScalarCell() => Check<ScalarCell>();
    [Fact] public void StagedReductionCell() => Check<StagedReductionCell>();
    [Fact] public void FixedSizeLayerNormRnn() => Check<FixedSizeLayerNormRnn>(hidden: 6);
    [Fact] public void LayerNormLstm() => Check<RnnGen.LayerNormLstm>();
    [Fact] public void LayerNormGru() => Check<RnnGen.LayerNormGru>();

    // Variable lengths, reverse processing and strided time-major layouts go through the same gradient check.
    [Fact] public void LstmRaggedReversedTimeMajor() => Check<RnnGen.Lstm>(lengths: new[] { 5, 2, 4 }, reverse: true, timeMajor: true);
    [Fact] public void GruRaggedForward() => Check<RnnGen.Gru>(lengths: new[] { 3, 5, 1 });
    [Fact] public void ThreeStageRaggedReversed() => Check<ThreeStageCell>(lengths: new[] { 4, 1, 5 }, reverse: true);
    [Fact] public void ReductionRaggedReversed() => Check<ReductionCell>(lengths: new[] { 2, 5, 3 }, reverse: true);
    [Fact] public void ScalarRagged() => Check<ScalarCell>(lengths: new[] { 4, 1, 5 });
    [Fact] public void LayerNormLstmRaggedTimeMajor() => Check<RnnGen.LayerNormLstm>(lengths: new[] { 5, 2, 4 }, timeMajor: true);
    [Fact] public void LayerNormGruRaggedReversed() => Check<RnnGen.LayerNormGru>(lengths: new[] { 3, 5, 1 }, reverse: true);

    /// <summary>H = 11 covers the two-vector body, a single vector and the scalar tail (Vector&lt;double&gt; has 4 lanes here).</summary>
    private static void Check<TCell>(int hidden = 11, int[]? lengths = null, bool reverse = false, bool timeMajor = false,
        MaskDraw? masks = null, Dictionary<string, double>? rates = null, int steps = 5, int projection = 0) where TCell : IRecurrentCell
    {
        const int batch = 3, inputSize = 4;
        var cell = TCell.Info;
        int Width(int state) => state == cell.Projection?.State ? projection : hidden;
        // A strided layout: each row of the buffers is wider than the features, offset by one.
        var inputShape = new SequenceShape(batch, steps, inputSize, timeMajor, inputSize + 3, 1);
        var outputShape = new SequenceShape(batch, steps, Width(cell.OutputState), timeMajor, Width(cell.OutputState) + 2, 2);
        var random = new Random(1234);
        var parameters = new CellParameters<double>(cell, inputSize, hidden, projection);
        foreach (var array in parameters.Groups.Append(parameters.Vectors).Append(parameters.Projection).Append(parameters.Scalars))
            Finite.Random(random, array.Length, 0.6).CopyTo(array, 0);
        var sequence = new CellSequence<TCell, double>(parameters, batch, steps, rates);
        var stateLength = batch * Enumerable.Range(0, cell.States.Count).Sum(Width);
        var input = Finite.Random(random, (int)inputShape.RequiredLength);
        var initial = Finite.Random(random, stateLength, 0.5);
        var outputWeights = Finite.Random(random, (int)outputShape.RequiredLength);
        var finalWeights = Finite.Random(random, stateLength);
        var output = new double[outputShape.RequiredLength];
        var final = new double[stateLength];

        double Loss()
        {
            Array.Clear(output);
            sequence.Forward(input, inputShape, initial, output, outputShape, final, lengths, reverse, masks);
            double loss = 0;
            for (var i = 0; i < output.Length; i++) loss += output[i] * outputWeights[i];
            for (var i = 0; i < final.Length; i++) loss += final[i] * finalWeights[i];
            return loss;
        }

        Loss();
        var gradients = new CellParameters<double>(cell, inputSize, hidden, projection);
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
        // Elements outside the shape (stride padding) and past each sequence's end have zero gradient.
        var numericInput = Finite.Gradient(input, Loss);
        Compare("input", dInput, numericInput);
        Compare("initial states", dInitial, Finite.Gradient(initial, Loss));
        Assert.True(failures.Count == 0, $"{cell.Name}: " + string.Join("; ", failures));
    }
}
