using System.ComponentModel;
using System.Numerics;
using System.Numerics.Tensors;

namespace RnnGen.Kernels;

/// <summary>
/// Mean, variance and root mean square of one or more rows, as one row (the statistics of a cell's row reductions),
/// in one sweep. Sums are taken about a shift (the first element), which keeps the variance free of the cancellation
/// of Σv² − (Σv)²/N when the mean is large against the spread.
/// </summary>
/// <remarks>Thread safety: a mutable value; one per row and thread.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public struct RowMoments<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T _shift;
    private T _sum;        // Σ (v − shift)
    private T _squares;    // Σ (v − shift)²
    private int _count;

    /// <summary>Starts with the first row; <see cref="Add"/> the others reduced with it.</summary>
    public RowMoments(ReadOnlySpan<T> row)
    {
        _shift = row.IsEmpty ? T.Zero : row[0];
        Add(row);
    }

    /// <summary>Adds a row's values.</summary>
    public void Add(ReadOnlySpan<T> row)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && row.Length >= Vector<T>.Count)
        {
            var shift = new Vector<T>(_shift);
            Vector<T> sum = Vector<T>.Zero, squares = Vector<T>.Zero;
            for (; i <= row.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var d = new Vector<T>(row.Slice(i)) - shift;
                sum += d;
                squares += d * d;
            }
            _sum += Vector.Sum(sum);
            _squares += Vector.Sum(squares);
        }
        for (; i < row.Length; i++)
        {
            var d = row[i] - _shift;
            _sum += d;
            _squares += d * d;
        }
        _count += row.Length;
    }

    /// <summary>Σv / N.</summary>
    public readonly T Mean => _shift + _sum / N;

    /// <summary>Σ(v − mean)² / N (the population variance, as LayerNorm uses).</summary>
    public readonly T Variance => T.Max(T.Zero, (_squares - _sum * _sum / N) / N);

    /// <summary>√(Σv² / N), with Σv² = Σd² + 2·shift·Σd + N·shift² for d = v − shift.</summary>
    public readonly T Rms => T.Sqrt(T.Max(T.Zero, (_squares + T.CreateTruncating(2) * _shift * _sum) / N + _shift * _shift));

    private readonly T N => T.CreateTruncating(_count);

    /// <summary>Σ of a row (a statistic's adjoint over the units).</summary>
    public static T Sum(ReadOnlySpan<T> row) => TensorPrimitives.Sum(row);
}
