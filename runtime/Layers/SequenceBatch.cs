using System.Numerics.Tensors;

namespace RnnGen;

/// <summary>
/// What flows between layers: a batch-first view of [batch, steps, features] values — or [batch, steps] token ids for
/// a first layer that reads tokens — with optional per-sequence lengths (empty: every sequence has all steps; the steps
/// past a sequence's length are padding). A per-sequence result (many-to-one) is [batch, 1, features] with no lengths.
/// It is a small struct over memory and owns nothing: a layer's output batch points into that layer's buffers and is
/// valid until its next Forward, which is what keeps a training step at zero bytes allocated.
/// </summary>
/// <remarks>Thread safety: an immutable view; the memory follows its owner's rules.</remarks>
public readonly struct SequenceBatch<T> where T : unmanaged
{
    /// <exception cref="ArgumentException">The values are not batch·steps·features long, or the lengths are not one per
    /// sequence in [1, steps]; the message names the shape.</exception>
    public SequenceBatch(ReadOnlyMemory<T> values, int batchSize, int steps, int features, ReadOnlyMemory<int> lengths = default)
        : this(values, default, batchSize, steps, features, lengths)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(features);
        if (values.Length != (long)batchSize * steps * features)
            throw new ArgumentException($"values must hold [batch {batchSize}, steps {steps}, features {features}] = {(long)batchSize * steps * features} elements, but hold {values.Length}.", nameof(values));
    }

    /// <summary>A per-sequence batch [batch, 1, features] — one row per sequence, as a many-to-one layer writes it.</summary>
    public static SequenceBatch<T> PerSequence(ReadOnlyMemory<T> values, int batchSize, int features) =>
        new(new SequenceBatch<T>(values, batchSize, 1, features), perSequence: true);

    private SequenceBatch(in SequenceBatch<T> batch, bool perSequence) => (this, IsPerSequence) = (batch, perSequence);

    private SequenceBatch(ReadOnlyMemory<T> values, ReadOnlyMemory<int> tokens, int batchSize, int steps, int features, ReadOnlyMemory<int> lengths)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        SequenceChecks.Lengths(lengths.Span, batchSize, steps);
        (Values, Tokens, BatchSize, Steps, Features, Lengths) = (values, tokens, batchSize, steps, features, lengths);
    }

    /// <summary>A batch of token ids, [batch, steps] row-major, for a first layer that reads tokens (an Embedding).</summary>
    public static SequenceBatch<T> FromTokens(ReadOnlyMemory<int> tokens, int batchSize, int steps, ReadOnlyMemory<int> lengths = default)
    {
        if (tokens.Length != (long)batchSize * steps)
            throw new ArgumentException($"tokens must hold [batch {batchSize}, steps {steps}] = {(long)batchSize * steps} ids, but hold {tokens.Length}.", nameof(tokens));
        return new SequenceBatch<T>(default, tokens, batchSize, steps, 0, lengths);
    }

    /// <summary>The values, [batch, steps, features] row-major; empty for a token batch.</summary>
    public ReadOnlyMemory<T> Values { get; }
    /// <summary>The token ids of a token batch; empty for a batch of values.</summary>
    public ReadOnlyMemory<int> Tokens { get; }
    /// <summary>Sequences in the batch.</summary>
    public int BatchSize { get; }
    /// <summary>Steps per sequence (the longest, when <see cref="Lengths"/> is given; 1 for a per-sequence batch).</summary>
    public int Steps { get; }
    /// <summary>Features per step; 0 for a token batch.</summary>
    public int Features { get; }
    /// <summary>Each sequence's length in steps; empty when every sequence has <see cref="Steps"/> steps.</summary>
    public ReadOnlyMemory<int> Lengths { get; }

    /// <summary>One row per sequence (a many-to-one output), [batch, 1, features]; predictions drop the steps axis.</summary>
    public bool IsPerSequence { get; }

    /// <summary>Whether this batch holds token ids rather than values.</summary>
    public bool IsTokens => Features == 0 && BatchSize > 0;
    /// <summary>True for default(SequenceBatch): what Backward returns when no input gradient was asked for.</summary>
    public bool IsEmpty => BatchSize == 0;
    /// <summary>batch·steps: the rows a per-step layer (Dense, Embedding) processes.</summary>
    public int Rows => BatchSize * Steps;

    /// <summary>The same shape and lengths over other values (a layer's output or gradient buffer).</summary>
    public SequenceBatch<T> With(ReadOnlyMemory<T> values, int features) =>
        new(new SequenceBatch<T>(values, BatchSize, Steps, features, Lengths), IsPerSequence);

    /// <summary>Throws unless this is a batch of values with <paramref name="features"/> features per step.</summary>
    public void RequireFeatures(int features, string argument)
    {
        if (IsEmpty || IsTokens || Features != features)
            throw new ArgumentException($"{argument} must be [batch, steps, {features}] but is {this}.", argument);
    }

    /// <summary>Throws unless this has the shape of <paramref name="expected"/> (a gradient against the output it is of).</summary>
    public void RequireShapeOf<TOther>(in SequenceBatch<TOther> expected, string argument) where TOther : unmanaged
    {
        if (BatchSize != expected.BatchSize || Steps != expected.Steps || Features != expected.Features || IsTokens)
            throw new ArgumentException($"{argument} must be {expected} (the shape of the last output) but is {this}.", argument);
    }

    /// <summary>An owned copy of the values: [batch, steps, features], or [batch, features] for a per-sequence batch.</summary>
    public Tensor<T> ToTensor()
    {
        if (IsEmpty || IsTokens) throw new InvalidOperationException($"Only a batch of values becomes a tensor; this one is {this}.");
        ReadOnlySpan<nint> shape = IsPerSequence ? [BatchSize, Features] : [BatchSize, Steps, Features];
        return Tensor.Create(Values.ToArray(), shape);
    }

    /// <summary>The shape as errors print it: [4, 10, 7], or [4, 10] token ids.</summary>
    public override string ToString() =>
        IsEmpty ? "empty" : IsTokens ? $"[{BatchSize}, {Steps}] token ids"
        : IsPerSequence ? $"[{BatchSize}, {Features}] (one row per sequence)" : $"[{BatchSize}, {Steps}, {Features}]";
}
