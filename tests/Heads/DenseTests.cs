using RnnGen.Tests.Support;

namespace RnnGen.Tests.Heads;

public class DenseTests
{
    [Theory]
    [InlineData(Activation.None, true)]
    [InlineData(Activation.Tanh, true)]
    [InlineData(Activation.Sigmoid, true)]
    [InlineData(Activation.Relu, true)]
    [InlineData(Activation.Tanh, false)]
    public void GradientsMatchFiniteDifferences(Activation activation, bool bias)
    {
        const int rows = 6, inputSize = 4, outputSize = 5;
        var random = new Random(11);
        var dense = new Dense<double>(inputSize, outputSize, maxRows: 8, activation, bias, seed: 3);
        Finite.Random(random, dense.Weight.Length).CopyTo(dense.Weight, 0);
        if (bias) Finite.Random(random, outputSize, 0.5).CopyTo(dense.Bias, 0);
        var x = Finite.Random(random, rows * inputSize, 1.5);
        var c = Finite.Random(random, rows * outputSize);
        // L = Σ c·y, so dL/dy = c.
        double Loss()
        {
            dense.Forward(x, rows);
            return Dot(dense.Output, c);
        }

        dense.Forward(x, rows);
        if (activation == Activation.Relu)
        {
            // Both sides of the kink must be exercised for the check to mean anything.
            Assert.Contains(0.0, dense.Output.ToArray());
            Assert.Contains(dense.Output.ToArray(), v => v > 0);
        }
        var dX = new double[x.Length];
        dense.Backward(c, dX);

        AssertClose(dense.WeightGradient, Finite.Gradient(dense.Weight, Loss), "weight");
        if (bias) AssertClose(dense.BiasGradient, Finite.Gradient(dense.Bias, Loss), "bias");
        AssertClose(dX, Finite.Gradient(x, Loss), "x");
    }

    [Fact]
    public void BackwardAccumulatesParameterGradientsAndOverwritesDx()
    {
        var dense = new Dense<double>(3, 2, 4, Activation.Sigmoid, seed: 1);
        var x = Finite.Random(new Random(2), 4 * 3);
        var dY = Finite.Random(new Random(3), 4 * 2);
        dense.Forward(x, 4);
        var dX = new double[x.Length];
        dense.Backward(dY, dX, retainGraph: true);
        var once = (dense.WeightGradient.ToArray(), dense.BiasGradient.ToArray(), dX.ToArray());
        Array.Fill(dX, 99.0);
        dense.Backward(dY, dX, retainGraph: true);
        Assert.Equal(once.Item1.Select(v => 2 * v), dense.WeightGradient);
        Assert.Equal(once.Item2.Select(v => 2 * v), dense.BiasGradient);
        Assert.Equal(once.Item3, dX);
        dense.Backward(dY, default); // dX skipped
        dense.ZeroGradients();
        Assert.All(dense.WeightGradient, v => Assert.Equal(0.0, v));
        Assert.All(dense.BiasGradient, v => Assert.Equal(0.0, v));
    }

    [Fact]
    public void KnownValuesInPyTorchLayout()
    {
        // W [out 2, in 3] as nn.Linear stores it: y_o = Σ_i W[o, i]·x_i + b_o.
        var dense = new Dense<double>(3, 2, 2, bias: true);
        new double[] { 1, 2, 3, -1, 0, 0.5 }.CopyTo(dense.Weight, 0);
        new double[] { 0.5, -2 }.CopyTo(dense.Bias, 0);
        dense.Forward(new double[] { 1, 1, 1, 2, 0, -2 }, 2);
        Assert.Equal(new double[] { 6.5, -2.5, -3.5, -5 }, dense.Output.ToArray());

        var relu = new Dense<double>(3, 2, 2, Activation.Relu);
        dense.Weight.CopyTo(relu.Weight, 0);
        dense.Bias.CopyTo(relu.Bias, 0);
        relu.Forward(new double[] { 1, 1, 1, 2, 0, -2 }, 2);
        Assert.Equal(new double[] { 6.5, 0, 0, 0 }, relu.Output.ToArray());

        var tanh = new Dense<double>(3, 2, 2, Activation.Tanh);
        var sigmoid = new Dense<double>(3, 2, 2, Activation.Sigmoid);
        foreach (var layer in new[] { tanh, sigmoid })
        {
            dense.Weight.CopyTo(layer.Weight, 0);
            dense.Bias.CopyTo(layer.Bias, 0);
            layer.Forward(new double[] { 1, 1, 1, 2, 0, -2 }, 2);
        }
        var pre = new[] { 6.5, -2.5, -3.5, -5 };
        Assert.Equal(pre.Select(Math.Tanh), tanh.Output.ToArray(), (a, b) => Math.Abs(a - b) < 1e-15);
        Assert.Equal(pre.Select(v => 1 / (1 + Math.Exp(-v))), sigmoid.Output.ToArray(), (a, b) => Math.Abs(a - b) < 1e-15);
    }

    [Fact]
    public void FloatMatchesNaiveLoopsOnOddSizes()
    {
        const int rows = 37, inputSize = 19, outputSize = 23;
        var dense = new Dense<float>(inputSize, outputSize, rows, Activation.None, seed: 5);
        var random = new Random(6);
        var x = Finite.Random(random, rows * inputSize).Select(v => (float)v).ToArray();
        var dY = Finite.Random(random, rows * outputSize).Select(v => (float)v).ToArray();
        dense.Forward(x, rows);
        var dX = new float[x.Length];
        dense.Backward(dY, dX);
        for (var r = 0; r < rows; r++)
            for (var o = 0; o < outputSize; o++)
            {
                double y = dense.Bias[o];
                for (var i = 0; i < inputSize; i++) y += dense.Weight[o * inputSize + i] * x[r * inputSize + i];
                Assert.Equal(y, dense.Output[r * outputSize + o], 1e-5);
            }
        for (var o = 0; o < outputSize; o++)
            for (var i = 0; i < inputSize; i++)
            {
                double g = 0;
                for (var r = 0; r < rows; r++) g += dY[r * outputSize + o] * x[r * inputSize + i];
                Assert.Equal(g, dense.WeightGradient[o * inputSize + i], 1e-4);
            }
        for (var r = 0; r < rows; r++)
            for (var i = 0; i < inputSize; i++)
            {
                double g = 0;
                for (var o = 0; o < outputSize; o++) g += dY[r * outputSize + o] * dense.Weight[o * inputSize + i];
                Assert.Equal(g, dX[r * inputSize + i], 1e-5);
            }
    }

    [Fact]
    public void InitializationIsPyTorchsUniformAndSeeded()
    {
        var a = new Dense<double>(16, 40, 1, seed: 7);
        var b = new Dense<double>(16, 40, 1, seed: 7);
        var c = new Dense<double>(16, 40, 1, seed: 8);
        Assert.Equal(a.Weight, b.Weight);
        Assert.Equal(a.Bias, b.Bias);
        Assert.NotEqual(a.Weight, c.Weight);
        var bound = 1 / Math.Sqrt(16);
        var all = a.Weight.Concat(a.Bias).ToArray();
        Assert.All(all, v => Assert.InRange(Math.Abs(v), 0, bound));
        // Fills the range, not a narrower one: the extremes come close to ±bound.
        Assert.True(all.Max() > 0.95 * bound && all.Min() < -0.95 * bound);
        Assert.True(a.Bias.Max() > 0.5 * bound);
    }

    [Fact]
    public void ParametersAndGradientsAreNamedLikeNnLinear()
    {
        var dense = new Dense<float>(3, 2, 1);
        var parameters = dense.Parameters().ToArray();
        Assert.Equal(new[] { "weight", "bias" }, parameters.Select(p => p.Name));
        Assert.Equal([2, 3], parameters[0].Shape.ToArray());
        Assert.Equal([2], parameters[1].Shape.ToArray());
        Assert.True(parameters[0].Values.Span == dense.Weight.AsSpan());
        Assert.True(parameters[0].Gradient.Span == dense.WeightGradient.AsSpan());
        Assert.True(parameters[1].Gradient.Span == dense.BiasGradient.AsSpan());

        var noBias = new Dense<float>(3, 2, 1, bias: false);
        Assert.Equal(new[] { "weight" }, noBias.Parameters().Select(p => p.Name));
        Assert.Empty(noBias.Bias);
    }

    [Fact]
    public void BadInputsNameTheArgumentWithExpectedAndActual()
    {
        var dense = new Dense<float>(3, 2, 4);
        var e = Assert.Throws<ArgumentException>(() => dense.Forward(new float[10], 3));
        Assert.Equal("x", e.ParamName);
        Assert.Contains("9", e.Message);
        Assert.Contains("10", e.Message);
        Assert.Equal("rows", Assert.Throws<ArgumentOutOfRangeException>(() => dense.Forward(default, 0)).ParamName);
        Assert.Throws<InvalidOperationException>(() => dense.Backward(new float[4], default));
        Assert.Throws<InvalidOperationException>(() => _ = dense.Output.Length);

        dense.Forward(new float[6], 2);
        e = Assert.Throws<ArgumentException>(() => dense.Backward(new float[5], default));
        Assert.Equal("dY", e.ParamName);
        Assert.Contains("4", e.Message);
        e = Assert.Throws<ArgumentException>(() => dense.Backward(new float[4], new float[7]));
        Assert.Equal("dX", e.ParamName);
        Assert.Contains("6", e.Message);
        // More rows than the capacity hint (4) are no longer an error: the buffers grow once (issue 9).
        dense.Forward(new float[15], 5);
        Assert.Equal(5, dense.MaxRows);

        Assert.Equal("inputSize", Assert.Throws<ArgumentOutOfRangeException>(() => new Dense<float>(0, 2, 1)).ParamName);
        Assert.Equal("activation", Assert.Throws<ArgumentOutOfRangeException>(() => new Dense<float>(1, 2, 1, (Activation)9)).ParamName);
    }

    internal static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double sum = 0;
        for (var i = 0; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }

    internal static void AssertClose(double[] analytic, double[] numeric, string what)
    {
        var error = Finite.RelativeError(analytic, numeric);
        Assert.True(error <= 1e-6, $"{what}: relative error {error:E2} > 1e-6");
        Assert.Contains(analytic, v => v != 0); // a check of all zeros would prove nothing
    }
}
