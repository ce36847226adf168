using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RnnGen.Kernels;

/// <summary>
/// A GEMM micro-kernel plus the block sizes that suit it. The driver is generic over the kernel
/// struct, so every constant below is folded by the JIT and the kernel call is inlined/direct.
/// </summary>
/// <remarks>
/// Contract of <see cref="Run"/>: <c>a</c> is a packed A micro-panel (kc × MR, k-major, MR values per k),
/// <c>b</c> a packed B micro-panel (kc × NR, k-major), and the full MR × NR tile at <c>c</c> (row stride
/// <c>ldc</c>) receives <c>(overwrite ? 0 : C) + a·b</c>.
/// </remarks>
internal unsafe interface IGemmKernel<T> where T : unmanaged
{
    static abstract int MR { get; }
    static abstract int NR { get; }
    /// <summary>Depth of one packed block (B micro-panel kc×NR stays in L1 across the MR loop).</summary>
    static abstract int KC { get; }
    /// <summary>Rows of A packed at once (MC×KC block stays in L2).</summary>
    static abstract int MC { get; }
    /// <summary>Columns of B packed at once (KC×NC block lives in L2/L3).</summary>
    static abstract int NC { get; }
    static abstract void Run(int kc, T* a, T* b, T* c, nint ldc, bool overwrite);
}

/// <summary>fp32, AVX-512: 8 rows × 32 columns = 16 zmm accumulators (enough independent FMA chains
/// to cover 2 FMA ports × 4 cycles latency), each k step = 2 loads of B + 8 broadcasts of A.
/// Block sizes measured on Zen 5 (48 KB L1, 1 MB L2): 256..512 / 96..256 / 512..4096 all land within
/// a few % of each other (~255-265 GFLOP/s at 512³); these were marginally best.</summary>
internal unsafe struct F32Avx512Kernel : IGemmKernel<float>
{
    public static int MR => 8;
    public static int NR => 32;
    public static int KC => 384;
    public static int MC => 192;
    public static int NC => 1024;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run(int kc, float* a, float* b, float* c, nint ldc, bool overwrite)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default, c70 = default, c71 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b), b1 = Vector512.Load(b + 16);
            Vector512<float> x = Vector512.Create(a[0]);
            c00 = Avx512F.FusedMultiplyAdd(x, b0, c00); c01 = Avx512F.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a[1]);
            c10 = Avx512F.FusedMultiplyAdd(x, b0, c10); c11 = Avx512F.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a[2]);
            c20 = Avx512F.FusedMultiplyAdd(x, b0, c20); c21 = Avx512F.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a[3]);
            c30 = Avx512F.FusedMultiplyAdd(x, b0, c30); c31 = Avx512F.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a[4]);
            c40 = Avx512F.FusedMultiplyAdd(x, b0, c40); c41 = Avx512F.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a[5]);
            c50 = Avx512F.FusedMultiplyAdd(x, b0, c50); c51 = Avx512F.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(a[6]);
            c60 = Avx512F.FusedMultiplyAdd(x, b0, c60); c61 = Avx512F.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(a[7]);
            c70 = Avx512F.FusedMultiplyAdd(x, b0, c70); c71 = Avx512F.FusedMultiplyAdd(x, b1, c71);
            a += 8;
            b += 32;
        }
        Store(c, c00, c01, overwrite); c += ldc;
        Store(c, c10, c11, overwrite); c += ldc;
        Store(c, c20, c21, overwrite); c += ldc;
        Store(c, c30, c31, overwrite); c += ldc;
        Store(c, c40, c41, overwrite); c += ldc;
        Store(c, c50, c51, overwrite); c += ldc;
        Store(c, c60, c61, overwrite); c += ldc;
        Store(c, c70, c71, overwrite);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, Vector512<float> v0, Vector512<float> v1, bool overwrite)
    {
        if (!overwrite)
        {
            v0 += Vector512.Load(c);
            v1 += Vector512.Load(c + 16);
        }
        v0.Store(c);
        v1.Store(c + 16);
    }
}

/// <summary>fp64, AVX-512: 8 rows × 16 columns = 16 zmm accumulators.</summary>
internal unsafe struct F64Avx512Kernel : IGemmKernel<double>
{
    public static int MR => 8;
    public static int NR => 16;
    public static int KC => 256;
    public static int MC => 128;
    public static int NC => 2048;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run(int kc, double* a, double* b, double* c, nint ldc, bool overwrite)
    {
        Vector512<double> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector512<double> c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<double> c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<double> c60 = default, c61 = default, c70 = default, c71 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<double> b0 = Vector512.Load(b), b1 = Vector512.Load(b + 8);
            Vector512<double> x = Vector512.Create(a[0]);
            c00 = Avx512F.FusedMultiplyAdd(x, b0, c00); c01 = Avx512F.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a[1]);
            c10 = Avx512F.FusedMultiplyAdd(x, b0, c10); c11 = Avx512F.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a[2]);
            c20 = Avx512F.FusedMultiplyAdd(x, b0, c20); c21 = Avx512F.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a[3]);
            c30 = Avx512F.FusedMultiplyAdd(x, b0, c30); c31 = Avx512F.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a[4]);
            c40 = Avx512F.FusedMultiplyAdd(x, b0, c40); c41 = Avx512F.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a[5]);
            c50 = Avx512F.FusedMultiplyAdd(x, b0, c50); c51 = Avx512F.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(a[6]);
            c60 = Avx512F.FusedMultiplyAdd(x, b0, c60); c61 = Avx512F.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(a[7]);
            c70 = Avx512F.FusedMultiplyAdd(x, b0, c70); c71 = Avx512F.FusedMultiplyAdd(x, b1, c71);
            a += 8;
            b += 16;
        }
        Store(c, c00, c01, overwrite); c += ldc;
        Store(c, c10, c11, overwrite); c += ldc;
        Store(c, c20, c21, overwrite); c += ldc;
        Store(c, c30, c31, overwrite); c += ldc;
        Store(c, c40, c41, overwrite); c += ldc;
        Store(c, c50, c51, overwrite); c += ldc;
        Store(c, c60, c61, overwrite); c += ldc;
        Store(c, c70, c71, overwrite);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(double* c, Vector512<double> v0, Vector512<double> v1, bool overwrite)
    {
        if (!overwrite)
        {
            v0 += Vector512.Load(c);
            v1 += Vector512.Load(c + 8);
        }
        v0.Store(c);
        v1.Store(c + 8);
    }
}

/// <summary>AVX2+FMA (16 ymm registers): the classic 6 × 2 vectors tile (6 × 16 fp32, 6 × 8 fp64) = 12 accumulators,
/// leaving room for 2 B vectors and 1 broadcast without spilling.</summary>
internal unsafe struct Avx2Kernel<T> : IGemmKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int MR => 6;
    public static int NR => 2 * Vector256<T>.Count;
    public static int KC => 256;
    public static int MC => typeof(T) == typeof(float) ? 144 : 96;
    public static int NC => 2048;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run(int kc, T* a, T* b, T* c, nint ldc, bool overwrite)
    {
        int v = Vector256<T>.Count;
        // cij: row i, columns j·v .. (j+1)·v of the 6 × 2v tile.
        Vector256<T> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector256<T> c20 = default, c21 = default, c30 = default, c31 = default;
        Vector256<T> c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector256<T> b0 = Vector256.Load(b), b1 = Vector256.Load(b + v);
            Vector256<T> x = Vector256.Create(a[0]);
            c00 = Avx2Width<T>.MultiplyAdd(x, b0, c00); c01 = Avx2Width<T>.MultiplyAdd(x, b1, c01);
            x = Vector256.Create(a[1]);
            c10 = Avx2Width<T>.MultiplyAdd(x, b0, c10); c11 = Avx2Width<T>.MultiplyAdd(x, b1, c11);
            x = Vector256.Create(a[2]);
            c20 = Avx2Width<T>.MultiplyAdd(x, b0, c20); c21 = Avx2Width<T>.MultiplyAdd(x, b1, c21);
            x = Vector256.Create(a[3]);
            c30 = Avx2Width<T>.MultiplyAdd(x, b0, c30); c31 = Avx2Width<T>.MultiplyAdd(x, b1, c31);
            x = Vector256.Create(a[4]);
            c40 = Avx2Width<T>.MultiplyAdd(x, b0, c40); c41 = Avx2Width<T>.MultiplyAdd(x, b1, c41);
            x = Vector256.Create(a[5]);
            c50 = Avx2Width<T>.MultiplyAdd(x, b0, c50); c51 = Avx2Width<T>.MultiplyAdd(x, b1, c51);
            a += 6;
            b += 2 * v;
        }
        Store(c, c00, c01, overwrite); c += ldc;
        Store(c, c10, c11, overwrite); c += ldc;
        Store(c, c20, c21, overwrite); c += ldc;
        Store(c, c30, c31, overwrite); c += ldc;
        Store(c, c40, c41, overwrite); c += ldc;
        Store(c, c50, c51, overwrite);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(T* c, Vector256<T> v0, Vector256<T> v1, bool overwrite)
    {
        if (!overwrite)
        {
            v0 += Vector256.Load(c);
            v1 += Vector256.Load(c + Vector256<T>.Count);
        }
        v0.Store(c);
        v1.Store(c + Vector256<T>.Count);
    }
}

/// <summary>Portable fallback for any hardware with 128-bit SIMD (SSE2 on x64, AdvSimd on arm64): what a
/// NativeAOT build with the default instruction set gets, since it cannot check for AVX at run time.
/// 6 × 2 vectors (6 × 8 fp32, 6 × 4 fp64) = 12 accumulators, leaving 2 B vectors, 1 broadcast and (without
/// FMA) 1 product temporary within the 16 xmm registers.</summary>
internal unsafe struct Vector128Kernel<T> : IGemmKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int MR => 6;
    public static int NR => 2 * Vector128<T>.Count;
    public static int KC => 256;
    public static int MC => 144;
    public static int NC => 2048;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run(int kc, T* a, T* b, T* c, nint ldc, bool overwrite)
    {
        int v = Vector128<T>.Count;
        // cij: row i, columns j·v .. (j+1)·v of the 6 × 2v tile.
        Vector128<T> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector128<T> c20 = default, c21 = default, c30 = default, c31 = default;
        Vector128<T> c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector128<T> b0 = Vector128.Load(b), b1 = Vector128.Load(b + v);
            Vector128<T> x = Vector128.Create(a[0]);
            c00 = MultiplyAdd(x, b0, c00); c01 = MultiplyAdd(x, b1, c01);
            x = Vector128.Create(a[1]);
            c10 = MultiplyAdd(x, b0, c10); c11 = MultiplyAdd(x, b1, c11);
            x = Vector128.Create(a[2]);
            c20 = MultiplyAdd(x, b0, c20); c21 = MultiplyAdd(x, b1, c21);
            x = Vector128.Create(a[3]);
            c30 = MultiplyAdd(x, b0, c30); c31 = MultiplyAdd(x, b1, c31);
            x = Vector128.Create(a[4]);
            c40 = MultiplyAdd(x, b0, c40); c41 = MultiplyAdd(x, b1, c41);
            x = Vector128.Create(a[5]);
            c50 = MultiplyAdd(x, b0, c50); c51 = MultiplyAdd(x, b1, c51);
            a += 6;
            b += 2 * v;
        }
        Store(c, c00, c01, overwrite); c += ldc;
        Store(c, c10, c11, overwrite); c += ldc;
        Store(c, c20, c21, overwrite); c += ldc;
        Store(c, c30, c31, overwrite); c += ldc;
        Store(c, c40, c41, overwrite); c += ldc;
        Store(c, c50, c51, overwrite);
    }

    /// <summary>acc + x·y: one fused instruction where the hardware has FMA, a multiply and an add where it
    /// has not (never the software-emulated exact fused operation).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<T> MultiplyAdd(Vector128<T> x, Vector128<T> y, Vector128<T> acc)
    {
        if (typeof(T) == typeof(float))
            return Vector128.MultiplyAddEstimate(x.AsSingle(), y.AsSingle(), acc.AsSingle()).As<float, T>();
        return Vector128.MultiplyAddEstimate(x.AsDouble(), y.AsDouble(), acc.AsDouble()).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(T* c, Vector128<T> v0, Vector128<T> v1, bool overwrite)
    {
        if (!overwrite)
        {
            v0 += Vector128.Load(c);
            v1 += Vector128.Load(c + Vector128<T>.Count);
        }
        v0.Store(c);
        v1.Store(c + Vector128<T>.Count);
    }
}
