using System.Numerics;

namespace RnnGen.Kernels;

/// <summary>Random matrices with orthonormal columns, for orthogonal initialization (PyTorch orthogonal_).</summary>
/// <remarks>Thread safety: stateless; the Random passed in must not be shared between threads.</remarks>
internal static class Orthonormal
{
    /// <summary>Fills a rows×columns row-major matrix with gain·Q: orthonormal rows when rows ≤ columns, columns otherwise.</summary>
    public static void Fill<T>(Span<T> values, int rows, int columns, Random random, double gain = 1) where T : INumberBase<T>
    {
        var transpose = rows < columns;
        int m = Math.Max(rows, columns), n = Math.Min(rows, columns);
        var q = Columns(m, n, random);
        for (var r = 0; r < rows; r++)
            for (var c = 0; c < columns; c++)
                values[r * columns + c] = T.CreateTruncating(gain * (transpose ? q[c * n + r] : q[r * n + c]));
    }

    /// <summary>m×n (m ≥ n) row-major with orthonormal columns: Householder QR of a Gaussian matrix, signs fixed by R.</summary>
    public static double[] Columns(int m, int n, Random random)
    {
        var a = new double[m * n];
        for (var i = 0; i < a.Length; i++) a[i] = Gaussian(random);
        var reflectors = new double[n * m];
        var scales = new double[n];
        var diagonal = new double[n];
        for (var k = 0; k < n; k++)
        {
            double norm = 0;
            for (var i = k; i < m; i++) norm += a[i * n + k] * a[i * n + k];
            norm = Math.Sqrt(norm);
            // α = −sign(x₀)·‖x‖ keeps v = x − α e₁ free of cancellation.
            var alpha = a[k * n + k] > 0 ? -norm : norm;
            var v = reflectors.AsSpan(k * m, m);
            for (var i = k; i < m; i++) v[i] = a[i * n + k];
            v[k] -= alpha;
            double vv = 0;
            for (var i = k; i < m; i++) vv += v[i] * v[i];
            scales[k] = vv == 0 ? 0 : 2 / vv;
            for (var j = k; j < n; j++)
            {
                double s = 0;
                for (var i = k; i < m; i++) s += v[i] * a[i * n + j];
                s *= scales[k];
                for (var i = k; i < m; i++) a[i * n + j] -= s * v[i];
            }
            diagonal[k] = a[k * n + k];
        }
        // Q = H₀·H₁·…·H_{n−1} applied to the first n columns of I, innermost reflector first.
        var q = new double[m * n];
        for (var i = 0; i < n; i++) q[i * n + i] = 1;
        for (var k = n - 1; k >= 0; k--)
        {
            var v = reflectors.AsSpan(k * m, m);
            for (var j = 0; j < n; j++)
            {
                double s = 0;
                for (var i = k; i < m; i++) s += v[i] * q[i * n + j];
                s *= scales[k];
                for (var i = k; i < m; i++) q[i * n + j] -= s * v[i];
            }
        }
        for (var j = 0; j < n; j++)
            if (diagonal[j] < 0)
                for (var i = 0; i < m; i++) q[i * n + j] = -q[i * n + j];
        return q;
    }

    private static double Gaussian(Random random)
    {
        // Box–Muller; 1 − u keeps the logarithm's argument in (0, 1].
        var u = 1 - random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * random.NextDouble());
    }
}
