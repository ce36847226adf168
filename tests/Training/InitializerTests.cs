using RnnGen.Training;

namespace RnnGen.Tests.Training;

/// <summary>Initializers: orthogonal recurrent blocks, Glorot bounds per matrix, PyTorch's uniform, forget-gate bias.</summary>
public class InitializerTests
{
    /// <summary>max |MᵀM − I| for an r×c row-major matrix (columns orthonormal) or |MMᵀ − I| (rows) — scaled by gain².</summary>
    private static double OrthogonalityError(ReadOnlySpan<double> m, int rows, int columns, bool ofRows, double gain = 1)
    {
        int n = ofRows ? rows : columns, k = ofRows ? columns : rows;
        double worst = 0;
        for (var a = 0; a < n; a++)
            for (var b = 0; b < n; b++)
            {
                double dot = 0;
                for (var i = 0; i < k; i++)
                    dot += ofRows ? m[a * columns + i] * m[b * columns + i] : m[i * columns + a] * m[i * columns + b];
                worst = Math.Max(worst, Math.Abs(dot - (a == b ? gain * gain : 0)));
            }
        return worst;
    }

    private static void Fill(CellParameters<double> p, double value)
    {
        foreach (var g in p.Groups) Array.Fill(g, value);
        Array.Fill(p.Vectors, value);
    }

    [Fact]
    public void OrthogonalRecurrentMakesEveryRecurrentBlockOrthogonal()
    {
        var p = new CellParameters<double>(RnnGen.Lstm.Info, 5, 16);
        Fill(p, 0.25);
        Initializers.OrthogonalRecurrent(p, new Random(11));
        var blocks = new List<double[]>();
        foreach (var name in new[] { "U_i", "U_f", "U_g", "U_o" })
        {
            var u = p[name];
            Assert.Equal((16, 16), (u.Shape[0], u.Shape[1]));
            Assert.True(OrthogonalityError(u.Values.Span, 16, 16, ofRows: false) < 1e-10, $"{name}: QᵀQ ≠ I");
            Assert.True(OrthogonalityError(u.Values.Span, 16, 16, ofRows: true) < 1e-10, $"{name}: QQᵀ ≠ I");
            blocks.Add(u.Values.ToArray());
        }
        Assert.NotEqual(blocks[0], blocks[1]); // each block its own draw
        foreach (var name in new[] { "W_i", "W_f", "W_g", "W_o", "b_i", "b_f", "b_g", "b_o" })
            Assert.All(p[name].Values.ToArray(), x => Assert.Equal(0.25, x));
    }

    [Fact]
    public void OrthogonalRecurrentCoversStageMatrices()
    {
        // The reset-before GRU's U_n multiplies r ⊙ h: a Stage group, recurrent all the same.
        var p = new CellParameters<double>(RnnGen.ResetBeforeGru.Info, 3, 12);
        Initializers.OrthogonalRecurrent(p, new Random(4), gain: 2);
        foreach (var name in new[] { "U_z", "U_r", "U_n" })
            Assert.True(OrthogonalityError(p[name].Values.Span, 12, 12, ofRows: false, gain: 2) < 1e-10, name);
    }

    [Theory]
    [InlineData(3, 7)]
    [InlineData(7, 3)]
    [InlineData(1, 1)]
    public void OrthogonalHandlesRectangularTensors(int rows, int columns)
    {
        var values = new double[rows * columns];
        Initializers.Orthogonal(new Parameter<double>("m", [rows, columns], values), new Random(9));
        Assert.True(OrthogonalityError(values, rows, columns, ofRows: rows <= columns) < 1e-12);
    }

    [Fact]
    public void OrthogonalIsSignCorrectedAsPyTorch()
    {
        // With R's diagonal made positive, Q's first column is the first Gaussian column normalized, so Q₀₀ takes
        // either sign; an uncorrected Householder QR (R₀₀ = −sign(a₀₀)·‖a₀‖) would always give Q₀₀ < 0.
        var signs = new HashSet<int>();
        for (var seed = 0; seed < 16; seed++)
        {
            var values = new double[16];
            Initializers.Orthogonal(new Parameter<double>("m", [4, 4], values), new Random(seed));
            signs.Add(Math.Sign(values[0]));
        }
        Assert.Equal(new HashSet<int> { -1, 1 }, signs);
    }

    [Fact]
    public void InitializationIsDeterministicForASeed()
    {
        var a = new RecurrentLayer<RnnGen.Gru, double>(3, 6, 1, 1);
        var b = new RecurrentLayer<RnnGen.Gru, double>(3, 6, 1, 1);
        Initializers.OrthogonalRecurrent(a, new Random(21));
        Initializers.GlorotUniform(a, new Random(22));
        Initializers.OrthogonalRecurrent(b, new Random(21));
        Initializers.GlorotUniform(b, new Random(22));
        Assert.Equal(a.Parameters(0).Groups[0], b.Parameters(0).Groups[0]);
        Assert.Equal(a.Parameters(0).Groups[1], b.Parameters(0).Groups[1]);
    }

    [Fact]
    public void GlorotUsesEachMatrixsOwnFans()
    {
        const int input = 100, hidden = 10;
        var p = new CellParameters<double>(RnnGen.Lstm.Info, input, hidden);
        Fill(p, 0.5);
        Initializers.GlorotUniform(p, new Random(3));
        var inputBound = Math.Sqrt(6.0 / (input + hidden));
        var stateBound = Math.Sqrt(6.0 / (hidden + hidden));
        Assert.Equal(inputBound, Initializers.GlorotBound(hidden, input), 15);
        foreach (var gate in "ifgo")
        {
            var w = p[$"W_{gate}"].Values.ToArray();
            var u = p[$"U_{gate}"].Values.ToArray();
            Assert.All(w, x => Assert.InRange(Math.Abs(x), 0, inputBound));
            Assert.All(u, x => Assert.InRange(Math.Abs(x), 0, stateBound));
            // The draws fill their range: one bound for all matrices would fail one of these.
            Assert.True(w.Max(Math.Abs) > 0.95 * inputBound);
            Assert.True(u.Max(Math.Abs) > 0.9 * stateBound && u.Max(Math.Abs) > inputBound);
            Assert.All(p[$"b_{gate}"].Values.ToArray(), x => Assert.Equal(0.5, x));
        }
    }

    [Fact]
    public void PyTorchUniformStaysWithinOneOverRootH()
    {
        var p = new CellParameters<double>(RnnGen.Gru.Info, 7, 25);
        Initializers.PyTorchUniform(p, new Random(8));
        var all = p.Groups.SelectMany(g => g).Concat(p.Vectors).ToArray();
        Assert.All(all, x => Assert.InRange(Math.Abs(x), 0, 0.2));
        Assert.True(all.Max(Math.Abs) > 0.19);
    }

    [Fact]
    public void ForgetGateBiasSetsBfToOne()
    {
        var p = new CellParameters<double>(RnnGen.Lstm.Info, 3, 4);
        Fill(p, 0.1);
        Initializers.ForgetGateBias(p);
        Assert.All(p["b_f"].Values.ToArray(), x => Assert.Equal(1.0, x));
        foreach (var name in new[] { "b_i", "b_g", "b_o", "U_f", "W_f" })
            Assert.All(p[name].Values.ToArray(), x => Assert.Equal(0.1, x));
    }

    [Fact]
    public void ForgetGateBiasOnACellWithoutOneThrows()
    {
        var p = new CellParameters<double>(RnnGen.Gru.Info, 3, 4);
        var error = Assert.Throws<ArgumentException>(() => Initializers.ForgetGateBias(p));
        Assert.Equal("name", error.ParamName);
        Assert.Contains("b_f", error.Message);
        Assert.Contains("b_hn", error.Message); // lists what the cell has
        Assert.All(p.Vectors, x => Assert.Equal(0, x));
        Initializers.ForgetGateBias(p, 0.5, "b_z"); // any named vector works
        Assert.All(p["b_z"].Values.ToArray(), x => Assert.Equal(0.5, x));
    }

    [Fact]
    public void LayerOverloadsCoverEveryLayerAndDirectionAndRespectBiasOff()
    {
        var layer = new RecurrentLayer<RnnGen.Lstm, double>(3, 8, 1, 1, new RecurrentOptions { NumLayers = 2, Bidirectional = true });
        Initializers.OrthogonalRecurrent(layer, new Random(1));
        Initializers.ForgetGateBias(layer);
        foreach (var p in layer.AllParameters)
        {
            Assert.True(OrthogonalityError(p["U_o"].Values.Span, 8, 8, ofRows: false) < 1e-10);
            Assert.All(p["b_f"].Values.ToArray(), x => Assert.Equal(1.0, x));
        }

        var biasFree = new RecurrentLayer<RnnGen.Lstm, double>(3, 8, 1, 1, new RecurrentOptions { Bias = false });
        Initializers.PyTorchUniform(biasFree, new Random(2));
        Assert.All(biasFree.Parameters(0).Vectors, x => Assert.Equal(0, x));
        Assert.Contains(biasFree.Parameters(0).Groups[0], x => x != 0);
        Assert.Equal("layer", Assert.Throws<ArgumentException>(() => Initializers.ForgetGateBias(biasFree)).ParamName);
    }

    [Fact]
    public void BadGainThrows()
    {
        var p = new CellParameters<double>(RnnGen.Lstm.Info, 3, 4);
        Assert.Equal("gain", Assert.Throws<ArgumentOutOfRangeException>(() => Initializers.OrthogonalRecurrent(p, new Random(1), 0)).ParamName);
        Assert.Equal("gain", Assert.Throws<ArgumentOutOfRangeException>(() => Initializers.GlorotUniform(p, new Random(1), double.NaN)).ParamName);
        Assert.Equal("tensor", Assert.Throws<ArgumentException>(() =>
            Initializers.Orthogonal(new Parameter<double>("m", [5], new double[5]), new Random(1))).ParamName);
    }
}
