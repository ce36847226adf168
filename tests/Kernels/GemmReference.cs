using System.Numerics;

namespace RnnGen.Tests.Kernels;

/// <summary>The naive reference every GEMM test checks against, and its padded operands.</summary>
public static class GemmReference
{
    /// <summary>Every (transA, transB, accumulate) combination.</summary>
    public static TheoryData<bool, bool, bool> Modes()
    {
        var data = new TheoryData<bool, bool, bool>();
        foreach (bool ta in new[] { false, true })
            foreach (bool tb in new[] { false, true })
                foreach (bool acc in new[] { false, true })
                    data.Add(ta, tb, acc);
        return data;
    }

    /// <summary>A rows×cols matrix with leading dimension ld, values in (−1, 1), the padding columns set to <paramref name="pad"/>.</summary>
    internal static T[] Matrix<T>(Random rnd, int rows, int cols, int ld, T pad) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var x = new T[rows * ld];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < ld; j++)
                x[i * ld + j] = j < cols ? T.CreateChecked(rnd.NextDouble() * 2 - 1) : pad;
        return x;
    }

    /// <summary>
    /// Checks C against C0 (when accumulating) + op(A)·op(B) computed in double, element by element within
    /// <paramref name="tol"/>·(1 + Σ|terms|), and that C's padding still holds <paramref name="sentinel"/>.
    /// </summary>
    internal static void AssertProduct<T>(string what, bool transA, bool transB, int m, int n, int k, T[] a, int lda, T[] b, int ldb,
        T[] c0, T[] c, int ldc, bool accumulate, T sentinel, double tol) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = accumulate ? double.CreateChecked(c0[i * ldc + j]) : 0, mag = Math.Abs(sum);
                for (int p = 0; p < k; p++)
                {
                    double x = double.CreateChecked(transA ? a[p * lda + i] : a[i * lda + p]);
                    double y = double.CreateChecked(transB ? b[j * ldb + p] : b[p * ldb + j]);
                    sum += x * y;
                    mag += Math.Abs(x * y);
                }
                double got = double.CreateChecked(c[i * ldc + j]);
                if (!(Math.Abs(got - sum) <= tol * (1 + mag)))
                    Assert.Fail($"{what}: C[{i},{j}] = {got}, expected {sum}");
            }
            for (int j = n; j < ldc && i * ldc + j < c.Length; j++)
                if (c[i * ldc + j] != sentinel)
                    Assert.Fail($"{what}: padding C[{i},{j}] was written");
        }
    }
}
