using System.Numerics;

namespace RnnGen.Data;

/// <summary>
/// Token-id sequences of any lengths, batched with padding and lengths: for a language model (<see cref="NextToken"/>:
/// each sequence predicts itself shifted by one, per step) or a sequence classifier (<see cref="Classified"/>: one
/// label per sequence, for a model whose output is [batch, 1, classes]).
/// </summary>
/// <remarks>Thread safety: not thread-safe; one loop at a time.</remarks>
public sealed class TokenSequenceDataset<T> : IDataset<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly int[][] _sequences;
    private readonly int[]? _labels;
    private readonly ExampleOrder _order;
    private readonly int _padding;
    private int[] _tokens = [], _targets = [], _lengths = [];

    private TokenSequenceDataset(int[][] sequences, int[]? labels, int padding, int seed)
    {
        (_sequences, _labels, _padding) = (sequences, labels, padding);
        _order = new ExampleOrder(sequences.Length, seed);
    }

    /// <summary>Language modelling: inputs are each sequence but its last token, targets each but its first.</summary>
    /// <exception cref="ArgumentException">No sequences, or one shorter than two tokens, or a negative id.</exception>
    public static TokenSequenceDataset<T> NextToken(IReadOnlyList<int[]> sequences, int padding = 0, int seed = 0)
    {
        var all = Check(sequences, minimum: 2);
        return new TokenSequenceDataset<T>(all, null, padding, seed);
    }

    /// <summary>Classification: one label per sequence.</summary>
    /// <exception cref="ArgumentException">No sequences, an empty one, a negative id or label, or a label count that differs.</exception>
    public static TokenSequenceDataset<T> Classified(IReadOnlyList<int[]> sequences, IReadOnlyList<int> labels, int padding = 0, int seed = 0)
    {
        var all = Check(sequences, minimum: 1);
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count != all.Length)
            throw new ArgumentException($"labels must hold one label per sequence ({all.Length}), but hold {labels.Count}.", nameof(labels));
        for (var i = 0; i < labels.Count; i++)
            if (labels[i] < 0) throw new ArgumentOutOfRangeException(nameof(labels), labels[i], $"labels[{i}] is negative.");
        return new TokenSequenceDataset<T>(all, labels.ToArray(), padding, seed);
    }

    /// <inheritdoc/>
    public int Count => _sequences.Length;

    /// <inheritdoc/>
    public void Shuffle(int epoch) => _order.Shuffle(epoch);

    /// <inheritdoc/>
    public DataBatch<T> GetBatch(int start, int count)
    {
        _order.Check(start, count);
        var shift = _labels is null ? 1 : 0;
        var steps = 0;
        for (var i = 0; i < count; i++) steps = Math.Max(steps, _sequences[_order[start + i]].Length - shift);
        if (_tokens.Length < count * steps) (_tokens, _targets) = (new int[count * steps], new int[count * steps]);
        if (_lengths.Length < count) _lengths = new int[count];
        for (var b = 0; b < count; b++)
        {
            var sequence = _sequences[_order[start + b]];
            var length = sequence.Length - shift;
            var row = _tokens.AsSpan(b * steps, steps);
            row.Fill(_padding);
            sequence.AsSpan(0, length).CopyTo(row);
            _lengths[b] = length;
            if (_labels is not null) { _targets[b] = _labels[_order[start + b]]; continue; }
            var target = _targets.AsSpan(b * steps, steps);
            target.Fill(_padding);
            sequence.AsSpan(1, length).CopyTo(target);
        }
        var inputs = SequenceBatch<T>.FromTokens(_tokens.AsMemory(0, count * steps), count, steps, _lengths.AsMemory(0, count));
        return new DataBatch<T>(inputs, Targets<T>.Classes(_targets.AsMemory(0, _labels is null ? count * steps : count)));
    }

    private static int[][] Check(IReadOnlyList<int[]> sequences, int minimum)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        ExampleOrder.RequireExamples(sequences.Count, nameof(sequences), "sequence");
        for (var i = 0; i < sequences.Count; i++)
        {
            if (sequences[i] is null || sequences[i].Length < minimum)
                throw new ArgumentException($"sequences[{i}] has {sequences[i]?.Length ?? 0} tokens; each needs at least {minimum}.", nameof(sequences));
            var bad = Array.FindIndex(sequences[i], id => id < 0);
            if (bad >= 0)
                throw new ArgumentOutOfRangeException(nameof(sequences), sequences[i][bad], $"sequences[{i}][{bad}] is a negative token id.");
        }
        return sequences.ToArray();
    }
}
