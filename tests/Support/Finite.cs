namespace RnnGen.Tests.Support;

/// <summary>Central finite differences and the relative error used by every gradient check.</summary>
public static class Finite
{
    public const double Step = 1e-5;

    /// <summary>‖a − n‖ / max(‖a‖ + ‖n‖, tiny): the standard relative error of a gradient check.</summary>
    public static double RelativeError(ReadOnlySpan<double> analytic, ReadOnlySpan<double> numeric)
    {
        double diff = 0, sa = 0, sn = 0;
        for (var i = 0; i < analytic.Length; i++)
        {
            diff += (analytic[i] - numeric[i]) * (analytic[i] - numeric[i]);
            sa += analytic[i] * analytic[i];
            sn += numeric[i] * numeric[i];
        }
        return Math.Sqrt(diff) / Math.Max(Math.Sqrt(sa) + Math.Sqrt(sn), 1e-300);
    }

    /// <summary>dL/dv[i] for every element of <paramref name="values"/>, perturbing in place and restoring.</summary>
    public static double[] Gradient(Span<double> values, Func<double> loss)
    {
        var gradient = new double[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            var saved = values[i];
            values[i] = saved + Step;
            var plus = loss();
            values[i] = saved - Step;
            var minus = loss();
            values[i] = saved;
            gradient[i] = (plus - minus) / (2 * Step);
        }
        return gradient;
    }

    public static double[] Random(Random random, int length, double scale = 1)
    {
        var values = new double[length];
        for (var i = 0; i < length; i++) values[i] = (random.NextDouble() * 2 - 1) * scale;
        return values;
    }
}
