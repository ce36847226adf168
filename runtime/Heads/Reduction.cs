using System.Numerics;

namespace RnnGen;

/// <summary>
/// How a loss combines its rows. Sum: the sum of the (weighted) row losses — seed 000's sequence loss, the sum of
/// the step losses. Mean: that sum divided by the number of unmasked rows (times the features per row for the
/// elementwise losses, like PyTorch's mean over elements); masked rows count in neither.
/// </summary>
/// <remarks>Thread safety: a value; safe to share between threads.</remarks>
public enum Reduction
{
    /// <summary>The sum of the (weighted) row losses.</summary>
    Sum,
    /// <summary>The sum divided by the unmasked rows (times the features per row for elementwise losses).</summary>
    Mean,
}

/// <summary>Checks and scaling shared by the losses.</summary>
internal static class LossRows
{
    /// <summary>Validates the optional per-row weights and returns how many rows are unmasked (weight ≠ 0).</summary>
    internal static int CheckMask<T>(ReadOnlySpan<T> mask, int rows) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (mask.IsEmpty) return rows;
        if (mask.Length != rows)
            throw new ArgumentException($"mask must be empty or hold one weight per row ({rows}), but holds {mask.Length}.", nameof(mask));
        var count = 0;
        for (var r = 0; r < mask.Length; r++)
        {
            var w = mask[r];
            if (!(w >= T.Zero) || !T.IsFinite(w)) ThrowWeight(r, w);
            if (w != T.Zero) count++;
        }
        return count;
    }

    internal static bool Unmasked<T>(ReadOnlySpan<T> mask, int row) where T : unmanaged, IFloatingPointIeee754<T> =>
        mask.IsEmpty || mask[row] != T.Zero;

    internal static T Weight<T>(ReadOnlySpan<T> mask, int row) where T : unmanaged, IFloatingPointIeee754<T> =>
        mask.IsEmpty ? T.One : mask[row];

    internal static void CheckRows(int length, int features, string name, string featureName)
    {
        if (length % features != 0)
            throw new ArgumentException($"{name} holds {length} elements, not a whole number of rows of {features} {featureName}.", name);
    }

    /// <summary>Requires <paramref name="length"/> = rows·features; <paramref name="shape"/> formats the shape, only on failure.</summary>
    internal static void CheckSame(int length, int rows, int features, string name, Func<int, int, string> shape)
    {
        if (length != (long)rows * features)
            throw new ArgumentException($"{name} must hold {(long)rows * features} elements {shape(rows, features)}, but holds {length}.", name);
    }

    internal static void CheckGradient(int length, int rows, int features, Func<int, int, string> shape)
    {
        if (length != 0 && length != (long)rows * features)
            throw new ArgumentException($"gradient must be empty or hold {(long)rows * features} elements {shape(rows, features)}, but holds {length}.", "gradient");
    }

    internal static void CheckReduction(Reduction reduction)
    {
        if (reduction is not (Reduction.Sum or Reduction.Mean))
            throw new ArgumentOutOfRangeException(nameof(reduction), reduction, "Expected Reduction.Sum or Reduction.Mean.");
    }

    /// <summary>What the loss sum is divided by: 1 for Sum; the unmasked elements for Mean (0 when all are masked).</summary>
    /// <summary>
    /// The checks shared by the elementwise losses (inputs and targets both [N, K]): features, reduction, lengths and
    /// mask. Returns N and the denominator of the reduction.
    /// </summary>
    internal static int CheckElementwise<T>(int inputLength, string inputName, int targetLength, int gradientLength, ReadOnlySpan<T> mask,
        int features, Reduction reduction, Func<int, int, string> shape, out double denominator) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(features);
        CheckReduction(reduction);
        CheckRows(inputLength, features, inputName, "features");
        var rows = inputLength / features;
        CheckSame(targetLength, rows, features, "targets", shape);
        CheckGradient(gradientLength, rows, features, shape);
        denominator = Denominator(reduction, CheckMask(mask, rows), features);
        return rows;
    }

    internal static double Denominator(Reduction reduction, int unmaskedRows, int perRow) =>
        reduction == Reduction.Sum ? 1 : (double)unmaskedRows * perRow;

    /// <summary>The factor on each row's gradient before its weight: 1/denominator, or 0 for an empty mean (everything masked).</summary>
    internal static T Scale<T>(double denominator) where T : unmanaged, IFloatingPointIeee754<T> =>
        denominator == 0 ? T.Zero : T.CreateTruncating(1 / denominator);

    internal static T Total<T>(double sum, double denominator) where T : unmanaged, IFloatingPointIeee754<T> =>
        denominator == 0 ? T.Zero : T.CreateTruncating(sum / denominator);

    private static void ThrowWeight<T>(int row, T weight) =>
        throw new ArgumentOutOfRangeException("mask", weight, $"mask[{row}] = {weight}: row weights must be finite and at least 0.");
}
