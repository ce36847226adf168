using System.Numerics;
using System.Numerics.Tensors;

namespace RnnGen;

/// <summary>
/// Softmax + cross-entropy over rows of logits [N, C] with integer targets [N] (PyTorch nn.CrossEntropyLoss), fused:
/// one call returns the loss and writes its gradient, softmax − onehot, scaled by the row weight and the reduction.
/// Stable for any finite logits: each row is shifted by its maximum before exponentiating.
/// </summary>
/// <remarks>Thread safety: stateless; safe to call from any number of threads at once (on buffers no other thread writes).</remarks>
public static class SoftmaxCrossEntropy
{
    // Shapes for error messages, formatted only when one is thrown (a per-call string would allocate).
    private static readonly Func<int, int, string> s_shape = (rows, classes) => $"[rows {rows} (one per target), classes {classes}]";
    private static readonly Func<int, int, string> s_probabilitiesShape = (rows, classes) => $"[rows {rows}, classes {classes}] like logits";

    /// <summary>
    /// Returns Σ_r w_r·(logsumexp(z_r) − z_r[t_r]) / denominator (see <see cref="Reduction"/>) and writes
    /// ∂loss/∂logits to <paramref name="gradient"/> ([N, C]; empty to skip; may be <paramref name="logits"/> itself).
    /// <paramref name="mask"/> holds one weight ≥ 0 per row, or is empty for all ones; a row of weight 0 is not read,
    /// its target not checked (padding may carry any id), and its gradient is 0. Everything masked gives 0.
    /// </summary>
    /// <exception cref="ArgumentException">A length does not match [N, C] or the mask.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An unmasked target is outside [0, C), or a weight is negative or not finite.</exception>
    public static T Compute<T>(ReadOnlySpan<T> logits, ReadOnlySpan<int> targets, int classes, Span<T> gradient,
        ReadOnlySpan<T> mask = default, Reduction reduction = Reduction.Mean)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        LossRows.CheckReduction(reduction);
        var rows = targets.Length;
        LossRows.CheckSame(logits.Length, rows, classes, nameof(logits), s_shape);
        LossRows.CheckGradient(gradient.Length, rows, classes, s_shape);
        var unmasked = LossRows.CheckMask(mask, rows);
        for (var r = 0; r < rows; r++)
            if (LossRows.Unmasked(mask, r) && (uint)targets[r] >= (uint)classes)
                ThrowTarget(r, targets[r], classes);

        var denominator = LossRows.Denominator(reduction, unmasked, 1);
        var scale = LossRows.Scale<T>(denominator);
        double sum = 0;
        for (var r = 0; r < rows; r++)
        {
            var w = LossRows.Weight(mask, r);
            if (w == T.Zero)
            {
                if (!gradient.IsEmpty) gradient.Slice(r * classes, classes).Clear();
                continue;
            }
            var z = logits.Slice(r * classes, classes);
            var t = targets[r];
            // Read before the gradient row is written: it may be the same memory.
            var max = TensorPrimitives.Max(z);
            var zt = z[t];
            T exponentials;
            if (gradient.IsEmpty)
            {
                exponentials = T.Zero;
                foreach (var value in z) exponentials += T.Exp(value - max);
            }
            else
            {
                var g = gradient.Slice(r * classes, classes);
                TensorPrimitives.Subtract(z, max, g);
                TensorPrimitives.Exp(g, g);
                exponentials = TensorPrimitives.Sum(g);
                var factor = w * scale;
                TensorPrimitives.Multiply(g, factor / exponentials, g);
                g[t] -= factor;
            }
            // logsumexp − z_t = (max − z_t) + log Σ exp(z − max): both terms small and exact-ish even for huge logits.
            sum += double.CreateTruncating(w) * double.CreateTruncating(max - zt + T.Log(exponentials));
        }
        return LossRows.Total<T>(sum, denominator);
    }

    /// <summary>Row-wise softmax of <paramref name="logits"/> ([N, C]) into <paramref name="probabilities"/> (same shape; may be the logits), e.g. for sampling.</summary>
    public static void Softmax<T>(ReadOnlySpan<T> logits, int classes, Span<T> probabilities)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        LossRows.CheckRows(logits.Length, classes, nameof(logits), "classes");
        LossRows.CheckSame(probabilities.Length, logits.Length / classes, classes, nameof(probabilities), s_probabilitiesShape);
        for (var offset = 0; offset < logits.Length; offset += classes)
        {
            var z = logits.Slice(offset, classes);
            var p = probabilities.Slice(offset, classes);
            var max = TensorPrimitives.Max(z);
            TensorPrimitives.Subtract(z, max, p);
            TensorPrimitives.Exp(p, p);
            TensorPrimitives.Divide(p, TensorPrimitives.Sum(p), p);
        }
    }

    private static void ThrowTarget(int row, int target, int classes) =>
        throw new ArgumentOutOfRangeException("targets", target, $"targets[{row}] = {target} is outside the classes [0, {classes}).");
}
