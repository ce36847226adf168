using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RnnGen.Kernels;

/// <summary>One (already validated) GEMM, or one thread's slice of it, as raw pointers so it can
/// cross to a worker thread. Strides are in elements.</summary>
internal unsafe struct GemmJob
{
    public void* A, B, C;
    public nint Lda, Ldb, Ldc;
    public int M, N, K;
    public bool TransA, TransB, Accumulate;
    /// <summary>0: B is a plain matrix (TransB, Ldb). &gt; 0: B is a <see cref="PackedMatrix{T}"/>'s data packed
    /// in depth blocks of this many rows, Ldb is its Width (depth block pc starts at B + pc·Width) and
    /// TransB is ignored.</summary>
    public int PackedKc;
    /// <summary>Packed B only: first column of this slice (a multiple of NR) within the packed matrix.</summary>
    public int BCol0;
    /// <summary>Packed B and op(A) = A only: read A in place in blocks of <see cref="GemmSmallM.MaxRowsPacked"/> rows
    /// rather than packing it (<see cref="Gemm.MultiplyRowBlocks{T}"/>).</summary>
    public bool RowBlocks;
}

/// <summary>
/// The GotoBLAS/BLIS loop nest for one kernel: jc (NC columns) → pc (KC depth, pack B) → ic (MC rows,
/// pack A) → jr (NR) → ir (MR) → micro-kernel. Generic over the kernel struct so the JIT
/// specializes the whole nest per (T, kernel).
/// </summary>
internal static unsafe class GemmDriver<T, TKernel>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TKernel : struct, IGemmKernel<T>
{
    public static void Run(in GemmJob job)
    {
        if (job.PackedKc > 0)
        {
            RunPacked(job);
            return;
        }
        // Few rows: unpacked fp32 paths are cheaper than packing B (folds away for kernels without them).
        if (typeof(T) == typeof(float) && GemmSmallM.TryRun<TKernel>(job))
            return;
        GemmJob copy = job;
        Blocked(&copy, 1);
    }

    /// <summary>
    /// Products that share their left operand (jobs[i] differ only in M, B, C, N, TransB, Ldb, Ldc and Accumulate, none
    /// pre-packed; each uses the leading M rows of op(A)): each block of A is packed once and multiplied by the blocks of
    /// every B, instead of once per product.
    /// </summary>
    public static void RunShared(GemmJob* jobs, int count)
    {
        int m = 0;
        for (int i = 0; i < count; i++)
            m = Math.Max(m, jobs[i].M);
        // Few rows: the unpacked paths pack no A to share.
        if (typeof(T) == typeof(float) && m <= GemmSmallM.MaxRows)
        {
            for (int i = 0; i < count; i++)
                if (jobs[i].M > 0 && jobs[i].N > 0)
                    Run(jobs[i]);
            return;
        }
        Blocked(jobs, count);
    }

    /// <summary>
    /// The loop nest of <see cref="Run"/> over jobs sharing op(A): for each NC-column range, depth block
    /// and MC-row block, A is packed once and every product's packed B block (side by side in one buffer) is
    /// multiplied by it. A product with fewer rows or columns than the block skips what it lacks.
    /// </summary>
    private static void Blocked(GemmJob* jobs, int count)
    {
        int m = 0, k = jobs->K, n = 0;
        for (int i = 0; i < count; i++)
            (m, n) = (Math.Max(m, jobs[i].M), Math.Max(n, jobs[i].N));
        int mr = TKernel.MR, nr = TKernel.NR;
        T* a = (T*)jobs->A;
        // Element (i,p) of op(A) is a[i*aLane + p*aK].
        nint aLane = jobs->TransA ? 1 : jobs->Lda, aK = jobs->TransA ? jobs->Lda : 1;

        int kcStep = KcStep(k);
        int mcStep = Math.Min(m, TKernel.MC);
        int ncStep = Math.Min(n, TKernel.NC);
        int bWidth = 0;
        for (int i = 0; i < count; i++)
            bWidth += RoundUp(Columns(jobs + i, 0, ncStep), nr);

        // Buffers sized for this call only (grown on demand, reused afterwards: no steady-state allocation).
        T* aPack = GemmBuffers<T>.PackA(RoundUp(mcStep, mr) * kcStep);
        T* bPack = GemmBuffers<T>.PackB(bWidth * kcStep);
        T* tile = stackalloc T[mr * nr];

        for (int jc = 0; jc < n; jc += ncStep)
        {
            for (int pc = 0; pc < k; pc += kcStep)
            {
                int kc = Math.Min(kcStep, k - pc);
                T* bBlock = bPack;
                for (int i = 0; i < count; i++)
                {
                    GemmJob* job = jobs + i;
                    int nc = Columns(job, jc, ncStep);
                    if (nc <= 0) continue;
                    // Element (p,j) of op(B) is b[j*bLane + p*bK].
                    nint bLane = job->TransB ? job->Ldb : 1, bK = job->TransB ? 1 : job->Ldb;
                    GemmPack.Panels((T*)job->B + jc * bLane + pc * bK, bLane, bK, !job->TransB, nc, kc, bBlock, nr);
                    bBlock += (nint)RoundUp(nc, nr) * kc;
                }
                for (int ic = 0; ic < m; ic += mcStep)
                {
                    int mc = Math.Min(mcStep, m - ic);
                    GemmPack.Panels(a + ic * aLane + pc * aK, aLane, aK, jobs->TransA, mc, kc, aPack, mr);
                    bBlock = bPack;
                    for (int i = 0; i < count; i++)
                    {
                        GemmJob* job = jobs + i;
                        int nc = Columns(job, jc, ncStep), rows = Math.Min(mc, job->M - ic);
                        if (nc <= 0) continue;
                        // The first depth block initializes C unless the caller asked to accumulate.
                        bool overwrite = pc == 0 && !job->Accumulate;
                        if (rows > 0)
                            Macro(rows, nc, kc, aPack, bBlock, (T*)job->C + ic * job->Ldc + jc, job->Ldc, overwrite, tile);
                        bBlock += (nint)RoundUp(nc, nr) * kc;
                    }
                }
            }
        }
    }

    /// <summary>Columns of a job in the NC range from jc (none for a job without rows, whose B is not packed).</summary>
    private static int Columns(GemmJob* job, int jc, int ncStep) => job->M > 0 ? Math.Min(ncStep, job->N - jc) : 0;

    /// <summary>Depth block for a product of depth k &gt; 0: at most KC, balanced (k = 600 → 3 × 200 rather
    /// than 384 + 216) so none is short.</summary>
    private static int KcStep(int k)
    {
        int kBlocks = (k + TKernel.KC - 1) / TKernel.KC;
        return (k + kBlocks - 1) / kBlocks;
    }

    /// <summary>
    /// Packs op(B) (k×n, element (p,j) at b[j*bLane + p*bK]) whole, in the layout <see cref="Run"/> would pack
    /// it block by block: for each depth block pc (KcStep(k) deep) at element pc·Width, the ceil(n/NR)
    /// micro-panels of kc×NR, panel q at q·NR·kc within the block, columns past n zero.
    /// </summary>
    public static void Pack(bool transB, int k, int n, T* b, nint ldb, PackedMatrix<T> packed)
    {
        int nr = TKernel.NR;
        int kcStep = k == 0 ? 0 : KcStep(k);
        long width = n == 0 || k == 0 ? 0 : ((long)n + nr - 1) / nr * nr;
        // Reset refuses more than an array can hold, so width fits an int afterwards.
        T* dst = packed.Reset(k, n, kcStep, width, typeof(TKernel), width * k);
        nint bLane = transB ? ldb : 1, bK = transB ? 1 : ldb;
        for (int pc = 0; pc < k && n > 0; pc += kcStep)
            GemmPack.Panels(b + pc * bK, bLane, bK, !transB, n, Math.Min(kcStep, k - pc), dst + pc * (nint)width, nr);
    }

    /// <summary>
    /// The loop nest with B already packed (job.PackedKc &gt; 0): pc (depth block) → ic (MC rows, pack A)
    /// → all of this slice's columns. There is no jc loop, since B need not be packed in NC chunks; each
    /// B micro-panel stays in L1 across the ir loop and the packed A block in L2 across the jr loop.
    /// </summary>
    private static void RunPacked(in GemmJob job)
    {
        // Few rows: A read in place, no packing at all (folds away for kernels without such a path).
        if (GemmSmallM.TryRunPacked<T, TKernel>(job))
            return;
        if (job.RowBlocks && RunRowBlocks(job))
            return;
        int m = job.M, n = job.N, k = job.K;
        int mr = TKernel.MR, nr = TKernel.NR;
        int kcStep = job.PackedKc;
        T* a = (T*)job.A, c = (T*)job.C;
        nint ldc = job.Ldc, width = job.Ldb;
        nint aLane = job.TransA ? 1 : job.Lda, aK = job.TransA ? job.Lda : 1;
        int mcStep = Math.Min(m, TKernel.MC);
        T* aPack = GemmBuffers<T>.PackA(RoundUp(mcStep, mr) * kcStep);
        T* tile = stackalloc T[mr * nr];

        for (int pc = 0; pc < k; pc += kcStep)
        {
            int kc = Math.Min(kcStep, k - pc);
            bool overwrite = pc == 0 && !job.Accumulate;
            T* bBlock = (T*)job.B + pc * width + (nint)job.BCol0 * kc;
            for (int ic = 0; ic < m; ic += mcStep)
            {
                int mc = Math.Min(mcStep, m - ic);
                GemmPack.Panels(a + ic * aLane + pc * aK, aLane, aK, job.TransA, mc, kc, aPack, mr);
                Macro(mc, n, kc, aPack, bBlock, c + ic * ldc, ldc, overwrite, tile);
            }
        }
    }

    /// <summary>The packed product as blocks of rows the few-row path reads in place; false (nothing done) for kernels
    /// without that path.</summary>
    private static bool RunRowBlocks(in GemmJob job)
    {
        GemmJob block = job;
        for (int i = 0; i < job.M; i += GemmSmallM.MaxRowsPacked)
        {
            block.M = Math.Min(GemmSmallM.MaxRowsPacked, job.M - i);
            block.A = (T*)job.A + i * job.Lda;
            block.C = (T*)job.C + i * job.Ldc;
            if (!GemmSmallM.TryRunPacked<T, TKernel>(block))
                return false;   // the first block already: the answer depends only on the kernel
        }
        return true;
    }

    /// <summary>All micro-tiles of one packed (mc × kc) · (kc × nc) block. ir is innermost so one B
    /// micro-panel stays in L1 while the A micro-panels stream from L2.</summary>
    private static void Macro(int mc, int nc, int kc, T* aPack, T* bPack, T* c, nint ldc, bool overwrite, T* tile)
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        for (int jr = 0; jr < nc; jr += nr)
        {
            int nLeft = Math.Min(nr, nc - jr);
            T* bPanel = bPack + (nint)jr * kc;
            for (int ir = 0; ir < mc; ir += mr)
            {
                int mLeft = Math.Min(mr, mc - ir);
                T* aPanel = aPack + (nint)ir * kc;
                T* cTile = c + ir * ldc + jr;
                if (mLeft == mr && nLeft == nr)
                {
                    TKernel.Run(kc, aPanel, bPanel, cTile, ldc, overwrite);
                }
                else
                {
                    // Edge tile: compute the full (zero-padded) tile aside, write back only the valid part.
                    TKernel.Run(kc, aPanel, bPanel, tile, nr, overwrite: true);
                    MergeTile(tile, nr, cTile, ldc, mLeft, nLeft, overwrite);
                }
            }
        }
    }

    private static void MergeTile(T* tile, int nr, T* c, nint ldc, int rows, int cols, bool overwrite)
    {
        for (int i = 0; i < rows; i++, tile += nr, c += ldc)
        {
            if (overwrite)
                for (int j = 0; j < cols; j++) c[j] = tile[j];
            else
                for (int j = 0; j < cols; j++) c[j] += tile[j];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;
}

/// <summary>Per-thread packing buffers: pinned (POH) arrays, 64-byte aligned for the zmm loads,
/// grown on demand and never shrunk.</summary>
internal static unsafe class GemmBuffers<T> where T : unmanaged
{
    private const int Align = 64;
    [ThreadStatic] private static T[]? t_a;
    [ThreadStatic] private static T[]? t_b;

    public static T* PackA(int elements) => Get(ref t_a, elements);
    public static T* PackB(int elements) => Get(ref t_b, elements);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T* Get(ref T[]? buffer, int elements)
    {
        int needed = elements + Align / sizeof(T);
        T[]? arr = buffer;
        if (arr is null || arr.Length < needed)
            buffer = arr = GC.AllocateUninitializedArray<T>(needed, pinned: true);
        nint p = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(arr));
        return (T*)((p + (Align - 1)) & ~(nint)(Align - 1));
    }
}
