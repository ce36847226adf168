namespace RnnGen;

/// <summary>How a bidirectional layer combines its two directions (Keras <c>Bidirectional(merge_mode=…)</c>).</summary>
/// <remarks>Thread safety: a value; safe everywhere.</remarks>
public enum BidirectionalMerge
{
    /// <summary>Forward then reverse features side by side: 2·H per step.</summary>
    Concat,
    /// <summary>The elementwise sum: H per step.</summary>
    Sum,
    /// <summary>The elementwise product: H per step.</summary>
    Multiply,
    /// <summary>The elementwise mean: H per step.</summary>
    Average,
}

/// <summary>How an inference session stores the recurrent weights (U) it multiplies by at every step.</summary>
/// <remarks>Thread safety: a value; safe everywhere.</remarks>
public enum RecurrentWeightFormat
{
    /// <summary>The layer's own type T: results as the layer that trains.</summary>
    Full,
    /// <summary>bfloat16 (8-bit mantissa, rounded to nearest even), widened exactly to fp32 before each multiply-add with
    /// fp32 accumulation: half the bytes per step, so at B = 1 a larger U stays in the cores' L2 caches. Float layers on
    /// AVX-512 CPUs only. Output error against <see cref="Full"/>: see docs/performance.md.</summary>
    BFloat16,
}

/// <summary>
/// The options of <see cref="RecurrentLayer{TCell, T}"/>, named and defaulted as PyTorch's nn.RNN/LSTM/GRU
/// (and Keras for the options PyTorch lacks).
/// </summary>
/// <remarks>Thread safety: immutable; one instance may configure layers on any thread.</remarks>
public sealed record RecurrentOptions
{
    /// <summary>Stacked layers; layer k &gt; 0 reads the (concatenated) outputs of layer k − 1.</summary>
    public int NumLayers { get; init; } = 1;

    /// <summary>Run a second direction over each sequence from its own last step back to its first.</summary>
    public bool Bidirectional { get; init; }

    /// <summary>How the final output combines the directions; stacked layers always read the concatenation, as in PyTorch.</summary>
    public BidirectionalMerge Merge { get; init; } = BidirectionalMerge.Concat;

    /// <summary>[batch, steps, features] when true; [steps, batch, features] (PyTorch's default) when false.</summary>
    public bool BatchFirst { get; init; }

    /// <summary>Keras return_sequences: when false the output is each direction's final output state, [batch, features].</summary>
    public bool ReturnSequences { get; init; } = true;

    /// <summary>Keras return_state: when false the layer does not expose its final states.</summary>
    public bool ReturnState { get; init; } = true;

    /// <summary>Keras go_backwards: read each sequence from its own end; outputs come in processing order.</summary>
    public bool GoBackwards { get; init; }

    /// <summary>Keras stateful: a call without initial states starts from the previous call's final states, until <c>ResetStates</c>.</summary>
    public bool Stateful { get; init; }

    /// <summary>Dropout probability on the inputs of layers 2…n, during training only (PyTorch's dropout).</summary>
    public double Dropout { get; init; }

    /// <summary>Values of the rates the cell's equations name, such as <c>recurrent_dropout</c> in
    /// <c>dropout_seq(h, recurrent_dropout)</c> (Keras' <c>recurrent_dropout=</c>); a named rate not given is 0 (off). Each in
    /// [0, 1); the masks are drawn in training only, from <see cref="Seed"/>.</summary>
    public IReadOnlyDictionary<string, double>? Rates { get; init; }

    /// <summary>When false, the cell's bias vectors (named b or b_…) are held at zero and never trained.</summary>
    public bool Bias { get; init; } = true;

    /// <summary>PyTorch's proj_size: the size P of a cell's projected state (<see cref="CellInfo.Projection"/>, as in
    /// <see cref="Lstmp"/>), which is then the layer's output per direction; 0 (required) for cells without one.</summary>
    public int ProjectionSize { get; init; }

    /// <summary>How inference sessions (<see cref="RecurrentLayer{TCell, T}.CreateInferenceSession"/>) store the recurrent
    /// weights: <see cref="RecurrentWeightFormat.BFloat16"/> converts them once per call from the current parameters (so
    /// training and loading are always seen); the layer itself, which trains, always multiplies in full precision.</summary>
    public RecurrentWeightFormat InferenceRecurrentWeights { get; init; }

    /// <summary>Seed for initialization and dropout masks: the same seed gives the same run.</summary>
    public int Seed { get; init; }

    /// <summary>The most bytes the layer may allocate (<see cref="RecurrentLayer{TCell, T}.WorkspaceBytes"/>); a larger layer
    /// throws <see cref="InsufficientMemoryException"/> before allocating. Null: <see cref="RnnGenLimits.MaxWorkspaceBytes"/>.</summary>
    public long? MaxWorkspaceBytes { get; init; }
}

/// <summary>A recurrent layer as plain data: the cell's name (as its <c>Info.Name</c>), input and hidden sizes, and
/// options. <see cref="Create{T}"/> finds the cell in <see cref="RecurrentCells"/>.</summary>
/// <remarks>Thread safety: immutable; thread-safe.</remarks>
public sealed record RecurrentConfig(string Cell, int InputSize, int HiddenSize, RecurrentOptions Options) : LayerConfig
{
    /// <inheritdoc/>
    public override string Kind => "recurrent";

    /// <inheritdoc/>
    public override ILayer<T> Create<T>() => RecurrentCells.Create<T>(this);
}
