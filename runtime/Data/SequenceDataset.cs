using System.Numerics;
using System.Numerics.Tensors;

namespace RnnGen.Data;

/// <summary>
/// Sequences already in memory: inputs [count, steps, features] with optional lengths, and per example either a class
/// label or a row of target values ([count, outputs] for a many-to-one model, [count, steps, outputs] per step).
/// The tensors are copied once; batches are views over reused buffers.
/// </summary>
/// <remarks>Thread safety: not thread-safe; one loop at a time.</remarks>
public sealed class SequenceDataset<T> : IDataset<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _inputs, _values;
    private readonly int[] _labels, _lengths;
    private readonly ExampleOrder _order;
    private readonly int _steps, _features, _targetSize;
    private T[] _batchInputs = [], _batchValues = [];
    private int[] _batchLabels = [], _batchLengths = [];

    /// <summary>Regression (or binary) targets: [count, outputs] or [count, steps, outputs].</summary>
    /// <exception cref="ArgumentException">A shape does not match (named with expected and actual) or a target is not finite.</exception>
    public SequenceDataset(ReadOnlyTensorSpan<T> inputs, ReadOnlyTensorSpan<T> targets, ReadOnlySpan<int> lengths = default, int seed = 0)
        : this(inputs, lengths, seed)
    {
        var count = _order.Count;
        if (targets.Rank is not (2 or 3) || targets.Lengths[0] != count || (targets.Rank == 3 && targets.Lengths[1] != _steps))
            throw new ArgumentException($"targets must be [{count}, outputs] or [{count}, {_steps}, outputs] but is {Shapes.Format(targets.Lengths)}.", nameof(targets));
        _values = new T[targets.FlattenedLength];
        targets.FlattenTo(_values);
        MeanSquaredErrorLoss<T>.RequireFinite(_values);
        (_labels, _targetSize) = ([], (int)(targets.FlattenedLength / count));
    }

    /// <summary>Class labels, one per example (in [0, classes): the loss checks the range).</summary>
    public SequenceDataset(ReadOnlyTensorSpan<T> inputs, ReadOnlySpan<int> labels, ReadOnlySpan<int> lengths = default, int seed = 0)
        : this(inputs, lengths, seed)
    {
        if (labels.Length != _order.Count)
            throw new ArgumentException($"labels must hold one label per example ({_order.Count}), but hold {labels.Length}.", nameof(labels));
        (_labels, _values, _targetSize) = (labels.ToArray(), [], 1);
    }

    private SequenceDataset(ReadOnlyTensorSpan<T> inputs, ReadOnlySpan<int> lengths, int seed)
    {
        if (inputs.Rank != 3)
            throw new ArgumentException($"inputs must be [count, steps, features] but is {Shapes.Format(inputs.Lengths)}.", nameof(inputs));
        var count = (int)inputs.Lengths[0];
        ExampleOrder.RequireExamples(count, nameof(inputs), "sequence");
        (_steps, _features) = ((int)inputs.Lengths[1], (int)inputs.Lengths[2]);
        _inputs = new T[inputs.FlattenedLength];
        inputs.FlattenTo(_inputs);
        SequenceChecks.Lengths(lengths, count, _steps);
        _lengths = lengths.ToArray();
        _order = new ExampleOrder(count, seed);
        (_values, _labels) = ([], []);
    }

    /// <inheritdoc/>
    public int Count => _order.Count;

    /// <inheritdoc/>
    public void Shuffle(int epoch) => _order.Shuffle(epoch);

    /// <inheritdoc/>
    public DataBatch<T> GetBatch(int start, int count)
    {
        _order.Check(start, count);
        int rows = _steps * _features, size = _targetSize;
        if (_batchInputs.Length < count * rows)
        {
            (_batchInputs, _batchLabels, _batchLengths) = (new T[count * rows], new int[count], new int[count]);
            _batchValues = new T[_values.Length == 0 ? 0 : count * size];
        }
        for (var b = 0; b < count; b++)
        {
            var example = _order[start + b];
            _inputs.AsSpan(example * rows, rows).CopyTo(_batchInputs.AsSpan(b * rows, rows));
            if (_lengths.Length > 0) _batchLengths[b] = _lengths[example];
            if (_labels.Length > 0) _batchLabels[b] = _labels[example];
            else _values.AsSpan(example * size, size).CopyTo(_batchValues.AsSpan(b * size, size));
        }
        var lengths = _lengths.Length > 0 ? _batchLengths.AsMemory(0, count) : default;
        var inputs = new SequenceBatch<T>(_batchInputs.AsMemory(0, count * rows), count, _steps, _features, lengths);
        var targets = _labels.Length > 0 ? Targets<T>.Classes(_batchLabels.AsMemory(0, count)) : Targets<T>.Regression(_batchValues.AsMemory(0, count * size));
        return new DataBatch<T>(inputs, targets);
    }
}
