using System.Numerics;

namespace RnnGen;

/// <summary>
/// Sigmoid + binary cross-entropy over rows of logits [N, K] with targets in [0, 1] (PyTorch nn.BCEWithLogitsLoss),
/// fused and stable: each element's loss is max(z, 0) − z·y + log(1 + e^−|z|), its gradient σ(z) − y.
/// </summary>
/// <remarks>Thread safety: stateless; safe to call from any number of threads at once (on buffers no other thread writes).</remarks>
public static class SigmoidBinaryCrossEntropy
{
    // Formatted only when an exception is thrown (a per-call string would allocate).
    private static readonly Func<int, int, string> s_shape = (rows, features) => $"[rows {rows}, features {features}] like logits";

    /// <summary>
    /// Returns Σ_r w_r·Σ_k ℓ(z_rk, y_rk) / denominator (Mean: unmasked rows·K) and writes ∂loss/∂logits to
    /// <paramref name="gradient"/> ([N, K]; empty to skip; may be <paramref name="logits"/> itself).
    /// <paramref name="mask"/> holds one weight ≥ 0 per row or is empty; rows of weight 0 are not read and get gradient 0.
    /// </summary>
    /// <exception cref="ArgumentException">A length does not match [N, K] or the mask.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An unmasked target is outside [0, 1], or a weight is negative or not finite.</exception>
    public static T Compute<T>(ReadOnlySpan<T> logits, ReadOnlySpan<T> targets, int features, Span<T> gradient,
        ReadOnlySpan<T> mask = default, Reduction reduction = Reduction.Mean)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rows = LossRows.CheckElementwise(logits.Length, nameof(logits), targets.Length, gradient.Length, mask, features,
            reduction, s_shape, out var denominator);
        for (var r = 0; r < rows; r++)
        {
            if (!LossRows.Unmasked(mask, r)) continue;
            for (var k = 0; k < features; k++)
            {
                var y = targets[r * features + k];
                if (!(y >= T.Zero && y <= T.One)) ThrowTarget(r, k, y);
            }
        }

        var scale = LossRows.Scale<T>(denominator);
        double sum = 0;
        for (var r = 0; r < rows; r++)
        {
            var w = LossRows.Weight(mask, r);
            if (w == T.Zero)
            {
                if (!gradient.IsEmpty) gradient.Slice(r * features, features).Clear();
                continue;
            }
            var factor = w * scale;
            T rowLoss = T.Zero;
            for (var i = r * features; i < (r + 1) * features; i++)
            {
                T z = logits[i], y = targets[i];
                // e^−|z| ≤ 1 never overflows; σ(z) from it avoids e^z for large z.
                var e = T.Exp(-T.Abs(z));
                rowLoss += T.Max(z, T.Zero) - z * y + T.LogP1(e);
                if (!gradient.IsEmpty)
                {
                    var sigmoid = z >= T.Zero ? T.One / (T.One + e) : e / (T.One + e);
                    gradient[i] = (sigmoid - y) * factor;
                }
            }
            sum += double.CreateTruncating(w) * double.CreateTruncating(rowLoss);
        }
        return LossRows.Total<T>(sum, denominator);
    }

    private static void ThrowTarget<T>(int row, int feature, T target) =>
        throw new ArgumentOutOfRangeException("targets", target, $"targets[{row}, {feature}] = {target} is outside [0, 1].");
}
