using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace RnnGen.Kernels;

/// <summary>
/// The elementwise functions of the cell language, each for one value and for a Vector&lt;T&gt;, with derivatives
/// written in terms of the output y = f(x) (what the forward pass saves).
/// </summary>
/// <remarks>Thread safety: stateless; safe to call from any number of threads at once (on buffers no other thread writes).</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class CellMath
{
    // ---- exp (the building block) ----
    /// <summary>e^x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Exp<T>(T x) where T : IFloatingPointIeee754<T> => T.Exp(x);

    /// <summary>e^x per lane; for float, an inlined polynomial of about 1 ulp.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Exp<T>(Vector<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float)) return ExpSingle(x.As<T, float>()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector.Exp(x.As<T, double>()).As<double, T>();
        throw new NotSupportedException($"Vector exp of {typeof(T).Name}");
    }

    /// <summary>
    /// e^x in float, inlined: x = n·ln 2 + r with |r| ≤ ln 2 / 2, e^r by Cephes' degree-6 polynomial, 2^n through the
    /// exponent bits. About 1 ulp; the runtime's Vector.Exp(float) is exact to 0.5 ulp but goes through double and is
    /// not inlined, which made it most of the cost of a gate. MultiplyAddEstimate: fused (bit-identical to
    /// FusedMultiplyAdd) where the hardware has FMA, a multiply and an add where it has not — there (NativeAOT's
    /// default instruction set) FusedMultiplyAdd is emulated one element at a time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> ExpSingle(Vector<float> x)
    {
        // Below −87.3 the result is 0 (flush, like e^x in float), above 88.7 it is +∞. The native min/max (one
        // instruction; Vector.Min/Max cost ~8 for their NaN and −0 rules where AVX-512 is missing) with x second:
        // on x86 the second operand is returned when either is NaN, so NaN still propagates (on Arm, always).
        var clamped = Vector.MinNative(new Vector<float>(88.72283f), Vector.MaxNative(new Vector<float>(-87.33655f), x));
        // n = round(x·log2 e), to nearest even, by adding 1.5·2^23: the sum's low mantissa bits then hold n as an
        // integer. Same n as Vector.Round and ConvertToInt32, which NativeAOT's default instruction set runs one
        // element at a time. n ≤ 127 keeps 2^n finite; just below the overflow threshold r then reaches 0.35, still
        // within the polynomial's range.
        var shifter = new Vector<float>(12582912f);
        var shifted = Vector.MinNative(shifter + new Vector<float>(127), clamped * new Vector<float>(1.44269504088896341f) + shifter);
        var n = shifted - shifter;
        var r = Vector.MultiplyAddEstimate(n, new Vector<float>(-0.693359375f), clamped);
        r = Vector.MultiplyAddEstimate(n, new Vector<float>(2.12194440e-4f), r);
        var p = new Vector<float>(1.9875691500e-4f);
        p = Vector.MultiplyAddEstimate(p, r, new Vector<float>(1.3981999507e-3f));
        p = Vector.MultiplyAddEstimate(p, r, new Vector<float>(8.3334519073e-3f));
        p = Vector.MultiplyAddEstimate(p, r, new Vector<float>(4.1665795894e-2f));
        p = Vector.MultiplyAddEstimate(p, r, new Vector<float>(1.6666665459e-1f));
        p = Vector.MultiplyAddEstimate(p, r, new Vector<float>(5.0000001201e-1f));
        var expR = Vector.MultiplyAddEstimate(p, r * r, r + Vector<float>.One);
        // 2^n: n + 127 into the exponent field (shifted's bits are those of the shifter, 0x4B400000, plus n).
        var scale = Vector.ShiftLeft(shifted.As<float, int>() - new Vector<int>(0x4B400000 - 127), 23).As<int, float>();
        var result = expR * scale;
        result = Vector.ConditionalSelect(Vector.GreaterThanOrEqual(x, new Vector<float>(88.72283f)), new Vector<float>(float.PositiveInfinity), result);
        return Vector.ConditionalSelect(Vector.LessThan(x, new Vector<float>(-87.33655f)), Vector<float>.Zero, result);
    }

    /// <summary>The natural logarithm.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Log<T>(T x) where T : IFloatingPointIeee754<T> => T.Log(x);

    /// <summary>The natural logarithm per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Log<T>(Vector<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float)) return Vector.Log(x.As<T, float>()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector.Log(x.As<T, double>()).As<double, T>();
        throw new NotSupportedException($"Vector log of {typeof(T).Name}");
    }

    /// <summary>d log(x)/dx = 1/x = e^-y.</summary>
    public static T LogDerivative<T>(T y) where T : IFloatingPointIeee754<T> => T.Exp(-y);
    /// <summary>The Vector&lt;T&gt; form of <see cref="LogDerivative{T}(T)"/>.</summary>
    public static Vector<T> LogDerivative<T>(Vector<T> y) where T : unmanaged, IFloatingPointIeee754<T> => Exp(-y);

    // ---- sigmoid ----
    /// <summary>1 / (1 + e^−x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sigmoid<T>(T x) where T : IFloatingPointIeee754<T> => T.One / (T.One + T.Exp(-x));

    /// <summary>1 / (1 + e^−x) per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Sigmoid<T>(Vector<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        Vector<T>.One / (Vector<T>.One + Exp(-x));

    // ---- tanh ----
    /// <summary>tanh x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Tanh<T>(T x) where T : IFloatingPointIeee754<T> => T.Tanh(x);

    /// <summary>tanh x = sign(x)·(1 − e)/(1 + e) with e = exp(−2|x|): never overflows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Tanh<T>(Vector<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var e = Exp(Vector.Abs(x) * new Vector<T>(T.CreateTruncating(-2)));
        var t = (Vector<T>.One - e) / (Vector<T>.One + e);
        return Vector.ConditionalSelect(Vector.LessThan(x, Vector<T>.Zero), -t, t);
    }

    // ---- relu ----
    /// <summary>max(x, 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Relu<T>(T x) where T : IFloatingPointIeee754<T> => x > T.Zero ? x : T.Zero;

    /// <summary>max(x, 0) per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Relu<T>(Vector<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Vector.Max(x, Vector<T>.Zero);

    /// <summary>1 where the output is positive, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T ReluDerivative<T>(T y) where T : IFloatingPointIeee754<T> => y > T.Zero ? T.One : T.Zero;

    /// <summary>The Vector&lt;T&gt; form of <see cref="ReluDerivative{T}(T)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> ReluDerivative<T>(Vector<T> y) where T : unmanaged, IFloatingPointIeee754<T> =>
        Vector.ConditionalSelect(Vector.GreaterThan(y, Vector<T>.Zero), Vector<T>.One, Vector<T>.Zero);

    // ---- softplus: log(1 + e^x) = max(x, 0) + log(1 + e^-|x|) ----
    /// <summary>log(1 + e^x), computed as max(x, 0) + log(1 + e^−|x|) so it never overflows.</summary>
    public static T Softplus<T>(T x) where T : IFloatingPointIeee754<T> => T.Max(x, T.Zero) + T.Log(T.One + T.Exp(-T.Abs(x)));

    /// <summary>log(1 + e^x) per lane, as the scalar form.</summary>
    public static Vector<T> Softplus<T>(Vector<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        Vector.Max(x, Vector<T>.Zero) + Log(Vector<T>.One + Exp(-Vector.Abs(x)));

    /// <summary>sigmoid(x) = 1 − e^-y.</summary>
    public static T SoftplusDerivative<T>(T y) where T : IFloatingPointIeee754<T> => T.One - T.Exp(-y);
    /// <summary>The Vector&lt;T&gt; form of <see cref="SoftplusDerivative{T}(T)"/>.</summary>
    public static Vector<T> SoftplusDerivative<T>(Vector<T> y) where T : unmanaged, IFloatingPointIeee754<T> => Vector<T>.One - Exp(-y);

    // ---- softsign: x / (1 + |x|) ----
    /// <summary>x / (1 + |x|).</summary>
    public static T Softsign<T>(T x) where T : IFloatingPointIeee754<T> => x / (T.One + T.Abs(x));
    /// <summary>x / (1 + |x|) per lane.</summary>
    public static Vector<T> Softsign<T>(Vector<T> x) where T : unmanaged, IFloatingPointIeee754<T> => x / (Vector<T>.One + Vector.Abs(x));

    /// <summary>1/(1+|x|)² = (1 − |y|)².</summary>
    public static T SoftsignDerivative<T>(T y) where T : IFloatingPointIeee754<T> { var a = T.One - T.Abs(y); return a * a; }
    /// <summary>The Vector&lt;T&gt; form of <see cref="SoftsignDerivative{T}(T)"/>.</summary>
    public static Vector<T> SoftsignDerivative<T>(Vector<T> y) where T : unmanaged, IFloatingPointIeee754<T> { var a = Vector<T>.One - Vector.Abs(y); return a * a; }

    // ---- hard sigmoid (Keras): clamp(0.2 x + 0.5, 0, 1) ----
    /// <summary>Keras' hard sigmoid: clamp(0.2·x + 0.5, 0, 1).</summary>
    public static T HardSigmoid<T>(T x) where T : IFloatingPointIeee754<T> =>
        T.Clamp(T.CreateTruncating(0.2) * x + T.CreateTruncating(0.5), T.Zero, T.One);

    /// <summary>clamp(0.2·x + 0.5, 0, 1) per lane.</summary>
    public static Vector<T> HardSigmoid<T>(Vector<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        Vector.Min(Vector.Max(new Vector<T>(T.CreateTruncating(0.2)) * x + new Vector<T>(T.CreateTruncating(0.5)), Vector<T>.Zero), Vector<T>.One);

    /// <summary>0.2 inside the linear part (0 &lt; y &lt; 1), else 0.</summary>
    public static T HardSigmoidDerivative<T>(T y) where T : IFloatingPointIeee754<T> =>
        y > T.Zero && y < T.One ? T.CreateTruncating(0.2) : T.Zero;

    /// <summary>The Vector&lt;T&gt; form of <see cref="HardSigmoidDerivative{T}(T)"/>.</summary>
    public static Vector<T> HardSigmoidDerivative<T>(Vector<T> y) where T : unmanaged, IFloatingPointIeee754<T> =>
        Vector.ConditionalSelect(Vector.GreaterThan(y, Vector<T>.Zero) & Vector.LessThan(y, Vector<T>.One),
            new Vector<T>(T.CreateTruncating(0.2)), Vector<T>.Zero);

    // ---- sqrt ----
    /// <summary>√x.</summary>
    public static T Sqrt<T>(T x) where T : IFloatingPointIeee754<T> => T.Sqrt(x);
    /// <summary>√x per lane.</summary>
    public static Vector<T> Sqrt<T>(Vector<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Vector.SquareRoot(x);

    /// <summary>1 / (2y).</summary>
    public static T SqrtDerivative<T>(T y) where T : IFloatingPointIeee754<T> => T.One / (y + y);
    /// <summary>The Vector&lt;T&gt; form of <see cref="SqrtDerivative{T}(T)"/>.</summary>
    public static Vector<T> SqrtDerivative<T>(Vector<T> y) where T : unmanaged, IFloatingPointIeee754<T> => Vector<T>.One / (y + y);

    // ---- log_sigmoid: log(1 / (1 + e^-x)) = min(x, 0) - log(1 + e^-|x|) ----
    /// <summary>log sigmoid(x) = −softplus(−x), computed as min(x, 0) − log(1 + e^−|x|) so it never overflows.</summary>
    public static T LogSigmoid<T>(T x) where T : IFloatingPointIeee754<T> => T.Min(x, T.Zero) - T.Log(T.One + T.Exp(-T.Abs(x)));

    /// <summary>log sigmoid(x) per lane, as the scalar form.</summary>
    public static Vector<T> LogSigmoid<T>(Vector<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        Vector.Min(x, Vector<T>.Zero) - Log(Vector<T>.One + Exp(-Vector.Abs(x)));

    /// <summary>sigmoid(−x) = 1 − e^y.</summary>
    public static T LogSigmoidDerivative<T>(T y) where T : IFloatingPointIeee754<T> => T.One - T.Exp(y);
    /// <summary>The Vector&lt;T&gt; form of <see cref="LogSigmoidDerivative{T}(T)"/>.</summary>
    public static Vector<T> LogSigmoidDerivative<T>(Vector<T> y) where T : unmanaged, IFloatingPointIeee754<T> => Vector<T>.One - Exp(y);

    // ---- abs: the derivative reads the input x, whose sign |x| has lost ----
    /// <summary>|x|.</summary>
    public static T Abs<T>(T x) where T : IFloatingPointIeee754<T> => T.Abs(x);
    /// <summary>|x| per lane.</summary>
    public static Vector<T> Abs<T>(Vector<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Vector.Abs(x);

    /// <summary>sign(x) of the input: 1, −1, and 0 at 0 (and NaN). Not T.Sign, which throws on NaN.</summary>
    public static T AbsDerivative<T>(T x) where T : IFloatingPointIeee754<T> => x > T.Zero ? T.One : x < T.Zero ? -T.One : T.Zero;
    /// <summary>The Vector&lt;T&gt; form of <see cref="AbsDerivative{T}(T)"/>.</summary>
    public static Vector<T> AbsDerivative<T>(Vector<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<T>.Zero), Vector<T>.One, Vector<T>.Zero)
        - Vector.ConditionalSelect(Vector.LessThan(x, Vector<T>.Zero), Vector<T>.One, Vector<T>.Zero);

    // ---- max, min (clamp is min(max(x, lo), hi)) ----
    // T.Max, Vector.Max and Vector512.Max all return NaN if either argument is NaN, and +0 for max(−0, +0), so
    // every width computes the same values.
    /// <summary>The larger of a and b; NaN if either is.</summary>
    public static T Max<T>(T a, T b) where T : IFloatingPointIeee754<T> => T.Max(a, b);
    /// <summary>The larger of a and b per lane; NaN if either is.</summary>
    public static Vector<T> Max<T>(Vector<T> a, Vector<T> b) where T : unmanaged, IFloatingPointIeee754<T> => Vector.Max(a, b);

    /// <summary>The smaller of a and b; NaN if either is.</summary>
    public static T Min<T>(T a, T b) where T : IFloatingPointIeee754<T> => T.Min(a, b);
    /// <summary>The smaller of a and b per lane; NaN if either is.</summary>
    public static Vector<T> Min<T>(Vector<T> a, Vector<T> b) where T : unmanaged, IFloatingPointIeee754<T> => Vector.Min(a, b);

    /// <summary>1 where a ≥ b, else 0: d max(a, b)/da, so a tie sends the whole gradient to a.</summary>
    public static T AtLeast<T>(T a, T b) where T : IFloatingPointIeee754<T> => a >= b ? T.One : T.Zero;
    /// <summary>The Vector&lt;T&gt; form of <see cref="AtLeast{T}(T, T)"/>.</summary>
    public static Vector<T> AtLeast<T>(Vector<T> a, Vector<T> b) where T : unmanaged, IFloatingPointIeee754<T> =>
        Vector.ConditionalSelect(Vector.GreaterThanOrEqual(a, b), Vector<T>.One, Vector<T>.Zero);

    /// <summary>0 where a ≥ b, else 1 (also where either is NaN): d max(a, b)/db, so AtLeast + Below is always 1.</summary>
    public static T Below<T>(T a, T b) where T : IFloatingPointIeee754<T> => a >= b ? T.Zero : T.One;
    /// <summary>The Vector&lt;T&gt; form of <see cref="Below{T}(T, T)"/>.</summary>
    public static Vector<T> Below<T>(Vector<T> a, Vector<T> b) where T : unmanaged, IFloatingPointIeee754<T> =>
        Vector.ConditionalSelect(Vector.GreaterThanOrEqual(a, b), Vector<T>.Zero, Vector<T>.One);
}
