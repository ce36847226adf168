using System.Numerics;
using System.Numerics.Tensors;

namespace RnnGen;

/// <summary>Squared error over rows of predictions [N, K] and targets [N, K] (PyTorch nn.MSELoss): ℓ = Σ (p − y)², gradient 2(p − y).</summary>
/// <remarks>Thread safety: stateless; safe to call from any number of threads at once (on buffers no other thread writes).</remarks>
public static class MeanSquaredError
{
    // Formatted only when an exception is thrown (a per-call string would allocate).
    private static readonly Func<int, int, string> s_shape = (rows, features) => $"[rows {rows}, features {features}] like predictions";

    /// <summary>
    /// Returns Σ_r w_r·Σ_k (p_rk − y_rk)² / denominator (Mean: unmasked rows·K, PyTorch's mean) and writes
    /// ∂loss/∂predictions to <paramref name="gradient"/> ([N, K]; empty to skip; may be <paramref name="predictions"/> itself).
    /// <paramref name="mask"/> holds one weight ≥ 0 per row or is empty; rows of weight 0 are not read and get gradient 0.
    /// </summary>
    /// <exception cref="ArgumentException">A length does not match [N, K] or the mask.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A weight is negative or not finite.</exception>
    public static T Compute<T>(ReadOnlySpan<T> predictions, ReadOnlySpan<T> targets, int features, Span<T> gradient,
        ReadOnlySpan<T> mask = default, Reduction reduction = Reduction.Mean)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rows = LossRows.CheckElementwise(predictions.Length, nameof(predictions), targets.Length, gradient.Length, mask, features,
            reduction, s_shape, out var denominator);
        var two = T.CreateTruncating(2) * LossRows.Scale<T>(denominator);
        double sum = 0;
        for (var r = 0; r < rows; r++)
        {
            var w = LossRows.Weight(mask, r);
            if (w == T.Zero)
            {
                if (!gradient.IsEmpty) gradient.Slice(r * features, features).Clear();
                continue;
            }
            var p = predictions.Slice(r * features, features);
            var y = targets.Slice(r * features, features);
            T rowLoss;
            if (gradient.IsEmpty)
            {
                rowLoss = T.Zero;
                for (var k = 0; k < features; k++) rowLoss += (p[k] - y[k]) * (p[k] - y[k]);
            }
            else
            {
                var g = gradient.Slice(r * features, features);
                TensorPrimitives.Subtract(p, y, g);
                rowLoss = TensorPrimitives.SumOfSquares<T>(g);
                TensorPrimitives.Multiply(g, two * w, g);
            }
            sum += double.CreateTruncating(w) * double.CreateTruncating(rowLoss);
        }
        return LossRows.Total<T>(sum, denominator);
    }
}
