using System.Numerics;
using System.Numerics.Tensors;

namespace RnnGen;

/// <summary>
/// A lookup table [vocab, dim] (PyTorch nn.Embedding: "weight"): row i of the output is the table row of token i.
/// Equivalent to a one-hot row × the table (<see cref="OneHot"/>), without the product. With a padding index
/// (PyTorch padding_idx) that row starts at zero and never receives gradient. Buffers are sized for
/// <see cref="MaxRows"/> (a hint) and grow once when more rows come; after that Forward and Backward allocate nothing.
/// </summary>
/// <remarks>Thread safety: not thread-safe (a second thread inside Forward/Backward throws); for many threads, give each
/// its own <see cref="CreateInferenceSession"/>, which shares the table read-only.</remarks>
public sealed class Embedding<T> : ITokenLayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const string NotShared = "Embedding is not thread-safe and another thread is inside it; use CreateInferenceSession() per thread.";
    private readonly Parameter<T>[] _named;
    private int[] _ids = [];
    private T[] _output = [];
    private SequenceBatch<T> _lastInput;
    private int _rows;
    private BackwardGate _gate;
    private int _inUse;

    /// <param name="vocabularySize">Rows of the table: token ids are in [0, vocabularySize).</param>
    /// <param name="dimension">Features of each embedding vector.</param>
    /// <param name="paddingIndex">A token whose row gets no gradient; negative counts from the end, as in PyTorch.</param>
    /// <exception cref="InsufficientMemoryException">The layer (<see cref="WorkspaceBytes"/>) exceeds
    /// <see cref="RnnGenLimits.MaxWorkspaceBytes"/>; thrown before anything is allocated.</exception>
    /// <param name="maxRows">A capacity hint (rows = batch·steps); more rows grow the buffers once.</param>
    /// <param name="seed">Seeds the initialization: N(0, 1), as PyTorch.</param>
    public Embedding(int vocabularySize, int dimension, int maxRows = 1, int? paddingIndex = null, int seed = 0)
        : this(vocabularySize, dimension, maxRows, paddingIndex, shared: null)
    {
        InitializeNormal(new Random(seed));
    }

    /// <summary>The layer an <see cref="EmbeddingConfig"/> describes, with fresh weights.</summary>
    public Embedding(EmbeddingConfig config)
        : this(config.VocabularySize, config.Dimension, 1, config.PaddingIndex, config.Seed)
    {
    }

    // shared: the layer this is an inference session of (its table is read, not copied), or null.
    private Embedding(int vocabularySize, int dimension, int maxRows, int? paddingIndex, Embedding<T>? shared)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vocabularySize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxRows);
        if (paddingIndex is { } p && (p < -vocabularySize || p >= vocabularySize))
            throw new ArgumentOutOfRangeException(nameof(paddingIndex), p, $"The padding index must be in [{-vocabularySize}, {vocabularySize}) for a vocabulary of {vocabularySize}.");
        CheckLimit(vocabularySize, dimension, maxRows, shared is not null);
        VocabularySize = vocabularySize;
        Dimension = dimension;
        PaddingIndex = paddingIndex is { } index && index < 0 ? index + vocabularySize : paddingIndex;
        IsInferenceSession = shared is not null;
        _gate = new BackwardGate(forwardOnly: IsInferenceSession);
        Weight = shared?.Weight ?? Workspace.Allocate<T>((long)vocabularySize * dimension);
        WeightGradient = shared is null ? new T[Weight.Length] : [];
        _named = [new Parameter<T>("weight", [vocabularySize, dimension], Weight, WeightGradient)];
        Reserve(maxRows);
    }

    private static void CheckLimit(int vocabularySize, int dimension, int maxRows, bool session) =>
        Workspace.Check(WorkspaceBytes(vocabularySize, dimension, maxRows, session), RnnGenLimits.MaxWorkspaceBytes,
            $"Embedding<{typeof(T).Name}>", $"maxRows {maxRows}, vocabulary {vocabularySize}, dimension {dimension}");

    private void Reserve(int maxRows)
    {
        CheckLimit(VocabularySize, Dimension, maxRows, IsInferenceSession);
        _ids = new int[maxRows];
        _output = Workspace.Allocate<T>((long)maxRows * Dimension);
        MaxRows = maxRows;
    }

    /// <summary>
    /// The bytes an Embedding built with these arguments allocates, with N = maxRows, V vocabulary, D dimension:
    /// sizeof(T)·[2·V·D (table and gradient) + N·D] + 4·N. An inference session shares the table and has no gradient:
    /// sizeof(T)·N·D + 4·N. Returns long.MaxValue when the sizes overflow.
    /// </summary>
    public static long WorkspaceBytes(int vocabularySize, int dimension, int maxRows, bool inferenceSession = false) =>
        Workspace.Saturating(() => checked(Workspace.Bytes<T>((long)maxRows * dimension + (inferenceSession ? 0 : 2L * vocabularySize * dimension))
            + (long)maxRows * sizeof(int)));

    /// <summary>A forward-only copy for one thread: it reads this table (no copy; it must not change while sessions run)
    /// and owns its buffers. Backward is not available on a session.</summary>
    public Embedding<T> CreateInferenceSession() => new(VocabularySize, Dimension, MaxRows, PaddingIndex, this);

    /// <summary>Whether this is a forward-only session made by <see cref="CreateInferenceSession"/>.</summary>
    public bool IsInferenceSession { get; }

    /// <summary>Token ids the table holds: ids are in [0, VocabularySize).</summary>
    public int VocabularySize { get; }
    /// <summary>Features of each embedding vector.</summary>
    public int Dimension { get; }
    /// <summary>The rows the buffers hold now: the hint, or the most rows seen.</summary>
    public int MaxRows { get; private set; }
    /// <summary>The padding token, normalized to [0, vocab); null when there is none.</summary>
    public int? PaddingIndex { get; }

    /// <summary>[vocab, dim] row-major.</summary>
    public T[] Weight { get; }
    /// <summary>Accumulated by <see cref="Backward(ReadOnlySpan{T}, bool)"/>; cleared by <see cref="ZeroGradients"/>.</summary>
    public T[] WeightGradient { get; }

    /// <summary>Rows (tokens) of the last Forward.</summary>
    public int Rows => _rows;

    /// <summary>The last Forward's result, [rows, dim].</summary>
    public ReadOnlySpan<T> Output
    {
        get
        {
            _gate.RequireRecorded();
            return _output.AsSpan(0, _rows * Dimension);
        }
    }

    /// <summary>"weight" [vocab, dim] with its gradient.</summary>
    public IReadOnlyList<Parameter<T>> Parameters() => _named;

    /// <inheritdoc/>
    public LayerConfig Config => new EmbeddingConfig(VocabularySize, Dimension, PaddingIndex);

    int ILayer<T>.InputSize => VocabularySize;
    int ILayer<T>.OutputSize => Dimension;

    /// <summary>PyTorch's default: every entry N(0, 1) (Box–Muller from <paramref name="random"/>), the padding row zero.</summary>
    public void InitializeNormal(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        for (var i = 0; i < Weight.Length; i += 2)
        {
            // 1 − U is in (0, 1], so the log is finite.
            var radius = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble()));
            var angle = 2 * Math.PI * random.NextDouble();
            Weight[i] = T.CreateTruncating(radius * Math.Cos(angle));
            if (i + 1 < Weight.Length) Weight[i + 1] = T.CreateTruncating(radius * Math.Sin(angle));
        }
        if (PaddingIndex is { } p) Weight.AsSpan(p * Dimension, Dimension).Clear();
    }

    /// <inheritdoc/>
    public void ZeroGradients() => Array.Clear(WeightGradient);

    /// <summary>Looks up <paramref name="rows"/> token ids (one per row); read the result from <see cref="Output"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside [0, vocab); nothing is written.</exception>
    public void Forward(ReadOnlySpan<int> ids, int rows)
    {
        using var use = ExclusiveUse.Enter(ref _inUse, NotShared);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        if (ids.Length != rows)
            throw new ArgumentException($"ids must hold one token id per row ({rows}), but holds {ids.Length}.", nameof(ids));
        OneHot.CheckIds(ids, VocabularySize, nameof(ids));
        if (rows > MaxRows) Reserve(rows);
        _gate.Clear();
        var d = Dimension;
        for (var r = 0; r < rows; r++)
            Weight.AsSpan(ids[r] * d, d).CopyTo(_output.AsSpan(r * d, d));
        // Backward scatters into the rows these ids named.
        ids.CopyTo(_ids);
        _rows = rows;
        _gate.Record();
    }

    /// <summary>Scatter-adds <paramref name="dY"/> ([rows, dim]) into the gradient rows of the last Forward's ids, skipping the padding index.</summary>
    /// <param name="dY">d(loss)/d(output), [rows, dim].</param>
    /// <param name="retainGraph">Allow another Backward of the same Forward (PyTorch's retain_graph).</param>
    /// <exception cref="InvalidOperationException">No Forward yet, a Backward of this Forward already ran without
    /// <paramref name="retainGraph"/>, or this is an inference session.</exception>
    public void Backward(ReadOnlySpan<T> dY, bool retainGraph = false)
    {
        using var use = ExclusiveUse.Enter(ref _inUse, NotShared);
        _gate.RequireRecorded();
        var d = Dimension;
        if (dY.Length != _rows * d)
            throw new ArgumentException($"dY must hold {_rows * d} elements [rows {_rows}, dim {d}], but holds {dY.Length}.", nameof(dY));
        _gate.Pass("Embedding", retainGraph);
        var padding = PaddingIndex ?? -1;
        for (var r = 0; r < _rows; r++)
        {
            var id = _ids[r];
            if (id == padding) continue;
            var row = WeightGradient.AsSpan(id * d, d);
            TensorPrimitives.Add(row, dY.Slice(r * d, d), row);
        }
    }

    /// <summary>Looks up a [batch, steps] batch of token ids; returns [batch, steps, Dimension], a view valid until the next call.</summary>
    /// <exception cref="ArgumentException">The input is not token ids.</exception>
    public SequenceBatch<T> Forward(in SequenceBatch<T> input, bool training = false)
    {
        if (!input.IsTokens)
            throw new ArgumentException($"input must be [batch, steps] token ids for an Embedding, but is {input}.", nameof(input));
        Forward(input.Tokens.Span, input.Rows);
        _lastInput = input;
        return new SequenceBatch<T>(_output.AsMemory(0, _rows * Dimension), input.BatchSize, input.Steps, Dimension, input.Lengths);
    }

    /// <summary>Scatter-adds the gradient into the table; token ids have no gradient, so this returns an empty batch.</summary>
    public SequenceBatch<T> Backward(in SequenceBatch<T> dOutput, bool inputGradient = true, bool retainGraph = false)
    {
        _gate.RequireRecorded();
        var output = new SequenceBatch<T>(_output.AsMemory(0, _rows * Dimension), _lastInput.BatchSize, _lastInput.Steps, Dimension);
        dOutput.RequireShapeOf(output, nameof(dOutput));
        Backward(dOutput.Values.Span, retainGraph);
        return default;
    }

    ILayer<T> ILayer<T>.CreateInferenceSession() => CreateInferenceSession();
}

/// <summary>An <see cref="Embedding{T}"/> as plain data.</summary>
/// <remarks>Thread safety: immutable; thread-safe.</remarks>
public sealed record EmbeddingConfig(int VocabularySize, int Dimension, int? PaddingIndex = null, int Seed = 0) : LayerConfig
{
    /// <inheritdoc/>
    public override string Kind => "embedding";

    /// <inheritdoc/>
    public override ILayer<T> Create<T>() => new Embedding<T>(this);
}
