using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RnnGen.Kernels;

// The Vector512 overloads of CellMath, for kernels running 16 floats (8 doubles) per instruction where AVX-512 is
// accelerated. Same formulas as the Vector<T> overloads, one per function, so the generated code reads the same.
public static partial class CellMath
{
    /// <summary>The Vector512 form of <see cref="Exp{T}(Vector{T})"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Exp<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float)) return ExpSingle(x.As<T, float>()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector512.Exp(x.As<T, double>()).As<double, T>();
        throw new NotSupportedException($"Vector exp of {typeof(T).Name}");
    }

    /// <summary>The float exp of <see cref="ExpSingle(Vector{float})"/>, 16 lanes at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> ExpSingle(Vector512<float> x)
    {
        var clamped = Vector512.Min(Vector512.Max(x, Vector512.Create(-87.33655f)), Vector512.Create(88.72283f));
        var n = Vector512.Min(Vector512.Round(clamped * Vector512.Create(1.44269504088896341f)), Vector512.Create(127f));
        var expR = ExpOfRemainder(clamped, n);
        var scale = Vector512.ShiftLeft(Vector512.ConvertToInt32(n) + Vector512.Create(127), 23).As<int, float>();
        var result = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(x, Vector512.Create(88.72283f)),
            Vector512.Create(float.PositiveInfinity), expR * scale);
        return Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512.Create(-87.33655f)), Vector512<float>.Zero, result);
    }

    /// <summary>The natural logarithm per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Log<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float)) return Vector512.Log(x.As<T, float>()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector512.Log(x.As<T, double>()).As<double, T>();
        throw new NotSupportedException($"Vector log of {typeof(T).Name}");
    }

    /// <summary>The Vector512 form of <see cref="LogDerivative{T}(T)"/>.</summary>
    public static Vector512<T> LogDerivative<T>(Vector512<T> y) where T : unmanaged, IFloatingPointIeee754<T> => Exp(-y);

    /// <summary>1 / (1 + e^−x) per lane; in float with AVX-512, <see cref="SigmoidSingle"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Sigmoid<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float) && Avx512F.IsSupported) return SigmoidSingle(x.As<T, float>()).As<float, T>();
        return Vector512<T>.One / (Vector512<T>.One + Exp(-x));
    }

    /// <summary>tanh x per lane, as <see cref="Tanh{T}(Vector{T})"/>; in float with AVX-512, <see cref="TanhSingle"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Tanh<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float) && Avx512F.IsSupported) return TanhSingle(x.As<T, float>()).As<float, T>();
        var e = Exp(Vector512.Abs(x) * Vector512.Create(T.CreateTruncating(-2)));
        var t = (Vector512<T>.One - e) / (Vector512<T>.One + e);
        return Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<T>.Zero), -t, t);
    }

    // The gates' functions in float, which a step of an LSTM evaluates five times per unit: the same formulas with the
    // exp's special cases left to AVX-512's vscalefps — no clamp above, no compare/blend pairs. The division stays: on
    // this CPU a vdivps has more throughput than vrcp14ps plus a Newton step (LSTM gate pass 16.5 against 20.0 ns per
    // 16 units), and it rounds once.

    /// <summary>1 / (1 + e^−x) with the exp's argument capped at 87, so 1 + e stays finite (below −87 the result is
    /// e^x ≈ 1.6e−38 instead of less: an absolute error under 2e−38).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> SigmoidSingle(Vector512<float> x) =>
        Vector512<float>.One / (Vector512<float>.One + ExpScaled(Vector512.MinNative(Vector512.Create(87f), -x)));

    /// <summary>(1 − e) / (1 + e) with e = e^−2|x| ∈ (0, 1], the sign of x put back by a bitwise select.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> TanhSingle(Vector512<float> x)
    {
        var e = ExpScaled(Vector512.Abs(x) * Vector512.Create(-2f));
        var t = (Vector512<float>.One - e) / (Vector512<float>.One + e);
        return Vector512.ConditionalSelect(Vector512.Create(-0f), x, t);
    }

    /// <summary>
    /// e^x by <see cref="ExpSingle(Vector512{float})"/>'s reduction and polynomial, with 2^n applied by vscalefps, which
    /// overflows to +∞ and underflows through the subnormals to 0 by itself: no clamp above, no selects. x ≥ −104 keeps
    /// n·ln 2 exact enough (below it e^x rounds to 0 anyway). NaN passes through (the native max returns its second operand).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> ExpScaled(Vector512<float> x)
    {
        var clamped = Vector512.MaxNative(Vector512.Create(-104f), x);
        var n = Vector512.Round(clamped * Vector512.Create(1.44269504088896341f));
        return Avx512F.Scale(ExpOfRemainder(clamped, n), n);
    }

    /// <summary>e^r for x = n·ln 2 + r (n = round(x·log2 e), so |r| ≤ ln 2 / 2): Cephes' two-part ln 2 and degree-6 polynomial.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> ExpOfRemainder(Vector512<float> x, Vector512<float> n)
    {
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-0.693359375f), x);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(2.12194440e-4f), r);
        var p = Vector512.Create(1.9875691500e-4f);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.3981999507e-3f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(8.3334519073e-3f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(4.1665795894e-2f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.6666665459e-1f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(5.0000001201e-1f));
        return Vector512.FusedMultiplyAdd(p, r * r, r + Vector512<float>.One);
    }

    /// <summary>max(x, 0) per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Relu<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Vector512.Max(x, Vector512<T>.Zero);

    /// <summary>The Vector512 form of <see cref="ReluDerivative{T}(T)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> ReluDerivative<T>(Vector512<T> y) where T : unmanaged, IFloatingPointIeee754<T> =>
        Vector512.ConditionalSelect(Vector512.GreaterThan(y, Vector512<T>.Zero), Vector512<T>.One, Vector512<T>.Zero);

    /// <summary>log(1 + e^x) per lane, as <see cref="Softplus{T}(T)"/>.</summary>
    public static Vector512<T> Softplus<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        Vector512.Max(x, Vector512<T>.Zero) + Log(Vector512<T>.One + Exp(-Vector512.Abs(x)));

    /// <summary>The Vector512 form of <see cref="SoftplusDerivative{T}(T)"/>.</summary>
    public static Vector512<T> SoftplusDerivative<T>(Vector512<T> y) where T : unmanaged, IFloatingPointIeee754<T> => Vector512<T>.One - Exp(-y);

    /// <summary>x / (1 + |x|) per lane.</summary>
    public static Vector512<T> Softsign<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T> => x / (Vector512<T>.One + Vector512.Abs(x));

    /// <summary>The Vector512 form of <see cref="SoftsignDerivative{T}(T)"/>.</summary>
    public static Vector512<T> SoftsignDerivative<T>(Vector512<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var a = Vector512<T>.One - Vector512.Abs(y);
        return a * a;
    }

    /// <summary>clamp(0.2·x + 0.5, 0, 1) per lane.</summary>
    public static Vector512<T> HardSigmoid<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        Vector512.Min(Vector512.Max(Vector512.Create(T.CreateTruncating(0.2)) * x + Vector512.Create(T.CreateTruncating(0.5)), Vector512<T>.Zero), Vector512<T>.One);

    /// <summary>The Vector512 form of <see cref="HardSigmoidDerivative{T}(T)"/>.</summary>
    public static Vector512<T> HardSigmoidDerivative<T>(Vector512<T> y) where T : unmanaged, IFloatingPointIeee754<T> =>
        Vector512.ConditionalSelect(Vector512.GreaterThan(y, Vector512<T>.Zero) & Vector512.LessThan(y, Vector512<T>.One),
            Vector512.Create(T.CreateTruncating(0.2)), Vector512<T>.Zero);

    /// <summary>√x per lane.</summary>
    public static Vector512<T> Sqrt<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Vector512.Sqrt(x);

    /// <summary>The Vector512 form of <see cref="SqrtDerivative{T}(T)"/>.</summary>
    public static Vector512<T> SqrtDerivative<T>(Vector512<T> y) where T : unmanaged, IFloatingPointIeee754<T> => Vector512<T>.One / (y + y);

    /// <summary>log sigmoid(x) per lane, as <see cref="LogSigmoid{T}(T)"/>.</summary>
    public static Vector512<T> LogSigmoid<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        Vector512.Min(x, Vector512<T>.Zero) - Log(Vector512<T>.One + Exp(-Vector512.Abs(x)));

    /// <summary>The Vector512 form of <see cref="LogSigmoidDerivative{T}(T)"/>.</summary>
    public static Vector512<T> LogSigmoidDerivative<T>(Vector512<T> y) where T : unmanaged, IFloatingPointIeee754<T> => Vector512<T>.One - Exp(y);

    /// <summary>|x| per lane.</summary>
    public static Vector512<T> Abs<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Vector512.Abs(x);

    /// <summary>The Vector512 form of <see cref="AbsDerivative{T}(T)"/>.</summary>
    public static Vector512<T> AbsDerivative<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<T>.Zero), Vector512<T>.One, Vector512<T>.Zero)
        - Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<T>.Zero), Vector512<T>.One, Vector512<T>.Zero);

    /// <summary>The larger of a and b per lane; NaN if either is, as <see cref="Max{T}(T, T)"/>.</summary>
    public static Vector512<T> Max<T>(Vector512<T> a, Vector512<T> b) where T : unmanaged, IFloatingPointIeee754<T> => Vector512.Max(a, b);

    /// <summary>The smaller of a and b per lane; NaN if either is, as <see cref="Min{T}(T, T)"/>.</summary>
    public static Vector512<T> Min<T>(Vector512<T> a, Vector512<T> b) where T : unmanaged, IFloatingPointIeee754<T> => Vector512.Min(a, b);

    /// <summary>The Vector512 form of <see cref="AtLeast{T}(T, T)"/>.</summary>
    public static Vector512<T> AtLeast<T>(Vector512<T> a, Vector512<T> b) where T : unmanaged, IFloatingPointIeee754<T> =>
        Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(a, b), Vector512<T>.One, Vector512<T>.Zero);

    /// <summary>The Vector512 form of <see cref="Below{T}(T, T)"/>.</summary>
    public static Vector512<T> Below<T>(Vector512<T> a, Vector512<T> b) where T : unmanaged, IFloatingPointIeee754<T> =>
        Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(a, b), Vector512<T>.Zero, Vector512<T>.One);
}
