using System.Numerics;

namespace RnnGen;

/// <summary>
/// What a model's output is compared with: class ids (one per sequence for a [batch, 1, classes] output, or one per
/// step) or values (one row of features per sequence or per step). A view; it owns nothing.
/// </summary>
/// <remarks>Thread safety: an immutable view; the memory follows its owner's rules.</remarks>
public readonly struct Targets<T> where T : unmanaged
{
    private Targets(ReadOnlyMemory<int> labels, ReadOnlyMemory<T> values) => (Labels, Values) = (labels, values);

    /// <summary>Class ids for a classification loss.</summary>
    public static Targets<T> Classes(ReadOnlyMemory<int> labels) => new(labels, default);

    /// <summary>Target values for a regression (or binary) loss, laid out like the output they are compared with.</summary>
    public static Targets<T> Regression(ReadOnlyMemory<T> values) => new(default, values);

    /// <summary>Class ids, one per row; empty for value targets.</summary>
    public ReadOnlyMemory<int> Labels { get; }
    /// <summary>Target values, laid out like the output; empty for class targets.</summary>
    public ReadOnlyMemory<T> Values { get; }
}

/// <summary>Running sums a loss adds one batch to, from which <see cref="Metrics"/> are computed.</summary>
/// <remarks>Thread safety: a mutable value; one per evaluation.</remarks>
public struct MetricTotals
{
    /// <summary>Σ batch loss × rows counted, and the rows counted (unmasked rows).</summary>
    public double Loss, Rows;
    /// <summary>Classification: decisions that were right (arg-max = label, or sign = 0/1 target) out of all made.</summary>
    public double Correct, Decisions;
    /// <summary>Regression: Σ (p − y)², Σ |p − y| and the elements they cover.</summary>
    public double SquaredError, AbsoluteError, Elements;

    /// <summary>The averages of these totals: loss per row, and accuracy, MSE and MAE where something was counted (else null).</summary>
    public readonly Metrics ToMetrics() => new(
        Rows > 0 ? Loss / Rows : double.NaN,
        Decisions > 0 ? Correct / Decisions : null,
        Elements > 0 ? SquaredError / Elements : null,
        Elements > 0 ? AbsoluteError / Elements : null,
        (long)Rows);
}

/// <summary>What <c>Evaluate</c> returns: the mean loss per counted row, accuracy for classification (softmax or
/// binary), MSE and MAE (per element) for regression, and the rows counted (padding excluded).</summary>
/// <remarks>Thread safety: immutable; thread-safe.</remarks>
public sealed record Metrics(double Loss, double? Accuracy, double? MeanSquaredError, double? MeanAbsoluteError, long Rows);

/// <summary>
/// A loss over a model's output batch: it reads the lengths to leave padding out, compares with the targets, and writes
/// d(loss)/d(output). <see cref="SoftmaxCrossEntropyLoss{T}"/>, <see cref="MeanSquaredErrorLoss{T}"/> and
/// <see cref="BinaryCrossEntropyLoss{T}"/> are built in; each works many-to-one ([batch, 1, F]) and per step.
/// </summary>
/// <remarks>Thread safety: implementations own scratch buffers; one per training or evaluation loop.</remarks>
public interface ILoss<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The mean loss over unmasked rows; writes d(loss)/d(output) into <paramref name="gradient"/> (the output's
    /// length) unless it is empty.</summary>
    /// <exception cref="ArgumentException">The targets do not match the output; the message names both shapes.</exception>
    double Compute(in SequenceBatch<T> output, in Targets<T> targets, Span<T> gradient);

    /// <summary>Adds one batch to <paramref name="totals"/> (loss, accuracy or errors).</summary>
    void Measure(in SequenceBatch<T> output, in Targets<T> targets, ref MetricTotals totals);
}
