using RnnGen.Training;

namespace RnnGen.Tests.Training;

/// <summary>The parameter set: names and aliasing of a layer's tensors, decay flags, the global norm, clipping and
/// the non-finite scan.</summary>
public class ParameterSetTests
{
    private static RecurrentLayer<RnnGen.Lstm, double> Layer(bool bias = true) =>
        new(3, 4, 2, 5, new RecurrentOptions { NumLayers = 2, Bidirectional = true, Bias = bias, Seed = 1 });

    [Fact]
    public void AddLayerNamesEveryTensorAndAliasesTheLayer()
    {
        var layer = Layer();
        var set = new ParameterSet<double>().AddLayer(layer, "rnn.");
        var names = set.Entries.Select(e => e.Name).ToArray();
        // 4 (layer, direction) slots × (8 matrices + 4 vectors).
        Assert.Equal(4 * 12, names.Length);
        Assert.Equal("rnn.l0.W_i", names[0]);
        Assert.Contains("rnn.l0_reverse.U_o", names);
        Assert.Contains("rnn.l1.b_f", names);
        Assert.Contains("rnn.l1_reverse.W_g", names);
        Assert.Equal(layer.AllParameters.Sum(p => p.Count), set.Count);
        Assert.All(set.Entries, e => Assert.True(e.Decay)); // PyTorch decays everything, biases included
        Assert.Equal(4 * 8, set.MaxLength);                 // layer 1's W_*: [H, 2H]

        set["rnn.l1_reverse.U_f"].Values.Span[5] = 42;
        set["rnn.l1_reverse.U_f"].Gradient.Span[6] = 7;
        var p = layer.Parameters(1, 1);
        Assert.Equal(42, p["U_f"].Values.Span[5]);
        Assert.Equal(7, layer.Gradients(1, 1)["U_f"].Values.Span[6]);
    }

    [Fact]
    public void AddLayerLeavesOutTheBiasesOfABiasFreeLayer()
    {
        var set = new ParameterSet<double>().AddLayer(Layer(bias: false));
        Assert.DoesNotContain(set.Entries, e => e.Name.Contains(".b_"));
        Assert.Equal(4 * 8, set.Entries.Count);
    }

    [Fact]
    public void AddChecksLengthsNamesAndTheLayout()
    {
        var set = new ParameterSet<double>().Add("w", new double[3], new double[3]);
        var error = Assert.Throws<ArgumentException>(() => set.Add("v", new double[3], new double[2]));
        Assert.Equal("gradients", error.ParamName);
        Assert.Contains("3", error.Message);
        Assert.Contains("2", error.Message);
        Assert.Equal("name", Assert.Throws<ArgumentException>(() => set.Add("w", new double[1], new double[1])).ParamName);
        Assert.Throws<ArgumentException>(() => set.Add("", new double[1], new double[1]));
        var a = new CellParameters<double>(RnnGen.Lstm.Info, 3, 4);
        var b = new CellParameters<double>(RnnGen.Lstm.Info, 3, 5);
        Assert.Equal("gradients", Assert.Throws<ArgumentException>(() => set.AddCell("c.", a, b)).ParamName);
        Assert.Throws<KeyNotFoundException>(() => set["missing"]);
        Assert.Single(set.Entries);
    }

    [Fact]
    public void DecayIsSettablePerEntry()
    {
        var set = new ParameterSet<double>().AddLayer(Layer());
        set.SetDecay(e => e.Name.Contains(".b_"), false);
        set.SetDecay("l0.W_i", false);
        Assert.False(set["l0.b_f"].Decay);
        Assert.False(set["l0.W_i"].Decay);
        Assert.True(set["l0.W_f"].Decay);
        Assert.Equal(4 * 4 + 1, set.Entries.Count(e => !e.Decay));
    }

    [Fact]
    public void GradientNormIsTheGlobalL2NormAndZeroGradientsClears()
    {
        double[] a = [3, 0, -4], b = [12], values = new double[4];
        var set = new ParameterSet<double>().Add("a", values.AsMemory(0, 3), a).Add("b", values.AsMemory(3, 1), b);
        Assert.Equal(13, set.GradientNorm(), 14);
        set.ZeroGradients();
        Assert.Equal([0.0, 0, 0], a);
        Assert.Equal(0, b[0]);
        Assert.Equal(0, set.GradientNorm());
    }

    [Fact]
    public void GradientNormSurvivesOverflowOfTheSumOfSquares()
    {
        // 3e30² overflows float: the norm is still 5e30, found by scaling.
        float[] g = [3e30f, 4e30f];
        var set = new ParameterSet<float>().Add("g", new float[2], g);
        Assert.Equal(5e30, set.GradientNorm(), 5e30 * 1e-6);
    }

    [Fact]
    public void ClipByNormScalesToTheMaximumAndReturnsTheNormBefore()
    {
        var random = new Random(3);
        var layer = Layer();
        var set = new ParameterSet<double>().AddLayer(layer);
        foreach (var e in set.Entries)
            foreach (ref var x in e.Gradient.Span) x = random.NextDouble() * 2 - 1;
        var norm = set.GradientNorm();
        var before = set.Entries.Select(e => e.Gradient.ToArray()).ToArray();

        Assert.Equal(norm, set.ClipGradientsByNorm(1.0));
        Assert.Equal(1.0, set.GradientNorm(), 1e-6);
        // PyTorch's scale: maxNorm / (norm + 1e-6), the same for every element.
        var scale = 1.0 / (norm + 1e-6);
        for (var i = 0; i < before.Length; i++)
            for (var j = 0; j < before[i].Length; j++)
                Assert.Equal(before[i][j] * scale, set.Entries[i].Gradient.Span[j], 15);

        // Below the maximum nothing changes.
        var small = set.Entries.Select(e => e.Gradient.ToArray()).ToArray();
        Assert.Equal(set.GradientNorm(), set.ClipGradientsByNorm(10.0));
        for (var i = 0; i < small.Length; i++) Assert.Equal(small[i], set.Entries[i].Gradient.ToArray());
    }

    [Fact]
    public void ClipByNormLeavesNonFiniteGradientsForTheDetector()
    {
        double[] g = [1e3, double.NaN, 2e3];
        var set = new ParameterSet<double>().Add("g", new double[3], g);
        Assert.True(double.IsNaN(set.ClipGradientsByNorm(1.0)));
        Assert.Equal(1e3, g[0]);
        Assert.Equal(new NonFiniteElement("g", 1, double.NaN), set.FindNonFinite());
        g[1] = double.PositiveInfinity;
        Assert.Equal(double.PositiveInfinity, set.ClipGradientsByNorm(1.0));
        Assert.Equal(2e3, g[2]);
    }

    [Fact]
    public void ClipByValueClampsEveryElement()
    {
        double[] a = [-3, -0.5, 0, 0.25, 7], b = [double.NaN, 1.5, double.NegativeInfinity];
        var set = new ParameterSet<double>().Add("a", new double[5], a).Add("b", new double[3], b);
        set.ClipGradientsByValue(1.0);
        Assert.Equal([-1.0, -0.5, 0, 0.25, 1], a);
        Assert.True(double.IsNaN(b[0])); // a NaN stays visible to the detector
        Assert.Equal(1.0, b[1]);
        Assert.Equal(-1.0, b[2]);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    public void ClippingRejectsBadLimits(double limit)
    {
        double[] g = [5, -5];
        var set = new ParameterSet<double>().Add("g", new double[2], g);
        Assert.Equal("maxNorm", Assert.Throws<ArgumentOutOfRangeException>(() => set.ClipGradientsByNorm(limit)).ParamName);
        Assert.Equal("limit", Assert.Throws<ArgumentOutOfRangeException>(() => set.ClipGradientsByValue(limit)).ParamName);
        Assert.Equal([5.0, -5], g);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void FindNonFiniteNamesTheTensorAndTheIndex(double bad)
    {
        var layer = Layer();
        var set = new ParameterSet<double>().AddLayer(layer);
        var random = new Random(2);
        foreach (var e in set.Entries)
            foreach (ref var x in e.Gradient.Span) x = random.NextDouble() * 1e6 - 5e5;
        Assert.Null(set.FindNonFinite());

        layer.Gradients(1, 1)["U_g"].Values.Span[9] = bad;
        // A later element and a later tensor do not hide the first.
        layer.Gradients(1, 1)["U_g"].Values.Span[13] = double.NaN;
        layer.Gradients(1, 1)["b_o"].Values.Span[0] = double.NaN;
        var found = set.FindNonFinite();
        Assert.NotNull(found);
        Assert.Equal("l1_reverse.U_g", found.Value.Name);
        Assert.Equal(9, found.Value.Index);
        Assert.Equal(bad, found.Value.Value);
        Assert.Null(set.FindNonFiniteValue());

        layer.Parameters(0, 1)["W_o"].Values.Span[2] = double.NaN;
        Assert.Equal(new NonFiniteElement("l0_reverse.W_o", 2, double.NaN), set.FindNonFiniteValue());
    }

    [Fact]
    public void FindNonFiniteFindsTheFirstInIndexOrderInFloat()
    {
        // An infinity before a NaN: the vectorized search prefers the NaN, the answer must still be the infinity.
        var g = new float[37];
        g[30] = float.NaN;
        g[11] = float.NegativeInfinity;
        var set = new ParameterSet<float>().Add("g", new float[37], g);
        Assert.Equal(new NonFiniteElement("g", 11, double.NegativeInfinity), set.FindNonFinite());
    }
}
