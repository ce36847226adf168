using System.Numerics;

namespace RnnGen.Data;

/// <summary>
/// Sliding windows over a series [length, features] for forecasting: window i starts at i·stride and holds
/// <c>window</c> steps. Its target is the <c>horizon</c> steps after it, flattened to [horizon·features], for a
/// many-to-one model (output [batch, 1, horizon·features]); or, with <c>perStep</c>, the series shifted by
/// <c>horizon</c> at every step, for a many-to-many model (output [batch, window, features]).
/// </summary>
/// <remarks>Thread safety: not thread-safe; one loop at a time.</remarks>
public sealed class TimeSeriesDataset<T> : IDataset<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _series;
    private readonly ExampleOrder _order;
    private T[] _inputs = [], _targets = [];

    /// <exception cref="ArgumentException">The series holds no whole window plus horizon, is not whole rows of features,
    /// or holds a NaN or infinity (named by index).</exception>
    public TimeSeriesDataset(ReadOnlySpan<T> series, int window, int horizon = 1, int stride = 1, int features = 1, bool perStep = false, int seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(window);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(horizon);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stride);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(features);
        if (series.Length % features != 0)
            throw new ArgumentException($"series holds {series.Length} values, not whole steps of {features} features.", nameof(series));
        for (var i = 0; i < series.Length; i++)
            if (!T.IsFinite(series[i])) throw new ArgumentException($"series[{i}] is {series[i]}; a time series must be finite.", nameof(series));
        var steps = series.Length / features;
        var count = steps < window + horizon ? 0 : (steps - window - horizon) / stride + 1;
        ExampleOrder.RequireExamples(count, nameof(series), $"window of {window} steps plus a horizon of {horizon} (the series has {steps} steps)");
        (_series, Window, Horizon, Stride, Features, PerStep) = (series.ToArray(), window, horizon, stride, features, perStep);
        _order = new ExampleOrder(count, seed);
    }

    /// <summary>Steps in each input window.</summary>
    public int Window { get; }
    /// <summary>Steps after the window that form its target (or the shift of the per-step target).</summary>
    public int Horizon { get; }
    /// <summary>Steps between the starts of consecutive windows.</summary>
    public int Stride { get; }
    /// <summary>Values per step of the series.</summary>
    public int Features { get; }
    /// <summary>Whether the target is the series shifted by <see cref="Horizon"/> at every step (many-to-many) rather than the steps after the window.</summary>
    public bool PerStep { get; }
    /// <inheritdoc/>
    public int Count => _order.Count;

    /// <summary>Values per example's target: horizon·features, or window·features per step.</summary>
    public int TargetSize => PerStep ? Window * Features : Horizon * Features;

    /// <inheritdoc/>
    public void Shuffle(int epoch) => _order.Shuffle(epoch);

    /// <inheritdoc/>
    public DataBatch<T> GetBatch(int start, int count)
    {
        _order.Check(start, count);
        int inputSize = Window * Features, targetSize = TargetSize;
        if (_inputs.Length < count * inputSize) (_inputs, _targets) = (new T[count * inputSize], new T[count * targetSize]);
        for (var b = 0; b < count; b++)
        {
            var first = _order[start + b] * Stride * Features;
            _series.AsSpan(first, inputSize).CopyTo(_inputs.AsSpan(b * inputSize, inputSize));
            var from = PerStep ? first + Horizon * Features : first + inputSize;
            _series.AsSpan(from, targetSize).CopyTo(_targets.AsSpan(b * targetSize, targetSize));
        }
        var inputs = new SequenceBatch<T>(_inputs.AsMemory(0, count * inputSize), count, Window, Features);
        return new DataBatch<T>(inputs, Targets<T>.Regression(_targets.AsMemory(0, count * targetSize)));
    }
}
