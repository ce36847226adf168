using System.Numerics;
using System.Runtime.Intrinsics.X86;
using RnnGen.Kernels;
using Xunit;

namespace RnnGen.Tests.Kernels;

/// <summary><see cref="Gemm.Pack{T}"/> + <see cref="Gemm.Multiply{T}(bool, int, ReadOnlySpan{T}, int, PackedMatrix{T}, Span{T}, int, bool)"/>.</summary>
public class GemmPackedTests
{
    // Rows: the packed small-m path (1, 2 = wide/stream tails, 3..7 partial chunks, 8-row chunks, 64 = its
    // limit) and the blocked path above it (65, 130). Columns: partial panels, 4-panel groups, remainders.
    private static readonly int[] Rows = [1, 2, 3, 7, 8, 9, 10, 17, 33, 64, 65, 130];
    private static readonly int[] Cols = [1, 3, 17, 33, 65, 130, 200];
    private static readonly int[] Depths = [1, 3, 7, 17, 64, 65, 130];
    // Per-kernel check (the public tests above already cover the kernel the machine picks in full).
    private static readonly int[] FewRows = [1, 2, 7, 9, 65];
    private static readonly int[] FewCols = [3, 33, 200];
    private static readonly int[] FewDepths = [1, 17, 130];

    /// <summary>A packer and a packed product with the same layout (the public pair or one kernel's).</summary>
    internal delegate void PackFn<T>(bool transB, int k, int n, T[] b, int ldb, PackedMatrix<T> packed)
        where T : unmanaged, IFloatingPointIeee754<T>;
    internal delegate void PackedMulFn<T>(bool transA, int m, T[] a, int lda, PackedMatrix<T> b, T[] c, int ldc, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>;


    [Theory]
    [MemberData(nameof(GemmReference.Modes), MemberType = typeof(GemmReference))]
    public void Float_MatchesNaive(bool transA, bool transB, bool accumulate) =>
        CheckAllSizes<float>(PublicPack, PublicMul, transA, transB, accumulate, 1e-5);

    [Theory]
    [MemberData(nameof(GemmReference.Modes), MemberType = typeof(GemmReference))]
    public void Double_MatchesNaive(bool transA, bool transB, bool accumulate) =>
        CheckAllSizes<double>(PublicPack, PublicMul, transA, transB, accumulate, 1e-12);

    /// <summary>Every kernel's packed layout and driver, not just the one the machine picks.</summary>
    [Theory]
    [MemberData(nameof(GemmReference.Modes), MemberType = typeof(GemmReference))]
    public void AllKernels_MatchNaive(bool transA, bool transB, bool accumulate)
    {
        CheckFewSizes<float>(KernelPack<float, Vector128Kernel<float>>, KernelMul<float, Vector128Kernel<float>>, transA, transB, accumulate, 1e-5);
        CheckFewSizes<double>(KernelPack<double, Vector128Kernel<double>>, KernelMul<double, Vector128Kernel<double>>, transA, transB, accumulate, 1e-12);
        if (Avx2.IsSupported && Fma.IsSupported)
        {
            CheckFewSizes<float>(KernelPack<float, Avx2Kernel<float>>, KernelMul<float, Avx2Kernel<float>>, transA, transB, accumulate, 1e-5);
            CheckFewSizes<double>(KernelPack<double, Avx2Kernel<double>>, KernelMul<double, Avx2Kernel<double>>, transA, transB, accumulate, 1e-12);
        }
        if (Avx512F.IsSupported)
        {
            CheckFewSizes<float>(KernelPack<float, F32Avx512Kernel>, KernelMul<float, F32Avx512Kernel>, transA, transB, accumulate, 1e-5);
            CheckFewSizes<double>(KernelPack<double, F64Avx512Kernel>, KernelMul<double, F64Avx512Kernel>, transA, transB, accumulate, 1e-12);
        }
    }

    /// <summary>A matrix packed for one kernel is refused by another (internal misuse only: the public
    /// entry points always agree on the kernel).</summary>
    [Fact]
    public void LayoutMismatch_Throws()
    {
        var packed = new PackedMatrix<float>();
        KernelPack<float, Vector128Kernel<float>>(false, 4, 5, new float[20], 5, packed);
        Assert.Throws<InvalidOperationException>(() =>
            KernelMul<float, Avx2Kernel<float>>(false, 3, new float[12], 4, packed, new float[15], 5, false));
    }

    /// <summary>The time-loop shapes (forward h·Uᵀ, backward dZh·U) and depths crossing the KC blocks.</summary>
    [Theory]
    [InlineData(false, true, 1, 2048, 512)]
    [InlineData(false, true, 64, 2048, 512)]
    [InlineData(false, false, 1, 512, 2048)]
    [InlineData(false, false, 33, 512, 2048)]
    [InlineData(true, false, 66, 300, 1030)]
    [InlineData(false, true, 130, 97, 800)]
    [InlineData(false, false, 2, 1100, 40)]
    public void LargeShapes_MatchNaive(bool transA, bool transB, int m, int n, int k)
    {
        foreach (bool acc in new[] { false, true })
        {
            Check<float>(PublicPack, PublicMul, new Random(m + n + k), transA, transB, m, n, k, acc, 1e-5);
            Check<double>(PublicPack, PublicMul, new Random(m + n + k), transA, transB, m, n, k, acc, 1e-12);
        }
    }

    /// <summary>Same result as the unpacked product (to float rounding), for the forward and backward shapes.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    [InlineData(32)]
    [InlineData(64)]
    public void MatchesUnpacked(int m)
    {
        foreach (var (n, k) in new[] { (128, 32), (512, 128), (2048, 512) })
        {
            foreach (bool forward in new[] { true, false })
            {
                int cols = forward ? n : k, depth = forward ? k : n;
                var rnd = new Random(cols);
                float[] a = Random<float>(rnd, m * depth), b = Random<float>(rnd, depth * cols);
                float[] c0 = Random<float>(rnd, m * cols), c1 = (float[])c0.Clone();
                int ldb = forward ? depth : cols;
                Gemm.Multiply<float>(false, forward, m, cols, depth, a, depth, b, ldb, c0, cols, accumulate: true);
                var packed = new PackedMatrix<float>();
                Gemm.Pack<float>(forward, depth, cols, b, ldb, packed);
                Gemm.Multiply<float>(false, m, a, depth, packed, c1, cols, accumulate: true);
                for (int i = 0; i < c0.Length; i++)
                    Assert.True(Math.Abs(c0[i] - c1[i]) <= 1e-5f * (1 + Math.Abs(c0[i])), $"m={m} n={cols} k={depth}: {c0[i]} vs {c1[i]}");
            }
        }
    }

    [Fact]
    public void Repack_ReusesBuffer_AndReplacesContents()
    {
        var rnd = new Random(11);
        var packed = new PackedMatrix<float>();
        Assert.Equal(0, packed.K);
        Assert.Equal(0, packed.N);

        float[] big = Random<float>(rnd, 300 * 200), small = Random<float>(rnd, 40 * 70);
        Gemm.Pack<float>(false, 300, 200, big, 200, packed);
        Assert.Equal((300, 200), (packed.K, packed.N));
        float[] buffer = packed.Buffer;

        // Smaller (and transposed): same buffer, new size, correct product.
        Gemm.Pack<float>(true, 70, 40, small, 70, packed);
        Assert.Same(buffer, packed.Buffer);
        Assert.Equal((70, 40), (packed.K, packed.N));
        float[] a = Random<float>(rnd, 5 * 70), c = new float[5 * 40];
        Gemm.Multiply<float>(false, 5, a, 70, packed, c, 40, accumulate: false);
        float[] expected = new float[5 * 40];
        Gemm.Multiply<float>(false, true, 5, 40, 70, a, 70, small, 70, expected, 40, accumulate: false);
        for (int i = 0; i < c.Length; i++)
            Assert.True(Math.Abs(c[i] - expected[i]) <= 1e-5f, $"{c[i]} vs {expected[i]}");

        // Bigger than the buffer: grows.
        Gemm.Pack<float>(false, 600, 300, Random<float>(rnd, 600 * 300), 300, packed);
        Assert.NotSame(buffer, packed.Buffer);
        Assert.Equal((600, 300), (packed.K, packed.N));
    }

    [Fact]
    public void EmptyDimensions()
    {
        // Never packed: 0×0, products with it are empty.
        var empty = new PackedMatrix<double>();
        Gemm.Multiply<double>(false, 3, [], 0, empty, [], 0, accumulate: false);

        // k = 0: C = accumulate ? C : 0, padding untouched.
        var packed = new PackedMatrix<double>();
        Gemm.Pack<double>(false, 0, 2, [], 2, packed);
        Assert.Equal((0, 2), (packed.K, packed.N));
        double[] c = [1, 2, 9, 3, 4, 9];
        Gemm.Multiply<double>(false, 2, [], 0, packed, c, 3, accumulate: true);
        Assert.Equal(new double[] { 1, 2, 9, 3, 4, 9 }, c);
        Gemm.Multiply<double>(true, 2, [], 2, packed, c, 3, accumulate: false);
        Assert.Equal(new double[] { 0, 0, 9, 0, 0, 9 }, c);

        // n = 0 and m = 0.
        Gemm.Pack<double>(true, 4, 0, [], 4, packed);
        Gemm.Multiply<double>(false, 2, new double[8], 4, packed, [], 0, accumulate: false);
        Gemm.Pack<double>(false, 4, 3, new double[12], 3, packed);
        Gemm.Multiply<double>(false, 0, [], 4, packed, [], 3, accumulate: false);
    }

    [Fact]
    public void BadArguments_Throw_NamingTheArgument()
    {
        float[] a = new float[12], b = new float[20], c = new float[15];
        var packed = new PackedMatrix<float>();
        // Well-formed: 3×4 · 4×5.
        Gemm.Pack<float>(false, 4, 5, b, 5, packed);
        Gemm.Multiply<float>(false, 3, a, 4, packed, c, 5, false);

        AssertThrows<ArgumentNullException>("packed", () => Gemm.Pack<float>(false, 4, 5, b, 5, null!));
        AssertThrows<ArgumentOutOfRangeException>("k", () => Gemm.Pack<float>(false, -4, 5, b, 5, packed));
        AssertThrows<ArgumentOutOfRangeException>("n", () => Gemm.Pack<float>(false, 4, -5, b, 5, packed));
        ArgumentException e = AssertThrows<ArgumentOutOfRangeException>("ldb", () => Gemm.Pack<float>(false, 4, 5, b, 4, packed));
        Assert.Contains("5", e.Message); // expected
        AssertThrows<ArgumentOutOfRangeException>("ldb", () => Gemm.Pack<float>(true, 4, 5, b, 3, packed));
        e = AssertThrows<ArgumentException>("b", () => Gemm.Pack<float>(false, 4, 5, b.AsSpan(1), 5, packed));
        Assert.Contains("20", e.Message); // needed
        Assert.Contains("19", e.Message); // actual
        AssertThrows<ArgumentException>("b", () => Gemm.Pack<float>(true, 4, 5, b, 5, packed));
        // A failed Pack leaves the packed matrix as it was.
        Assert.Equal((4, 5), (packed.K, packed.N));

        AssertThrows<ArgumentNullException>("b", () => Gemm.Multiply<float>(false, 3, a, 4, null!, c, 5, false));
        AssertThrows<ArgumentOutOfRangeException>("m", () => Gemm.Multiply<float>(false, -1, a, 4, packed, c, 5, false));
        e = AssertThrows<ArgumentOutOfRangeException>("lda", () => Gemm.Multiply<float>(false, 3, a, 3, packed, c, 5, false));
        Assert.Contains("4", e.Message);
        AssertThrows<ArgumentOutOfRangeException>("lda", () => Gemm.Multiply<float>(true, 3, a, 2, packed, c, 5, false));
        e = AssertThrows<ArgumentException>("a", () => Gemm.Multiply<float>(false, 3, a.AsSpan(0, 11), 4, packed, c, 5, false));
        Assert.Contains("12", e.Message);
        Assert.Contains("11", e.Message);
        AssertThrows<ArgumentException>("a", () => Gemm.Multiply<float>(true, 3, a, 4, packed, c, 5, false));
        AssertThrows<ArgumentOutOfRangeException>("ldc", () => Gemm.Multiply<float>(false, 3, a, 4, packed, c, 4, false));
        AssertThrows<ArgumentException>("c", () => Gemm.Multiply<float>(false, 3, a, 4, packed, c.AsSpan(0, 14), 5, false));
        Assert.Throws<NotSupportedException>(() => Gemm.Pack<Half>(false, 1, 1, new Half[1], 1, new PackedMatrix<Half>()));
        Assert.Throws<NotSupportedException>(() => Gemm.Multiply<Half>(false, 1, new Half[1], 1, new PackedMatrix<Half>(), new Half[1], 1, false));
    }

    [Fact]
    public void SteadyState_AllocatesNothing()
    {
        var rnd = new Random(2);
        float[] uf = Random<float>(rnd, 2048 * 512), af = Random<float>(rnd, 130 * 2048), cf = new float[130 * 2048];
        double[] ud = Random<double>(rnd, 1024 * 256), ad = Random<double>(rnd, 65 * 1024), cd = new double[65 * 1024];
        var pf = new PackedMatrix<float>();
        var pd = new PackedMatrix<double>();
        // Size the buffers for the largest shape first; every later Pack fits.
        Gemm.Pack<float>(true, 512, 2048, uf, 512, pf);
        Gemm.Pack<double>(true, 256, 1024, ud, 256, pd);

        void RunAll()
        {
            // Forward (transB) and backward (plain) shapes, small-m and blocked paths, edge panels.
            Gemm.Pack<float>(true, 512, 2048, uf, 512, pf);
            Gemm.Multiply<float>(false, 1, af, 512, pf, cf, 2048, false);
            Gemm.Multiply<float>(false, 64, af, 512, pf, cf, 2048, true);
            Gemm.Pack<float>(false, 2048, 512, uf, 512, pf);
            Gemm.Multiply<float>(false, 2, af, 2048, pf, cf, 512, false);
            Gemm.Multiply<float>(false, 33, af, 2048, pf, cf, 512, true);
            Gemm.Pack<float>(false, 130, 97, uf, 97, pf);
            Gemm.Multiply<float>(true, 130, af, 130, pf, cf, 97, false);
            Gemm.Pack<double>(true, 256, 1024, ud, 256, pd);
            Gemm.Multiply<double>(false, 9, ad, 256, pd, cd, 1024, false);
            Gemm.Pack<double>(false, 255, 65, ud, 65, pd);
            Gemm.Multiply<double>(true, 65, ad, 65, pd, cd, 65, true);
        }
        Assert.Equal(0, RnnGen.Tests.Support.Allocations.Measure(RunAll));
    }

    // ------------------------------------------------------------------ helpers

    private static void PublicPack<T>(bool transB, int k, int n, T[] b, int ldb, PackedMatrix<T> packed)
        where T : unmanaged, IFloatingPointIeee754<T> => Gemm.Pack<T>(transB, k, n, b, ldb, packed);

    private static void PublicMul<T>(bool transA, int m, T[] a, int lda, PackedMatrix<T> b, T[] c, int ldc, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T> => Gemm.Multiply<T>(transA, m, a, lda, b, c, ldc, accumulate);

    internal static unsafe void KernelPack<T, TKernel>(bool transB, int k, int n, T[] b, int ldb, PackedMatrix<T> packed)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TKernel : struct, IGemmKernel<T>
    {
        fixed (T* pb = b)
            GemmDriver<T, TKernel>.Pack(transB, k, n, pb, ldb, packed);
    }

    internal static void KernelMul<T, TKernel>(bool transA, int m, T[] a, int lda, PackedMatrix<T> b, T[] c, int ldc, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TKernel : struct, IGemmKernel<T> =>
        Gemm.MultiplyPacked<T, TKernel>(transA, m, a, lda, b, c, ldc, accumulate);

    private static void CheckAllSizes<T>(PackFn<T> pack, PackedMulFn<T> mul, bool transA, bool transB, bool accumulate, double tol)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rnd = new Random((transA ? 1 : 0) + (transB ? 2 : 0) + (accumulate ? 4 : 0));
        foreach (int n in Cols)
            foreach (int k in Depths)
                Check(pack, mul, rnd, transA, transB, Rows, n, k, accumulate, tol);
    }

    private static void CheckFewSizes<T>(PackFn<T> pack, PackedMulFn<T> mul, bool transA, bool transB, bool accumulate, double tol)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rnd = new Random((transA ? 1 : 0) + (transB ? 2 : 0) + (accumulate ? 4 : 0));
        foreach (int n in FewCols)
            foreach (int k in FewDepths)
                Check(pack, mul, rnd, transA, transB, FewRows, n, k, accumulate, tol);
    }

    private static void Check<T>(PackFn<T> pack, PackedMulFn<T> mul, Random rnd, bool transA, bool transB,
        int m, int n, int k, bool accumulate, double tol) where T : unmanaged, IFloatingPointIeee754<T> =>
        Check(pack, mul, rnd, transA, transB, [m], n, k, accumulate, tol);

    /// <summary>
    /// Packs one op(B) (padded ldb, NaN in the padding: any read of it poisons the result; overwritten with
    /// NaN after packing: the packed copy must not refer back to it), then multiplies it by one A per m
    /// (padded lda, NaN padding) against a naive loop in double. C's padding holds a sentinel that must
    /// survive; without accumulate C starts as NaN (it must be overwritten, not scaled by 0).
    /// </summary>
    internal static void Check<T>(PackFn<T> pack, PackedMulFn<T> mul, Random rnd, bool transA, bool transB,
        int[] ms, int n, int k, bool accumulate, double tol) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int bRows = transB ? n : k, bCols = transB ? k : n, ldb = bCols + 2;
        T[] b = GemmReference.Matrix<T>(rnd, bRows, bCols, ldb, T.NaN);
        T[] bRef = (T[])b.Clone();
        var packed = new PackedMatrix<T>();
        pack(transB, k, n, b, ldb, packed);
        Assert.Equal((k, n), (packed.K, packed.N));
        b.AsSpan().Fill(T.NaN);

        foreach (int m in ms)
        {
            int aRows = transA ? k : m, aCols = transA ? m : k;
            int lda = aCols + 3, ldc = n + 5;
            T[] a = GemmReference.Matrix<T>(rnd, aRows, aCols, lda, T.NaN);
            T sentinel = T.CreateChecked(-777.0);
            T[] c = GemmReference.Matrix<T>(rnd, m, n, ldc, sentinel);
            if (!accumulate)
                for (int i = 0; i < m; i++)
                    c.AsSpan(i * ldc, n).Fill(T.NaN);
            T[] c0 = (T[])c.Clone();

            mul(transA, m, a, lda, packed, c, ldc, accumulate);

            GemmReference.AssertProduct($"{typeof(T).Name} transA={transA} transB={transB} m={m} n={n} k={k} acc={accumulate}",
                transA, transB, m, n, k, a, lda, bRef, ldb, c0, c, ldc, accumulate, sentinel, tol);
        }
    }

    private static T[] Random<T>(Random rnd, int len) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var x = new T[len];
        for (int i = 0; i < len; i++) x[i] = T.CreateChecked(rnd.NextDouble() - 0.5);
        return x;
    }

    private static TEx AssertThrows<TEx>(string param, Action action) where TEx : ArgumentException
    {
        var e = Assert.ThrowsAny<TEx>(action);
        Assert.Equal(param, e.ParamName);
        Assert.Contains(param, e.Message);
        return e;
    }
}

/// <summary>MaxThreads is process-wide: runs in the collection of the other threading tests.</summary>
[Collection(nameof(GemmThreadingTests))]
public class GemmPackedThreadingTests
{
    [Theory]
    [InlineData(false, true, 64, 2048, 512)]   // split over n, small-m packed path
    [InlineData(false, false, 1, 4100, 600)]   // one row: stream kernel, uneven split
    [InlineData(false, false, 2, 20000, 60)]   // two rows, short depth: wide kernel (4-panel groups)
    [InlineData(true, false, 300, 500, 400)]   // blocked path, split over n
    [InlineData(false, true, 1000, 64, 300)]   // split over m
    [InlineData(false, false, 257, 1031, 129)] // uneven split, edge tiles
    public void TwoThreads_SameResultAsOne(bool transA, bool transB, int m, int n, int k)
    {
        var rnd = new Random(3);
        float[] a = new float[m * k], b = new float[k * n], c1 = new float[m * n], c2 = new float[m * n];
        for (int i = 0; i < a.Length; i++) a[i] = (float)(rnd.NextDouble() - 0.5);
        for (int i = 0; i < b.Length; i++) b[i] = (float)(rnd.NextDouble() - 0.5);
        for (int i = 0; i < c1.Length; i++) c1[i] = c2[i] = (float)(rnd.NextDouble() - 0.5);
        int lda = transA ? m : k;
        var packed = new PackedMatrix<float>();
        Gemm.Pack<float>(transB, k, n, b, transB ? k : n, packed);

        int saved = Gemm.MaxThreads;
        try
        {
            Gemm.MaxThreads = 1;
            Gemm.Multiply<float>(transA, m, a, lda, packed, c1, n, accumulate: true);
            Gemm.MaxThreads = 2;
            for (int rep = 0; rep < 3; rep++)
            {
                float[] c = (float[])c2.Clone();
                Gemm.Multiply<float>(transA, m, a, lda, packed, c, n, accumulate: true);
                // Each element is computed by one thread exactly as single-threaded: bitwise equal.
                Assert.Equal(c1, c);
            }
        }
        finally
        {
            Gemm.MaxThreads = saved;
        }
    }
}
