using System.Numerics;
using RnnGen.Kernels;
using RnnGen.Tests.Support;
using Xunit;

namespace RnnGen.Tests.Kernels;

/// <summary><see cref="Gemm.Multiply{T}(bool, int, ReadOnlySpan{T}, int, in GemmProduct{T}, in GemmProduct{T})"/>: two products
/// sharing their left operand, each against the naive product.</summary>
[Collection(nameof(GemmThreadingTests))]
public class GemmSharedTests
{
    // (rows of the first product, rows of the second): the few-row fp32 paths (≤ 32), the blocked path with a partial
    // last A panel, products of unequal rows either way round (a prefix of op(A)), and one product without rows.
    private static readonly (int M1, int M2)[] Rows = [(7, 7), (33, 17), (17, 130), (130, 67), (65, 0)];
    private static readonly (int N1, int N2)[] Cols = [(1, 3), (33, 70), (130, 17)];
    // Depths: tiny, odd, and past one KC block (fp32 384, so 400 runs two).
    private static readonly int[] Depths = [1, 17, 400];

    public static TheoryData<bool, bool, bool, int> Modes()
    {
        var data = new TheoryData<bool, bool, bool, int>();
        foreach (var transA in new[] { false, true })
            foreach (var transB in new[] { false, true })
                foreach (var accumulate in new[] { false, true })
                    foreach (var threads in new[] { 1, 2 })
                        data.Add(transA, transB, accumulate, threads);
        return data;
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Float_MatchesNaive(bool transA, bool transB, bool accumulate, int threads) =>
        GemmThreadCount.With(threads, () => CheckAll<float>(transA, transB, accumulate, 1e-5));

    [Theory]
    [MemberData(nameof(Modes))]
    public void Double_MatchesNaive(bool transA, bool transB, bool accumulate, int threads) =>
        GemmThreadCount.With(threads, () => CheckAll<double>(transA, transB, accumulate, 1e-12));

    /// <summary>k = 0: each C is cleared unless it accumulates, its padding untouched.</summary>
    [Fact]
    public void EmptyDepth_ClearsOnlyWhatDoesNotAccumulate()
    {
        double[] c1 = [1, 2, 9, 3, 4, 9], c2 = [5, 6, 7];
        Gemm.Multiply<double>(true, 0, [], 2,
            new GemmProduct<double>(2, [], 2, false, 2, c1, 3, false), new GemmProduct<double>(1, [], 3, false, 3, c2, 3, true));
        Assert.Equal(new double[] { 0, 0, 9, 0, 0, 9 }, c1);
        Assert.Equal(new double[] { 5, 6, 7 }, c2);
    }

    [Fact]
    public void BadArguments_Throw_NamingTheArgument()
    {
        float[] a = new float[12], b = new float[20], c = new float[15];
        GemmProduct<float> Good() => new(3, b, 5, false, 5, c, 5, false);
        // Well-formed: (3×4) · (4×5) twice.
        Gemm.Multiply<float>(false, 4, a, 4, Good(), Good());

        ShouldThrow<ArgumentException>("a", () => Gemm.Multiply<float>(false, 4, a.AsSpan(0, 11), 4, Good(), Good()));
        ShouldThrow<ArgumentOutOfRangeException>("lda", () => Gemm.Multiply<float>(false, 4, a, 3, Good(), Good()));
        ShouldThrow<ArgumentException>("b", () => Gemm.Multiply<float>(false, 4, a, 4, Good(), new GemmProduct<float>(3, b, 5, true, 5, c, 5, false)));
        ShouldThrow<ArgumentOutOfRangeException>("ldb", () => Gemm.Multiply<float>(false, 4, a, 4, new GemmProduct<float>(3, b, 4, false, 5, c, 5, false), Good()));
        ShouldThrow<ArgumentException>("c", () => Gemm.Multiply<float>(false, 4, a, 4, Good(), new GemmProduct<float>(3, b, 5, false, 5, c.AsSpan(0, 14), 5, false)));
        ShouldThrow<ArgumentOutOfRangeException>("n", () => Gemm.Multiply<float>(false, 4, a, 4, Good(), new GemmProduct<float>(3, b, 5, false, -1, c, 5, false)));
        ShouldThrow<ArgumentOutOfRangeException>("first.M", () => Gemm.Multiply<float>(false, 4, a, 4, new GemmProduct<float>(-1, b, 5, false, 5, c, 5, false), Good()));
        // A must hold the larger product's rows.
        ShouldThrow<ArgumentException>("a", () => Gemm.Multiply<float>(false, 4, a, 4, Good(), new GemmProduct<float>(4, b, 5, false, 5, new float[20], 5, false)));
    }

    [Fact]
    public void SteadyState_AllocatesNothing()
    {
        // The weight-gradient shape (dZᵀ·X and dZᵀ·H), the few-row path, fp64.
        var rnd = new Random(3);
        float[] dz = Random<float>(rnd, 400 * 256), x = Random<float>(rnd, 400 * 65), h = Random<float>(rnd, 400 * 64);
        float[] dw = new float[256 * 65], du = new float[192 * 64];
        double[] a = Random<double>(rnd, 17 * 40), b1 = Random<double>(rnd, 17 * 9), b2 = Random<double>(rnd, 33 * 17), c1 = new double[40 * 9], c2 = new double[30 * 33];
        void RunAll()
        {
            Gemm.Multiply<float>(true, 400, dz, 256, new GemmProduct<float>(256, x, 65, false, 65, dw, 65, true),
                new GemmProduct<float>(192, h, 64, false, 64, du, 64, true));
            Gemm.Multiply<float>(true, 400, dz, 256, new GemmProduct<float>(20, x, 65, false, 65, dw, 65, false),
                new GemmProduct<float>(9, h, 64, false, 64, du, 64, false));
            Gemm.Multiply<double>(true, 17, a, 40, new GemmProduct<double>(40, b1, 9, false, 9, c1, 9, false),
                new GemmProduct<double>(30, b2, 17, true, 33, c2, 33, true));
        }
        foreach (var threads in new[] { 1, 2 })
            Assert.Equal(0, GemmThreadCount.With(threads, () => Allocations.Measure(RunAll)));
    }

    // ------------------------------------------------------------------ helpers

    private static int CheckAll<T>(bool transA, bool transB, bool accumulate, double tol) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rnd = new Random(11);
        foreach (var (m1, m2) in Rows)
            foreach (var (n1, n2) in Cols)
                foreach (var k in Depths)
                    Check<T>(rnd, transA, transB, accumulate, m1, m2, n1, n2, k, tol);
        return 0;
    }

    /// <summary>Padded operands (ld = width + 3), the second product always accumulating the other way round from the first.</summary>
    private static void Check<T>(Random rnd, bool transA, bool transB, bool accumulate, int m1, int m2, int n1, int n2, int k, double tol)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var sentinel = T.CreateChecked(12345);
        int m = Math.Max(m1, m2), lda = (transA ? m : k) + 3;
        var a = GemmReference.Matrix(rnd, transA ? k : m, transA ? m : k, lda, T.NaN);
        var (b1, ldb1) = Operand<T>(rnd, transB, k, n1);
        var (b2, ldb2) = Operand<T>(rnd, !transB, k, n2);
        int ldc1 = n1 + 3, ldc2 = n2 + 3;
        var c1 = GemmReference.Matrix(rnd, m1, n1, ldc1, sentinel);
        var c2 = GemmReference.Matrix(rnd, m2, n2, ldc2, sentinel);
        T[] c1Before = (T[])c1.Clone(), c2Before = (T[])c2.Clone();

        Gemm.Multiply<T>(transA, k, a, lda,
            new GemmProduct<T>(m1, b1, ldb1, transB, n1, c1, ldc1, accumulate),
            new GemmProduct<T>(m2, b2, ldb2, !transB, n2, c2, ldc2, !accumulate));

        var what = $"{typeof(T).Name} transA={transA} transB={transB} acc={accumulate} threads={Gemm.MaxThreads} m={m1},{m2} n={n1},{n2} k={k}";
        GemmReference.AssertProduct(what + " first", transA, transB, m1, n1, k, a, lda, b1, ldb1, c1Before, c1, ldc1, accumulate, sentinel, tol);
        GemmReference.AssertProduct(what + " second", transA, !transB, m2, n2, k, a, lda, b2, ldb2, c2Before, c2, ldc2, !accumulate, sentinel, tol);
    }

    /// <summary>op(B) of k×n, stored n×k when transposed, with 2 padding columns (NaN: a read of them would show).</summary>
    private static (T[] B, int Ldb) Operand<T>(Random rnd, bool transB, int k, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int ldb = (transB ? k : n) + 2;
        return (GemmReference.Matrix(rnd, transB ? n : k, transB ? k : n, ldb, T.NaN), ldb);
    }

    private static T[] Random<T>(Random rnd, int length) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var x = new T[length];
        for (var i = 0; i < length; i++) x[i] = T.CreateChecked(rnd.NextDouble() - 0.5);
        return x;
    }

    private static void ShouldThrow<TEx>(string param, Action action) where TEx : ArgumentException =>
        Assert.Equal(param, Assert.Throws<TEx>(action).ParamName);
}
