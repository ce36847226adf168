using System.Numerics;
using System.Numerics.Tensors;

namespace RnnGen;

/// <summary>The row mask from lengths and the shape checks the built-in losses share. Rows are the output's
/// batch·steps rows; a step past its sequence's length weighs 0.</summary>
/// <remarks>Thread safety: owns a scratch mask; one per loop.</remarks>
public abstract class SequenceLoss<T> : ILoss<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private T[] _mask = [];

    /// <inheritdoc/>
    public abstract double Compute(in SequenceBatch<T> output, in Targets<T> targets, Span<T> gradient);

    /// <inheritdoc/>
    public void Measure(in SequenceBatch<T> output, in Targets<T> targets, ref MetricTotals totals)
    {
        var mask = Mask(output);
        var rows = LossRowsCounted(mask, output.Rows);
        totals.Loss += Compute(output, targets, default) * rows;
        totals.Rows += rows;
        var f = output.Features;
        for (var r = 0; r < output.Rows; r++)
            if (mask.IsEmpty || mask[r] != T.Zero) Score(output.Values.Span.Slice(r * f, f), r, targets, ref totals);
    }

    /// <summary>Adds one unmasked output row (row <paramref name="r"/>) to the accuracy or error sums.</summary>
    protected abstract void Score(ReadOnlySpan<T> row, int r, in Targets<T> targets, ref MetricTotals totals);

    /// <summary>One weight per output row from the lengths (empty: every row counts).</summary>
    protected ReadOnlySpan<T> Mask(in SequenceBatch<T> output)
    {
        var lengths = output.Lengths.Span;
        if (lengths.IsEmpty) return default;
        if (_mask.Length < output.Rows) _mask = new T[output.Rows];
        var mask = _mask.AsSpan(0, output.Rows);
        for (var b = 0; b < output.BatchSize; b++)
            for (var t = 0; t < output.Steps; t++)
                mask[b * output.Steps + t] = t < lengths[b] ? T.One : T.Zero;
        return mask;
    }

    /// <summary>Requires one target element per output row × <paramref name="perRow"/>, naming both shapes.</summary>
    protected static void RequireTargets(int actual, in SequenceBatch<T> output, int perRow, string what)
    {
        if (actual != output.Rows * perRow)
            throw new ArgumentException($"targets must hold {what} for an output of {output}: {output.Rows * perRow} " +
                $"([{output.BatchSize}, {output.Steps}{(perRow > 1 ? $", {perRow}" : "")}]), but hold {actual}.", "targets");
    }

    private static int LossRowsCounted(ReadOnlySpan<T> mask, int rows)
    {
        if (mask.IsEmpty) return rows;
        var count = 0;
        foreach (var w in mask) if (w != T.Zero) count++;
        return count;
    }
}

/// <summary>Softmax cross-entropy (nn.CrossEntropyLoss) over the output's features as class logits: one label per
/// sequence for [batch, 1, classes], one per step otherwise; padding steps are not counted (their labels may be anything).</summary>
/// <remarks>Thread safety: one per loop (owns a scratch mask).</remarks>
public sealed class SoftmaxCrossEntropyLoss<T> : SequenceLoss<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    protected override void Score(ReadOnlySpan<T> row, int r, in Targets<T> targets, ref MetricTotals totals)
    {
        if (TensorPrimitives.IndexOfMax(row) == targets.Labels.Span[r]) totals.Correct++;
        totals.Decisions++;
    }

    /// <exception cref="ArgumentOutOfRangeException">A label is outside [0, classes).</exception>
    public override double Compute(in SequenceBatch<T> output, in Targets<T> targets, Span<T> gradient)
    {
        RequireTargets(targets.Labels.Length, output, 1, "one class id per row");
        return double.CreateTruncating(SoftmaxCrossEntropy.Compute(output.Values.Span, targets.Labels.Span, output.Features, gradient, Mask(output)));
    }
}

/// <summary>Mean squared error (nn.MSELoss, mean over elements) for regression, many-to-one or per step.</summary>
/// <remarks>Thread safety: one per loop (owns a scratch mask).</remarks>
public sealed class MeanSquaredErrorLoss<T> : SequenceLoss<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    protected override void Score(ReadOnlySpan<T> row, int r, in Targets<T> targets, ref MetricTotals totals)
    {
        var target = targets.Values.Span.Slice(r * row.Length, row.Length);
        for (var k = 0; k < row.Length; k++)
        {
            var error = double.CreateTruncating(row[k] - target[k]);
            (totals.SquaredError, totals.AbsoluteError) = (totals.SquaredError + error * error, totals.AbsoluteError + Math.Abs(error));
        }
        totals.Elements += row.Length;
    }

    /// <exception cref="ArgumentException">A target is NaN or infinite (named by index).</exception>
    public override double Compute(in SequenceBatch<T> output, in Targets<T> targets, Span<T> gradient)
    {
        RequireTargets(targets.Values.Length, output, output.Features, "one value per output element");
        RequireFinite(targets.Values.Span);
        return double.CreateTruncating(MeanSquaredError.Compute(output.Values.Span, targets.Values.Span, output.Features, gradient, Mask(output)));
    }

    internal static void RequireFinite(ReadOnlySpan<T> values)
    {
        if (values.IsEmpty || T.IsFinite(values[TensorPrimitives.IndexOfMaxMagnitude(values)])) return;
        for (var i = 0; i < values.Length; i++)
            if (!T.IsFinite(values[i]))
                throw new ArgumentException($"targets[{i}] is {values[i]}; regression targets must be finite.", "targets");
    }
}

/// <summary>Sigmoid + binary cross-entropy (nn.BCEWithLogitsLoss) for 0/1 targets, many-to-one or per step.</summary>
/// <remarks>Thread safety: one per loop (owns a scratch mask).</remarks>
public sealed class BinaryCrossEntropyLoss<T> : SequenceLoss<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>A decision per element: logit &gt; 0 against target &gt; ½.</summary>
    protected override void Score(ReadOnlySpan<T> row, int r, in Targets<T> targets, ref MetricTotals totals)
    {
        var target = targets.Values.Span.Slice(r * row.Length, row.Length);
        var half = T.CreateTruncating(0.5);
        for (var k = 0; k < row.Length; k++)
            if (row[k] > T.Zero == target[k] > half) totals.Correct++;
        totals.Decisions += row.Length;
    }

    /// <inheritdoc/>
    public override double Compute(in SequenceBatch<T> output, in Targets<T> targets, Span<T> gradient)
    {
        RequireTargets(targets.Values.Length, output, output.Features, "one 0/1 value per output element");
        return double.CreateTruncating(SigmoidBinaryCrossEntropy.Compute(output.Values.Span, targets.Values.Span, output.Features, gradient, Mask(output)));
    }
}
