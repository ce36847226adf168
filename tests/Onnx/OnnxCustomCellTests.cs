using System.Numerics.Tensors;
using RnnGen.Onnx;
using RnnGen.Samples;
using RnnGen.Tests.Cells;
using Xunit.Abstractions;
using static RnnGen.Tests.Onnx.OnnxExportTests;
using static RnnGen.Tests.Onnx.OnnxRuntimeRunner;

namespace RnnGen.Tests.Onnx;

/// <summary>Cells other than the four ONNX operators, exported as a Loop over their described equations, run in ONNX
/// Runtime and give RnnGen's outputs to 1e-5 (float32): peephole, multi-stage, two-state, every function, the built-in
/// cells without an ONNX operator (SLstm: four states; LayerNormLstm and LayerNormGru: row statistics; Lstmp: a state of
/// size P), masks at their expectation (zoneout with a number, dropout_seq with a named rate, dropconnect), scalar
/// parameters, statistics of several rows, and the LSTM's own equations declared as a custom cell.</summary>
public class OnnxCustomCellTests(ITestOutputHelper output)
{
    private static Model<float> Build(string cell, RecurrentOptions options, int hidden = 5)
    {
        var builder = Model.Sequential<float>(seed: 7).Input(Features);
        options = options with { Seed = 11 };
        builder = cell switch
        {
            nameof(PeepholeLstm) => builder.Recurrent<PeepholeLstm>(hidden, options),
            nameof(ThreeStageCell) => builder.Recurrent<ThreeStageCell>(hidden, options),
            nameof(CarryTrackRnn) => builder.Recurrent<CarryTrackRnn>(hidden, options),
            nameof(FunctionZooCell) => builder.Recurrent<FunctionZooCell>(hidden, options),
            nameof(StabilizerCell) => builder.Recurrent<StabilizerCell>(hidden, options),
            nameof(ResetBeforeGru) => builder.Recurrent<ResetBeforeGru>(hidden, options),
            nameof(Mgu) => builder.Recurrent<Mgu>(hidden, options),
            nameof(IndRnn) => builder.Recurrent<IndRnn>(hidden, options),
            nameof(SLstm) => builder.Recurrent<SLstm>(hidden, options),
            nameof(MinGru) => builder.Recurrent<MinGru>(hidden, options),
            nameof(MinLstm) => builder.Recurrent<MinLstm>(hidden, options),
            nameof(FixedSizeLstm) => builder.Recurrent<FixedSizeLstm>(20, options),
            nameof(LayerNormLstm) => builder.Recurrent<LayerNormLstm>(hidden, options),
            nameof(LayerNormGru) => builder.Recurrent<LayerNormGru>(hidden, options),
            nameof(Lstmp) => builder.Recurrent<Lstmp>(hidden, options with { ProjectionSize = 3 }),
            nameof(RandomZooCell) => builder.Recurrent<RandomZooCell>(hidden, options with { Rates = new Dictionary<string, double> { ["p_h"] = 0.4 } }),
            nameof(WeightDropLstm) => builder.Recurrent<WeightDropLstm>(hidden, options with { Rates = new Dictionary<string, double> { ["weight_drop"] = 0.5 } }),
            nameof(ScalarCell) => builder.Recurrent<ScalarCell>(hidden, options),
            nameof(StagedReductionCell) => builder.Recurrent<StagedReductionCell>(hidden, options),
            _ => throw new ArgumentOutOfRangeException(nameof(cell), cell, null),
        };
        return builder.Dense(4).Build();
    }

    public static TheoryData<string, int, bool> Cases()
    {
        var data = new TheoryData<string, int, bool>();
        foreach (var cell in new[] { nameof(PeepholeLstm), nameof(ThreeStageCell), nameof(CarryTrackRnn), nameof(FunctionZooCell), nameof(StabilizerCell), nameof(ResetBeforeGru), nameof(Mgu),
                     nameof(IndRnn), nameof(SLstm), nameof(MinGru), nameof(MinLstm), nameof(FixedSizeLstm), nameof(LayerNormLstm), nameof(LayerNormGru), nameof(Lstmp),
                     nameof(RandomZooCell), nameof(WeightDropLstm), nameof(ScalarCell), nameof(StagedReductionCell) })
        {
            data.Add(cell, 1, false);
            data.Add(cell, 2, true);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EachCellStackedAndBidirectionalMatchesOnnxRuntimeWithVariableLengths(string cell, int layers, bool bidirectional)
    {
        var model = Build(cell, new RecurrentOptions { NumLayers = layers, Bidirectional = bidirectional });
        var (withLengths, difference) = Compare(model);
        output.WriteLine($"{cell} layers={layers} bidirectional={bidirectional}: max |RnnGen − ONNX Runtime| = {difference:E2}");
        // The lengths must matter, or the mask would go untested: the shorter sequences' outputs past their ends differ.
        var fullLength = Flatten(model.Predict(Tensor.Create(Values(), [Batch, Steps, Features])));
        Assert.True(MaxDifference(withLengths, fullLength) > 1e-3);
        Assert.Contains("Loop", System.Text.Encoding.UTF8.GetString(OnnxExport.ToBytes(model)));
    }

    [Theory]
    [InlineData(BidirectionalMerge.Sum, false)]
    [InlineData(BidirectionalMerge.Concat, false)]
    [InlineData(BidirectionalMerge.Multiply, true)]
    public void ManyToOneAndEachMerge(BidirectionalMerge merge, bool returnSequences)
    {
        // Many-to-one reads each direction's final output state: the reverse direction's is the one at step 0.
        var model = Build(nameof(CarryTrackRnn), new RecurrentOptions { NumLayers = 2, Bidirectional = true, Merge = merge, ReturnSequences = returnSequences });
        var (expected, difference) = Compare(model);
        output.WriteLine($"{merge} returnSequences={returnSequences}: {difference:E2}");
        Assert.Equal(returnSequences ? Batch * Steps * 4 : Batch * 4, expected.Length);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void GoBackwardsWithAndWithoutLengths(bool lengths)
    {
        var model = Build(nameof(PeepholeLstm), new RecurrentOptions { GoBackwards = true, NumLayers = 2 });
        output.WriteLine($"lengths={lengths}: {Compare(model, new OnnxExportOptions { SequenceLengths = lengths }).Difference:E2}");
    }

    [Fact]
    public void WithoutBiasOrLengths()
    {
        // Bias = false: the biases are zero and not in the state dict; without lengths every sequence runs all steps.
        var model = Build(nameof(ThreeStageCell), new RecurrentOptions { Bias = false, NumLayers = 2 });
        output.WriteLine($"no bias: {Compare(model).Difference:E2}, no lengths: {Compare(model, new OnnxExportOptions { SequenceLengths = false }).Difference:E2}");
    }

    [Fact]
    public void BesideABuiltInOperatorAndAnEmbedding()
    {
        var model = Model.Sequential<float>(seed: 5).Embedding(11, 4).Recurrent<Mgu>(6, new RecurrentOptions { Bidirectional = true }).Lstm(5).Dense(11).Build();
        var ids = Enumerable.Range(0, Batch * Steps).Select(i => i * 7 % 11).ToArray();
        var expected = Flatten(model.Predict(Tensor.Create(ids, [Batch, Steps]), [6, 4, 1]));
        var actual = Run(OnnxExport.ToBytes(model), null, [.. ids.Select(i => (long)i)], [Batch, Steps], [6, 4, 1]);
        Assert.InRange(MaxDifference(expected, actual), 0, 1e-5);
    }
}
