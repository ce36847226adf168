using System.Numerics.Tensors;
using RnnGen.Onnx;
using static RnnGen.Tests.Onnx.OnnxRuntimeRunner;

namespace RnnGen.Tests.Onnx;

/// <summary>Exported models run in ONNX Runtime and give RnnGen's outputs to 1e-5 (float32).</summary>
public class OnnxExportTests
{
    private const double Tolerance = 1e-5;
    internal const int Batch = 3, Steps = 6, Features = 3;
    private static readonly int[] Lengths = [6, 4, 1];

    public static Model<float> Recurrent(string cell, RecurrentOptions options, int hidden = 5)
    {
        var builder = Model.Sequential<float>(seed: 7).Input(Features);
        options = options with { Seed = 11 };
        builder = cell switch
        {
            "lstm" => builder.Recurrent<Lstm>(hidden, options),
            "gru" => builder.Recurrent<Gru>(hidden, options),
            "rnn" => builder.Recurrent<SimpleRnnTanh>(hidden, options),
            "rnn-relu" => builder.Recurrent<SimpleRnnRelu>(hidden, options),
            _ => throw new ArgumentOutOfRangeException(nameof(cell), cell, null),
        };
        return builder.Dense(4).Build();
    }

    public static float[] Values(int seed = 3)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, Batch * Steps * Features).Select(_ => 4 * random.NextSingle() - 2).ToArray();
    }

    /// <summary>Compares ONNX Runtime with RnnGen on values with lengths; returns RnnGen's output.</summary>
    internal static float[] AssertSameOnValues(Model<float> model, OnnxExportOptions? options = null) => Compare(model, options).Expected;

    /// <summary>RnnGen's output and the largest difference from ONNX Runtime's, asserted within the tolerance.</summary>
    internal static (float[] Expected, double Difference) Compare(Model<float> model, OnnxExportOptions? options = null)
    {
        var values = Values();
        var lengths = options?.SequenceLengths == false ? null : Lengths;
        var expected = Flatten(model.Predict(Tensor.Create(values, [Batch, Steps, Features]), lengths));
        var actual = Run(OnnxExport.ToBytes(model, options), values, null, [Batch, Steps, Features], lengths);
        var difference = MaxDifference(expected, actual);
        Assert.InRange(difference, 0, Tolerance);
        return (expected, difference);
    }

    [Theory]
    [InlineData("lstm", 1, false)]
    [InlineData("gru", 1, false)]
    [InlineData("rnn", 1, false)]
    [InlineData("rnn-relu", 1, false)]
    [InlineData("lstm", 2, true)]
    [InlineData("gru", 2, true)]
    [InlineData("rnn", 3, false)]
    [InlineData("rnn-relu", 2, true)]
    public void EachBuiltInCellStackedAndBidirectionalMatchesOnnxRuntimeWithVariableLengths(string cell, int layers, bool bidirectional)
    {
        var model = Recurrent(cell, new RecurrentOptions { NumLayers = layers, Bidirectional = bidirectional });
        var withLengths = AssertSameOnValues(model);
        // The lengths must matter, or this would not test sequence_lens: the second sequence's outputs past step 4 differ.
        var fullLength = Flatten(model.Predict(Tensor.Create(Values(), [Batch, Steps, Features])));
        Assert.True(MaxDifference(withLengths, fullLength) > 1e-3);
    }

    [Theory]
    [InlineData(BidirectionalMerge.Sum, true)]
    [InlineData(BidirectionalMerge.Average, true)]
    [InlineData(BidirectionalMerge.Multiply, true)]
    [InlineData(BidirectionalMerge.Concat, false)]
    [InlineData(BidirectionalMerge.Sum, false)]
    [InlineData(BidirectionalMerge.Multiply, false)]
    public void EachBidirectionalMergePerStepAndManyToOne(BidirectionalMerge merge, bool returnSequences)
    {
        var model = Recurrent("gru", new RecurrentOptions { Bidirectional = true, NumLayers = 2, Merge = merge, ReturnSequences = returnSequences });
        var output = AssertSameOnValues(model);
        Assert.Equal(returnSequences ? Batch * Steps * 4 : Batch * 4, output.Length);
    }

    [Fact]
    public void TokensThroughEmbeddingStackedBidirectionalLstmAndADenseHeadWithSoftmax()
    {
        var model = Model.Sequential<float>(seed: 5).Embedding(11, 4).Lstm(6, layers: 2, bidirectional: true).Dense(11).Build();
        var ids = Enumerable.Range(0, Batch * Steps).Select(i => i * 7 % 11).ToArray();
        var logits = Flatten(model.Predict(Tensor.Create(ids, [Batch, Steps]), Lengths));
        var expected = logits.Chunk(11).SelectMany(row =>
        {
            var exp = row.Select(v => Math.Exp(v - row.Max())).ToArray();
            return exp.Select(e => (float)(e / exp.Sum()));
        }).ToArray();
        var onnx = OnnxExport.ToBytes(model, new OnnxExportOptions { Softmax = true });
        var actual = Run(onnx, null, [.. ids.Select(i => (long)i)], [Batch, Steps], Lengths);
        Assert.InRange(MaxDifference(expected, actual), 0, Tolerance);
        Assert.All(actual.Chunk(11), row => Assert.Equal(1, row.Sum(), 1e-5));
    }

    [Fact]
    public void ManyToOneClassifiers()
    {
        // Final states of a bidirectional GRU (the reverse direction's is at step 0), then a sigmoid head.
        AssertSameOnValues(Model.Sequential<float>(seed: 2).Input(Features).Gru(5, bidirectional: true, returnSequences: false).Dense(3, Activation.Sigmoid).Build());
        // Each sequence's last step by its length, then a tanh head; and a relu head per step before it.
        AssertSameOnValues(Model.Sequential<float>(seed: 3).Input(Features).SimpleRnn(5).Dense(4, Activation.Relu).LastStep().Dense(2, Activation.Tanh).Build());
    }

    [Fact]
    public void WithoutTheLengthsInputEverySequenceRunsAllSteps()
    {
        var model = Model.Sequential<float>(seed: 4).Input(Features).Lstm(5, bidirectional: true).Dropout(0.3).LastStep().Dense(2).Build();
        var options = new OnnxExportOptions { SequenceLengths = false };
        AssertSameOnValues(model, options);
        Assert.DoesNotContain("lengths", System.Text.Encoding.UTF8.GetString(OnnxExport.ToBytes(model, options)));
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void GoBackwardsReadsEachSequenceFromItsEnd(bool lengths, bool returnSequences)
    {
        var model = Recurrent("lstm", new RecurrentOptions { GoBackwards = true, NumLayers = 2, ReturnSequences = returnSequences });
        AssertSameOnValues(model, new OnnxExportOptions { SequenceLengths = lengths });
    }

    [Fact]
    public void LayersWithoutBiasOmitTheBiasInput()
    {
        var model = Recurrent("lstm", new RecurrentOptions { Bias = false, Bidirectional = true });
        AssertSameOnValues(model);
        Assert.DoesNotContain("rnn.l0.B", System.Text.Encoding.UTF8.GetString(OnnxExport.ToBytes(model)));
    }

    [Fact]
    public void AFloat64ModelIsExportedAsFloat32()
    {
        var model = Model.Sequential<double>(seed: 9).Input(Features).Gru(5).Dense(2).Build();
        var values = Values();
        var expected = Flatten(model.Predict(Tensor.Create(values.Select(v => (double)v).ToArray(), [Batch, Steps, Features]), Lengths));
        Assert.InRange(MaxDifference(expected, Run(OnnxExport.ToBytes(model), values, null, [Batch, Steps, Features], Lengths)), 0, Tolerance);
    }
}
