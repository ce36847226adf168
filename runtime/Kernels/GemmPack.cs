using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RnnGen.Kernels;

/// <summary>
/// Packing of A and B blocks into the k-major micro-panels the micro-kernels read. A and B use the
/// same routine: a "lane" is a row of op(A) or a column of op(B), and a panel is <c>w</c> lanes
/// (MR or NR) stored as <c>dst[p*w + lane]</c>. Transposes are resolved here, so the kernel is
/// always the same.
/// </summary>
internal static unsafe class GemmPack
{
    /// <summary>
    /// Packs <paramref name="lanes"/> × <paramref name="kc"/> elements, element (lane l, depth p) being
    /// <c>src[l*laneStride + p*kStride]</c>, into ceil(lanes/w) panels of kc×w (panel q at dst + q*w*kc).
    /// Lanes past the end are zero-filled (zeros, not garbage: stale denormals would slow the FMAs).
    /// <paramref name="lanesContiguous"/> is true when laneStride == 1 (copy rows of w), false when kStride == 1 (transpose).
    /// </summary>
    public static void Panels<T>(T* src, nint laneStride, nint kStride, bool lanesContiguous,
        int lanes, int kc, T* dst, int w) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int l0 = 0; l0 < lanes; l0 += w, dst += (nint)w * kc)
        {
            int count = Math.Min(w, lanes - l0);
            T* s = src + l0 * laneStride;
            if (count < w)
                PartialPanel(s, laneStride, kStride, count, kc, dst, w);
            else if (lanesContiguous)
                CopyPanel(s, kStride, kc, dst, w);
            else
                TransposePanel(s, laneStride, kc, dst, w);
        }
    }

    /// <summary>Full panel whose w lanes are contiguous for each p: one row copy per p.</summary>
    private static void CopyPanel<T>(T* s, nint kStride, int kc, T* dst, int w) where T : unmanaged, IFloatingPointIeee754<T>
    {
        // The widest accelerated vector that divides a panel row (only 128-bit ones in NativeAOT's default ISA).
        if (Vector256.IsHardwareAccelerated && w * sizeof(T) % 32 == 0)
        {
            int step = Vector256<T>.Count;
            for (int p = 0; p < kc; p++, s += kStride, dst += w)
                for (int i = 0; i < w; i += step)
                    Vector256.Load(s + i).Store(dst + i);
            return;
        }
        if (Vector128.IsHardwareAccelerated && w * sizeof(T) % 16 == 0)
        {
            int step = Vector128<T>.Count;
            for (int p = 0; p < kc; p++, s += kStride, dst += w)
                for (int i = 0; i < w; i += step)
                    Vector128.Load(s + i).Store(dst + i);
            return;
        }
        // Rows of 24 bytes (6 floats: the AVX2 and Vector128 kernels' MR): a 16-byte and an 8-byte move.
        if (Vector128.IsHardwareAccelerated && w * sizeof(T) == 24)
        {
            for (int p = 0; p < kc; p++, s += kStride, dst += w)
            {
                Vector128.Load((byte*)s).Store((byte*)dst);
                *(long*)((byte*)dst + 16) = *(long*)((byte*)s + 16);
            }
            return;
        }
        for (int p = 0; p < kc; p++, s += kStride, dst += w)
            for (int i = 0; i < w; i++)
                dst[i] = s[i];
    }

    /// <summary>Full panel whose lanes are contiguous along k: a transpose, done in 8×8 (float) or
    /// 4×4 (double) register blocks when AVX is available.</summary>
    private static void TransposePanel<T>(T* s, nint laneStride, int kc, T* dst, int w) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int p = 0;
        if (typeof(T) == typeof(float) && Avx.IsSupported && w % 8 == 0)
        {
            for (; p + 8 <= kc; p += 8)
                for (int g = 0; g < w; g += 8)
                    Transpose8x8((float*)(s + g * laneStride + p), laneStride, (float*)(dst + (nint)p * w + g), w);
        }
        else if (typeof(T) == typeof(float) && Avx.IsSupported && w == 6)
        {
            for (; p + 8 <= kc; p += 8)
                Transpose6x8((float*)(s + p), laneStride, (float*)(dst + (nint)p * w));
        }
        else if (typeof(T) == typeof(double) && Avx.IsSupported && w % 4 == 0)
        {
            for (; p + 4 <= kc; p += 4)
                for (int g = 0; g < w; g += 4)
                    Transpose4x4((double*)(s + g * laneStride + p), laneStride, (double*)(dst + (nint)p * w + g), w);
        }
        // Remaining depth (or no AVX): lane-by-lane, reading contiguously.
        for (int l = 0; l < w; l++)
        {
            T* sl = s + l * laneStride;
            for (int q = p; q < kc; q++)
                dst[(nint)q * w + l] = sl[q];
        }
    }

    /// <summary>Edge panel with count &lt; w lanes: scalar, zero-padding the missing lanes.</summary>
    private static void PartialPanel<T>(T* s, nint laneStride, nint kStride, int count, int kc, T* dst, int w)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int p = 0; p < kc; p++, dst += w)
        {
            T* sp = s + p * kStride;
            int l = 0;
            for (; l < count; l++)
                dst[l] = sp[l * laneStride];
            for (; l < w; l++)
                dst[l] = T.Zero;
        }
    }

    /// <summary>8×8 fp32 transpose: row r of src (8 floats at src + r*srcStride) becomes column r of dst.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* src, nint srcStride, float* dst, nint dstStride)
    {
        Vector256<float> r0 = Avx.LoadVector256(src), r1 = Avx.LoadVector256(src + srcStride);
        Vector256<float> r2 = Avx.LoadVector256(src + 2 * srcStride), r3 = Avx.LoadVector256(src + 3 * srcStride);
        Vector256<float> r4 = Avx.LoadVector256(src + 4 * srcStride), r5 = Avx.LoadVector256(src + 5 * srcStride);
        Vector256<float> r6 = Avx.LoadVector256(src + 6 * srcStride), r7 = Avx.LoadVector256(src + 7 * srcStride);
        Transpose8(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
        Avx.Store(dst, r0);
        Avx.Store(dst + dstStride, r1);
        Avx.Store(dst + 2 * dstStride, r2);
        Avx.Store(dst + 3 * dstStride, r3);
        Avx.Store(dst + 4 * dstStride, r4);
        Avx.Store(dst + 5 * dstStride, r5);
        Avx.Store(dst + 6 * dstStride, r6);
        Avx.Store(dst + 7 * dstStride, r7);
    }

    /// <summary>6 rows × 8 depths of fp32 into 8 packed rows of 6 (a panel of MR = 6): the 8×8 transpose with two
    /// zero rows, each result row stored as 4 + 2 floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose6x8(float* src, nint srcStride, float* dst)
    {
        Vector256<float> r0 = Avx.LoadVector256(src), r1 = Avx.LoadVector256(src + srcStride);
        Vector256<float> r2 = Avx.LoadVector256(src + 2 * srcStride), r3 = Avx.LoadVector256(src + 3 * srcStride);
        Vector256<float> r4 = Avx.LoadVector256(src + 4 * srcStride), r5 = Avx.LoadVector256(src + 5 * srcStride);
        Vector256<float> r6 = default, r7 = default;
        Transpose8(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
        Store6(dst, r0); Store6(dst + 6, r1); Store6(dst + 12, r2); Store6(dst + 18, r3);
        Store6(dst + 24, r4); Store6(dst + 30, r5); Store6(dst + 36, r6); Store6(dst + 42, r7);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store6(float* dst, Vector256<float> v)
    {
        v.GetLower().Store(dst);
        *(double*)(dst + 4) = v.GetUpper().AsDouble().ToScalar();
    }

    /// <summary>Rows r0..r7 become columns: interleave pairs of rows, then pairs of pairs, then swap 128-bit halves.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8(ref Vector256<float> r0, ref Vector256<float> r1, ref Vector256<float> r2, ref Vector256<float> r3,
        ref Vector256<float> r4, ref Vector256<float> r5, ref Vector256<float> r6, ref Vector256<float> r7)
    {
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> s0 = Avx.Shuffle(t0, t2, 0x44), s1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> s2 = Avx.Shuffle(t1, t3, 0x44), s3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> s4 = Avx.Shuffle(t4, t6, 0x44), s5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> s6 = Avx.Shuffle(t5, t7, 0x44), s7 = Avx.Shuffle(t5, t7, 0xEE);
        r0 = Avx.Permute2x128(s0, s4, 0x20); r1 = Avx.Permute2x128(s1, s5, 0x20);
        r2 = Avx.Permute2x128(s2, s6, 0x20); r3 = Avx.Permute2x128(s3, s7, 0x20);
        r4 = Avx.Permute2x128(s0, s4, 0x31); r5 = Avx.Permute2x128(s1, s5, 0x31);
        r6 = Avx.Permute2x128(s2, s6, 0x31); r7 = Avx.Permute2x128(s3, s7, 0x31);
    }

    /// <summary>4×4 fp64 transpose: row r of src becomes column r of dst.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose4x4(double* src, nint srcStride, double* dst, nint dstStride)
    {
        Vector256<double> r0 = Avx.LoadVector256(src), r1 = Avx.LoadVector256(src + srcStride);
        Vector256<double> r2 = Avx.LoadVector256(src + 2 * srcStride), r3 = Avx.LoadVector256(src + 3 * srcStride);
        Vector256<double> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<double> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Avx.Store(dst, Avx.Permute2x128(t0, t2, 0x20));
        Avx.Store(dst + dstStride, Avx.Permute2x128(t1, t3, 0x20));
        Avx.Store(dst + 2 * dstStride, Avx.Permute2x128(t0, t2, 0x31));
        Avx.Store(dst + 3 * dstStride, Avx.Permute2x128(t1, t3, 0x31));
    }
}
