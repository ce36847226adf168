using RnnGen.Kernels;
using RnnGen.Tests.Support;

namespace RnnGen.Tests.Heads;

public class EmbeddingTests
{
    [Fact]
    public void ForwardLooksUpTableRows()
    {
        var embedding = new Embedding<float>(5, 3, 4, seed: 1);
        embedding.Forward(new[] { 4, 0, 4, 2 }, 4);
        var output = embedding.Output;
        Assert.Equal(12, output.Length);
        Assert.True(output.Slice(0, 3).SequenceEqual(embedding.Weight.AsSpan(12, 3)));
        Assert.True(output.Slice(3, 3).SequenceEqual(embedding.Weight.AsSpan(0, 3)));
        Assert.True(output.Slice(6, 3).SequenceEqual(embedding.Weight.AsSpan(12, 3)));
        Assert.True(output.Slice(9, 3).SequenceEqual(embedding.Weight.AsSpan(6, 3)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData(1)]
    public void GradientScatterAddsAndMatchesFiniteDifferences(int? paddingIndex)
    {
        const int vocabulary = 6, dimension = 4;
        var ids = new[] { 3, 1, 3, 0, 5, 1, 3 }; // repeats must add up
        var embedding = new Embedding<double>(vocabulary, dimension, ids.Length, paddingIndex, seed: 2);
        var c = Finite.Random(new Random(4), ids.Length * dimension);
        double Loss()
        {
            embedding.Forward(ids, ids.Length);
            return DenseTests.Dot(embedding.Output, c);
        }
        embedding.Forward(ids, ids.Length);
        embedding.Backward(c);
        var numeric = Finite.Gradient(embedding.Weight, Loss);
        if (paddingIndex is { } p)
        {
            // PyTorch's padding_idx: the row is looked up but never updated.
            Assert.All(embedding.WeightGradient.AsSpan(p * dimension, dimension).ToArray(), v => Assert.Equal(0.0, v));
            Assert.Contains(numeric.AsSpan(p * dimension, dimension).ToArray(), v => v != 0);
            numeric.AsSpan(p * dimension, dimension).Clear();
        }
        DenseTests.AssertClose(embedding.WeightGradient, numeric, "table");
        // Tokens that never occur get nothing.
        foreach (var unused in new[] { 2, 4 })
            Assert.All(embedding.WeightGradient.AsSpan(unused * dimension, dimension).ToArray(), v => Assert.Equal(0.0, v));

        embedding.Backward(c);
        Assert.Equal(numeric.Select(v => 2 * v), embedding.WeightGradient, (a, b) => Math.Abs(a - b) < 1e-8);
        embedding.ZeroGradients();
        Assert.All(embedding.WeightGradient, v => Assert.Equal(0.0, v));
    }

    [Fact]
    public void OneHotTimesTableEqualsLookup()
    {
        const int vocabulary = 7, dimension = 5;
        var ids = new[] { 6, 0, 3, 3, 1, 6, 2, 5 };
        var embedding = new Embedding<double>(vocabulary, dimension, ids.Length, seed: 9);
        embedding.Forward(ids, ids.Length);

        // As a plain GEMM: onehot [N, vocab] · table [vocab, dim].
        var oneHot = new double[ids.Length * vocabulary];
        OneHot.Encode<double>(ids, vocabulary, oneHot);
        var product = new double[ids.Length * dimension];
        Gemm.Multiply<double>(false, false, ids.Length, dimension, vocabulary, oneHot, vocabulary, embedding.Weight, dimension, product, dimension, false);
        Assert.Equal(embedding.Output.ToArray(), product);

        // As a Dense layer without bias whose weight [dim, vocab] is the table transposed (nn.Linear layout).
        var dense = new Dense<double>(vocabulary, dimension, ids.Length, bias: false);
        for (var v = 0; v < vocabulary; v++)
            for (var d = 0; d < dimension; d++)
                dense.Weight[d * vocabulary + v] = embedding.Weight[v * dimension + d];
        dense.Forward(oneHot, ids.Length);
        Assert.Equal(embedding.Output.ToArray(), dense.Output.ToArray());

        // And they learn the same: the Dense weight gradient is the table gradient transposed.
        var dY = Finite.Random(new Random(1), ids.Length * dimension);
        embedding.Backward(dY);
        dense.Backward(dY, default);
        for (var v = 0; v < vocabulary; v++)
            for (var d = 0; d < dimension; d++)
                Assert.Equal(embedding.WeightGradient[v * dimension + d], dense.WeightGradient[d * vocabulary + v], 1e-12);
    }

    [Fact]
    public void OneHotEncodesRows()
    {
        var destination = Enumerable.Repeat(7f, 3 * 4).ToArray();
        OneHot.Encode<float>(new[] { 2, 0, 3 }, 4, destination);
        Assert.Equal(new float[] { 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1 }, destination);

        var e = Assert.Throws<ArgumentException>(() => OneHot.Encode<float>(new[] { 1, 2 }, 4, new float[7]));
        Assert.Equal("destination", e.ParamName);
        Assert.Contains("8", e.Message);
        Assert.Contains("7", e.Message);
        var bad = Assert.Throws<ArgumentOutOfRangeException>(() => OneHot.Encode<float>(new[] { 1, 4 }, 4, destination.AsSpan(0, 8)));
        Assert.Equal("ids", bad.ParamName);
        Assert.Contains("position 1", bad.Message);
        Assert.Contains("[0, 4)", bad.Message);
    }

    [Fact]
    public void InitializationIsSeededStandardNormalWithZeroPaddingRow()
    {
        var a = new Embedding<double>(1000, 20, 1, paddingIndex: -1, seed: 3);
        var b = new Embedding<double>(1000, 20, 1, paddingIndex: 999, seed: 3);
        Assert.Equal(999, a.PaddingIndex);
        Assert.Equal(a.Weight, b.Weight);
        Assert.NotEqual(a.Weight, new Embedding<double>(1000, 20, 1, seed: 4).Weight);
        Assert.All(a.Weight.AsSpan(999 * 20, 20).ToArray(), v => Assert.Equal(0.0, v));
        var values = a.Weight.AsSpan(0, 999 * 20).ToArray();
        var mean = values.Average();
        var variance = values.Select(v => (v - mean) * (v - mean)).Average();
        Assert.InRange(mean, -0.03, 0.03);
        Assert.InRange(variance, 0.96, 1.04);
        // Normal, not uniform: about 4.6% of N(0,1) lies beyond ±2.
        Assert.InRange(values.Count(v => Math.Abs(v) > 2) / (double)values.Length, 0.035, 0.057);

        var parameters = a.Parameters().Single();
        Assert.Equal(("weight", 1000, 20), (parameters.Name, parameters.Shape[0], parameters.Shape[1]));
        Assert.True(parameters.Gradient.Span == a.WeightGradient.AsSpan());
    }

    [Fact]
    public void BadInputsNameTheArgumentWithExpectedAndActual()
    {
        var embedding = new Embedding<float>(10, 2, 4);
        embedding.Forward(new[] { 1, 2 }, 2);
        var before = embedding.Output.ToArray();

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => embedding.Forward(new[] { 0, 3, 10 }, 3));
        Assert.Equal("ids", e.ParamName);
        Assert.Contains("Token id 10 at position 2", e.Message);
        Assert.Contains("[0, 10)", e.Message);
        Assert.Contains("position 0", Assert.Throws<ArgumentOutOfRangeException>(() => embedding.Forward(new[] { -1 }, 1)).Message);
        // Nothing half-done: the last good Forward still stands.
        Assert.Equal(before, embedding.Output.ToArray());

        var length = Assert.Throws<ArgumentException>(() => embedding.Forward(new[] { 1, 2, 3 }, 2));
        Assert.Equal("ids", length.ParamName);
        Assert.Contains("(2)", length.Message);
        Assert.Equal("rows", Assert.Throws<ArgumentOutOfRangeException>(() => embedding.Forward(default, 0)).ParamName);
        var dY = Assert.Throws<ArgumentException>(() => embedding.Backward(new float[3]));
        Assert.Equal("dY", dY.ParamName);
        Assert.Contains("4", dY.Message);
        // More rows than the capacity hint (4) are no longer an error: the buffers grow once (issue 9).
        embedding.Forward(new int[5], 5);
        Assert.Equal(5, embedding.MaxRows);
        Assert.Equal("paddingIndex", Assert.Throws<ArgumentOutOfRangeException>(() => new Embedding<float>(10, 2, 1, paddingIndex: 10)).ParamName);
        Assert.Equal("paddingIndex", Assert.Throws<ArgumentOutOfRangeException>(() => new Embedding<float>(10, 2, 1, paddingIndex: -11)).ParamName);
        Assert.Throws<InvalidOperationException>(() => new Embedding<float>(3, 2, 1).Backward(new float[2]));
    }
}
