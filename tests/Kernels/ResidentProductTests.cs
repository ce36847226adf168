using System.Numerics;
using System.Runtime.Intrinsics.X86;
using RnnGen.Kernels;
using Xunit;

namespace RnnGen.Tests.Kernels;

/// <summary><see cref="ResidentProduct{T}"/> (the recurrent product split across threads) and <see cref="Bf16Matrix"/>.
/// MaxThreads is process-wide: runs in the collection of the other threading tests.</summary>
[Collection(nameof(GemmThreadingTests))]
public class ResidentProductTests
{
    // n: one slice unit, uneven splits, partial panels and tiles; k: below a bf16 line, partial lines, whole ones;
    // m·n·k below 2¹⁸ (one slice) and above (split).
    public static TheoryData<int, int, int, bool> Sizes => new()
    {
        { 1, 2048, 512, true }, { 1, 1024, 256, false }, { 2, 130, 17, true }, { 3, 1031, 129, false },
        { 8, 517, 47, true }, { 64, 384, 64, false }, { 16, 700, 33, false }, { 2, 1031, 300, true },
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Float_SplitEqualsTheUnsplitPackedProduct(int m, int n, int k, bool accumulate) =>
        SplitEqualsUnsplit<float>(m, n, k, accumulate);

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Double_SplitEqualsTheUnsplitPackedProduct(int m, int n, int k, bool accumulate) =>
        SplitEqualsUnsplit<double>(m, n, k, accumulate);

    /// <summary>Each column is computed by one thread exactly as the single-threaded packed product computes it: bitwise equal.</summary>
    private static void SplitEqualsUnsplit<T>(int m, int n, int k, bool accumulate) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rnd = new Random(5);
        T[] u = Random<T>(rnd, n * k), a = Random<T>(rnd, m * k), c0 = Random<T>(rnd, m * n);
        var expected = (T[])c0.Clone();
        var packed = new PackedMatrix<T>();
        Gemm.Pack<T>(true, k, n, u, k, packed);
        var saved = Gemm.MaxThreads;
        try
        {
            Gemm.MaxThreads = 1;
            Gemm.Multiply<T>(false, m, a, k, packed, expected, n, accumulate);
            foreach (var threads in new[] { 2, 1 })
            {
                Gemm.MaxThreads = threads;
                var split = new ResidentProduct<T>(bfloat16: false);
                split.Load(u, n, k, m);
                Assert.Equal(threads == 2 && (long)m * n * k >= 1 << 18 ? 2 : 1, split.Slices);
                for (var step = 0; step < 3; step++)
                {
                    var c = (T[])c0.Clone();
                    split.Multiply(m, a, k, c, n, accumulate);
                    Assert.Equal(expected, c);
                }
            }
        }
        finally
        {
            Gemm.MaxThreads = saved;
        }
    }

    /// <summary>The bf16 product equals, to fp32 accumulation error, the exact product with every weight rounded to
    /// bfloat16 (nearest even, computed here in double); split or not.</summary>
    [Theory]
    [MemberData(nameof(Sizes))]
    public void BFloat16_IsTheProductOfTheRoundedWeights(int m, int n, int k, bool accumulate)
    {
        if (!Avx512F.IsSupported) return;   // bfloat16 weights need AVX-512 (this machine has it)
        var rnd = new Random(7);
        float[] u = Random<float>(rnd, n * k), a = Random<float>(rnd, m * k), c0 = Random<float>(rnd, m * n);
        var saved = Gemm.MaxThreads;
        try
        {
            foreach (var threads in new[] { 1, 2 })
            {
                Gemm.MaxThreads = threads;
                var product = new ResidentProduct<float>(bfloat16: true);
                product.Load(u, n, k, m);
                var c = (float[])c0.Clone();
                product.Multiply(m, a, k, c, n, accumulate);
                for (var i = 0; i < m; i++)
                    for (var j = 0; j < n; j++)
                    {
                        double sum = accumulate ? c0[i * n + j] : 0, magnitude = Math.Abs(sum);
                        for (var p = 0; p < k; p++)
                        {
                            double term = (double)a[i * k + p] * RoundToBf16(u[j * k + p]);
                            sum += term;
                            magnitude += Math.Abs(term);
                        }
                        Assert.True(Math.Abs(c[i * n + j] - sum) <= 4e-7 * magnitude + 1e-30,
                            $"C[{i},{j}] = {c[i * n + j]}, expected {sum} (threads {threads})");
                    }
            }
        }
        finally
        {
            Gemm.MaxThreads = saved;
        }
    }

    /// <summary>Rounding is to nearest, ties to even, on the 8-bit mantissa: 1 + 2⁻⁸ is a tie (to 1), 1 + 3·2⁻⁸ a tie (to
    /// 1 + 2⁻⁶), just above a tie rounds up; and the reference this file checks against agrees.</summary>
    [Theory]
    [InlineData(1 + 1.0 / 256, 1.0)]
    [InlineData(1 + 3.0 / 256, 1 + 1.0 / 64)]
    [InlineData(1 + 1.0 / 256 + 1.0 / 65536, 1 + 1.0 / 128)]
    [InlineData(-3.14159265, -3.140625)]
    public void BFloat16_RoundsToNearestEven(double value, double stored)
    {
        if (!Avx512F.IsSupported) return;   // bfloat16 weights need AVX-512 (this machine has it)
        Assert.Equal(stored, RoundToBf16((float)value));
        var one = new Bf16Matrix();
        one.Pack([(float)value], 1, 1);
        float[] c = [0];
        unsafe
        {
            fixed (float* pc = c)
            {
                var x = 1f;
                Bf16Matrix.Run(one.Job(1, &x, 1, pc, 1, accumulate: false));
            }
        }
        Assert.Equal((float)stored, c[0]);
    }

    [Fact]
    public void BFloat16_RefusesDouble() =>
        Assert.Contains("float", Assert.Throws<NotSupportedException>(() => new ResidentProduct<double>(bfloat16: true)).Message);

    private static double RoundToBf16(float x)
    {
        var bits = BitConverter.SingleToUInt32Bits(x);
        bits += 0x7FFF + ((bits >> 16) & 1);
        return BitConverter.UInt32BitsToSingle(bits & 0xFFFF0000);
    }

    private static T[] Random<T>(Random rnd, int length) where T : unmanaged, IFloatingPointIeee754<T> =>
        Enumerable.Range(0, length).Select(_ => T.CreateChecked(rnd.NextDouble() - 0.5)).ToArray();
}
