using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RnnGen.Kernels;

/// <summary>
/// AVX-512 paths for few rows (the per-time-step products h[B,H]·Uᵀ and dZh·U with small batch B).
/// <para>Products with a pre-packed B (<see cref="PackedMatrix{T}"/>, fp32 and fp64, m ≤ <see cref="MaxRowsPacked"/>)
/// run register tiles straight on the packed panels, reading A in place (<see cref="TryRunPacked"/>).</para>
/// <para>Unpacked fp32 products (m ≤ 32) read B in place instead of packing it: packing B costs as much as
/// the product when m is tiny, since each packed element would then be used only once or a few times.</para>
/// <list type="bullet">
/// <item>transB=true (B stored n×k, rows contiguous along k): dot-product tiles of 4 rows of A × 4 rows
/// of B, 16 zmm accumulators along k, reduced at the end. A 4-row block of B stays in L1 while
/// all rows of A stream past it, so B is read from memory once.</item>
/// <item>transB=false: 8×32 register tiles loading B straight from memory (stride ldb), swept
/// over a small depth block at a time so each B row is read as a contiguous stream.</item>
/// </list>
/// Above 32 rows each packed B element is reused enough that the blocked path wins (measured).
/// The direct tiles (<see cref="Direct{T, TRows}"/>) serve both the unpacked transB=false path and the packed path.
/// </summary>
internal static unsafe class GemmSmallM
{
    /// <summary>Largest m for the transB=true dot-product path.</summary>
    public const int MaxRowsDot = 32;
    /// <summary>Largest m for the transB=false direct path.</summary>
    public const int MaxRowsDirect = 32;

    private const int DotKC = 512;  // depth block of the dot-product path
    private const int Nr = 32;      // columns per direct tile (2 zmm)
    private const int MaxDirectKB = 128; // largest depth block of the direct path

    public static bool TryRun(in GemmJob job)
    {
        if (job.TransB ? job.M > MaxRowsDot : job.M > MaxRowsDirect)
            return false;
        if (job.TransB)
            RunDot(job);
        else
            RunDirect(job);
        return true;
    }

    // ---------------------------------------------------------------- pre-packed B: A in place

    /// <summary>Largest m for which a product with a pre-packed B reads A in place. Measured (Zen 5, fp32 and
    /// fp64, n,k ∈ 32..2048): up to ~25 % faster than packing A for small products, within ±2 % of it for the
    /// largest, up to m = 192; beyond 64 rows the MC-blocked path is kept since it bounds the A working set.</summary>
    public const int MaxRowsPacked = 64;

    /// <summary>AVX-512 kernels only (<see cref="F32Avx512Kernel"/> / <see cref="F64Avx512Kernel"/> layout:
    /// panels of 2·Vector512&lt;T&gt;.Count columns).</summary>
    public static bool TryRunPacked<T>(in GemmJob job) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (job.M > MaxRowsPacked)
            return false;
        RunPacked<T>(job);
        return true;
    }

    /// <summary>
    /// B pre-packed in micro-panels of 2V columns (V = Vector512&lt;T&gt;.Count; see
    /// <see cref="GemmDriver{T, TKernel}.Pack"/>): register tiles run straight on the panels (contiguous
    /// streams) with A broadcast from where it lies, so nothing is packed at all. Chunks of 8 rows use
    /// the 8×2V direct tile, panel by panel (each panel stays in L1 while the chunks pass over it). A last
    /// chunk of 1 or 2 rows, which would leave the FMA units mostly idle in that tile, uses
    /// <see cref="Wide"/> (4 panels at once) for short depth blocks and <see cref="Stream"/> (depth unrolled
    /// into 4 accumulator sets, one sequential stream) for long ones: measured, 4 concurrent streams lose
    /// to one once the panels are ≥ 16 KB, and win below through fewer calls and reductions.
    /// </summary>
    private static void RunPacked<T>(in GemmJob job) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int nr = 2 * Vector512<T>.Count;
        int m = job.M, n = job.N, k = job.K, kcStep = job.PackedKc;
        T* a = (T*)job.A, c = (T*)job.C;
        nint width = job.Ldb, ldc = job.Ldc;
        nint aRow = job.TransA ? 1 : job.Lda, aK = job.TransA ? job.Lda : 1;
        int nFull = n - n % nr, cols = n - nFull;
        // Rows [0, mHead) in 8-row direct tiles (the last chunk may be 3..7 rows); the rest (1 or 2 rows) by Wide/Stream.
        int mHead = m % 8 is 1 or 2 ? m - m % 8 : m;
        T* tile = stackalloc T[8 * 32]; // 8 rows × nr (≤ 32) columns

        for (int p0 = 0; p0 < k; p0 += kcStep)
        {
            int kc = Math.Min(kcStep, k - p0);
            bool first = !job.Accumulate && p0 == 0;
            nint panelStride = (nint)nr * kc;
            T* bBlock = (T*)job.B + p0 * width + (nint)job.BCol0 * kc, ap = a + p0 * aK;
            if (mHead > 0)
            {
                for (int j = 0; j < nFull; j += nr)
                {
                    T* panel = bBlock + (nint)j * kc;
                    for (int i = 0; i < mHead; i += 8)
                        Direct(Math.Min(8, mHead - i), kc, ap + i * aRow, aRow, aK, panel, nr, c + i * ldc + j, ldc, first);
                }
            }
            if (mHead < m)
            {
                T* at = ap + mHead * aRow, ct = c + mHead * ldc;
                int j = 0;
                if (kc <= 64)
                {
                    for (; j + 4 * nr <= nFull; j += 4 * nr)
                    {
                        if (m - mHead == 1)
                            Wide<T, Rows1>(kc, at, aRow, aK, bBlock + (nint)j * kc, panelStride, ct + j, ldc, first);
                        else
                            Wide<T, Rows2>(kc, at, aRow, aK, bBlock + (nint)j * kc, panelStride, ct + j, ldc, first);
                    }
                }
                for (; j < nFull; j += nr)
                {
                    if (m - mHead == 1)
                        Stream<T, Rows1>(kc, at, aRow, aK, bBlock + (nint)j * kc, ct + j, ldc, first);
                    else
                        Stream<T, Rows2>(kc, at, aRow, aK, bBlock + (nint)j * kc, ct + j, ldc, first);
                }
            }
            if (cols > 0)
            {
                // Zero-padded edge panel: full tile aside, valid columns merged.
                T* panel = bBlock + (nint)nFull * kc;
                for (int i0 = 0; i0 < m; i0 += 8)
                {
                    int rows = Math.Min(8, m - i0);
                    Direct(rows, kc, ap + i0 * aRow, aRow, aK, panel, nr, tile, nr, overwrite: true);
                    for (int i = 0; i < rows; i++)
                    {
                        T* ci = c + (i0 + i) * ldc + nFull, ti = tile + i * nr;
                        for (int q = 0; q < cols; q++)
                            ci[q] = first ? ti[q] : ci[q] + ti[q];
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------- transB = true: dot products

    private static void RunDot(in GemmJob job)
    {
        int m = job.M, n = job.N, k = job.K;
        float* a = (float*)job.A, b = (float*)job.B, c = (float*)job.C;
        nint lda = job.Lda, ldb = job.Ldb, ldc = job.Ldc;
        if (job.TransA)
        {
            // Dot products need rows of op(A) contiguous along k: transpose the (small) k×m A once.
            float* t = GemmBuffers<float>.PackA(m * k);
            for (int p = 0; p < k; p++)
                for (int i = 0; i < m; i++)
                    t[(nint)i * k + p] = a[p * lda + i];
            a = t;
            lda = k;
        }
        // Mask for the last (k mod 16) elements; masked-off lanes are neither read nor faulted.
        Vector512<float> tail = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(k % 16)).AsSingle();
        // Depth blocks keep a 4-row block of B (4 × 512 floats = 8 KB) in L1 while A streams from L2.
        // Full blocks are multiples of 16, so only the last one has a masked tail.
        for (int p0 = 0; p0 < k; p0 += DotKC)
        {
            int kb = Math.Min(DotKC, k - p0);
            bool overwrite = !job.Accumulate && p0 == 0;
            float* ap = a + p0, bp = b + p0;
            int j = 0;
            for (; j + 4 <= n; j += 4)
            {
                float* bj = bp + j * ldb;
                float* cj = c + j;
                int i = 0;
                for (; i + 4 <= m; i += 4)
                    Dot4<Rows4>(kb, ap + i * lda, lda, bj, ldb, cj + i * ldc, ldc, overwrite, tail);
                switch (m - i)
                {
                    case 1: Dot4<Rows1>(kb, ap + i * lda, lda, bj, ldb, cj + i * ldc, ldc, overwrite, tail); break;
                    case 2: Dot4<Rows2>(kb, ap + i * lda, lda, bj, ldb, cj + i * ldc, ldc, overwrite, tail); break;
                    case 3: Dot4<Rows3>(kb, ap + i * lda, lda, bj, ldb, cj + i * ldc, ldc, overwrite, tail); break;
                }
            }
            // Last n mod 4 columns: one dot product each.
            for (; j < n; j++)
                for (int i = 0; i < m; i++)
                {
                    float s = Dot1(kb, ap + i * lda, bp + j * ldb, tail);
                    float* ci = c + i * ldc + j;
                    *ci = overwrite ? s : *ci + s;
                }
        }
    }

    /// <summary>C[0..R, 0..4] (+)= A[0..R, :] · B[0..4, :]ᵀ with both operands contiguous along k.</summary>
    private static void Dot4<TRows>(int k, float* a, nint lda, float* b, nint ldb, float* c, nint ldc,
        bool overwrite, Vector512<float> tail) where TRows : struct, IRowCount
    {
        int r = TRows.Value;
        Vector512<float> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector512<float> c10 = default, c11 = default, c12 = default, c13 = default;
        Vector512<float> c20 = default, c21 = default, c22 = default, c23 = default;
        Vector512<float> c30 = default, c31 = default, c32 = default, c33 = default;
        float* b1 = b + ldb, b2 = b + 2 * ldb, b3 = b + 3 * ldb;
        float* a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda;
        int p = 0;
        for (; p + 16 <= k; p += 16)
        {
            Vector512<float> y0 = Vector512.Load(b + p), y1 = Vector512.Load(b1 + p);
            Vector512<float> y2 = Vector512.Load(b2 + p), y3 = Vector512.Load(b3 + p);
            Vector512<float> x = Vector512.Load(a + p);
            c00 = Avx512F.FusedMultiplyAdd(x, y0, c00); c01 = Avx512F.FusedMultiplyAdd(x, y1, c01);
            c02 = Avx512F.FusedMultiplyAdd(x, y2, c02); c03 = Avx512F.FusedMultiplyAdd(x, y3, c03);
            if (r > 1)
            {
                x = Vector512.Load(a1 + p);
                c10 = Avx512F.FusedMultiplyAdd(x, y0, c10); c11 = Avx512F.FusedMultiplyAdd(x, y1, c11);
                c12 = Avx512F.FusedMultiplyAdd(x, y2, c12); c13 = Avx512F.FusedMultiplyAdd(x, y3, c13);
            }
            if (r > 2)
            {
                x = Vector512.Load(a2 + p);
                c20 = Avx512F.FusedMultiplyAdd(x, y0, c20); c21 = Avx512F.FusedMultiplyAdd(x, y1, c21);
                c22 = Avx512F.FusedMultiplyAdd(x, y2, c22); c23 = Avx512F.FusedMultiplyAdd(x, y3, c23);
            }
            if (r > 3)
            {
                x = Vector512.Load(a3 + p);
                c30 = Avx512F.FusedMultiplyAdd(x, y0, c30); c31 = Avx512F.FusedMultiplyAdd(x, y1, c31);
                c32 = Avx512F.FusedMultiplyAdd(x, y2, c32); c33 = Avx512F.FusedMultiplyAdd(x, y3, c33);
            }
        }
        if (p < k)
        {
            Vector512<float> z = Vector512<float>.Zero;
            Vector512<float> y0 = Avx512F.MaskLoad(b + p, tail, z), y1 = Avx512F.MaskLoad(b1 + p, tail, z);
            Vector512<float> y2 = Avx512F.MaskLoad(b2 + p, tail, z), y3 = Avx512F.MaskLoad(b3 + p, tail, z);
            Vector512<float> x = Avx512F.MaskLoad(a + p, tail, z);
            c00 = Avx512F.FusedMultiplyAdd(x, y0, c00); c01 = Avx512F.FusedMultiplyAdd(x, y1, c01);
            c02 = Avx512F.FusedMultiplyAdd(x, y2, c02); c03 = Avx512F.FusedMultiplyAdd(x, y3, c03);
            if (r > 1)
            {
                x = Avx512F.MaskLoad(a1 + p, tail, z);
                c10 = Avx512F.FusedMultiplyAdd(x, y0, c10); c11 = Avx512F.FusedMultiplyAdd(x, y1, c11);
                c12 = Avx512F.FusedMultiplyAdd(x, y2, c12); c13 = Avx512F.FusedMultiplyAdd(x, y3, c13);
            }
            if (r > 2)
            {
                x = Avx512F.MaskLoad(a2 + p, tail, z);
                c20 = Avx512F.FusedMultiplyAdd(x, y0, c20); c21 = Avx512F.FusedMultiplyAdd(x, y1, c21);
                c22 = Avx512F.FusedMultiplyAdd(x, y2, c22); c23 = Avx512F.FusedMultiplyAdd(x, y3, c23);
            }
            if (r > 3)
            {
                x = Avx512F.MaskLoad(a3 + p, tail, z);
                c30 = Avx512F.FusedMultiplyAdd(x, y0, c30); c31 = Avx512F.FusedMultiplyAdd(x, y1, c31);
                c32 = Avx512F.FusedMultiplyAdd(x, y2, c32); c33 = Avx512F.FusedMultiplyAdd(x, y3, c33);
            }
        }
        Store4(c, Sum4(c00, c01, c02, c03), overwrite);
        if (r > 1) Store4(c + ldc, Sum4(c10, c11, c12, c13), overwrite);
        if (r > 2) Store4(c + 2 * ldc, Sum4(c20, c21, c22, c23), overwrite);
        if (r > 3) Store4(c + 3 * ldc, Sum4(c30, c31, c32, c33), overwrite);
    }

    private static float Dot1(int k, float* a, float* b, Vector512<float> tail)
    {
        Vector512<float> s0 = default, s1 = default;
        int p = 0;
        for (; p + 32 <= k; p += 32)
        {
            s0 = Avx512F.FusedMultiplyAdd(Vector512.Load(a + p), Vector512.Load(b + p), s0);
            s1 = Avx512F.FusedMultiplyAdd(Vector512.Load(a + p + 16), Vector512.Load(b + p + 16), s1);
        }
        if (p + 16 <= k)
        {
            s0 = Avx512F.FusedMultiplyAdd(Vector512.Load(a + p), Vector512.Load(b + p), s0);
            p += 16;
        }
        if (p < k)
        {
            Vector512<float> z = Vector512<float>.Zero;
            s1 = Avx512F.FusedMultiplyAdd(Avx512F.MaskLoad(a + p, tail, z), Avx512F.MaskLoad(b + p, tail, z), s1);
        }
        return Vector512.Sum(s0 + s1);
    }

    /// <summary>[Σv0, Σv1, Σv2, Σv3]: fold 512→256, then three horizontal adds and a 128-bit fold
    /// (13 instructions instead of four separate full reductions).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Sum4(Vector512<float> v0, Vector512<float> v1, Vector512<float> v2, Vector512<float> v3)
    {
        Vector256<float> w0 = v0.GetLower() + v0.GetUpper(), w1 = v1.GetLower() + v1.GetUpper();
        Vector256<float> w2 = v2.GetLower() + v2.GetUpper(), w3 = v3.GetLower() + v3.GetUpper();
        Vector256<float> h = Avx.HorizontalAdd(Avx.HorizontalAdd(w0, w1), Avx.HorizontalAdd(w2, w3));
        return h.GetLower() + h.GetUpper();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store4(float* c, Vector128<float> v, bool overwrite)
    {
        if (!overwrite)
            v += Vector128.Load(c);
        v.Store(c);
    }

    // ---------------------------------------------------------------- transB = false, m <= 8: direct B

    private static void RunDirect(in GemmJob job)
    {
        int m = job.M, n = job.N, k = job.K;
        float* a = (float*)job.A, b = (float*)job.B, c = (float*)job.C;
        nint ldb = job.Ldb, ldc = job.Ldc;
        // Element (i,p) of op(A) is a[i*aRow + p*aK]; A is read in place too (broadcast per element).
        nint aRow = job.TransA ? 1 : job.Lda, aK = job.TransA ? job.Lda : 1;
        bool overwrite = !job.Accumulate;

        int nFull = n - n % Nr, cols = n - nFull;
        // Column edge (last n mod 32 columns): packed zero-padded per depth block, computed into a tile.
        float* panel = cols > 0 ? GemmBuffers<float>.PackB(MaxDirectKB * Nr) : null;
        float* tile = stackalloc float[8 * Nr];

        // Block over k and sweep each block of B rows left to right: every B row is then read as one
        // contiguous stream (a strided walk down 32-column panels defeats the prefetchers), while the
        // C rows being accumulated stay in L1/L2 and the kb×32 B tile stays in L1 across row chunks.
        // Few rows → few concurrent B streams (prefetcher-friendly); more rows → fewer C reloads.
        int kbStep = m <= 2 ? 8 : m <= 6 ? 16 : m <= 16 ? 64 : MaxDirectKB;
        for (int p0 = 0; p0 < k; p0 += kbStep)
        {
            int kb = Math.Min(kbStep, k - p0);
            bool first = overwrite && p0 == 0;
            float* ap = a + p0 * aK, bp = b + p0 * ldb;
            for (int j = 0; j < nFull; j += Nr)
                for (int i = 0; i < m; i += 8)
                    Direct(Math.Min(8, m - i), kb, ap + i * aRow, aRow, aK, bp + j, ldb, c + i * ldc + j, ldc, first);
            if (cols > 0)
            {
                GemmPack.Panels(bp + nFull, 1, ldb, lanesContiguous: true, cols, kb, panel, Nr);
                for (int i0 = 0; i0 < m; i0 += 8)
                {
                    int rows = Math.Min(8, m - i0);
                    Direct(rows, kb, ap + i0 * aRow, aRow, aK, panel, Nr, tile, Nr, overwrite: true);
                    for (int i = 0; i < rows; i++)
                    {
                        float* ci = c + (i0 + i) * ldc + nFull, ti = tile + i * Nr;
                        for (int q = 0; q < cols; q++)
                            ci[q] = first ? ti[q] : ci[q] + ti[q];
                    }
                }
            }
        }
    }

    private static void Direct<T>(int m, int k, T* a, nint aRow, nint aK, T* b, nint ldb, T* c, nint ldc, bool overwrite)
        where T : unmanaged
    {
        switch (m)
        {
            case 1: Direct<T, Rows1>(k, a, aRow, aK, b, ldb, c, ldc, overwrite); break;
            case 2: Direct<T, Rows2>(k, a, aRow, aK, b, ldb, c, ldc, overwrite); break;
            case 3: Direct<T, Rows3>(k, a, aRow, aK, b, ldb, c, ldc, overwrite); break;
            case 4: Direct<T, Rows4>(k, a, aRow, aK, b, ldb, c, ldc, overwrite); break;
            case 5: Direct<T, Rows5>(k, a, aRow, aK, b, ldb, c, ldc, overwrite); break;
            case 6: Direct<T, Rows6>(k, a, aRow, aK, b, ldb, c, ldc, overwrite); break;
            case 7: Direct<T, Rows7>(k, a, aRow, aK, b, ldb, c, ldc, overwrite); break;
            default: Direct<T, Rows8>(k, a, aRow, aK, b, ldb, c, ldc, overwrite); break;
        }
    }

    /// <summary>C[0..R, 0..2V] (+)= op(A)[0..R, :] · B[:, 0..2V], B rows read with stride ldb
    /// (V = Vector512&lt;T&gt;.Count: 32 fp32 / 16 fp64 columns).</summary>
    private static void Direct<T, TRows>(int k, T* a, nint aRow, nint aK, T* b, nint ldb, T* c, nint ldc,
        bool overwrite) where T : unmanaged where TRows : struct, IRowCount
    {
        int r = TRows.Value, v = Vector512<T>.Count;
        Vector512<T> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector512<T> c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<T> c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<T> c60 = default, c61 = default, c70 = default, c71 = default;
        for (int p = 0; p < k; p++, a += aK, b += ldb)
        {
            Vector512<T> b0 = Vector512.Load(b), b1 = Vector512.Load(b + v);
            Vector512<T> x = Vector512.Create(a[0]);
            c00 = Fma(x, b0, c00); c01 = Fma(x, b1, c01);
            if (r > 1) { x = Vector512.Create(a[aRow]); c10 = Fma(x, b0, c10); c11 = Fma(x, b1, c11); }
            if (r > 2) { x = Vector512.Create(a[2 * aRow]); c20 = Fma(x, b0, c20); c21 = Fma(x, b1, c21); }
            if (r > 3) { x = Vector512.Create(a[3 * aRow]); c30 = Fma(x, b0, c30); c31 = Fma(x, b1, c31); }
            if (r > 4) { x = Vector512.Create(a[4 * aRow]); c40 = Fma(x, b0, c40); c41 = Fma(x, b1, c41); }
            if (r > 5) { x = Vector512.Create(a[5 * aRow]); c50 = Fma(x, b0, c50); c51 = Fma(x, b1, c51); }
            if (r > 6) { x = Vector512.Create(a[6 * aRow]); c60 = Fma(x, b0, c60); c61 = Fma(x, b1, c61); }
            if (r > 7) { x = Vector512.Create(a[7 * aRow]); c70 = Fma(x, b0, c70); c71 = Fma(x, b1, c71); }
        }
        Store2(c, c00, c01, overwrite);
        if (r > 1) Store2(c + ldc, c10, c11, overwrite);
        if (r > 2) Store2(c + 2 * ldc, c20, c21, overwrite);
        if (r > 3) Store2(c + 3 * ldc, c30, c31, overwrite);
        if (r > 4) Store2(c + 4 * ldc, c40, c41, overwrite);
        if (r > 5) Store2(c + 5 * ldc, c50, c51, overwrite);
        if (r > 6) Store2(c + 6 * ldc, c60, c61, overwrite);
        if (r > 7) Store2(c + 7 * ldc, c70, c71, overwrite);
    }

    /// <summary>
    /// Pre-packed B, one or two rows: C[0..R, 0..8V] (+)= op(A)[0..R, :] · four consecutive packed
    /// panels (panel q at b + q·panelStride, each kc × 2V). With one panel a single row has only two
    /// independent FMA chains, which leaves the FMA units idle 3/4 of the time (latency 4, 2 ports);
    /// four panels give 8 (one row) or 16 (two rows) chains.
    /// </summary>
    private static void Wide<T, TRows>(int k, T* a, nint aRow, nint aK, T* b, nint panelStride, T* c, nint ldc,
        bool overwrite) where T : unmanaged where TRows : struct, IRowCount
    {
        int r = TRows.Value, v = Vector512<T>.Count;
        T* b1 = b + panelStride, b2 = b + 2 * panelStride, b3 = b + 3 * panelStride;
        Vector512<T> c0 = default, c1 = default, c2 = default, c3 = default;
        Vector512<T> c4 = default, c5 = default, c6 = default, c7 = default;
        Vector512<T> d0 = default, d1 = default, d2 = default, d3 = default;
        Vector512<T> d4 = default, d5 = default, d6 = default, d7 = default;
        nint step = 2 * v;
        for (nint o = 0, end = k * step; o < end; o += step, a += aK)
        {
            Vector512<T> y0 = Vector512.Load(b + o), y1 = Vector512.Load(b + o + v);
            Vector512<T> y2 = Vector512.Load(b1 + o), y3 = Vector512.Load(b1 + o + v);
            Vector512<T> y4 = Vector512.Load(b2 + o), y5 = Vector512.Load(b2 + o + v);
            Vector512<T> y6 = Vector512.Load(b3 + o), y7 = Vector512.Load(b3 + o + v);
            Vector512<T> x = Vector512.Create(a[0]);
            c0 = Fma(x, y0, c0); c1 = Fma(x, y1, c1); c2 = Fma(x, y2, c2); c3 = Fma(x, y3, c3);
            c4 = Fma(x, y4, c4); c5 = Fma(x, y5, c5); c6 = Fma(x, y6, c6); c7 = Fma(x, y7, c7);
            if (r > 1)
            {
                x = Vector512.Create(a[aRow]);
                d0 = Fma(x, y0, d0); d1 = Fma(x, y1, d1); d2 = Fma(x, y2, d2); d3 = Fma(x, y3, d3);
                d4 = Fma(x, y4, d4); d5 = Fma(x, y5, d5); d6 = Fma(x, y6, d6); d7 = Fma(x, y7, d7);
            }
        }
        Store2(c, c0, c1, overwrite); Store2(c + 2 * v, c2, c3, overwrite);
        Store2(c + 4 * v, c4, c5, overwrite); Store2(c + 6 * v, c6, c7, overwrite);
        if (r > 1)
        {
            c += ldc;
            Store2(c, d0, d1, overwrite); Store2(c + 2 * v, d2, d3, overwrite);
            Store2(c + 4 * v, d4, d5, overwrite); Store2(c + 6 * v, d6, d7, overwrite);
        }
    }

    /// <summary>
    /// Pre-packed B, one or two rows: C[0..R, 0..2V] (+)= op(A)[0..R, :] · one packed panel (kc × 2V),
    /// with the depth unrolled by 4 into separate accumulators (summed at the end): 8 (one row) or 16 (two
    /// rows) independent FMA chains from a single sequential B stream. With plain depth order a single row
    /// has two chains, which leaves the FMA units idle 3/4 of the time (latency 4, 2 ports).
    /// </summary>
    private static void Stream<T, TRows>(int k, T* a, nint aRow, nint aK, T* b, T* c, nint ldc, bool overwrite)
        where T : unmanaged where TRows : struct, IRowCount
    {
        int r = TRows.Value, v = Vector512<T>.Count;
        Vector512<T> c0 = default, c1 = default, c2 = default, c3 = default;
        Vector512<T> c4 = default, c5 = default, c6 = default, c7 = default;
        Vector512<T> d0 = default, d1 = default, d2 = default, d3 = default;
        Vector512<T> d4 = default, d5 = default, d6 = default, d7 = default;
        int p = 0;
        for (; p + 4 <= k; p += 4, a += 4 * aK, b += 8 * v)
        {
            Vector512<T> y0 = Vector512.Load(b), y1 = Vector512.Load(b + v);
            Vector512<T> y2 = Vector512.Load(b + 2 * v), y3 = Vector512.Load(b + 3 * v);
            Vector512<T> y4 = Vector512.Load(b + 4 * v), y5 = Vector512.Load(b + 5 * v);
            Vector512<T> y6 = Vector512.Load(b + 6 * v), y7 = Vector512.Load(b + 7 * v);
            Vector512<T> x0 = Vector512.Create(a[0]), x1 = Vector512.Create(a[aK]);
            Vector512<T> x2 = Vector512.Create(a[2 * aK]), x3 = Vector512.Create(a[3 * aK]);
            c0 = Fma(x0, y0, c0); c1 = Fma(x0, y1, c1); c2 = Fma(x1, y2, c2); c3 = Fma(x1, y3, c3);
            c4 = Fma(x2, y4, c4); c5 = Fma(x2, y5, c5); c6 = Fma(x3, y6, c6); c7 = Fma(x3, y7, c7);
            if (r > 1)
            {
                x0 = Vector512.Create(a[aRow]); x1 = Vector512.Create(a[aRow + aK]);
                x2 = Vector512.Create(a[aRow + 2 * aK]); x3 = Vector512.Create(a[aRow + 3 * aK]);
                d0 = Fma(x0, y0, d0); d1 = Fma(x0, y1, d1); d2 = Fma(x1, y2, d2); d3 = Fma(x1, y3, d3);
                d4 = Fma(x2, y4, d4); d5 = Fma(x2, y5, d5); d6 = Fma(x3, y6, d6); d7 = Fma(x3, y7, d7);
            }
        }
        for (; p < k; p++, a += aK, b += 2 * v)
        {
            Vector512<T> y0 = Vector512.Load(b), y1 = Vector512.Load(b + v);
            Vector512<T> x = Vector512.Create(a[0]);
            c0 = Fma(x, y0, c0); c1 = Fma(x, y1, c1);
            if (r > 1)
            {
                x = Vector512.Create(a[aRow]);
                d0 = Fma(x, y0, d0); d1 = Fma(x, y1, d1);
            }
        }
        Store2(c, (c0 + c2) + (c4 + c6), (c1 + c3) + (c5 + c7), overwrite);
        if (r > 1)
            Store2(c + ldc, (d0 + d2) + (d4 + d6), (d1 + d3) + (d5 + d7), overwrite);
    }

    /// <summary>acc + x·y in one rounding (vfmadd231ps/pd).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Fma<T>(Vector512<T> x, Vector512<T> y, Vector512<T> acc) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
            return Avx512F.FusedMultiplyAdd(x.AsSingle(), y.AsSingle(), acc.AsSingle()).As<float, T>();
        return Avx512F.FusedMultiplyAdd(x.AsDouble(), y.AsDouble(), acc.AsDouble()).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store2<T>(T* c, Vector512<T> v0, Vector512<T> v1, bool overwrite) where T : unmanaged
    {
        if (!overwrite)
        {
            v0 += Vector512.Load(c);
            v1 += Vector512.Load(c + Vector512<T>.Count);
        }
        v0.Store(c);
        v1.Store(c + Vector512<T>.Count);
    }
}

/// <summary>A row count known to the JIT: kernels generic over it fold their unused rows away.</summary>
internal interface IRowCount { static abstract int Value { get; } }
internal struct Rows1 : IRowCount { public static int Value => 1; }
internal struct Rows2 : IRowCount { public static int Value => 2; }
internal struct Rows3 : IRowCount { public static int Value => 3; }
internal struct Rows4 : IRowCount { public static int Value => 4; }
internal struct Rows5 : IRowCount { public static int Value => 5; }
internal struct Rows6 : IRowCount { public static int Value => 6; }
internal struct Rows7 : IRowCount { public static int Value => 7; }
internal struct Rows8 : IRowCount { public static int Value => 8; }
