using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RnnGen.Kernels;

/// <summary>
/// Dense matrix product, row-major. Packed/blocked (BLIS-style) with an AVX-512 micro-kernel
/// (fp32 8×32, fp64 8×16), an AVX2+FMA fallback (6×16 / 6×8) and a portable Vector128 fallback (6×8 / 6×4);
/// with AVX-512 or AVX2+FMA, fp32 products with m ≤ 32 rows and products with a pre-packed B and m ≤ 64 take
/// few-row paths that pack nothing (<see cref="GemmSmallM"/>).
/// Steady-state calls allocate nothing (packing buffers are per-thread and reused).
/// A right-hand operand used for many products (a recurrent weight matrix) can be packed once with
/// <see cref="Pack{T}"/> and multiplied with <see cref="Multiply{T}(bool, int, ReadOnlySpan{T}, int, PackedMatrix{T}, Span{T}, int, bool)"/>.
/// </summary>
/// <remarks>Thread safety: safe from any number of threads at once (packing buffers are per thread; a busy worker pool makes a concurrent call run on its own thread).</remarks>
public static class Gemm
{
    // Products below this many multiply-adds (m·n·k) are not worth waking a worker thread for.
    private const long ParallelThreshold = 1L << 21;

    // static readonly: constants once the JIT tiers up, so the dispatch below folds away.
    private static readonly bool s_avx512 = Vector512.IsHardwareAccelerated && Avx512F.IsSupported;
    private static readonly bool s_avx2 = Vector256.IsHardwareAccelerated && Avx2.IsSupported && Fma.IsSupported;

    private static volatile int s_maxThreads = 1;

    /// <summary>Threads used for large products (default 1). 2 lets big GEMMs split across both cores.</summary>
    public static int MaxThreads
    {
        get => s_maxThreads;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            s_maxThreads = value;
        }
    }

    /// <summary>
    /// C[m×n] = (accumulate ? C : 0) + op(A)·op(B), row-major.
    /// op(A) is m×k: transA=false → A stored m×k with row stride lda; transA=true → A stored k×m (row stride lda).
    /// op(B) is k×n: transB=false → B stored k×n with row stride ldb; transB=true → B stored n×k (row stride ldb).
    /// C stored m×n with row stride ldc. C must not overlap A or B. Elements of C outside the m×n
    /// region (the ldc padding) are never touched.
    /// </summary>
    /// <exception cref="NotSupportedException">T is neither float nor double.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative or a stride is too small.</exception>
    /// <exception cref="ArgumentException">A span is too short for its dimensions and stride.</exception>
    public static unsafe void Multiply<T>(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, Span<T> c, int ldc, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ThrowIfUnsupported<T>();

        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        // op(A) is stored transA ? k×m : m×k, op(B) transB ? n×k : k×n, C m×n.
        if (!Fits(a.Length, transA ? k : m, transA ? m : k, lda) ||
            !Fits(b.Length, transB ? n : k, transB ? k : n, ldb) ||
            !Fits(c.Length, m, n, ldc))
            ThrowBadMatrix(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);

        if (m == 0 || n == 0)
            return;
        if (k == 0)
        {
            // Empty sum: C = accumulate ? C : 0.
            if (!accumulate)
                for (int i = 0; i < m; i++)
                    c.Slice(i * ldc, n).Clear();
            return;
        }

        fixed (T* pa = a)
        fixed (T* pb = b)
        fixed (T* pc = c)
        {
            var job = new GemmJob
            {
                A = pa, B = pb, C = pc, Lda = lda, Ldb = ldb, Ldc = ldc, M = m, N = n, K = k,
                TransA = transA, TransB = transB, Accumulate = accumulate,
            };
            if (typeof(T) == typeof(float))
            {
                if (s_avx512) Execute<float, F32Avx512Kernel>(job);
                else if (s_avx2) Execute<float, Avx2Kernel<float>>(job);
                else Execute<float, Vector128Kernel<float>>(job);
            }
            else
            {
                if (s_avx512) Execute<double, F64Avx512Kernel>(job);
                else if (s_avx2) Execute<double, Avx2Kernel<double>>(job);
                else Execute<double, Vector128Kernel<double>>(job);
            }
        }
    }

    /// <summary>
    /// Packs op(B) (k×n; transB as in <see cref="Multiply{T}(bool, bool, int, int, int, ReadOnlySpan{T}, int, ReadOnlySpan{T}, int, Span{T}, int, bool)"/>:
    /// transB=false → B stored k×n with row stride ldb, transB=true → B stored n×k) into <paramref name="packed"/>
    /// for later <see cref="Multiply{T}(bool, int, ReadOnlySpan{T}, int, PackedMatrix{T}, Span{T}, int, bool)"/> calls.
    /// The packed copy is independent of <paramref name="b"/> afterwards. Reuses the packed buffer when the
    /// new size fits (no allocation), grows it otherwise.
    /// </summary>
    /// <exception cref="NotSupportedException">T is neither float nor double.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="packed"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative or ldb is too small.</exception>
    /// <exception cref="ArgumentException"><paramref name="b"/> is too short for its dimensions and stride.</exception>
    public static unsafe void Pack<T>(bool transB, int k, int n, ReadOnlySpan<T> b, int ldb, PackedMatrix<T> packed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ThrowIfUnsupported<T>();
        ArgumentNullException.ThrowIfNull(packed);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if (!Fits(b.Length, transB ? n : k, transB ? k : n, ldb))
            CheckB(b.Length, transB, k, n, ldb);

        fixed (T* pb = b)
        {
            if (typeof(T) == typeof(float))
            {
                var p = Unsafe.As<PackedMatrix<float>>(packed);
                if (s_avx512) GemmDriver<float, F32Avx512Kernel>.Pack(transB, k, n, (float*)pb, ldb, p);
                else if (s_avx2) GemmDriver<float, Avx2Kernel<float>>.Pack(transB, k, n, (float*)pb, ldb, p);
                else GemmDriver<float, Vector128Kernel<float>>.Pack(transB, k, n, (float*)pb, ldb, p);
            }
            else
            {
                var p = Unsafe.As<PackedMatrix<double>>(packed);
                if (s_avx512) GemmDriver<double, F64Avx512Kernel>.Pack(transB, k, n, (double*)pb, ldb, p);
                else if (s_avx2) GemmDriver<double, Avx2Kernel<double>>.Pack(transB, k, n, (double*)pb, ldb, p);
                else GemmDriver<double, Vector128Kernel<double>>.Pack(transB, k, n, (double*)pb, ldb, p);
            }
        }
    }

    /// <summary>
    /// C[m×n] = (accumulate ? C : 0) + op(A)·B, with B (k×n) the matrix last packed into <paramref name="b"/>
    /// by <see cref="Pack{T}"/> (k = b.K, n = b.N). op(A), C, lda, ldc and accumulate as in
    /// <see cref="Multiply{T}(bool, bool, int, int, int, ReadOnlySpan{T}, int, ReadOnlySpan{T}, int, Span{T}, int, bool)"/>;
    /// the result equals that of the unpacked call up to float rounding. Allocates nothing in steady state.
    /// Several threads may multiply by the same packed matrix at once, but not while it is being re-packed.
    /// </summary>
    /// <exception cref="NotSupportedException">T is neither float nor double.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="b"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">m is negative or a stride is too small.</exception>
    /// <exception cref="ArgumentException">A span is too short for its dimensions and stride.</exception>
    public static void Multiply<T>(bool transA, int m, ReadOnlySpan<T> a, int lda, PackedMatrix<T> b,
        Span<T> c, int ldc, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        MultiplyPacked(transA, m, a, lda, b, c, ldc, accumulate, rowBlocks: false);

    /// <summary>
    /// C[m×n] = (accumulate ? C : 0) + A·B with B packed as for <see cref="Multiply{T}(bool, int, ReadOnlySpan{T}, int, PackedMatrix{T}, Span{T}, int, bool)"/>
    /// and A (m×k, row stride lda) long and read once, such as dZx in the input gradient dX = dZx·W over all steps: A is read
    /// where it lies, <see cref="GemmSmallM.MaxRowsPacked"/> rows at a time, instead of copied transposed into packed panels:
    /// measured 6–11 % faster for k = 4H, n = I. Not the default for long A: each block of rows streams all of B again,
    /// which the blocked product avoids. Threads split the rows.
    /// </summary>
    internal static void MultiplyRowBlocks<T>(int m, ReadOnlySpan<T> a, int lda, PackedMatrix<T> b, Span<T> c, int ldc, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        MultiplyPacked(false, m, a, lda, b, c, ldc, accumulate, rowBlocks: true);

    private static unsafe void MultiplyPacked<T>(bool transA, int m, ReadOnlySpan<T> a, int lda, PackedMatrix<T> b,
        Span<T> c, int ldc, bool accumulate, bool rowBlocks)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ThrowIfUnsupported<T>();
        ArgumentNullException.ThrowIfNull(b);
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        int n = b.N, k = b.K;
        if (!Fits(a.Length, transA ? k : m, transA ? m : k, lda) || !Fits(c.Length, m, n, ldc))
        {
            CheckA(a.Length, transA, m, k, lda);
            CheckC(c.Length, m, n, ldc);
        }

        if (m == 0 || n == 0)
            return;
        if (k == 0)
        {
            if (!accumulate)
                for (int i = 0; i < m; i++)
                    c.Slice(i * ldc, n).Clear();
            return;
        }

        if (typeof(T) == typeof(float))
        {
            var p = Unsafe.As<PackedMatrix<float>>(b);
            var af = MemoryMarshal.Cast<T, float>(a);
            var cf = MemoryMarshal.Cast<T, float>(c);
            if (s_avx512) MultiplyPacked<float, F32Avx512Kernel>(transA, m, af, lda, p, cf, ldc, accumulate, rowBlocks);
            else if (s_avx2) MultiplyPacked<float, Avx2Kernel<float>>(transA, m, af, lda, p, cf, ldc, accumulate, rowBlocks);
            else MultiplyPacked<float, Vector128Kernel<float>>(transA, m, af, lda, p, cf, ldc, accumulate, rowBlocks);
        }
        else
        {
            var p = Unsafe.As<PackedMatrix<double>>(b);
            var ad = MemoryMarshal.Cast<T, double>(a);
            var cd = MemoryMarshal.Cast<T, double>(c);
            if (s_avx512) MultiplyPacked<double, F64Avx512Kernel>(transA, m, ad, lda, p, cd, ldc, accumulate, rowBlocks);
            else if (s_avx2) MultiplyPacked<double, Avx2Kernel<double>>(transA, m, ad, lda, p, cd, ldc, accumulate, rowBlocks);
            else MultiplyPacked<double, Vector128Kernel<double>>(transA, m, ad, lda, p, cd, ldc, accumulate, rowBlocks);
        }
    }

    /// <summary>
    /// Two products with one left operand: <c>first.C = (first.Accumulate ? first.C : 0) + op(A)[0..first.M, :]·op(first.B)</c>,
    /// and likewise for <paramref name="second"/>, op(A) (m×k, m the larger product's M) stored as in
    /// <see cref="Multiply{T}(bool, bool, int, int, int, ReadOnlySpan{T}, int, ReadOnlySpan{T}, int, Span{T}, int, bool)"/>;
    /// each product uses the leading M rows of op(A). Each block of A is packed once for both (the weight gradients
    /// dW = dZᵀ·X and dU = dZᵀ·H that read one d(products) buffer, dU reading only the gates its matrices feed), so the
    /// pair costs one packing of A instead of two. Neither C may overlap A, either B or the other C.
    /// With several threads the rows of op(A) are split (each thread packs its share of A and all of both Bs).
    /// </summary>
    /// <exception cref="NotSupportedException">T is neither float nor double.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative or a stride is too small.</exception>
    /// <exception cref="ArgumentException">A span is too short for its dimensions and stride.</exception>
    internal static unsafe void Multiply<T>(bool transA, int k, ReadOnlySpan<T> a, int lda,
        in GemmProduct<T> first, in GemmProduct<T> second)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ThrowIfUnsupported<T>();
        ArgumentOutOfRangeException.ThrowIfNegative(first.M, "first.M");
        ArgumentOutOfRangeException.ThrowIfNegative(second.M, "second.M");
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        int m = Math.Max(first.M, second.M);
        if (!Fits(a.Length, transA ? k : m, transA ? m : k, lda))
            CheckA(a.Length, transA, m, k, lda);
        CheckProduct(first, k);
        CheckProduct(second, k);
        if (m == 0)
            return;
        if (k == 0)
        {
            first.ClearUnlessAccumulating();
            second.ClearUnlessAccumulating();
            return;
        }

        fixed (T* pa = a)
        fixed (T* pb0 = first.B)
        fixed (T* pc0 = first.C)
        fixed (T* pb1 = second.B)
        fixed (T* pc1 = second.C)
        {
            var shared = new GemmJob { A = pa, Lda = lda, K = k, TransA = transA };
            Span<GemmJob> jobs = [first.Job(shared, pb0, pc0), second.Job(shared, pb1, pc1)];
            if (typeof(T) == typeof(float))
            {
                if (s_avx512) ExecuteShared<float, F32Avx512Kernel>(jobs);
                else if (s_avx2) ExecuteShared<float, Avx2Kernel<float>>(jobs);
                else ExecuteShared<float, Vector128Kernel<float>>(jobs);
            }
            else
            {
                if (s_avx512) ExecuteShared<double, F64Avx512Kernel>(jobs);
                else if (s_avx2) ExecuteShared<double, Avx2Kernel<double>>(jobs);
                else ExecuteShared<double, Vector128Kernel<double>>(jobs);
            }
        }
    }

    /// <summary>The packed product for one kernel, arguments already validated, m, n, k &gt; 0.
    /// Internal so the tests can drive every kernel's packed layout.</summary>
    internal static unsafe void MultiplyPacked<T, TKernel>(bool transA, int m, ReadOnlySpan<T> a, int lda,
        PackedMatrix<T> b, Span<T> c, int ldc, bool accumulate, bool rowBlocks = false)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TKernel : struct, IGemmKernel<T>
    {
        if (b.Layout != typeof(TKernel))
            throw new InvalidOperationException($"Matrix packed for {b.Layout?.Name}, multiplied with {typeof(TKernel).Name}.");
        fixed (T* pa = a)
        fixed (T* pc = c)
        {
            GemmJob job = b.Job(transA, m, pa, lda, pc, ldc, accumulate);
            job.RowBlocks = rowBlocks;
            Execute<T, TKernel>(job);
        }
        GC.KeepAlive(b); // its (pinned) buffer must stay reachable for the whole call
    }

    /// <summary>The packed-B product of this machine's kernel, run on the calling thread: for jobs made by
    /// <see cref="PackedMatrix{T}.Job"/> on matrices packed here (the slices <see cref="ResidentProduct{T}"/> hands to the pool).</summary>
    internal static unsafe delegate*<in GemmJob, void> PackedRunner<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
            return s_avx512 ? &GemmDriver<float, F32Avx512Kernel>.Run
                : s_avx2 ? &GemmDriver<float, Avx2Kernel<float>>.Run : &GemmDriver<float, Vector128Kernel<float>>.Run;
        return s_avx512 ? &GemmDriver<double, F64Avx512Kernel>.Run
            : s_avx2 ? &GemmDriver<double, Avx2Kernel<double>>.Run : &GemmDriver<double, Vector128Kernel<double>>.Run;
    }

    /// <summary>Threads a product may use: <see cref="MaxThreads"/>, at most one per core (more only adds contention).</summary>
    internal static int Threads => Math.Min(s_maxThreads, Environment.ProcessorCount);

    private static void ThrowIfUnsupported<T>()
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
            throw new NotSupportedException($"Gemm supports float and double, not {typeof(T).Name}.");
    }

    private static bool Fits(int length, int rows, int cols, int ld) => ld >= cols && length >= Needed(rows, cols, ld);

    /// <summary>Elements a stored rows×cols matrix with row stride ld spans (the last row needs only cols).</summary>
    private static long Needed(int rows, int cols, int ld) => rows == 0 || cols == 0 ? 0 : (long)(rows - 1) * ld + cols;

    /// <summary>Cold path (kept out of Multiply so the messages are only formatted on failure):
    /// reports the first bad stride or span with the expected and actual values.</summary>
    private static void ThrowBadMatrix(bool transA, bool transB, int m, int n, int k,
        int aLength, int lda, int bLength, int ldb, int cLength, int ldc)
    {
        CheckA(aLength, transA, m, k, lda);
        CheckB(bLength, transB, k, n, ldb);
        CheckC(cLength, m, n, ldc);
    }

    private static void CheckA(int length, bool transA, int m, int k, int lda) =>
        Check(length, transA ? k : m, transA ? m : k, lda, "a", "lda",
            transA ? "m (transA=true, A stored k×m)" : "k (transA=false, A stored m×k)", $"m={m}, k={k}, lda={lda}, transA={transA}");

    private static void CheckB(int length, bool transB, int k, int n, int ldb) =>
        Check(length, transB ? n : k, transB ? k : n, ldb, "b", "ldb",
            transB ? "k (transB=true, B stored n×k)" : "n (transB=false, B stored k×n)", $"k={k}, n={n}, ldb={ldb}, transB={transB}");

    private static void CheckC(int length, int m, int n, int ldc) =>
        Check(length, m, n, ldc, "c", "ldc", "n", $"m={m}, n={n}, ldc={ldc}");

    private static void Check(int length, int rows, int cols, int ld, string spanName, string ldName, string colsName, string shape)
    {
        if (ld < cols)
            throw new ArgumentOutOfRangeException(ldName, ld,
                $"{ldName} must be at least {colsName} = {cols} (the stored row length), but was {ld}.");
        long needed = Needed(rows, cols, ld);
        if (length < needed)
            throw new ArgumentException(
                $"Span '{spanName}' is too short: {shape} needs at least {needed} elements, but its length is {length}.",
                spanName);
    }

    /// <summary>Runs the job on one thread, or splits the larger of m and n across MaxThreads.</summary>
    private static unsafe void Execute<T, TKernel>(in GemmJob job)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TKernel : struct, IGemmKernel<T>
    {
        int threads = Threads;
        if (threads > 1 && (long)job.M * job.N * job.K >= ParallelThreshold)
        {
            // Split whole micro-tiles of the larger output dimension; each thread packs its own A (and B,
            // unless pre-packed).
            bool splitN = job.N >= job.M;
            // Packed B: whole groups of 4 panels, so each column is computed exactly as single-threaded
            // (the small-m packed path groups panels by 4 for one- and two-row tails).
            int unit = splitN ? TKernel.NR * (job.PackedKc > 0 ? 4 : 1) : TKernel.MR;
            int length = splitN ? job.N : job.M;
            int units = (length + unit - 1) / unit;
            threads = Math.Min(threads, units);
            if (threads > 1)
            {
                int chunk = (units + threads - 1) / threads * unit;
                threads = (length + chunk - 1) / chunk;
                Span<GemmJob> jobs = stackalloc GemmJob[threads];
                for (int t = 0; t < threads; t++)
                {
                    int start = t * chunk, count = Math.Min(chunk, length - start);
                    GemmJob slice = job;
                    if (splitN)
                    {
                        slice.N = count;
                        // Packed B: the slice starts at a panel boundary (chunk is a multiple of NR).
                        if (job.PackedKc > 0)
                            slice.BCol0 = job.BCol0 + start;
                        else
                            slice.B = (T*)job.B + start * (job.TransB ? job.Ldb : 1);
                        slice.C = (T*)job.C + start;
                    }
                    else
                    {
                        slice.M = count;
                        slice.A = (T*)job.A + start * (job.TransA ? 1 : job.Lda);
                        slice.C = (T*)job.C + start * job.Ldc;
                    }
                    jobs[t] = slice;
                }
                if (GemmThreads.TryRun(&GemmDriver<T, TKernel>.Run, jobs))
                    return;
            }
        }
        GemmDriver<T, TKernel>.Run(job);
    }

    /// <summary>Throws as the single products do when a product's n, a stride or a span does not fit its rows and depth k.</summary>
    private static void CheckProduct<T>(in GemmProduct<T> product, int k) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentOutOfRangeException.ThrowIfNegative(product.N, "n");
        bool transB = product.TransB;
        int m = product.M, n = product.N;
        if (!Fits(product.B.Length, transB ? n : k, transB ? k : n, product.Ldb) || !Fits(product.C.Length, m, n, product.Ldc))
        {
            CheckB(product.B.Length, transB, k, n, product.Ldb);
            CheckC(product.C.Length, m, n, product.Ldc);
        }
    }

    /// <summary>Thread index's share of products sharing op(A): jobs [thread][product], Count products each.</summary>
    private unsafe struct SharedContext
    {
        public GemmJob* Jobs;
        public int Count;
    }

    private static unsafe void RunSharedSlice<T, TKernel>(void* context, int index)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TKernel : struct, IGemmKernel<T>
    {
        var shared = (SharedContext*)context;
        GemmDriver<T, TKernel>.RunShared(shared->Jobs + index * shared->Count, shared->Count);
    }

    /// <summary>Runs products sharing op(A) on one thread, or splits the rows of op(A) across MaxThreads
    /// (the same rows of every product on one thread, so each A row is packed once).</summary>
    private static unsafe void ExecuteShared<T, TKernel>(Span<GemmJob> jobs)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TKernel : struct, IGemmKernel<T>
    {
        int m = 0, count = jobs.Length, threads = Threads;
        long work = 0;
        foreach (ref readonly GemmJob job in jobs)
        {
            m = Math.Max(m, job.M);
            work += (long)job.M * job.N * job.K;
        }
        int units = (m + TKernel.MR - 1) / TKernel.MR;
        threads = work >= ParallelThreshold ? Math.Min(threads, units) : 1;
        fixed (GemmJob* all = jobs)
        {
            if (threads > 1)
            {
                int chunk = (units + threads - 1) / threads * TKernel.MR;
                threads = (m + chunk - 1) / chunk;
                // [thread][product]: thread t's rows of every product.
                GemmJob* slices = stackalloc GemmJob[threads * count];
                for (int t = 0; t < threads; t++)
                    for (int i = 0; i < count; i++)
                    {
                        int start = t * chunk;
                        GemmJob slice = all[i];
                        slice.M = Math.Clamp(slice.M - start, 0, chunk);
                        slice.A = (T*)slice.A + start * (slice.TransA ? 1 : slice.Lda);
                        slice.C = (T*)slice.C + start * slice.Ldc;
                        slices[t * count + i] = slice;
                    }
                var context = new SharedContext { Jobs = slices, Count = count };
                if (GemmThreads.TryRun(&RunSharedSlice<T, TKernel>, &context, threads))
                    return;
            }
            GemmDriver<T, TKernel>.RunShared(all, count);
        }
    }
}

/// <summary>One product of <see cref="Gemm.Multiply{T}(bool, int, ReadOnlySpan{T}, int, in GemmProduct{T}, in GemmProduct{T})"/>,
/// which share their left operand: the leading <see cref="M"/> rows of op(A) times op(B) (k×n; B stored n×k when
/// <see cref="TransB"/>, else k×n, row stride <see cref="Ldb"/>), into C (m×n, row stride <see cref="Ldc"/>).</summary>
internal readonly ref struct GemmProduct<T>(int m, ReadOnlySpan<T> b, int ldb, bool transB, int n, Span<T> c, int ldc, bool accumulate)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public int M { get; } = m;
    public ReadOnlySpan<T> B { get; } = b;
    public int Ldb { get; } = ldb;
    public bool TransB { get; } = transB;
    public int N { get; } = n;
    public Span<T> C { get; } = c;
    public int Ldc { get; } = ldc;
    public bool Accumulate { get; } = accumulate;

    /// <summary>The empty sum (k = 0): C = accumulate ? C : 0.</summary>
    public void ClearUnlessAccumulating()
    {
        if (Accumulate) return;
        for (int i = 0; i < M && N > 0; i++)
            C.Slice(i * Ldc, N).Clear();
    }

    /// <summary>This product's job on the shared left operand (A, Lda, K, TransA already set), pointers pinned by the caller.</summary>
    public unsafe GemmJob Job(GemmJob shared, T* b, T* c)
    {
        shared.M = M;
        shared.B = b;
        shared.C = c;
        shared.Ldb = Ldb;
        shared.Ldc = Ldc;
        shared.N = N;
        shared.TransB = TransB;
        shared.Accumulate = Accumulate;
        return shared;
    }
}

/// <summary>
/// A right-hand GEMM operand B (k×n) packed once by <see cref="Gemm.Pack{T}"/> for repeated products
/// <see cref="Gemm.Multiply{T}(bool, int, ReadOnlySpan{T}, int, PackedMatrix{T}, Span{T}, int, bool)"/> with
/// different left operands (the recurrent weights multiplied at every time step). Reusable: packing into it
/// again replaces its contents and size, without allocating when the new size fits the current buffer.
/// A new instance is empty (K = N = 0).
/// </summary>
/// <remarks>Layout (internal, kernel-specific): for each depth block of <c>Kc</c> rows, the ceil(n/NR)
/// micro-panels (kc × NR, k-major, zero-padded past n) the micro-kernel reads, so a product skips the B
/// packing step entirely. The buffer is pinned and 64-byte aligned.
/// Thread safety: packing writes it; once packed, any number of threads may multiply by it.</remarks>
public sealed class PackedMatrix<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int Align = 64;

    /// <summary>Depth (rows of op(B)).</summary>
    public int K { get; private set; }
    /// <summary>Columns of op(B) (and of the product).</summary>
    public int N { get; private set; }

    /// <summary>Pinned backing array; the packed data starts at <see cref="Offset"/> (64-byte aligned).</summary>
    internal T[] Buffer { get; private set; } = [];
    internal int Offset { get; private set; }
    /// <summary>Depth of each packed block (all but the last are exactly Kc deep).</summary>
    internal int Kc { get; private set; }
    /// <summary>n rounded up to the panel width: depth block pc starts at element pc·Width.</summary>
    internal int Width { get; private set; }
    /// <summary>The micro-kernel the layout was made for (panel width and depth blocking).</summary>
    internal Type? Layout { get; private set; }
    /// <summary>Elements the buffer can hold without reallocating.</summary>
    internal long Capacity => Buffer.Length - Offset;

    /// <summary>The job C[m×n] (+)= op(A)·this, pointers already validated (and this buffer kept reachable by the caller).</summary>
    internal unsafe GemmJob Job(bool transA, int m, T* a, nint lda, T* c, nint ldc, bool accumulate) => new()
    {
        A = a, B = (T*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(Buffer)) + Offset, C = c,
        Lda = lda, Ldb = Width, Ldc = ldc, M = m, N = N, K = K, TransA = transA, Accumulate = accumulate, PackedKc = Kc,
    };

    /// <summary>Ensures room for <paramref name="elements"/> and records the new layout; returns the
    /// aligned start of the data. Contents are unspecified until packed.</summary>
    internal unsafe T* Reset(int k, int n, int kc, long width, Type layout, long elements)
    {
        if (elements > Capacity)
        {
            long needed = elements + Align / sizeof(T);
            if (needed > Array.MaxLength)
                throw new ArgumentException(
                    $"op(B) of {k}×{n} is too large to pack: {elements} elements, at most {Array.MaxLength - Align / sizeof(T)}.", "b");
            Buffer = GC.AllocateUninitializedArray<T>((int)needed, pinned: true);
            nint p = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(Buffer));
            Offset = (int)(((Align - (p & (Align - 1))) & (Align - 1)) / sizeof(T));
        }
        K = k;
        N = n;
        Kc = kc;
        Width = (int)width;
        Layout = layout;
        return (T*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(Buffer)) + Offset;
    }
}
