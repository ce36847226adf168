using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RnnGen.Kernels;

/// <summary>
/// The operations of one SIMD width that kernels written once for every width need
/// (<see cref="GemmSmallM{T, TVec, TWidth}"/>), in the style of TensorPrimitives' operator structs: the JIT
/// specializes a kernel per width struct and inlines every member, so the generic body compiles to the
/// instructions one written for that width would have. TVec is the vector type of the width
/// (Vector512&lt;T&gt;, Vector256&lt;T&gt;).
/// </summary>
internal unsafe interface IVectorWidth<T, TVec> where T : unmanaged where TVec : struct
{
    /// <summary>Lanes per vector.</summary>
    static abstract int Count { get; }
    /// <summary>Rows of a broadcast tile (R rows × 2 vectors = 2R accumulators), as many as the vector registers
    /// hold beside two B vectors and one broadcast.</summary>
    static abstract int TileRows { get; }
    /// <summary>Rows of a dot-product tile (R rows × 4 accumulators, beside 4 B vectors and one of A).</summary>
    static abstract int DotRows { get; }
    /// <summary>Most rows the one/two-row packed kernels take (R × 8 accumulators must fit the registers).</summary>
    static abstract int NarrowRows { get; }

    static abstract TVec Load(T* p);
    static abstract void Store(T* p, TVec v);
    static abstract TVec Broadcast(T x);
    static abstract TVec Add(TVec x, TVec y);
    /// <summary>acc + x·y, fused.</summary>
    static abstract TVec MultiplyAdd(TVec x, TVec y, TVec acc);
    /// <summary>The first <paramref name="count"/> (&lt; Count) elements at p, zero in the other lanes; the
    /// memory past them is neither read nor faulted.</summary>
    static abstract TVec LoadTail(T* p, int count);
    static abstract T Sum(TVec v);
    /// <summary>[Σv0, Σv1, Σv2, Σv3], fp32 only: a shared reduction, cheaper than four.</summary>
    static abstract Vector128<float> Sum4(TVec v0, TVec v1, TVec v2, TVec v3);
}

/// <summary>AVX-512: 32 zmm registers, masked loads.</summary>
internal unsafe struct Avx512Width<T> : IVectorWidth<T, Vector512<T>> where T : unmanaged
{
    public static int Count => Vector512<T>.Count;
    public static int TileRows => 8;
    public static int DotRows => 4;
    public static int NarrowRows => 2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Load(T* p) => Vector512.Load(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(T* p, Vector512<T> v) => v.Store(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Broadcast(T x) => Vector512.Create(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Add(Vector512<T> x, Vector512<T> y) => x + y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> MultiplyAdd(Vector512<T> x, Vector512<T> y, Vector512<T> acc)
    {
        if (typeof(T) == typeof(float))
            return Avx512F.FusedMultiplyAdd(x.AsSingle(), y.AsSingle(), acc.AsSingle()).As<float, T>();
        return Avx512F.FusedMultiplyAdd(x.AsDouble(), y.AsDouble(), acc.AsDouble()).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> LoadTail(T* p, int count)
    {
        if (typeof(T) == typeof(float))
        {
            var mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).AsSingle();
            return Avx512F.MaskLoad((float*)p, mask, Vector512<float>.Zero).As<float, T>();
        }
        var wide = Vector512.LessThan(Vector512<long>.Indices, Vector512.Create((long)count)).AsDouble();
        return Avx512F.MaskLoad((double*)p, wide, Vector512<double>.Zero).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(Vector512<T> v) => Vector512.Sum(v);

    /// <summary>Fold 512→256, then three horizontal adds and a 128-bit fold (13 instructions instead of four
    /// separate full reductions).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sum4(Vector512<T> v0, Vector512<T> v1, Vector512<T> v2, Vector512<T> v3) =>
        Avx2Width<float>.Sum4(Fold(v0), Fold(v1), Fold(v2), Fold(v3));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Fold(Vector512<T> v) => v.AsSingle().GetLower() + v.AsSingle().GetUpper();
}

/// <summary>AVX2 + FMA: 16 ymm registers, so smaller tiles than AVX-512's.</summary>
internal unsafe struct Avx2Width<T> : IVectorWidth<T, Vector256<T>> where T : unmanaged
{
    public static int Count => Vector256<T>.Count;
    public static int TileRows => 4;
    public static int DotRows => 2;
    public static int NarrowRows => 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Load(T* p) => Vector256.Load(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(T* p, Vector256<T> v) => v.Store(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Broadcast(T x) => Vector256.Create(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Add(Vector256<T> x, Vector256<T> y) => x + y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> MultiplyAdd(Vector256<T> x, Vector256<T> y, Vector256<T> acc)
    {
        if (typeof(T) == typeof(float))
            return Fma.MultiplyAdd(x.AsSingle(), y.AsSingle(), acc.AsSingle()).As<float, T>();
        return Fma.MultiplyAdd(x.AsDouble(), y.AsDouble(), acc.AsDouble()).As<double, T>();
    }

    /// <summary>vmaskmovps/pd: masked-off lanes are not read.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> LoadTail(T* p, int count)
    {
        if (typeof(T) == typeof(float))
        {
            var mask = Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(count)).AsSingle();
            return Avx.MaskLoad((float*)p, mask).As<float, T>();
        }
        var wide = Vector256.LessThan(Vector256<long>.Indices, Vector256.Create((long)count)).AsDouble();
        return Avx.MaskLoad((double*)p, wide).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(Vector256<T> v) => Vector256.Sum(v);

    /// <summary>Three horizontal adds and a 128-bit fold.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sum4(Vector256<T> v0, Vector256<T> v1, Vector256<T> v2, Vector256<T> v3)
    {
        Vector256<float> h = Avx.HorizontalAdd(Avx.HorizontalAdd(v0.AsSingle(), v1.AsSingle()),
            Avx.HorizontalAdd(v2.AsSingle(), v3.AsSingle()));
        return h.GetLower() + h.GetUpper();
    }
}
