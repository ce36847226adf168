using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using RnnGen.Kernels;

namespace RnnGen.Tests.Kernels;

/// <summary>The float vector functions the kernels inline, against double-precision references.</summary>
public class CellMathTests
{
    private static void Compare(Func<Vector<float>, Vector<float>> vector, Func<double, double> reference, double from, double to, double relative, double absolute) =>
        Compare(Vector<float>.Count, xs => { var y = vector(new Vector<float>(xs)); return Enumerable.Range(0, xs.Length).Select(k => y[k]).ToArray(); },
            reference, from, to, relative, absolute);

    private static void Compare512(Func<Vector512<float>, Vector512<float>> vector, Func<double, double> reference, double from, double to, double relative, double absolute) =>
        Compare(16, xs => { var y = vector(Vector512.Create(xs)); return Enumerable.Range(0, 16).Select(k => y[k]).ToArray(); },
            reference, from, to, relative, absolute);

    private static void Compare(int lanes, Func<float[], float[]> vector, Func<double, double> reference, double from, double to, double relative, double absolute)
    {
        var worst = "";
        for (var i = 0; i < 200_000; i += lanes)
        {
            var xs = new float[lanes];
            for (var k = 0; k < lanes; k++) xs[k] = (float)(from + (to - from) * (i + k) / 200_000.0);
            var ys = vector(xs);
            for (var k = 0; k < lanes; k++)
            {
                double expected = reference(xs[k]), actual = ys[k];
                if (double.IsInfinity(expected) || expected > float.MaxValue)
                {
                    if (!float.IsPositiveInfinity(ys[k])) worst = $"x = {xs[k]}: {actual}, expected ∞";
                    continue;
                }
                if (!(Math.Abs(actual - expected) <= absolute + relative * Math.Abs(expected))) worst = $"x = {xs[k]}: {actual}, expected {expected}";
            }
        }
        Assert.True(worst.Length == 0, worst);
    }

    [Fact] public void ExpIsWithinFourUlpsOverTheWholeFloatRange() => Compare(CellMath.Exp, Math.Exp, -100, 100, 4e-7, 1.2e-38);   // below the smallest normal float it flushes to 0
    [Fact] public void SigmoidIsAccurate() => Compare(CellMath.Sigmoid, x => 1 / (1 + Math.Exp(-x)), -100, 100, 3e-7, 1e-37);
    [Fact] public void TanhIsAccurate() => Compare(CellMath.Tanh, Math.Tanh, -20, 20, 0, 2e-7);
    // The Vector512 float forms scale by vscalefps instead of clamping and selecting (CellMath512.cs).
    [Fact] public void Sigmoid512IsAccurate() => Compare512(CellMath.Sigmoid, x => 1 / (1 + Math.Exp(-x)), -120, 120, 3e-7, 2e-38);
    [Fact] public void Tanh512IsAccurate() => Compare512(CellMath.Tanh, Math.Tanh, -20, 20, 0, 2e-7);
    [Fact] public void LogSigmoidIsAccurate() =>
        Compare(CellMath.LogSigmoid, x => x < 0 ? x - Math.Log(1 + Math.Exp(x)) : -Math.Log(1 + Math.Exp(-x)), -100, 100, 1e-6, 1e-7);

    /// <summary>max, min, abs and the derivatives at their ties and kinks give the same bits at every width, NaN and
    /// signed zeros included (docs/cell-language.md, "Ties and kinks").</summary>
    [Fact]
    public void PiecewiseFunctionsAgreeAtEveryWidth()
    {
        double[] values = [double.NaN, -0.0, 0.0, 1.5, -2, 1.5, double.PositiveInfinity, -3];
        foreach (var a in values)
            foreach (var b in values)
            {
                Same(CellMath.Max(a, b), CellMath.Max(new Vector<double>(a), new Vector<double>(b))[0], CellMath.Max(Vector512.Create(a), Vector512.Create(b))[0]);
                Same(CellMath.Min(a, b), CellMath.Min(new Vector<double>(a), new Vector<double>(b))[0], CellMath.Min(Vector512.Create(a), Vector512.Create(b))[0]);
                Same(CellMath.AtLeast(a, b), CellMath.AtLeast(new Vector<double>(a), new Vector<double>(b))[0], CellMath.AtLeast(Vector512.Create(a), Vector512.Create(b))[0]);
                Same(CellMath.Below(a, b), CellMath.Below(new Vector<double>(a), new Vector<double>(b))[0], CellMath.Below(Vector512.Create(a), Vector512.Create(b))[0]);
                Assert.Equal(1.0, CellMath.AtLeast(a, b) + CellMath.Below(a, b)); // the gradient goes to exactly one argument
            }
        foreach (var x in values)
        {
            Same(CellMath.Abs(x), CellMath.Abs(new Vector<double>(x))[0], CellMath.Abs(Vector512.Create(x))[0]);
            Same(CellMath.AbsDerivative(x), CellMath.AbsDerivative(new Vector<double>(x))[0], CellMath.AbsDerivative(Vector512.Create(x))[0]);
        }
        Assert.True(double.IsNaN(CellMath.Max(1.0, double.NaN)) && double.IsNaN(CellMath.Min(double.NaN, 1.0)));
        Assert.Equal(1.0, CellMath.AtLeast(0.5, 0.5)); // a tie: the first argument
        Assert.Equal(0.0, CellMath.AbsDerivative(-0.0));
    }

    private static void Same(double scalar, double vector, double vector512)
    {
        Assert.Equal(BitConverter.DoubleToInt64Bits(scalar), BitConverter.DoubleToInt64Bits(vector));
        Assert.Equal(BitConverter.DoubleToInt64Bits(scalar), BitConverter.DoubleToInt64Bits(vector512));
    }

    [Fact] public void ExpSaturatesLikeFloat()
    {
        var y = CellMath.Exp(new Vector<float>(89f));
        Assert.True(float.IsPositiveInfinity(y[0]));
        Assert.Equal(0f, CellMath.Exp(new Vector<float>(-100f))[0]);
        Assert.True(float.IsFinite(CellMath.Exp(new Vector<float>(88.5f))[0]));
    }

    /// <summary>The exp's clamps use the native min/max, whose NaN rule depends on operand order: NaN must still come out.</summary>
    [Fact] public void ExpPropagatesNaN()
    {
        Assert.True(float.IsNaN(CellMath.Exp(new Vector<float>(float.NaN))[0]));
        Assert.True(float.IsNaN(CellMath.Sigmoid(new Vector<float>(float.NaN))[0]));
        Assert.True(float.IsNaN(CellMath.Tanh(new Vector<float>(float.NaN))[0]));
        Assert.True(float.IsNaN(CellMath.Exp(Vector512.Create(float.NaN))[0]));
        Assert.True(float.IsNaN(CellMath.Sigmoid(Vector512.Create(float.NaN))[0]));
        Assert.True(float.IsNaN(CellMath.Tanh(Vector512.Create(float.NaN))[0]));
    }

    /// <summary>The Vector512 float sigmoid and tanh reach their limits at ±∞ and keep the sign of zero.</summary>
    [Fact] public void Vector512GateFunctionsSaturate()
    {
        Assert.Equal(1f, CellMath.Sigmoid(Vector512.Create(float.PositiveInfinity))[0]);
        Assert.InRange(CellMath.Sigmoid(Vector512.Create(float.NegativeInfinity))[0], 0f, 2e-38f);
        Assert.Equal(0.5f, CellMath.Sigmoid(Vector512.Create(0f))[0]);
        Assert.Equal(1f, CellMath.Tanh(Vector512.Create(float.PositiveInfinity))[0]);
        Assert.Equal(-1f, CellMath.Tanh(Vector512.Create(-1e30f))[0]);
        Assert.Equal(BitConverter.SingleToInt32Bits(-0f), BitConverter.SingleToInt32Bits(CellMath.Tanh(Vector512.Create(-0f))[0]));
    }

    /// <summary>On FMA hardware the Vector&lt;T&gt; exp (MultiplyAddEstimate, rounding by a shifter) and the Vector512 one
    /// (FusedMultiplyAdd, Round, ConvertToInt32) give the same bits, so the kernel width never changes a result.</summary>
    [Fact]
    public void VectorExpMatchesVector512BitForBit()
    {
        if (!Vector512.IsHardwareAccelerated || !Fma.IsSupported)
            return;
        var xs = new float[16];
        for (var i = 0; i < 400_000; i += 16)
        {
            for (var k = 0; k < 16; k++) xs[k] = (float)(-100 + 200 * (i + k) / 400_000.0);
            var wide = CellMath.Exp(Vector512.Create(xs));
            for (var k = 0; k < 16; k += Vector<float>.Count)
            {
                var narrow = CellMath.Exp(new Vector<float>(xs, k));
                for (var q = 0; q < Vector<float>.Count; q++)
                    Assert.Equal(BitConverter.SingleToInt32Bits(wide[k + q]), BitConverter.SingleToInt32Bits(narrow[q]));
            }
        }
    }
}
