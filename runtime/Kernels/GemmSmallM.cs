using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RnnGen.Kernels;

/// <summary>
/// Which micro-kernels have few-row paths (<see cref="GemmSmallM{T, TVec, TWidth}"/>), and at which vector width:
/// the AVX-512 kernels at 512 bits, the AVX2 kernels at 256. Everything here folds to one call or to
/// <c>false</c> when the JIT specializes the driver for a kernel.
/// </summary>
internal static class GemmSmallM
{
    /// <summary>Largest m for the unpacked fp32 paths. Above 32 rows each packed B element is reused enough
    /// that the blocked path wins (measured, AVX-512).</summary>
    public const int MaxRows = 32;

    /// <summary>Largest m for which a product with a pre-packed B reads A in place. Measured (Zen 5, AVX-512, fp32
    /// and fp64, n,k ∈ 32..2048): up to ~25 % faster than packing A for small products, within ±2 % of it for the
    /// largest, up to m = 192; beyond 64 rows the MC-blocked path is kept since it bounds the A working set.</summary>
    public const int MaxRowsPacked = 64;

    /// <summary>Unpacked fp32 product with m ≤ <see cref="MaxRows"/>: run it at the kernel's width, reading B in place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryRun<TKernel>(in GemmJob job)
    {
        if (job.M > MaxRows)
            return false;
        if (typeof(TKernel) == typeof(F32Avx512Kernel))
            GemmSmallM<float, Vector512<float>, Avx512Width<float>>.Run(job);
        else if (typeof(TKernel) == typeof(Avx2Kernel<float>))
            GemmSmallM<float, Vector256<float>, Avx2Width<float>>.Run(job);
        else
            return false;
        return true;
    }

    /// <summary>Product with B pre-packed for TKernel and m ≤ <see cref="MaxRowsPacked"/>: run it on the panels
    /// (2 vectors wide at the kernel's width), reading A in place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryRunPacked<T, TKernel>(in GemmJob job) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (job.M > MaxRowsPacked)
            return false;
        if (typeof(TKernel) == typeof(F32Avx512Kernel) || typeof(TKernel) == typeof(F64Avx512Kernel))
            GemmSmallM<T, Vector512<T>, Avx512Width<T>>.RunPacked(job);
        else if (typeof(TKernel) == typeof(Avx2Kernel<T>))
            GemmSmallM<T, Vector256<T>, Avx2Width<T>>.RunPacked(job);
        else
            return false;
        return true;
    }
}

/// <summary>
/// Products with few rows (the per-time-step products h[B,H]·Uᵀ and dZh·U with small batch B), written once
/// for every vector width TWidth (vectors of V = TWidth.Count lanes, type TVec).
/// <para>Products with a pre-packed B (<see cref="PackedMatrix{T}"/>, fp32 and fp64) run register tiles
/// straight on the packed panels, reading A in place (<see cref="RunPacked"/>).</para>
/// <para>Unpacked fp32 products read B in place instead of packing it (<see cref="Run"/>): packing B costs as
/// much as the product when m is tiny, since each packed element would then be used only once or a few times.</para>
/// <list type="bullet">
/// <item>transB=true (B stored n×k, rows contiguous along k): dot-product tiles of DotRows rows of A × 4 rows
/// of B, accumulators along k, reduced at the end. A 4-row block of B stays in L1 while all rows of A stream
/// past it, so B is read from memory once.</item>
/// <item>transB=false: TileRows × 2V register tiles loading B straight from memory (stride ldb), swept
/// over a small depth block at a time so each B row is read as a contiguous stream.</item>
/// </list>
/// The direct tiles (<see cref="Direct{TRows}"/>) serve both the unpacked transB=false path and the packed path.
/// </summary>
internal static unsafe class GemmSmallM<T, TVec, TWidth>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TVec : struct
    where TWidth : struct, IVectorWidth<T, TVec>
{
    private const int DotKC = 512;       // depth block of the dot-product path
    private const int MaxDirectKB = 128; // largest depth block of the direct path

    public static void Run(in GemmJob job)
    {
        if (job.TransB)
            RunDot(job);
        else
            RunDirect(job);
    }

    // ---------------------------------------------------------------- pre-packed B: A in place

    /// <summary>
    /// B pre-packed in micro-panels of 2V columns (see <see cref="GemmDriver{T, TKernel}.Pack"/>): register tiles
    /// run straight on the panels (contiguous streams) with A broadcast from where it lies, so nothing is packed
    /// at all. Chunks of TileRows rows use the direct tile, panel by panel (each panel stays in L1 while the
    /// chunks pass over it). A last chunk of at most NarrowRows rows (1 or 2), which would leave the FMA units
    /// mostly idle in that tile, uses <see cref="Wide{TRows}"/> (4 panels at once) for short depth blocks and
    /// <see cref="Stream{TRows}"/> (depth unrolled into 4 accumulator sets, one sequential stream) for long ones:
    /// measured (AVX-512), 4 concurrent streams lose to one once the panels are ≥ 16 KB, and win below through
    /// fewer calls and reductions.
    /// </summary>
    public static void RunPacked(in GemmJob job)
    {
        int nr = 2 * TWidth.Count, rows = TWidth.TileRows;
        int m = job.M, n = job.N, k = job.K, kcStep = job.PackedKc;
        T* a = (T*)job.A, c = (T*)job.C;
        nint width = job.Ldb, ldc = job.Ldc;
        nint aRow = job.TransA ? 1 : job.Lda, aK = job.TransA ? job.Lda : 1;
        int nFull = n - n % nr;
        // Rows [0, mHead) in direct tiles (the last chunk may be partial); the rest (≤ NarrowRows) by Wide/Stream.
        int left = m % rows, mHead = left > 0 && left <= TWidth.NarrowRows ? m - left : m;
        T* tile = stackalloc T[8 * 32]; // TileRows × nr (≤ 8 × 32) edge-panel results

        for (int p0 = 0; p0 < k; p0 += kcStep)
        {
            int kc = Math.Min(kcStep, k - p0);
            bool first = !job.Accumulate && p0 == 0;
            T* bBlock = (T*)job.B + p0 * width + (nint)job.BCol0 * kc, ap = a + p0 * aK;
            for (int j = 0; j < nFull && mHead > 0; j += nr)
            {
                T* panel = bBlock + (nint)j * kc;
                for (int i = 0; i < mHead; i += rows)
                    Direct(Math.Min(rows, mHead - i), kc, ap + i * aRow, aRow, aK, panel, nr, c + i * ldc + j, ldc, first);
            }
            if (mHead < m)
                Narrow(m - mHead, kc, nFull, ap + mHead * aRow, aRow, aK, bBlock, c + mHead * ldc, ldc, first);
            if (nFull < n)
                EdgePanel(m, n - nFull, kc, ap, aRow, aK, bBlock + (nint)nFull * kc, c + nFull, ldc, first, tile);
        }
    }

    /// <summary>The last 1..NarrowRows rows over the full panels of one depth block (see <see cref="RunPacked"/>).</summary>
    private static void Narrow(int m, int kc, int nFull, T* a, nint aRow, nint aK, T* bBlock, T* c, nint ldc, bool first)
    {
        int nr = 2 * TWidth.Count;
        nint panelStride = (nint)nr * kc;
        int j = 0;
        if (kc <= 64)
        {
            for (; j + 4 * nr <= nFull; j += 4 * nr)
            {
                if (m == 1)
                    Wide<Rows1>(kc, a, aRow, aK, bBlock + (nint)j * kc, panelStride, c + j, ldc, first);
                else
                    Wide<Rows2>(kc, a, aRow, aK, bBlock + (nint)j * kc, panelStride, c + j, ldc, first);
            }
        }
        for (; j < nFull; j += nr)
        {
            if (m == 1)
                Stream<Rows1>(kc, a, aRow, aK, bBlock + (nint)j * kc, c + j, ldc, first);
            else
                Stream<Rows2>(kc, a, aRow, aK, bBlock + (nint)j * kc, c + j, ldc, first);
        }
    }

    /// <summary>The zero-padded last panel (cols &lt; 2V valid columns) of one depth block: full tiles computed
    /// aside into <paramref name="tile"/> (TileRows × 2V), valid columns merged into C.</summary>
    private static void EdgePanel(int m, int cols, int kc, T* a, nint aRow, nint aK, T* panel, T* c, nint ldc,
        bool first, T* tile)
    {
        int nr = 2 * TWidth.Count;
        for (int i0 = 0; i0 < m; i0 += TWidth.TileRows)
        {
            int rows = Math.Min(TWidth.TileRows, m - i0);
            Direct(rows, kc, a + i0 * aRow, aRow, aK, panel, nr, tile, nr, overwrite: true);
            for (int i = 0; i < rows; i++)
            {
                T* ci = c + (i0 + i) * ldc, ti = tile + i * nr;
                for (int q = 0; q < cols; q++)
                    ci[q] = first ? ti[q] : ci[q] + ti[q];
            }
        }
    }

    // ---------------------------------------------------------------- transB = true: dot products

    /// <summary>fp32 only (<see cref="IVectorWidth{T, TVec}.Sum4"/>): <see cref="GemmSmallM.TryRun{TKernel}"/> sends no other type.</summary>
    private static void RunDot(in GemmJob job)
    {
        int m = job.M, n = job.N, k = job.K;
        T* a = (T*)job.A, b = (T*)job.B, c = (T*)job.C;
        nint lda = job.Lda, ldb = job.Ldb, ldc = job.Ldc;
        if (job.TransA)
        {
            // Dot products need rows of op(A) contiguous along k: transpose the (small) k×m A once.
            T* t = GemmBuffers<T>.PackA(m * k);
            for (int p = 0; p < k; p++)
                for (int i = 0; i < m; i++)
                    t[(nint)i * k + p] = a[p * lda + i];
            a = t;
            lda = k;
        }
        // Depth blocks keep a 4-row block of B (4 × 512 floats = 8 KB) in L1 while A streams from L2.
        // Full blocks are multiples of V, so only the last one has a partial vector.
        for (int p0 = 0; p0 < k; p0 += DotKC)
        {
            int kb = Math.Min(DotKC, k - p0);
            bool overwrite = !job.Accumulate && p0 == 0;
            T* ap = a + p0, bp = b + p0;
            int j = 0;
            for (; j + 4 <= n; j += 4)
                DotColumns(m, kb, ap, lda, bp + j * ldb, ldb, c + j, ldc, overwrite);
            // Last n mod 4 columns: one dot product each.
            for (; j < n; j++)
                for (int i = 0; i < m; i++)
                {
                    T s = Dot1(kb, ap + i * lda, bp + j * ldb);
                    T* ci = c + i * ldc + j;
                    *ci = overwrite ? s : *ci + s;
                }
        }
    }

    /// <summary>C[0..m, 0..4] (+)= A[0..m, :] · B[0..4, :]ᵀ in tiles of DotRows rows.</summary>
    private static void DotColumns(int m, int k, T* a, nint lda, T* b, nint ldb, T* c, nint ldc, bool overwrite)
    {
        int i = 0;
        if (TWidth.DotRows == 4)
            for (; i + 4 <= m; i += 4)
                Dot4<Rows4>(k, a + i * lda, lda, b, ldb, c + i * ldc, ldc, overwrite);
        else
            for (; i + 2 <= m; i += 2)
                Dot4<Rows2>(k, a + i * lda, lda, b, ldb, c + i * ldc, ldc, overwrite);
        switch (m - i)
        {
            case 1: Dot4<Rows1>(k, a + i * lda, lda, b, ldb, c + i * ldc, ldc, overwrite); break;
            case 2: Dot4<Rows2>(k, a + i * lda, lda, b, ldb, c + i * ldc, ldc, overwrite); break;
            case 3: Dot4<Rows3>(k, a + i * lda, lda, b, ldb, c + i * ldc, ldc, overwrite); break;
        }
    }

    /// <summary>C[0..R, 0..4] (+)= A[0..R, :] · B[0..4, :]ᵀ with both operands contiguous along k.</summary>
    private static void Dot4<TRows>(int k, T* a, nint lda, T* b, nint ldb, T* c, nint ldc, bool overwrite)
        where TRows : struct, IRowCount
    {
        int r = TRows.Value, v = TWidth.Count;
        // cij: row i of A times row j of B, V partial sums each.
        TVec c00 = default, c01 = default, c02 = default, c03 = default;
        TVec c10 = default, c11 = default, c12 = default, c13 = default;
        TVec c20 = default, c21 = default, c22 = default, c23 = default;
        TVec c30 = default, c31 = default, c32 = default, c33 = default;
        T* b1 = b + ldb, b2 = b + 2 * ldb, b3 = b + 3 * ldb;
        T* a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda;
        int p = 0;
        for (; p + v <= k; p += v)
        {
            TVec y0 = TWidth.Load(b + p), y1 = TWidth.Load(b1 + p), y2 = TWidth.Load(b2 + p), y3 = TWidth.Load(b3 + p);
            Dot4Row(TWidth.Load(a + p), y0, y1, y2, y3, ref c00, ref c01, ref c02, ref c03);
            if (r > 1) Dot4Row(TWidth.Load(a1 + p), y0, y1, y2, y3, ref c10, ref c11, ref c12, ref c13);
            if (r > 2) Dot4Row(TWidth.Load(a2 + p), y0, y1, y2, y3, ref c20, ref c21, ref c22, ref c23);
            if (r > 3) Dot4Row(TWidth.Load(a3 + p), y0, y1, y2, y3, ref c30, ref c31, ref c32, ref c33);
        }
        if (p < k)
        {
            int t = k - p;
            TVec y0 = TWidth.LoadTail(b + p, t), y1 = TWidth.LoadTail(b1 + p, t);
            TVec y2 = TWidth.LoadTail(b2 + p, t), y3 = TWidth.LoadTail(b3 + p, t);
            Dot4Row(TWidth.LoadTail(a + p, t), y0, y1, y2, y3, ref c00, ref c01, ref c02, ref c03);
            if (r > 1) Dot4Row(TWidth.LoadTail(a1 + p, t), y0, y1, y2, y3, ref c10, ref c11, ref c12, ref c13);
            if (r > 2) Dot4Row(TWidth.LoadTail(a2 + p, t), y0, y1, y2, y3, ref c20, ref c21, ref c22, ref c23);
            if (r > 3) Dot4Row(TWidth.LoadTail(a3 + p, t), y0, y1, y2, y3, ref c30, ref c31, ref c32, ref c33);
        }
        Store4((float*)c, TWidth.Sum4(c00, c01, c02, c03), overwrite);
        if (r > 1) Store4((float*)(c + ldc), TWidth.Sum4(c10, c11, c12, c13), overwrite);
        if (r > 2) Store4((float*)(c + 2 * ldc), TWidth.Sum4(c20, c21, c22, c23), overwrite);
        if (r > 3) Store4((float*)(c + 3 * ldc), TWidth.Sum4(c30, c31, c32, c33), overwrite);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dot4Row(TVec x, TVec y0, TVec y1, TVec y2, TVec y3, ref TVec c0, ref TVec c1, ref TVec c2, ref TVec c3)
    {
        c0 = TWidth.MultiplyAdd(x, y0, c0); c1 = TWidth.MultiplyAdd(x, y1, c1);
        c2 = TWidth.MultiplyAdd(x, y2, c2); c3 = TWidth.MultiplyAdd(x, y3, c3);
    }

    private static T Dot1(int k, T* a, T* b)
    {
        int v = TWidth.Count;
        TVec s0 = default, s1 = default;
        int p = 0;
        for (; p + 2 * v <= k; p += 2 * v)
        {
            s0 = TWidth.MultiplyAdd(TWidth.Load(a + p), TWidth.Load(b + p), s0);
            s1 = TWidth.MultiplyAdd(TWidth.Load(a + p + v), TWidth.Load(b + p + v), s1);
        }
        if (p + v <= k)
        {
            s0 = TWidth.MultiplyAdd(TWidth.Load(a + p), TWidth.Load(b + p), s0);
            p += v;
        }
        if (p < k)
            s1 = TWidth.MultiplyAdd(TWidth.LoadTail(a + p, k - p), TWidth.LoadTail(b + p, k - p), s1);
        return TWidth.Sum(TWidth.Add(s0, s1));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store4(float* c, Vector128<float> v, bool overwrite)
    {
        if (!overwrite)
            v += Vector128.Load(c);
        v.Store(c);
    }

    // ---------------------------------------------------------------- transB = false: direct B

    private static void RunDirect(in GemmJob job)
    {
        int nr = 2 * TWidth.Count, rows = TWidth.TileRows;
        int m = job.M, n = job.N, k = job.K;
        T* a = (T*)job.A, b = (T*)job.B, c = (T*)job.C;
        nint ldb = job.Ldb, ldc = job.Ldc;
        // Element (i,p) of op(A) is a[i*aRow + p*aK]; A is read in place too (broadcast per element).
        nint aRow = job.TransA ? 1 : job.Lda, aK = job.TransA ? job.Lda : 1;
        bool overwrite = !job.Accumulate;

        int nFull = n - n % nr;
        // Column edge (last n mod 2V columns): packed zero-padded per depth block (MaxDirectKB × 2V), computed aside.
        T* panel = nFull < n ? GemmBuffers<T>.PackB(MaxDirectKB * nr) : null;
        T* tile = stackalloc T[8 * 32]; // TileRows × nr (≤ 8 × 32)

        // Block over k and sweep each block of B rows left to right: every B row is then read as one
        // contiguous stream (a strided walk down 2V-column panels defeats the prefetchers), while the
        // C rows being accumulated stay in L1/L2 and the kb×2V B tile stays in L1 across row chunks.
        // Few rows → few concurrent B streams (prefetcher-friendly); more rows → fewer C reloads.
        int kbStep = m <= 2 ? 8 : m <= 6 ? 16 : m <= 16 ? 64 : MaxDirectKB;
        for (int p0 = 0; p0 < k; p0 += kbStep)
        {
            int kb = Math.Min(kbStep, k - p0);
            bool first = overwrite && p0 == 0;
            T* ap = a + p0 * aK, bp = b + p0 * ldb;
            for (int j = 0; j < nFull; j += nr)
                for (int i = 0; i < m; i += rows)
                    Direct(Math.Min(rows, m - i), kb, ap + i * aRow, aRow, aK, bp + j, ldb, c + i * ldc + j, ldc, first);
            if (nFull < n)
            {
                GemmPack.Panels(bp + nFull, 1, ldb, lanesContiguous: true, n - nFull, kb, panel, nr);
                EdgePanel(m, n - nFull, kb, ap, aRow, aK, panel, c + nFull, ldc, first, tile);
            }
        }
    }

    private static void Direct(int m, int k, T* a, nint aRow, nint aK, T* b, nint ldb, T* c, nint ldc, bool overwrite)
    {
        switch (m)
        {
            case 1: Direct<Rows1>(k, a, aRow, aK, b, ldb, c, ldc, overwrite); break;
            case 2: Direct<Rows2>(k, a, aRow, aK, b, ldb, c, ldc, overwrite); break;
            case 3: Direct<Rows3>(k, a, aRow, aK, b, ldb, c, ldc, overwrite); break;
            case 4: Direct<Rows4>(k, a, aRow, aK, b, ldb, c, ldc, overwrite); break;
            case 5: Direct<Rows5>(k, a, aRow, aK, b, ldb, c, ldc, overwrite); break;
            case 6: Direct<Rows6>(k, a, aRow, aK, b, ldb, c, ldc, overwrite); break;
            case 7: Direct<Rows7>(k, a, aRow, aK, b, ldb, c, ldc, overwrite); break;
            default: Direct<Rows8>(k, a, aRow, aK, b, ldb, c, ldc, overwrite); break;
        }
    }

    /// <summary>C[0..R, 0..2V] (+)= op(A)[0..R, :] · B[:, 0..2V], B rows read with stride ldb.</summary>
    private static void Direct<TRows>(int k, T* a, nint aRow, nint aK, T* b, nint ldb, T* c, nint ldc, bool overwrite)
        where TRows : struct, IRowCount
    {
        int r = TRows.Value, v = TWidth.Count;
        // ci0, ci1: row i, columns 0..V and V..2V.
        TVec c00 = default, c01 = default, c10 = default, c11 = default;
        TVec c20 = default, c21 = default, c30 = default, c31 = default;
        TVec c40 = default, c41 = default, c50 = default, c51 = default;
        TVec c60 = default, c61 = default, c70 = default, c71 = default;
        for (int p = 0; p < k; p++, a += aK, b += ldb)
        {
            TVec b0 = TWidth.Load(b), b1 = TWidth.Load(b + v);
            TVec x = TWidth.Broadcast(a[0]);
            c00 = TWidth.MultiplyAdd(x, b0, c00); c01 = TWidth.MultiplyAdd(x, b1, c01);
            if (r > 1) { x = TWidth.Broadcast(a[aRow]); c10 = TWidth.MultiplyAdd(x, b0, c10); c11 = TWidth.MultiplyAdd(x, b1, c11); }
            if (r > 2) { x = TWidth.Broadcast(a[2 * aRow]); c20 = TWidth.MultiplyAdd(x, b0, c20); c21 = TWidth.MultiplyAdd(x, b1, c21); }
            if (r > 3) { x = TWidth.Broadcast(a[3 * aRow]); c30 = TWidth.MultiplyAdd(x, b0, c30); c31 = TWidth.MultiplyAdd(x, b1, c31); }
            if (r > 4) { x = TWidth.Broadcast(a[4 * aRow]); c40 = TWidth.MultiplyAdd(x, b0, c40); c41 = TWidth.MultiplyAdd(x, b1, c41); }
            if (r > 5) { x = TWidth.Broadcast(a[5 * aRow]); c50 = TWidth.MultiplyAdd(x, b0, c50); c51 = TWidth.MultiplyAdd(x, b1, c51); }
            if (r > 6) { x = TWidth.Broadcast(a[6 * aRow]); c60 = TWidth.MultiplyAdd(x, b0, c60); c61 = TWidth.MultiplyAdd(x, b1, c61); }
            if (r > 7) { x = TWidth.Broadcast(a[7 * aRow]); c70 = TWidth.MultiplyAdd(x, b0, c70); c71 = TWidth.MultiplyAdd(x, b1, c71); }
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
    private static void Wide<TRows>(int k, T* a, nint aRow, nint aK, T* b, nint panelStride, T* c, nint ldc,
        bool overwrite) where TRows : struct, IRowCount
    {
        int r = TRows.Value, v = TWidth.Count;
        T* b1 = b + panelStride, b2 = b + 2 * panelStride, b3 = b + 3 * panelStride;
        // cq: row 0, columns q·V..(q+1)·V of the 8V; dq: row 1.
        TVec c0 = default, c1 = default, c2 = default, c3 = default;
        TVec c4 = default, c5 = default, c6 = default, c7 = default;
        TVec d0 = default, d1 = default, d2 = default, d3 = default;
        TVec d4 = default, d5 = default, d6 = default, d7 = default;
        nint step = 2 * v;
        for (nint o = 0, end = k * step; o < end; o += step, a += aK)
        {
            TVec y0 = TWidth.Load(b + o), y1 = TWidth.Load(b + o + v);
            TVec y2 = TWidth.Load(b1 + o), y3 = TWidth.Load(b1 + o + v);
            TVec y4 = TWidth.Load(b2 + o), y5 = TWidth.Load(b2 + o + v);
            TVec y6 = TWidth.Load(b3 + o), y7 = TWidth.Load(b3 + o + v);
            Row8(TWidth.Broadcast(a[0]), y0, y1, y2, y3, y4, y5, y6, y7,
                ref c0, ref c1, ref c2, ref c3, ref c4, ref c5, ref c6, ref c7);
            if (r > 1)
                Row8(TWidth.Broadcast(a[aRow]), y0, y1, y2, y3, y4, y5, y6, y7,
                    ref d0, ref d1, ref d2, ref d3, ref d4, ref d5, ref d6, ref d7);
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row8(TVec x, TVec y0, TVec y1, TVec y2, TVec y3, TVec y4, TVec y5, TVec y6, TVec y7,
        ref TVec c0, ref TVec c1, ref TVec c2, ref TVec c3, ref TVec c4, ref TVec c5, ref TVec c6, ref TVec c7)
    {
        c0 = TWidth.MultiplyAdd(x, y0, c0); c1 = TWidth.MultiplyAdd(x, y1, c1);
        c2 = TWidth.MultiplyAdd(x, y2, c2); c3 = TWidth.MultiplyAdd(x, y3, c3);
        c4 = TWidth.MultiplyAdd(x, y4, c4); c5 = TWidth.MultiplyAdd(x, y5, c5);
        c6 = TWidth.MultiplyAdd(x, y6, c6); c7 = TWidth.MultiplyAdd(x, y7, c7);
    }

    /// <summary>
    /// Pre-packed B, one or two rows: C[0..R, 0..2V] (+)= op(A)[0..R, :] · one packed panel (kc × 2V),
    /// with the depth unrolled by 4 into separate accumulators (summed at the end): 8 (one row) or 16 (two
    /// rows) independent FMA chains from a single sequential B stream. With plain depth order a single row
    /// has two chains, which leaves the FMA units idle 3/4 of the time (latency 4, 2 ports).
    /// </summary>
    private static void Stream<TRows>(int k, T* a, nint aRow, nint aK, T* b, T* c, nint ldc, bool overwrite)
        where TRows : struct, IRowCount
    {
        int r = TRows.Value, v = TWidth.Count;
        // c(2u), c(2u+1): row 0, depth p+u, columns 0..V and V..2V; d: row 1.
        TVec c0 = default, c1 = default, c2 = default, c3 = default;
        TVec c4 = default, c5 = default, c6 = default, c7 = default;
        TVec d0 = default, d1 = default, d2 = default, d3 = default;
        TVec d4 = default, d5 = default, d6 = default, d7 = default;
        int p = 0;
        for (; p + 4 <= k; p += 4, a += 4 * aK, b += 8 * v)
        {
            TVec y0 = TWidth.Load(b), y1 = TWidth.Load(b + v), y2 = TWidth.Load(b + 2 * v), y3 = TWidth.Load(b + 3 * v);
            TVec y4 = TWidth.Load(b + 4 * v), y5 = TWidth.Load(b + 5 * v), y6 = TWidth.Load(b + 6 * v), y7 = TWidth.Load(b + 7 * v);
            Depth4(a, aK, y0, y1, y2, y3, y4, y5, y6, y7, ref c0, ref c1, ref c2, ref c3, ref c4, ref c5, ref c6, ref c7);
            if (r > 1)
                Depth4(a + aRow, aK, y0, y1, y2, y3, y4, y5, y6, y7, ref d0, ref d1, ref d2, ref d3, ref d4, ref d5, ref d6, ref d7);
        }
        for (; p < k; p++, a += aK, b += 2 * v)
        {
            TVec y0 = TWidth.Load(b), y1 = TWidth.Load(b + v);
            TVec x = TWidth.Broadcast(a[0]);
            c0 = TWidth.MultiplyAdd(x, y0, c0); c1 = TWidth.MultiplyAdd(x, y1, c1);
            if (r > 1)
            {
                x = TWidth.Broadcast(a[aRow]);
                d0 = TWidth.MultiplyAdd(x, y0, d0); d1 = TWidth.MultiplyAdd(x, y1, d1);
            }
        }
        Store2(c, Sum4(c0, c2, c4, c6), Sum4(c1, c3, c5, c7), overwrite);
        if (r > 1)
            Store2(c + ldc, Sum4(d0, d2, d4, d6), Sum4(d1, d3, d5, d7), overwrite);
    }

    /// <summary>Four depth steps of one row: a[u·aK] times panel row u (y(2u), y(2u+1)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Depth4(T* a, nint aK, TVec y0, TVec y1, TVec y2, TVec y3, TVec y4, TVec y5, TVec y6, TVec y7,
        ref TVec c0, ref TVec c1, ref TVec c2, ref TVec c3, ref TVec c4, ref TVec c5, ref TVec c6, ref TVec c7)
    {
        TVec x0 = TWidth.Broadcast(a[0]), x1 = TWidth.Broadcast(a[aK]);
        TVec x2 = TWidth.Broadcast(a[2 * aK]), x3 = TWidth.Broadcast(a[3 * aK]);
        c0 = TWidth.MultiplyAdd(x0, y0, c0); c1 = TWidth.MultiplyAdd(x0, y1, c1);
        c2 = TWidth.MultiplyAdd(x1, y2, c2); c3 = TWidth.MultiplyAdd(x1, y3, c3);
        c4 = TWidth.MultiplyAdd(x2, y4, c4); c5 = TWidth.MultiplyAdd(x2, y5, c5);
        c6 = TWidth.MultiplyAdd(x3, y6, c6); c7 = TWidth.MultiplyAdd(x3, y7, c7);
    }

    /// <summary>(v0 + v1) + (v2 + v3), the pairing the depth-unrolled sums were always added in.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec Sum4(TVec v0, TVec v1, TVec v2, TVec v3) => TWidth.Add(TWidth.Add(v0, v1), TWidth.Add(v2, v3));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store2(T* c, TVec v0, TVec v1, bool overwrite)
    {
        if (!overwrite)
        {
            v0 = TWidth.Add(v0, TWidth.Load(c));
            v1 = TWidth.Add(v1, TWidth.Load(c + TWidth.Count));
        }
        TWidth.Store(c, v0);
        TWidth.Store(c + TWidth.Count, v1);
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
