using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RnnGen.Kernels;

/// <summary>
/// Dense matrix product, row-major. Packed/blocked (BLIS-style) with an AVX-512 micro-kernel
/// (fp32 8×32, fp64 8×16), an AVX2+FMA fallback (6×16 / 6×8) and a portable scalar fallback;
/// fp32 products with m ≤ 32 rows take unpacked paths (<see cref="GemmSmallM"/>).
/// Steady-state calls allocate nothing (packing buffers are per-thread and reused).
/// </summary>
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
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
            throw new NotSupportedException($"Gemm supports float and double, not {typeof(T).Name}.");

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
                else if (s_avx2) Execute<float, F32Avx2Kernel>(job);
                else Execute<float, ScalarKernel<float>>(job);
            }
            else
            {
                if (s_avx512) Execute<double, F64Avx512Kernel>(job);
                else if (s_avx2) Execute<double, F64Avx2Kernel>(job);
                else Execute<double, ScalarKernel<double>>(job);
            }
        }
    }

    private static bool Fits(int length, int rows, int cols, int ld) => ld >= cols && length >= Needed(rows, cols, ld);

    /// <summary>Elements a stored rows×cols matrix with row stride ld spans (the last row needs only cols).</summary>
    private static long Needed(int rows, int cols, int ld) => rows == 0 || cols == 0 ? 0 : (long)(rows - 1) * ld + cols;

    /// <summary>Cold path (kept out of Multiply so the messages are only formatted on failure):
    /// reports the first bad stride or span with the expected and actual values.</summary>
    private static void ThrowBadMatrix(bool transA, bool transB, int m, int n, int k,
        int aLength, int lda, int bLength, int ldb, int cLength, int ldc)
    {
        Check(aLength, transA ? k : m, transA ? m : k, lda, "a", "lda",
            transA ? "m (transA=true, A stored k×m)" : "k (transA=false, A stored m×k)", $"m={m}, k={k}, lda={lda}, transA={transA}");
        Check(bLength, transB ? n : k, transB ? k : n, ldb, "b", "ldb",
            transB ? "k (transB=true, B stored n×k)" : "n (transB=false, B stored k×n)", $"k={k}, n={n}, ldb={ldb}, transB={transB}");
        Check(cLength, m, n, ldc, "c", "ldc", "n", $"m={m}, n={n}, ldc={ldc}");

        static void Check(int length, int rows, int cols, int ld, string spanName, string ldName, string colsName, string shape)
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
    }

    /// <summary>Runs the job on one thread, or splits the larger of m and n across MaxThreads.</summary>
    private static unsafe void Execute<T, TKernel>(in GemmJob job)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TKernel : struct, IGemmKernel<T>
    {
        // More threads than cores only adds contention.
        int threads = Math.Min(s_maxThreads, Environment.ProcessorCount);
        if (threads > 1 && (long)job.M * job.N * job.K >= ParallelThreshold)
        {
            // Split whole micro-tiles of the larger output dimension; each thread packs its own A and B.
            bool splitN = job.N >= job.M;
            int unit = splitN ? TKernel.NR : TKernel.MR;
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
}
