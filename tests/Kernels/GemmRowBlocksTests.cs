using System.Numerics;
using System.Runtime.Intrinsics.X86;
using RnnGen.Kernels;
using RnnGen.Tests.Support;
using Xunit;

namespace RnnGen.Tests.Kernels;

/// <summary><see cref="Gemm.MultiplyRowBlocks{T}"/>: a packed product whose long A is read in place in blocks of rows, against
/// the naive product (the packed-product checks of <see cref="GemmPackedTests"/>: NaN in every padding, a sentinel around C).</summary>
[Collection(nameof(GemmThreadingTests))]
public class GemmRowBlocksTests
{
    // Around the block of 64 rows (one block, one and a partial, several), and the dX shapes' wide depth.
    private static readonly int[] Rows = [1, 63, 64, 65, 130, 201];
    private static readonly int[] Cols = [3, 33, 130];
    private static readonly int[] Depths = [1, 17, 400];

    public static TheoryData<bool, bool, int> Modes()
    {
        var data = new TheoryData<bool, bool, int>();
        foreach (var transB in new[] { false, true })
            foreach (var accumulate in new[] { false, true })
                foreach (var threads in new[] { 1, 2 })
                    data.Add(transB, accumulate, threads);
        return data;
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void MatchesNaive(bool transB, bool accumulate, int threads) => GemmThreadCount.With(threads, () =>
    {
        var rnd = new Random(7);
        foreach (var n in Cols)
            foreach (var k in Depths)
            {
                GemmPackedTests.Check<float>(Pack, RowBlocks, rnd, false, transB, Rows, n, k, accumulate, 1e-5);
                GemmPackedTests.Check<double>(Pack, RowBlocks, rnd, false, transB, Rows, n, k, accumulate, 1e-12);
            }
        return 0;
    });

    /// <summary>Every kernel: those without a few-row path run the blocked product instead.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AllKernels_MatchNaive(bool accumulate)
    {
        CheckKernel<float, Vector128Kernel<float>>(accumulate, 1e-5);
        CheckKernel<double, Vector128Kernel<double>>(accumulate, 1e-12);
        if (Avx2.IsSupported && Fma.IsSupported)
        {
            CheckKernel<float, Avx2Kernel<float>>(accumulate, 1e-5);
            CheckKernel<double, Avx2Kernel<double>>(accumulate, 1e-12);
        }
        if (Avx512F.IsSupported)
        {
            CheckKernel<float, F32Avx512Kernel>(accumulate, 1e-5);
            CheckKernel<double, F64Avx512Kernel>(accumulate, 1e-12);
        }
    }

    [Fact]
    public void SteadyState_AllocatesNothing()
    {
        var rnd = new Random(3);
        float[] a = new float[1600 * 512], w = new float[512 * 64], c = new float[1600 * 64];
        for (var i = 0; i < a.Length; i++) a[i] = (float)(rnd.NextDouble() - 0.5);
        var packed = new PackedMatrix<float>();
        Gemm.Pack<float>(false, 512, 64, w, 64, packed);
        foreach (var threads in new[] { 1, 2 })
            Assert.Equal(0, GemmThreadCount.With(threads, () => Allocations.Measure(() => Gemm.MultiplyRowBlocks<float>(1600, a, 512, packed, c, 64, false))));
    }

    private static void Pack<T>(bool transB, int k, int n, T[] b, int ldb, PackedMatrix<T> packed)
        where T : unmanaged, IFloatingPointIeee754<T> => Gemm.Pack<T>(transB, k, n, b, ldb, packed);

    private static void RowBlocks<T>(bool transA, int m, T[] a, int lda, PackedMatrix<T> b, T[] c, int ldc, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.False(transA);
        Gemm.MultiplyRowBlocks<T>(m, a, lda, b, c, ldc, accumulate);
    }

    private static void CheckKernel<T, TKernel>(bool accumulate, double tol)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TKernel : struct, IGemmKernel<T> =>
        GemmPackedTests.Check<T>(GemmPackedTests.KernelPack<T, TKernel>,
            (transA, m, a, lda, b, c, ldc, acc) => Gemm.MultiplyPacked<T, TKernel>(transA, m, a, lda, b, c, ldc, acc, rowBlocks: true),
            new Random(5), false, false, [65, 130], 33, 130, accumulate, tol);
}
