using System.Numerics;

namespace RnnGen.Data;

/// <summary>How a <see cref="SequenceBatcher"/> cuts a dataset into minibatches.</summary>
/// <remarks>Thread safety: immutable; safe to share between threads.</remarks>
public sealed class SequenceBatcherOptions
{
    /// <summary>Sequences per batch; the last batch of an epoch may be smaller unless <see cref="DropLast"/>.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>The longest sequence accepted, in tokens as given (before the language-model shift).</summary>
    public int MaxLength { get; init; } = 512;

    /// <summary>Cut longer sequences to their first <see cref="MaxLength"/> tokens instead of rejecting them.</summary>
    public bool Truncate { get; init; }

    /// <summary>Language modelling: inputs are seq[:-1] and targets seq[1:], so every sequence needs at least 2 tokens.</summary>
    public bool LanguageModel { get; init; }

    /// <summary>Reorder the sequences every epoch, from <see cref="Seed"/> and the epoch number.</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>Seeds the shuffle (with the epoch number), so an epoch's order is reproducible.</summary>
    public int Seed { get; init; }

    /// <summary>
    /// Bucketing: sort sequences by length within consecutive chunks of this many batches (after shuffling), so a batch
    /// holds similar lengths and little padding, then shuffle the order of the batches. 0 or 1 turns it off.
    /// </summary>
    public int BucketBatches { get; init; }

    /// <summary>Leave out the last batch of an epoch when it would be smaller than <see cref="BatchSize"/>.</summary>
    public bool DropLast { get; init; }

    /// <summary>The id written after the end of a shorter sequence, in inputs and targets alike.</summary>
    public int PadId { get; init; } = Vocabulary.PadId;
}

/// <summary>
/// One minibatch, batch-first. Owned by its <see cref="SequenceBatcher"/> and refilled in place by the next
/// <see cref="SequenceBatcher.GetBatch"/>: copy anything that must outlive it.
/// </summary>
/// <remarks>Thread safety: not thread-safe; refilled in place by the next GetBatch.</remarks>
public sealed class SequenceBatch
{
    private readonly int[] _inputs, _targets, _lengths, _indices;
    private readonly int _vocabularySize;

    internal SequenceBatch(int maxBatch, int maxSteps, bool targets, int vocabularySize)
    {
        _inputs = new int[maxBatch * maxSteps];
        _targets = targets ? new int[maxBatch * maxSteps] : [];
        _lengths = new int[maxBatch];
        _indices = new int[maxBatch];
        _vocabularySize = vocabularySize;
    }

    /// <summary>Sequences in this batch.</summary>
    public int BatchSize { get; private set; }

    /// <summary>Time steps: the longest (shifted) length in this batch, not the configured maximum.</summary>
    public int Steps { get; private set; }

    /// <summary>Token ids [BatchSize, Steps]; past a sequence's length, the pad id.</summary>
    public ReadOnlySpan<int> Inputs => _inputs.AsSpan(0, BatchSize * Steps);

    /// <summary>Next-token targets [BatchSize, Steps] for language modelling (padded like <see cref="Inputs"/>); empty otherwise.</summary>
    public ReadOnlySpan<int> Targets => _targets.Length == 0 ? default : _targets.AsSpan(0, BatchSize * Steps);

    /// <summary>Steps of each sequence [BatchSize], each in [1, Steps].</summary>
    public ReadOnlySpan<int> Lengths => _lengths.AsSpan(0, BatchSize);

    /// <summary>The dataset index of each row [BatchSize], to look up per-sequence labels (many-to-one).</summary>
    public ReadOnlySpan<int> Indices => _indices.AsSpan(0, BatchSize);

    /// <summary>Real (unpadded) steps in the batch.</summary>
    public int TokenCount { get; private set; }

    /// <summary>Padded steps in the batch: BatchSize·Steps − TokenCount.</summary>
    public int PaddingCount => BatchSize * Steps - TokenCount;

    /// <summary>
    /// One-hot inputs [BatchSize, Steps, vocabulary] into <paramref name="destination"/> (seed 000's word vectors);
    /// padded steps are all zeros rather than the pad token's vector, so they add nothing to a layer's input.
    /// </summary>
    public void OneHotInputs<T>(Span<T> destination) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var row = Steps * _vocabularySize;
        if ((long)BatchSize * row != destination.Length)
            throw new ArgumentException($"destination must hold {(long)BatchSize * row} elements [batch {BatchSize}, steps {Steps}, vocab {_vocabularySize}], but holds {destination.Length}.", nameof(destination));
        for (var b = 0; b < BatchSize; b++)
        {
            var length = _lengths[b];
            var target = destination.Slice(b * row, row);
            OneHot.Encode(_inputs.AsSpan(b * Steps, length), _vocabularySize, target[..(length * _vocabularySize)]);
            target[(length * _vocabularySize)..].Clear();
        }
    }

    /// <summary>1 at real steps and 0 at padding, [BatchSize, Steps]: the row mask for a loss over flattened targets.</summary>
    public void Mask<T>(Span<T> destination) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (BatchSize * Steps != destination.Length)
            throw new ArgumentException($"destination must hold {BatchSize * Steps} elements [batch {BatchSize}, steps {Steps}], but holds {destination.Length}.", nameof(destination));
        for (var b = 0; b < BatchSize; b++)
        {
            destination.Slice(b * Steps, _lengths[b]).Fill(T.One);
            destination.Slice(b * Steps + _lengths[b], Steps - _lengths[b]).Clear();
        }
    }

    internal void Fill(ReadOnlySpan<int> tokens, ReadOnlySpan<int> offsets, ReadOnlySpan<int> steps, ReadOnlySpan<int> rows, int pad)
    {
        var width = 0;
        foreach (var sequence in rows) width = Math.Max(width, steps[sequence]);
        (BatchSize, Steps, TokenCount) = (rows.Length, width, 0);
        var shift = _targets.Length == 0 ? 0 : 1;
        for (var b = 0; b < rows.Length; b++)
        {
            var sequence = rows[b];
            var length = steps[sequence];
            var source = tokens.Slice(offsets[sequence], length + shift);
            source[..length].CopyTo(_inputs.AsSpan(b * width, length));
            _inputs.AsSpan(b * width + length, width - length).Fill(pad);
            if (shift == 1)
            {
                source[1..].CopyTo(_targets.AsSpan(b * width, length));
                _targets.AsSpan(b * width + length, width - length).Fill(pad);
            }
            _lengths[b] = length;
            _indices[b] = sequence;
            TokenCount += length;
        }
    }
}

/// <summary>
/// Turns token-id sequences into padded minibatches: seeded shuffling per epoch, optional bucketing by length, and
/// language-model targets. Every sequence is checked and copied when the batcher is made, so bad data fails before any
/// training work, and later changes to the caller's arrays do not leak in. Batches reuse one set of buffers:
/// <see cref="StartEpoch"/> and <see cref="GetBatch"/> allocate nothing.
/// </summary>
/// <remarks>Thread safety: not thread-safe; one epoch loop at a time (StartEpoch and GetBatch reuse one batch).</remarks>
public sealed class SequenceBatcher
{
    private readonly int[] _tokens, _offsets, _steps;
    private readonly int[] _order, _batchOrder;
    private readonly long[] _keys;
    private readonly SequenceBatch _batch;

    /// <summary>Batches token sequences over the ids of <paramref name="vocabulary"/>; see the overload with a vocabulary size.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="vocabulary"/> or <paramref name="sequences"/> is null.</exception>
    public SequenceBatcher(IReadOnlyList<int[]> sequences, Vocabulary vocabulary, SequenceBatcherOptions? options = null)
        : this(sequences, (vocabulary ?? throw new ArgumentNullException(nameof(vocabulary))).Count, options) { }

    /// <exception cref="ArgumentException">The dataset is empty; a sequence is null, empty (or a single token for a language
    /// model) or longer than MaxLength without Truncate; or an option is out of range.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A token id is outside [0, <paramref name="vocabularySize"/>).</exception>
    public SequenceBatcher(IReadOnlyList<int[]> sequences, int vocabularySize, SequenceBatcherOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        Options = options ?? new SequenceBatcherOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vocabularySize);
        var minimum = Options.LanguageModel ? 2 : 1;
        if (Options.BatchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(options), Options.BatchSize, "BatchSize must be at least 1.");
        if (Options.MaxLength < minimum)
            throw new ArgumentOutOfRangeException(nameof(options), Options.MaxLength, $"MaxLength must be at least {minimum}{(minimum == 2 ? " for a language model (one input and one target)" : "")}.");
        if (Options.BucketBatches < 0)
            throw new ArgumentOutOfRangeException(nameof(options), Options.BucketBatches, "BucketBatches must be 0 (off) or a number of batches.");
        if ((uint)Options.PadId >= (uint)vocabularySize)
            throw new ArgumentOutOfRangeException(nameof(options), Options.PadId, $"PadId must be inside the vocabulary [0, {vocabularySize}).");
        if (sequences.Count == 0)
            throw new ArgumentException("The dataset is empty: there is nothing to batch.", nameof(sequences));
        if (Options.DropLast && sequences.Count < Options.BatchSize)
            throw new ArgumentException($"With DropLast, {sequences.Count} sequences make no full batch of {Options.BatchSize}: every epoch would be empty.", nameof(sequences));

        VocabularySize = vocabularySize;
        long total = 0;
        for (var i = 0; i < sequences.Count; i++)
        {
            var sequence = sequences[i] ?? throw new ArgumentException($"Sequence {i} is null.", nameof(sequences));
            if (sequence.Length < minimum)
                throw new ArgumentException(minimum == 2
                    ? $"Sequence {i} has length {sequence.Length}; a language model needs at least 2 tokens (one input, one target)."
                    : $"Sequence {i} is empty; every sequence needs at least one token.", nameof(sequences));
            if (sequence.Length > Options.MaxLength && !Options.Truncate)
                throw new ArgumentException($"Sequence {i} has length {sequence.Length}, more than MaxLength {Options.MaxLength}. Set Truncate to cut it, or raise MaxLength.", nameof(sequences));
            var length = Math.Min(sequence.Length, Options.MaxLength);
            // Only the kept tokens are checked: a truncated tail never reaches the model.
            for (var t = 0; t < length; t++)
                if ((uint)sequence[t] >= (uint)vocabularySize)
                    throw new ArgumentOutOfRangeException(nameof(sequences), sequence[t], $"Token id {sequence[t]} at position {t} of sequence {i} is outside the vocabulary [0, {vocabularySize}).");
            total += length;
        }

        var count = sequences.Count;
        _tokens = new int[checked((int)total)];
        _offsets = new int[count];
        _steps = new int[count];
        var offset = 0;
        for (var i = 0; i < count; i++)
        {
            var length = Math.Min(sequences[i].Length, Options.MaxLength);
            sequences[i].AsSpan(0, length).CopyTo(_tokens.AsSpan(offset));
            _offsets[i] = offset;
            _steps[i] = length - (minimum - 1);
            MaxSteps = Math.Max(MaxSteps, _steps[i]);
            offset += length;
        }

        SequenceCount = count;
        BatchCount = Options.DropLast ? count / Options.BatchSize : (count + Options.BatchSize - 1) / Options.BatchSize;
        _order = new int[count];
        _batchOrder = new int[(count + Options.BatchSize - 1) / Options.BatchSize];
        _keys = Bucketing ? new long[count] : [];
        _batch = new SequenceBatch(Math.Min(Options.BatchSize, count), MaxSteps, Options.LanguageModel, vocabularySize);
        StartEpoch(0);
    }

    /// <summary>The options the batcher was built with (defaults when none were given).</summary>
    public SequenceBatcherOptions Options { get; }
    /// <summary>The number of token ids; every token is in [0, VocabularySize).</summary>
    public int VocabularySize { get; }
    /// <summary>The number of sequences in the dataset.</summary>
    public int SequenceCount { get; }

    /// <summary>Batches per epoch.</summary>
    public int BatchCount { get; }

    /// <summary>The most steps any batch can have: size a model's buffers with it.</summary>
    public int MaxSteps { get; }

    /// <summary>The epoch whose order <see cref="GetBatch"/> follows.</summary>
    public int Epoch { get; private set; }

    private bool Bucketing => Options.BucketBatches > 1;

    /// <summary>
    /// Fixes the order of <paramref name="epoch"/>: a function of the seed and the epoch number alone, so training can
    /// resume at any epoch and get the batches it would have had.
    /// </summary>
    public void StartEpoch(int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        Epoch = epoch;
        var random = new SplitMix(Options.Seed, epoch);
        for (var i = 0; i < _order.Length; i++) _order[i] = i;
        if (Options.Shuffle) random.Shuffle(_order);
        for (var b = 0; b < _batchOrder.Length; b++) _batchOrder[b] = b;
        if (!Bucketing) return;

        var chunk = Options.BatchSize * Options.BucketBatches;
        for (var start = 0; start < _order.Length; start += chunk)
        {
            var keys = _keys.AsSpan(start, Math.Min(chunk, _order.Length - start));
            // Ties keep their shuffled order (the low half is the position), so equal lengths still mix across epochs.
            for (var j = 0; j < keys.Length; j++) keys[j] = (long)_steps[_order[start + j]] << 32 | (uint)(start + j);
            keys.Sort();
            for (var j = 0; j < keys.Length; j++) keys[j] = _order[(int)keys[j]];
            for (var j = 0; j < keys.Length; j++) _order[start + j] = (int)keys[j];
        }
        // Sorted chunks would otherwise always run short to long; mixing the batches keeps the epoch unbiased.
        // With DropLast the partial batch sits past BatchCount, so it stays out of the mix and out of the epoch.
        if (Options.Shuffle) random.Shuffle(_batchOrder.AsSpan(0, BatchCount));
    }

    /// <summary>Fills and returns the shared batch for position <paramref name="index"/> of the current epoch.</summary>
    public SequenceBatch GetBatch(int index)
    {
        if ((uint)index >= (uint)BatchCount)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"Batch index {index} is outside [0, {BatchCount}) for this epoch.");
        var start = _batchOrder[index] * Options.BatchSize;
        var rows = _order.AsSpan(start, Math.Min(Options.BatchSize, _order.Length - start));
        _batch.Fill(_tokens, _offsets, _steps, rows, Options.PadId);
        return _batch;
    }

    /// <summary>Starts <paramref name="epoch"/> and yields its batches; each is the shared batch, valid until the next.</summary>
    public IEnumerable<SequenceBatch> Batches(int epoch)
    {
        StartEpoch(epoch);
        return Iterate(epoch);
    }

    private IEnumerable<SequenceBatch> Iterate(int epoch)
    {
        for (var b = 0; b < BatchCount; b++)
        {
            if (Epoch != epoch)
                throw new InvalidOperationException($"Epoch {epoch} was interrupted by StartEpoch({Epoch}) while iterating.");
            yield return GetBatch(b);
        }
    }

    /// <summary>SplitMix64 (Steele et al. 2014): a fixed, allocation-free generator, so orders never depend on the runtime's Random.</summary>
    private struct SplitMix(int seed, int epoch)
    {
        private ulong _state = (ulong)(uint)seed << 32 | (uint)epoch;

        private ulong Next() => CounterRandom.Mix(_state += 0x9E3779B97F4A7C15UL);

        /// <summary>Uniform in [0, n): the high 32 bits scaled by n (bias below n / 2³², far under any test's resolution).</summary>
        private int Below(int n) => (int)((Next() >> 32) * (ulong)n >> 32);

        public void Shuffle(Span<int> values)
        {
            for (var i = values.Length - 1; i > 0; i--)
            {
                var j = Below(i + 1);
                (values[i], values[j]) = (values[j], values[i]);
            }
        }
    }
}
