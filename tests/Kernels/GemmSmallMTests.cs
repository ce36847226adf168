using System.Numerics;
using System.Runtime.Intrinsics.X86;
using RnnGen.Kernels;
using Xunit;
using static RnnGen.Tests.Kernels.GemmPackedTests;

namespace RnnGen.Tests.Kernels;

/// <summary>
/// The few-row paths (<see cref="GemmSmallM{T, TVec, TWidth}"/>) at every vector width this machine runs, each driven
/// explicitly through its kernel (the public entry only ever takes the widest): every row count up to the paths'
/// limits, with column, depth and row-chunk tails, against the naive product.
/// </summary>
public class GemmSmallMTests
{
    // Columns: inside, at and past one 2V panel (2V = 16 AVX2, 32 AVX-512), 4-panel groups, 4-column dot groups.
    private static readonly int[] Cols = [1, 5, 16, 17, 33, 100, 130];
    // Unpacked depths: vector tails of the dot path (V = 8, 16), the direct path's depth blocks, DotKC (512).
    private static readonly int[] Depths = [1, 7, 17, 70, 520];
    // Packed depths: the one/two-row Wide (kc ≤ 64) and Stream kernels, Stream's unroll tail, Kc blocks (256, 384).
    private static readonly int[] PackedDepths = [1, 6, 65];
    private static readonly int[] DeepPacked = [300, 400];
    private static readonly int[] SomeRows = [1, 2, 3, 4, 5, 8, 9, 10, 31, 33, 64];

    [Theory]
    [MemberData(nameof(GemmReference.Modes), MemberType = typeof(GemmReference))]
    public void Unpacked_EveryRowCount_MatchesNaive(bool transA, bool transB, bool accumulate)
    {
        var rnd = new Random((transA ? 1 : 0) + (transB ? 2 : 0) + (accumulate ? 4 : 0));
        foreach (var gemm in UnpackedWidths())
            for (int m = 1; m <= GemmSmallM.MaxRows; m++)
                foreach (int n in Cols)
                    foreach (int k in Depths)
                        GemmTests.Check(gemm, rnd, transA, transB, m, n, k, accumulate, 1e-5);
    }

    [Theory]
    [MemberData(nameof(GemmReference.Modes), MemberType = typeof(GemmReference))]
    public void Packed_EveryRowCount_MatchesNaive(bool transA, bool transB, bool accumulate)
    {
        int[] allRows = Enumerable.Range(1, GemmSmallM.MaxRowsPacked).ToArray();
        var rnd = new Random((transA ? 1 : 0) + (transB ? 2 : 0) + (accumulate ? 4 : 0));
        foreach (var (pack, mul) in PackedWidths())
            foreach (int n in Cols)
            {
                foreach (int k in PackedDepths)
                    GemmPackedTests.Check(pack, mul, rnd, transA, transB, allRows, n, k, accumulate, 1e-5);
                foreach (int k in DeepPacked)
                    GemmPackedTests.Check(pack, mul, rnd, transA, transB, SomeRows, n, k, accumulate, 1e-5);
            }
        foreach (var (pack, mul) in PackedWidthsDouble())
            foreach (int n in Cols)
                foreach (int k in PackedDepths.Concat(DeepPacked))
                    GemmPackedTests.Check(pack, mul, rnd, transA, transB, SomeRows, n, k, accumulate, 1e-12);
    }

    /// <summary>Each width's paths, packed and not, allocate nothing once warm.</summary>
    [Fact]
    public void EveryWidth_SteadyState_AllocatesNothing()
    {
        var rnd = new Random(3);
        float[] b = GemmReference.Matrix<float>(rnd, 520, 130, 130, 0f), a = GemmReference.Matrix<float>(rnd, 64, 520, 520, 0f);
        float[] c = new float[64 * 130];
        double[] bd = GemmReference.Matrix<double>(rnd, 300, 130, 130, 0.0), ad = GemmReference.Matrix<double>(rnd, 64, 300, 300, 0.0);
        double[] cd = new double[64 * 130];
        var widths = UnpackedWidths().ToArray();
        var packedF = PackedWidths().Select(w => (w.Mul, Packed(w.Pack, b, 520))).ToArray();
        var packedD = PackedWidthsDouble().Select(w => (w.Mul, Packed(w.Pack, bd, 300))).ToArray();

        void RunAll()
        {
            foreach (var gemm in widths)
            {
                gemm(false, false, 9, 130, 520, a, 520, b, 130, c, 130, false); // direct tiles, column edge
                gemm(true, true, 32, 100, 130, a, 32, b, 130, c, 100, true);    // dot tiles, transposed A
            }
            foreach (var (mul, packed) in packedF)
            {
                mul(false, 1, a, 520, packed, c, 130, false); // Wide/Stream row
                mul(true, 33, a, 33, packed, c, 130, true);
            }
            foreach (var (mul, packed) in packedD)
                mul(false, 10, ad, 300, packed, cd, 130, false);
        }
        Assert.Equal(0, RnnGen.Tests.Support.Allocations.Measure(RunAll));
    }

    /// <summary>The kernels with a few-row unpacked path (fp32), through their drivers.</summary>
    private static IEnumerable<GemmFn<float>> UnpackedWidths()
    {
        if (Avx2.IsSupported && Fma.IsSupported)
            yield return GemmTests.Driver<float, Avx2Kernel<float>>;
        if (Avx512F.IsSupported)
            yield return GemmTests.Driver<float, F32Avx512Kernel>;
    }

    /// <summary>The kernels with a few-row packed path (fp32), as pack and multiply pairs.</summary>
    private static IEnumerable<(PackFn<float> Pack, PackedMulFn<float> Mul)> PackedWidths()
    {
        if (Avx2.IsSupported && Fma.IsSupported)
            yield return (GemmPackedTests.KernelPack<float, Avx2Kernel<float>>, GemmPackedTests.KernelMul<float, Avx2Kernel<float>>);
        if (Avx512F.IsSupported)
            yield return (GemmPackedTests.KernelPack<float, F32Avx512Kernel>, GemmPackedTests.KernelMul<float, F32Avx512Kernel>);
    }

    /// <summary>The fp64 counterparts of <see cref="PackedWidths"/>.</summary>
    private static IEnumerable<(PackFn<double> Pack, PackedMulFn<double> Mul)> PackedWidthsDouble()
    {
        if (Avx2.IsSupported && Fma.IsSupported)
            yield return (GemmPackedTests.KernelPack<double, Avx2Kernel<double>>, GemmPackedTests.KernelMul<double, Avx2Kernel<double>>);
        if (Avx512F.IsSupported)
            yield return (GemmPackedTests.KernelPack<double, F64Avx512Kernel>, GemmPackedTests.KernelMul<double, F64Avx512Kernel>);
    }

    private static PackedMatrix<T> Packed<T>(PackFn<T> pack, T[] b, int k) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var packed = new PackedMatrix<T>();
        pack(false, k, 130, b, 130, packed);
        return packed;
    }
}
