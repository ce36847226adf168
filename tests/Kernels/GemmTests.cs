using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using RnnGen.Kernels;
using Xunit;

namespace RnnGen.Tests.Kernels;

/// <summary>Signature shared by the public entry point and the per-kernel drivers under test.</summary>
internal delegate void GemmFn<T>(bool transA, bool transB, int m, int n, int k,
    T[] a, int lda, T[] b, int ldb, T[] c, int ldc, bool accumulate);

public class GemmTests
{
    private static readonly int[] Sizes = [1, 3, 7, 17, 33, 65, 130];
    private static readonly int[] Depths = [0, 1, 3, 7, 17, 33, 65, 130];


    [Theory]
    [MemberData(nameof(GemmReference.Modes), MemberType = typeof(GemmReference))]
    public void Float_MatchesNaive(bool transA, bool transB, bool accumulate) =>
        CheckAllSizes<float>(Public, transA, transB, accumulate, 1e-5);

    [Theory]
    [MemberData(nameof(GemmReference.Modes), MemberType = typeof(GemmReference))]
    public void Double_MatchesNaive(bool transA, bool transB, bool accumulate) =>
        CheckAllSizes<double>(Public, transA, transB, accumulate, 1e-12);

    /// <summary>Every micro-kernel the machine can run, through the blocked driver directly (the public
    /// entry only ever picks the best one, so the fallbacks would otherwise go untested here).</summary>
    [Theory]
    [MemberData(nameof(GemmReference.Modes), MemberType = typeof(GemmReference))]
    public void AllKernels_MatchNaive(bool transA, bool transB, bool accumulate)
    {
        CheckAllSizes<float>(Driver<float, Vector128Kernel<float>>, transA, transB, accumulate, 1e-5);
        CheckAllSizes<double>(Driver<double, Vector128Kernel<double>>, transA, transB, accumulate, 1e-12);
        if (Avx2.IsSupported && Fma.IsSupported)
        {
            CheckAllSizes<float>(Driver<float, Avx2Kernel<float>>, transA, transB, accumulate, 1e-5);
            CheckAllSizes<double>(Driver<double, Avx2Kernel<double>>, transA, transB, accumulate, 1e-12);
        }
        if (Avx512F.IsSupported)
        {
            // Includes the small-m fp32 paths (m ≤ 32) like the public entry.
            CheckAllSizes<float>(Driver<float, F32Avx512Kernel>, transA, transB, accumulate, 1e-5);
            CheckAllSizes<double>(Driver<double, F64Avx512Kernel>, transA, transB, accumulate, 1e-12);
        }
    }

    /// <summary>Shapes that cross the KC/MC/NC block boundaries and the small-m thresholds.</summary>
    [Theory]
    [InlineData(false, true, 64, 2048, 512)]
    [InlineData(false, false, 32, 1100, 300)]
    [InlineData(true, false, 200, 1100, 800)]
    [InlineData(true, true, 40, 70, 1500)]
    [InlineData(false, false, 8, 33, 1030)]
    public void Float_LargeShapes(bool transA, bool transB, int m, int n, int k)
    {
        foreach (bool acc in new[] { false, true })
            Check<float>(Public, new Random(m * 7 + n), transA, transB, m, n, k, acc, 1e-5);
    }

    [Fact]
    public void ZeroDimensions()
    {
        // m = 0 or n = 0: nothing to do, empty spans are fine.
        Gemm.Multiply<float>(false, false, 0, 5, 3, [], 3, new float[15], 5, [], 5, false);
        Gemm.Multiply<float>(false, false, 4, 0, 3, new float[12], 3, [], 0, [], 0, false);

        // k = 0: C = accumulate ? C : 0, padding untouched.
        double[] c = [1, 2, 9, 3, 4, 9];
        Gemm.Multiply<double>(true, true, 2, 2, 0, [], 2, [], 0, c, 3, accumulate: true);
        Assert.Equal(new double[] { 1, 2, 9, 3, 4, 9 }, c);
        Gemm.Multiply<double>(false, false, 2, 2, 0, [], 0, [], 2, c, 3, accumulate: false);
        Assert.Equal(new double[] { 0, 0, 9, 0, 0, 9 }, c);
    }

    [Fact]
    public void BadArguments_Throw_NamingTheArgument()
    {
        float[] a = new float[12], b = new float[20], c = new float[15];
        // Well-formed: 3×4 · 4×5.
        Gemm.Multiply<float>(false, false, 3, 5, 4, a, 4, b, 5, c, 5, false);

        AssertThrows<ArgumentOutOfRangeException>("m", () => Gemm.Multiply<float>(false, false, -1, 5, 4, a, 4, b, 5, c, 5, false));
        AssertThrows<ArgumentOutOfRangeException>("n", () => Gemm.Multiply<float>(false, false, 3, -5, 4, a, 4, b, 5, c, 5, false));
        AssertThrows<ArgumentOutOfRangeException>("k", () => Gemm.Multiply<float>(false, false, 3, 5, -4, a, 4, b, 5, c, 5, false));
        ArgumentException e = AssertThrows<ArgumentOutOfRangeException>("lda", () => Gemm.Multiply<float>(false, false, 3, 5, 4, a, 3, b, 5, c, 5, false));
        Assert.Contains("4", e.Message); // expected value
        AssertThrows<ArgumentOutOfRangeException>("lda", () => Gemm.Multiply<float>(true, false, 3, 5, 4, a, 2, b, 5, c, 5, false));
        AssertThrows<ArgumentOutOfRangeException>("ldb", () => Gemm.Multiply<float>(false, false, 3, 5, 4, a, 4, b, 4, c, 5, false));
        AssertThrows<ArgumentOutOfRangeException>("ldb", () => Gemm.Multiply<float>(false, true, 3, 5, 4, a, 4, b, 3, c, 5, false));
        AssertThrows<ArgumentOutOfRangeException>("ldc", () => Gemm.Multiply<float>(false, false, 3, 5, 4, a, 4, b, 5, c, 4, false));
        e = AssertThrows<ArgumentException>("a", () => Gemm.Multiply<float>(false, false, 3, 5, 4, a.AsSpan(0, 11), 4, b, 5, c, 5, false));
        Assert.Contains("12", e.Message); // needed
        Assert.Contains("11", e.Message); // actual
        AssertThrows<ArgumentException>("a", () => Gemm.Multiply<float>(false, false, 3, 5, 4, a, 5, b, 5, c, 5, false));
        AssertThrows<ArgumentException>("b", () => Gemm.Multiply<float>(false, false, 3, 5, 4, a, 4, b.AsSpan(1), 5, c, 5, false));
        AssertThrows<ArgumentException>("b", () => Gemm.Multiply<float>(false, true, 3, 5, 4, a, 4, b, 5, c, 5, false));
        AssertThrows<ArgumentException>("c", () => Gemm.Multiply<float>(false, false, 3, 5, 4, a, 4, b, 5, c.AsSpan(0, 14), 5, false));
        AssertThrows<ArgumentException>("c", () => Gemm.Multiply<float>(false, false, 3, 5, 4, a, 4, b, 5, c, 6, false));
        Assert.Throws<NotSupportedException>(() => Gemm.Multiply<Half>(false, false, 1, 1, 1, new Half[1], 1, new Half[1], 1, new Half[1], 1, false));
        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.MaxThreads = 0);
    }

    [Fact]
    public void SteadyState_AllocatesNothing()
    {
        // Small-m paths, the blocked path with edge tiles, and fp64.
        var f1 = Operands<float>(1, 2048, 512);
        var f2 = Operands<float>(24, 257, 130);
        var f3 = Operands<float>(100, 300, 700);
        var d1 = Operands<double>(33, 65, 130);
        void RunAll()
        {
            Gemm.Multiply<float>(false, true, 1, 2048, 512, f1.A, 512, f1.B, 512, f1.C, 2048, false);
            Gemm.Multiply<float>(false, false, 1, 2048, 512, f1.A, 512, f1.B, 2048, f1.C, 2048, true);
            Gemm.Multiply<float>(true, false, 24, 257, 130, f2.A, 24, f2.B, 257, f2.C, 257, false);
            Gemm.Multiply<float>(false, true, 24, 257, 130, f2.A, 130, f2.B, 130, f2.C, 257, true);
            Gemm.Multiply<float>(false, false, 100, 300, 700, f3.A, 700, f3.B, 300, f3.C, 300, false);
            Gemm.Multiply<double>(true, true, 33, 65, 130, d1.A, 33, d1.B, 130, d1.C, 65, false);
        }
        Assert.Equal(0, RnnGen.Tests.Support.Allocations.Measure(RunAll));
    }

    // ------------------------------------------------------------------ helpers

    private static (T[] A, T[] B, T[] C) Operands<T>(int m, int n, int k) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rnd = new Random(5);
        T[] Fill(int len)
        {
            var x = new T[len];
            for (int i = 0; i < len; i++) x[i] = T.CreateChecked(rnd.NextDouble() - 0.5);
            return x;
        }
        return (Fill(m * k), Fill(k * n), Fill(m * n));
    }

    private static TEx AssertThrows<TEx>(string param, Action action) where TEx : ArgumentException
    {
        var e = Assert.ThrowsAny<TEx>(action);
        Assert.Equal(param, e.ParamName);
        Assert.Contains(param, e.Message);
        return e;
    }

    private static void Public<T>(bool transA, bool transB, int m, int n, int k,
        T[] a, int lda, T[] b, int ldb, T[] c, int ldc, bool accumulate) where T : unmanaged, IFloatingPointIeee754<T> =>
        Gemm.Multiply<T>(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate);

    internal static unsafe void Driver<T, TKernel>(bool transA, bool transB, int m, int n, int k,
        T[] a, int lda, T[] b, int ldb, T[] c, int ldc, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TKernel : struct, IGemmKernel<T>
    {
        if (m == 0 || n == 0 || k == 0)
        {
            // The driver assumes k > 0 (the public entry handles empty products); reuse it here.
            Gemm.Multiply<T>(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
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
            GemmDriver<T, TKernel>.Run(job);
        }
    }

    private static void CheckAllSizes<T>(GemmFn<T> gemm, bool transA, bool transB, bool accumulate, double tol)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rnd = new Random((transA ? 1 : 0) + (transB ? 2 : 0) + (accumulate ? 4 : 0));
        foreach (int m in Sizes)
            foreach (int n in Sizes)
                foreach (int k in Depths)
                    Check(gemm, rnd, transA, transB, m, n, k, accumulate, tol);
    }

    /// <summary>
    /// One product with padded leading dimensions, against a naive triple loop in double. The padding of
    /// A and B holds NaN (any read of it would poison the result), the padding of C a sentinel that must
    /// survive, and without accumulate C starts as NaN (it must be overwritten, not scaled by 0).
    /// </summary>
    internal static void Check<T>(GemmFn<T> gemm, Random rnd, bool transA, bool transB, int m, int n, int k,
        bool accumulate, double tol) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int bRows = transB ? n : k, bCols = transB ? k : n;
        int lda = aCols + 3, ldb = bCols + 2, ldc = n + 5;
        T[] a = GemmReference.Matrix<T>(rnd, aRows, aCols, lda, T.NaN);
        T[] b = GemmReference.Matrix<T>(rnd, bRows, bCols, ldb, T.NaN);
        T sentinel = T.CreateChecked(-777.0);
        T[] c = GemmReference.Matrix<T>(rnd, m, n, ldc, sentinel);
        if (!accumulate)
            for (int i = 0; i < m; i++)
                c.AsSpan(i * ldc, n).Fill(T.NaN);
        T[] c0 = (T[])c.Clone();

        gemm(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
        GemmReference.AssertProduct($"{typeof(T).Name} transA={transA} transB={transB} m={m} n={n} k={k} acc={accumulate}",
            transA, transB, m, n, k, a, lda, b, ldb, c0, c, ldc, accumulate, sentinel, tol);
    }

}

[CollectionDefinition(nameof(GemmThreadingTests), DisableParallelization = true)]
public class GemmThreadingCollection;

/// <summary>MaxThreads is process-wide: run alone so no other test sees it changed.</summary>
[Collection(nameof(GemmThreadingTests))]
public class GemmThreadingTests
{
    [Theory]
    [InlineData(false, true, 300, 500, 400)]   // split over n
    [InlineData(true, false, 1000, 64, 300)]   // split over m
    [InlineData(false, false, 257, 1031, 129)] // uneven split, edge tiles
    public void TwoThreads_SameResultAsOne(bool transA, bool transB, int m, int n, int k)
    {
        var rnd = new Random(3);
        float[] a = new float[m * k], b = new float[k * n], c1 = new float[m * n], c2 = new float[m * n];
        for (int i = 0; i < a.Length; i++) a[i] = (float)(rnd.NextDouble() - 0.5);
        for (int i = 0; i < b.Length; i++) b[i] = (float)(rnd.NextDouble() - 0.5);
        for (int i = 0; i < c1.Length; i++) c1[i] = c2[i] = (float)(rnd.NextDouble() - 0.5);
        int lda = transA ? m : k, ldb = transB ? k : n;

        int saved = Gemm.MaxThreads;
        try
        {
            Gemm.MaxThreads = 1;
            Gemm.Multiply<float>(transA, transB, m, n, k, a, lda, b, ldb, c1, n, accumulate: true);
            Gemm.MaxThreads = 2;
            for (int rep = 0; rep < 3; rep++) // the pool is reused across calls
            {
                float[] c = (float[])c2.Clone();
                Gemm.Multiply<float>(transA, transB, m, n, k, a, lda, b, ldb, c, n, accumulate: true);
                // Each element is computed by one thread with the same blocking: bitwise equal.
                Assert.Equal(c1, c);
            }
        }
        finally
        {
            Gemm.MaxThreads = saved;
        }
    }
}
