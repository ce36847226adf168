using System.Numerics;
using System.Numerics.Tensors;

namespace RnnGen;

/// <summary>
/// A recurrent layer over any generated cell, with everything nn.RNN/LSTM/GRU and the Keras recurrent layers
/// offer: stacking, bidirectional with a merge mode, batch-first or time-major, given or zero (or carried) initial
/// states, variable-length batches with packed-sequence semantics, go-backwards, dropout between layers, bias off.
/// Each (layer, direction) is a <see cref="CellSequence{TCell, T}"/>; outputs and gradients move between them
/// through strided views, so a direction writes straight into its half of the concatenated output.
/// States are laid out as PyTorch's h_n / c_n: [states, layers·directions, batch, hidden], a projected state
/// (<see cref="RecurrentOptions.ProjectionSize"/>) with width P instead of H.
/// </summary>
/// <remarks>Thread safety: not thread-safe — one call at a time, and <see cref="Output"/> belongs to the last call
/// (a second thread inside Forward/Backward throws). To serve one trained layer from many threads, give each thread its
/// own <see cref="CreateInferenceSession"/>: sessions share the weights (read-only) and own their buffers.</remarks>
public sealed partial class RecurrentLayer<TCell, T> : ILayer<T>, IRecurrentLayer<T>, IStochasticLayer
    where TCell : IRecurrentCell
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private const string NotShared = "RecurrentLayer is not thread-safe and another thread is inside it; use CreateInferenceSession() per thread.";
    private readonly CellParameters<T>[] _parameters, _gradients;
    private readonly Parameter<T>[] _named;
    private readonly int[] _frozenVectors;
    // The workspace: sized for (MaxBatch, MaxSteps) and replaced, once, by Reserve when a call needs more.
    private CellSequence<TCell, T>[] _sequences = [];
    private T[][] _outputs = [], _dOutputs = [], _dropped = [], _masks = [];
    private T[] _merged = [], _finalStates = [], _carried = [], _dFinal = [], _stateIn = [], _stateOut = [], _reversed = [], _dReversed = [], _dInput = [], _dReverseInput = [];
    private int[] _lengths = [];
    private readonly int _stateCount, _directions, _width;   // _width: output features per direction, P for a projected output state, else H
    private readonly int[] _stateWidths;                      // per state: P for the projected one, else H
    private int _batch, _steps;
    private bool _hasLengths, _training, _carriedValid;
    private BackwardGate _gate;
    private SequenceBatch<T> _lastInput;
    private int _inUse;

    /// <summary>A layer whose workspace is sized by its first call and grows, once, for any larger batch or longer sequence.</summary>
    public RecurrentLayer(int inputSize, int hiddenSize, RecurrentOptions? options = null)
        : this(inputSize, hiddenSize, 1, 1, options ?? new RecurrentOptions(), shared: null)
    {
    }

    /// <param name="inputSize">Features per step of the input (I).</param>
    /// <param name="hiddenSize">The hidden size H.</param>
    /// <param name="maxBatch">A capacity hint: the workspace is allocated for this batch now (so the first step does not
    /// allocate); a larger batch grows it once.</param>
    /// <param name="maxSteps">A capacity hint for the sequence length, likewise.</param>
    /// <exception cref="InsufficientMemoryException">The layer (<see cref="WorkspaceBytes"/>) exceeds
    /// <see cref="RecurrentOptions.MaxWorkspaceBytes"/> or <see cref="RnnGenLimits.MaxWorkspaceBytes"/>; thrown before
    /// anything large is allocated (and again by a call that would grow it past the limit).</exception>
    /// <param name="options">Stacking, direction, layout and the rest; null for the defaults.</param>
    public RecurrentLayer(int inputSize, int hiddenSize, int maxBatch, int maxSteps, RecurrentOptions? options = null)
        : this(inputSize, hiddenSize, maxBatch, maxSteps, options ?? new RecurrentOptions(), shared: null)
    {
    }

    /// <summary>The layer a <see cref="RecurrentConfig"/> describes, with fresh weights.</summary>
    public RecurrentLayer(RecurrentConfig config)
        : this(ForThisCell(config).InputSize, config.HiddenSize, config.Options)
    {
    }

    // shared: the parameters of the layer this is an inference session of; null to own (and train) new ones.
    private RecurrentLayer(int inputSize, int hiddenSize, int maxBatch, int maxSteps, RecurrentOptions options, CellParameters<T>[]? shared)
    {
        Options = options;
        Validate(inputSize, hiddenSize, maxBatch, maxSteps, options);
        var session = shared is not null;
        CheckLimit(inputSize, hiddenSize, maxBatch, maxSteps, options, session);

        InputSize = inputSize;
        HiddenSize = hiddenSize;
        IsInferenceSession = session;
        _gate = new BackwardGate(forwardOnly: IsInferenceSession);
        _directions = Options.Bidirectional ? 2 : 1;
        _stateCount = TCell.Info.States.Count;
        _stateWidths = Enumerable.Range(0, _stateCount).Select(s => ProjectionSizes.Width(TCell.Info, s, hiddenSize, options.ProjectionSize)).ToArray();
        _width = _stateWidths[TCell.Info.OutputState];
        var count = Options.NumLayers * _directions;
        var random = new Random(Options.Seed);
        _parameters = shared ?? new CellParameters<T>[count];
        _gradients = session ? [] : new CellParameters<T>[count];
        for (var k = 0; k < count && !session; k++)
        {
            var width = k < _directions ? inputSize : _directions * _width;
            _parameters[k] = new CellParameters<T>(TCell.Info, width, hiddenSize, options.ProjectionSize);
            _parameters[k].InitializeUniform(random);
            _gradients[k] = new CellParameters<T>(TCell.Info, width, hiddenSize, options.ProjectionSize);
        }
        _frozenVectors = Options.Bias ? [] : Enumerable.Range(0, TCell.Info.Vectors.Count).Where(v => CellInfo.IsBias(TCell.Info.Vectors[v])).ToArray();
        if (!session) ZeroFrozen(_parameters);
        _named = Enumerable.Range(0, count).SelectMany(k => _parameters[k].Tensors(session ? null : _gradients[k])
            .Where(t => !IsFrozen(t)).Select(t => t.WithPrefix(SlotName(k / _directions, k % _directions) + "."))).ToArray();
        Reserve(maxBatch, maxSteps);
    }

    private static RecurrentConfig ForThisCell(RecurrentConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.Cell != TCell.Info.Name)
            throw new ArgumentException($"config describes a {config.Cell} layer, not {TCell.Info.Name}.", nameof(config));
        return config;
    }

    private void CheckLimit(int inputSize, int hiddenSize, int maxBatch, int maxSteps, RecurrentOptions options, bool session) =>
        Workspace.Check(WorkspaceBytes(inputSize, hiddenSize, maxBatch, maxSteps, options, session),
            options.MaxWorkspaceBytes ?? RnnGenLimits.MaxWorkspaceBytes, $"RecurrentLayer<{TCell.Info.Name}, {typeof(T).Name}>",
            $"maxBatch {maxBatch}, maxSteps {maxSteps}, input {inputSize}, hidden {hiddenSize}, {options.NumLayers} layer(s) × {(options.Bidirectional ? 2 : 1)} direction(s)");

    /// <summary>(Re)allocates the workspace for batches up to <paramref name="maxBatch"/> × <paramref name="maxSteps"/>,
    /// keeping the states a Stateful layer carries.</summary>
    private void Reserve(int maxBatch, int maxSteps)
    {
        var session = IsInferenceSession;
        var size = new Sizes(InputSize, HiddenSize, maxBatch, maxSteps, Options, session);
        _sequences = Enumerable.Range(0, _parameters.Length)
            .Select(k => new CellSequence<TCell, T>(_parameters[k], maxBatch, maxSteps, backward: !session, long.MaxValue, Options.Rates,
                bfloat16: session && Options.InferenceRecurrentWeights == RecurrentWeightFormat.BFloat16)).ToArray();
        _outputs = Enumerable.Range(0, Options.NumLayers).Select(_ => Workspace.Allocate<T>(size.Output)).ToArray();
        _dOutputs = Enumerable.Range(0, Options.NumLayers).Select(_ => Workspace.Allocate<T>(size.DOutput)).ToArray();
        _dropped = Enumerable.Range(0, Options.NumLayers).Select(l => l > 0 ? Workspace.Allocate<T>(size.Dropout) : []).ToArray();
        _masks = Enumerable.Range(0, Options.NumLayers).Select(l => l > 0 ? Workspace.Allocate<T>(size.Dropout) : []).ToArray();
        _merged = Workspace.Allocate<T>(size.Merged);
        var carried = _carried;
        (_finalStates, _carried, _dFinal) = (Workspace.Allocate<T>(size.States), Workspace.Allocate<T>(size.States), Workspace.Allocate<T>(size.DStates));
        carried.CopyTo(_carried, 0);
        (_stateIn, _stateOut) = (Workspace.Allocate<T>(size.StateBlock), Workspace.Allocate<T>(size.StateBlock));
        (_reversed, _dReversed) = (Workspace.Allocate<T>(size.Reversed), Workspace.Allocate<T>(size.DReversed));
        _dReverseInput = Workspace.Allocate<T>(size.DReverseInput);
        _dInput = [];   // sized by the first Backward that asks for it (protocol calls only)
        _lengths = new int[maxBatch];
        (MaxBatch, MaxSteps) = (maxBatch, maxSteps);
    }

    /// <summary>Grows the workspace when a call is larger or longer than any before (checked against the limit first).</summary>
    private void EnsureCapacity(int batch, int steps)
    {
        if (batch <= MaxBatch && steps <= MaxSteps) return;
        int maxBatch = Math.Max(batch, MaxBatch), maxSteps = Math.Max(steps, MaxSteps);
        CheckLimit(InputSize, HiddenSize, maxBatch, maxSteps, Options, IsInferenceSession);
        Reserve(maxBatch, maxSteps);
    }

    /// <summary>
    /// The bytes a layer built with these arguments allocates: its parameters and their gradients, the workspace of each
    /// (layer, direction)'s <see cref="CellSequence{TCell, T}"/> (<see cref="CellSequence{TCell, T}.WorkspaceBytes(int, int, int, int, int)"/>,
    /// with input I for layer 0 and D·H above), and its own buffers — with R = maxBatch·maxSteps, B = maxBatch, L layers,
    /// D directions, S states: sizeof(T)·[2·L·R·D·H (outputs and their gradients) + 2·(L − 1)·R·D·H with dropout
    /// + R·H merged (ReturnSequences with a merge other than Concat; B·OutputSize without ReturnSequences)
    /// + 3·S·L·D·B·H (final, carried, d(final) states) + 2·D·S·B·H + 2·R·I with GoBackwards
    /// + R·max(I, 2·H) when bidirectional (the reverse direction's input gradient)] + 4·B.
    /// An inference session (<paramref name="inferenceSession"/>) shares the parameters and has no gradient buffers.
    /// Returns long.MaxValue when the sizes overflow. docs/memory.md has the formulas with examples.
    /// </summary>
    public static long WorkspaceBytes(int inputSize, int hiddenSize, int maxBatch, int maxSteps, RecurrentOptions? options = null,
        bool inferenceSession = false)
    {
        var settings = options ?? new RecurrentOptions();
        return Workspace.Saturating(() => new Sizes(inputSize, hiddenSize, maxBatch, maxSteps, settings, inferenceSession).Bytes);
    }

    /// <summary>Element counts of the layer's own buffers (checked), for the allocation and for <see cref="WorkspaceBytes"/>.</summary>
    private readonly struct Sizes
    {
        public readonly long Output, DOutput, Dropout, Merged, States, DStates, StateBlock, Reversed, DReversed, DReverseInput, Lengths, SlotBytes;
        private readonly int _layers;

        public Sizes(int inputSize, int hidden, int maxBatch, int maxSteps, RecurrentOptions options, bool session)
        {
            checked
            {
                int directions = options.Bidirectional ? 2 : 1, slots = options.NumLayers * directions;
                var cell = TCell.Info;
                var output = ProjectionSizes.Width(cell, cell.OutputState, hidden, options.ProjectionSize);
                long rows = (long)maxBatch * maxSteps, concat = (long)directions * output;
                long s = Enumerable.Range(0, cell.States.Count).Sum(state => (long)ProjectionSizes.Width(cell, state, hidden, options.ProjectionSize));
                var outputSize = options.Merge == BidirectionalMerge.Concat ? concat : output;
                _layers = options.NumLayers;
                (Output, DOutput) = (rows * concat, session ? 0 : rows * concat);
                Dropout = options.Dropout > 0 ? rows * concat : 0;
                Merged = options.ReturnSequences ? (options.Merge == BidirectionalMerge.Concat ? 0 : rows * output) : maxBatch * outputSize;
                (States, StateBlock) = (s * slots * maxBatch, directions * s * maxBatch);
                DStates = session ? 0 : States;
                Reversed = options.GoBackwards ? rows * inputSize : 0;
                (DReversed, Lengths) = (session ? 0 : Reversed, maxBatch);
                // The reverse direction's input gradient while the forward direction writes its own (ThreadPair).
                DReverseInput = session || directions == 1 ? 0 : rows * Math.Max(inputSize, concat);
                for (var k = 0; k < slots; k++)
                {
                    var width = k < directions ? inputSize : (int)concat;
                    var parameters = session ? 0 : 2 * Workspace.Bytes<T>(CellParameters<T>.Elements(cell, width, hidden, options.ProjectionSize));
                    SlotBytes += parameters + CellSequence<TCell, T>.WorkspaceBytes(width, hidden, maxBatch, maxSteps, backward: !session, options.ProjectionSize);
                }
            }
        }

        public long Bytes => checked(SlotBytes + Workspace.Bytes<T>(_layers * (Output + DOutput) + 2 * (_layers - 1) * Dropout + Merged
            + 2 * States + DStates + 2 * StateBlock + Reversed + DReversed + DReverseInput) + Lengths * sizeof(int));
    }

    /// <summary>
    /// A forward-only copy of this layer for one thread: it reads this layer's parameters (no copy — changes to them,
    /// such as an optimizer step, show in every session and must not run while sessions do) and owns its workspace, outputs
    /// and carried (Stateful) states. Create one per thread; each is as cheap as <see cref="WorkspaceBytes"/> with
    /// inferenceSession = true. Backward and gradients are not available on a session.
    /// </summary>
    public RecurrentLayer<TCell, T> CreateInferenceSession() =>
        new(InputSize, HiddenSize, MaxBatch, MaxSteps, Options, _parameters);

    /// <summary>Whether this is a forward-only session made by <see cref="CreateInferenceSession"/>.</summary>
    public bool IsInferenceSession { get; }

    private static void Validate(int inputSize, int hiddenSize, int maxBatch, int maxSteps, RecurrentOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hiddenSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBatch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxSteps);
        if (options.NumLayers < 1)
            throw new ArgumentOutOfRangeException(nameof(options), options.NumLayers, "NumLayers must be at least 1.");
        if (options.MaxWorkspaceBytes <= 0)
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxWorkspaceBytes, "MaxWorkspaceBytes must be positive (or null for RnnGenLimits.MaxWorkspaceBytes).");
        if (!(options.Dropout >= 0 && options.Dropout < 1))
            throw new ArgumentOutOfRangeException(nameof(options), options.Dropout, "Dropout must be in [0, 1).");
        if (options.GoBackwards && options.Bidirectional)
            throw new ArgumentException("GoBackwards applies to one-directional layers; a bidirectional layer already reads both ways.", nameof(options));
        ProjectionSizes.Check(TCell.Info, options.ProjectionSize, nameof(options));
        if (options.InferenceRecurrentWeights == RecurrentWeightFormat.BFloat16 && typeof(T) != typeof(float))
            throw new ArgumentException($"InferenceRecurrentWeights = BFloat16 needs a float layer, not {typeof(T).Name}.", nameof(options));
        if (!Enum.IsDefined(options.InferenceRecurrentWeights))
            throw new ArgumentOutOfRangeException(nameof(options), options.InferenceRecurrentWeights, "InferenceRecurrentWeights is not a RecurrentWeightFormat.");
        if (options.Merge != BidirectionalMerge.Concat && !options.Bidirectional)
            throw new ArgumentException($"Merge = {options.Merge} needs Bidirectional = true: a one-directional layer has nothing to merge.", nameof(options));
    }

    /// <summary>The options the layer was built with.</summary>
    public RecurrentOptions Options { get; }

    /// <summary>Training Forwards so far: the dropout masks between stacked layers and the cell's own masks are a function
    /// of the seed, this count and the layer index, so a checkpoint that restores it resumes the same masks.</summary>
    public long Draws { get; set => field = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(Draws), value, "Draws must be >= 0."); }
    /// <summary>Features per step of the input (I).</summary>
    public int InputSize { get; }
    /// <summary>The hidden size H of every stacked layer and direction.</summary>
    public int HiddenSize { get; }
    /// <summary>The batch size the workspace holds now: the hint, or the largest batch seen.</summary>
    public int MaxBatch { get; private set; }
    /// <summary>The sequence length the workspace holds now: the hint, or the longest sequence seen.</summary>
    public int MaxSteps { get; private set; }
    /// <summary>1, or 2 when bidirectional.</summary>
    public int Directions => _directions;

    /// <summary>Features of the output per step (or per sequence without ReturnSequences): directions·H for Concat, else H
    /// (P instead of H when the output state is projected).</summary>
    public int OutputSize => Options.Merge == BidirectionalMerge.Concat ? _directions * _width : _width;

    /// <summary>The parameters of one layer and direction (0 forward, 1 reverse).</summary>
    public CellParameters<T> Parameters(int layer, int direction = 0) => _parameters[Slot(layer, direction)];

    /// <summary>The accumulated gradients of one layer and direction; cleared by <see cref="ZeroGradients"/>.</summary>
    public CellParameters<T> Gradients(int layer, int direction = 0) => AllGradients[Slot(layer, direction)];

    /// <summary>The parameters of every layer and direction, in slot order (l0, l0_reverse, l1, …).</summary>
    public IReadOnlyList<CellParameters<T>> AllParameters => _parameters;

    /// <summary>The name of one layer and direction in checkpoints and state dicts: l0, l0_reverse, l1, …</summary>
    public static string SlotName(int layer, int direction) => $"l{layer}{(direction == 1 ? "_reverse" : "")}";

    /// <summary>A tensor this layer holds at zero and never lists (a bias, when built with Bias = false).</summary>
    internal bool IsFrozen(Parameter<T> tensor) => !Options.Bias && tensor.Shape.Length == 1 && CellInfo.IsBias(tensor.Name);
    /// <summary>The accumulated gradients of every layer and direction, in the order of <see cref="AllParameters"/>.</summary>
    /// <exception cref="InvalidOperationException">This is an inference session, which has no gradients.</exception>
    public IReadOnlyList<CellParameters<T>> AllGradients => IsInferenceSession
        ? throw new InvalidOperationException("An inference session has no gradients; train the layer it was created from.")
        : _gradients;

    /// <summary>The last call's output: [batch, steps, OutputSize] (batch-first) or [steps, batch, OutputSize],
    /// or [batch, OutputSize] without ReturnSequences.</summary>
    public ReadOnlySpan<T> Output
    {
        get
        {
            _gate.RequireRecorded();
            return OutputMemory().Span;
        }
    }

    /// <summary>The last call's final states, [states, layers·directions, batch, hidden] (PyTorch's h_n then c_n);
    /// empty when ReturnState is off.</summary>
    public ReadOnlySpan<T> FinalStates
    {
        get
        {
            _gate.RequireRecorded();
            return Options.ReturnState ? _finalStates.AsSpan(0, StatesLength(_batch)) : default;
        }
    }

    /// <summary>Runs the layer.</summary>
    /// <param name="input">[batch, steps, input] (batch-first) or [steps, batch, input].</param>
    /// <param name="batch">Sequences in the batch.</param>
    /// <param name="steps">Steps of the longest sequence.</param>
    /// <param name="lengths">One per sequence (1..steps); empty for full length.</param>
    /// <param name="initialStates">[states, layers·directions, batch, hidden], or empty for zeros (or, when Stateful, the
    /// previous final states).</param>
    /// <param name="training">Draws the dropout masks and saves what Backward reads. With false, masks are their
    /// expectations and nothing is saved for backward; a Backward after it is still legal (as in PyTorch's eval mode): it
    /// first recomputes the forward, at one Forward's cost, and gives the gradients a training Forward without masks gives.</param>
    public void Forward(ReadOnlySpan<T> input, int batch, int steps, ReadOnlySpan<int> lengths = default,
        ReadOnlySpan<T> initialStates = default, bool training = false)
    {
        using var use = ExclusiveUse.Enter(ref _inUse, NotShared);
        SequenceChecks.Sizes(batch, steps);
        var shape = UserShape(batch, steps, InputSize);
        if (input.Length != shape.RequiredLength)
            throw new ArgumentException($"input must hold {shape.RequiredLength} elements {shape}, but holds {input.Length}.", nameof(input));
        if (!initialStates.IsEmpty && initialStates.Length != StatesLength(batch))
            throw new ArgumentException($"initialStates must hold {StatesLength(batch)} elements [states {_stateCount}, layers·directions {_sequences.Length}, batch {batch}, " +
                $"{(_stateWidths.Distinct().Count() == 1 ? $"hidden {HiddenSize}" : $"widths {string.Join(", ", _stateWidths)}")}], but holds {initialStates.Length}.", nameof(initialStates));
        SequenceChecks.Lengths(lengths, batch, steps);
        EnsureCapacity(batch, steps);
        var initial = initialStates;
        if (initial.IsEmpty && Options.Stateful && _carriedValid)
        {
            if (batch != _batch)
                throw new ArgumentException($"A stateful layer carries states for a batch of {_batch}; got a batch of {batch}. Call ResetStates first.", nameof(batch));
            initial = _carried.AsSpan(0, StatesLength(batch));
        }

        (_batch, _steps, _training, _hasLengths) = (batch, steps, training, !lengths.IsEmpty);
        _gate.Clear();
        if (_hasLengths) lengths.CopyTo(_lengths);
        else _lengths.AsSpan(0, batch).Fill(steps);

        var source = input;
        if (Options.GoBackwards)
        {
            Reverse(input, _reversed, shape, InputSize);
            source = _reversed.AsSpan(0, input.Length);
        }
        for (var layer = 0; layer < Options.NumLayers; layer++)
        {
            var inputShape = layer == 0 ? shape : UserShape(batch, steps, _directions * _width);
            ReadOnlySpan<T> layerInput = layer == 0 ? source : _outputs[layer - 1].AsSpan(0, (int)inputShape.RequiredLength);
            if (layer > 0 && training && Options.Dropout > 0) layerInput = Drop(layer, layerInput);
            ForwardDirections(layer, layerInput, inputShape, initial);
        }
        Merge();
        if (Options.Stateful)
        {
            _finalStates.AsSpan(0, StatesLength(batch)).CopyTo(_carried);
            _carriedValid = true;
        }
        if (training) Draws++;
        _gate.Record();
    }

    /// <summary>
    /// Back-propagates the last Forward: <paramref name="dOutput"/> is laid out like <see cref="Output"/>,
    /// <param name="dOutput">d(loss)/d(output), laid out like <see cref="Output"/>; empty for zero.</param>
    /// <param name="dFinalStates">d(loss)/d(final states), laid out like the final states; empty for zero.</param>
    /// <param name="dInput">Receives d(loss)/d(input), laid out like the input; empty to skip.</param>
    /// <param name="dInitialStates">Receives d(loss)/d(initial states); empty to skip.</param>
    /// <paramref name="dFinalStates"/> like the final states; either may be empty. Parameter gradients are added to
    /// <see cref="Gradients"/>; <paramref name="dInput"/> and <paramref name="dInitialStates"/> are overwritten or skipped when empty.
    /// </summary>
    /// <param name="retainGraph">Allow another Backward of the same Forward (PyTorch's retain_graph); it adds the same
    /// gradients again, exactly.</param>
    /// <exception cref="InvalidOperationException">No Forward yet, a Backward of this Forward already ran without
    /// <paramref name="retainGraph"/>, or this is an inference session.</exception>
    public void Backward(ReadOnlySpan<T> dOutput, ReadOnlySpan<T> dFinalStates, Span<T> dInput, Span<T> dInitialStates, bool retainGraph = false)
    {
        using var use = ExclusiveUse.Enter(ref _inUse, NotShared);
        _gate.RequireRecorded();
        int batch = _batch, steps = _steps, concat = _directions * _width;
        var outputLength = Options.ReturnSequences ? batch * steps * OutputSize : batch * OutputSize;
        Check(dOutput.Length, outputLength, nameof(dOutput));
        Check(dFinalStates.Length, StatesLength(batch), nameof(dFinalStates));
        Check(dInput.Length, batch * steps * InputSize, nameof(dInput));
        Check(dInitialStates.Length, StatesLength(batch), nameof(dInitialStates));
        _gate.Pass("RecurrentLayer", retainGraph);

        var last = _dOutputs[^1].AsSpan(0, batch * steps * concat);
        var dFinal = _dFinal.AsSpan(0, StatesLength(batch));
        if (dFinalStates.IsEmpty) dFinal.Clear();
        else dFinalStates.CopyTo(dFinal);
        last.Clear();
        if (!dOutput.IsEmpty)
        {
            if (Options.ReturnSequences) Unmerge(dOutput, _outputs[^1], last, batch * steps);
            else UnmergeFinal(dOutput, dFinal);
        }

        for (var layer = Options.NumLayers - 1; layer >= 0; layer--)
        {
            var inputShape = layer == 0 ? UserShape(batch, steps, InputSize) : UserShape(batch, steps, concat);
            Span<T> dLayerInput = layer > 0 ? _dOutputs[layer - 1].AsSpan(0, batch * steps * concat)
                : Options.GoBackwards ? (dInput.IsEmpty ? default : _dReversed.AsSpan(0, dInput.Length)) : dInput;
            BackwardDirections(layer, dLayerInput, dInitialStates, retainGraph);
            if (layer > 0 && _training && Options.Dropout > 0)
                TensorPrimitives.Multiply(dLayerInput, _masks[layer].AsSpan(0, dLayerInput.Length), dLayerInput);
        }
        if (Options.GoBackwards && !dInput.IsEmpty)
            Reverse(_dReversed.AsSpan(0, dInput.Length), dInput, UserShape(batch, steps, InputSize), InputSize);
        ZeroFrozen(_gradients);
    }

    /// <summary>What this layer is: cell, sizes and options (<see cref="LayerConfig.Create{T}"/> rebuilds it).</summary>
    public LayerConfig Config => new RecurrentConfig(TCell.Info.Name, InputSize, HiddenSize, Options);

    /// <summary>Every trainable tensor as "l{k}[_reverse].{name}" with its equation shape ([H, I], [H, H], [H]); the biases a
    /// Bias = false layer holds at zero are not listed. An inference session's have no gradient.</summary>
    public IReadOnlyList<Parameter<T>> Parameters() => _named;

    /// <summary>
    /// Runs the layer on a batch-first <paramref name="input"/> [batch, steps, InputSize] with its lengths. Returns
    /// [batch, steps, OutputSize], or [batch, 1, OutputSize] without ReturnSequences: a view valid until the next call.
    /// </summary>
    /// <param name="input">[batch, steps, InputSize] with its lengths.</param>
    /// <param name="training">As in <see cref="Forward(ReadOnlySpan{T}, int, int, ReadOnlySpan{int}, ReadOnlySpan{T}, bool)"/>:
    /// false saves nothing for backward, and a Backward after it recomputes the forward first.</param>
    /// <exception cref="InvalidOperationException">The layer was built time-major (BatchFirst = false).</exception>
    public SequenceBatch<T> Forward(in SequenceBatch<T> input, bool training = false)
    {
        RequireBatchFirst();
        input.RequireFeatures(InputSize, nameof(input));
        Forward(input.Values.Span, input.BatchSize, input.Steps, input.Lengths.Span, default, training);
        _lastInput = input;
        return LastOutput();
    }

    /// <summary>Back-propagates the last Forward from d(loss)/d(its output) (same shape); returns d(loss)/d(input) in this
    /// layer's buffer, or an empty batch when <paramref name="inputGradient"/> is false.</summary>
    public SequenceBatch<T> Backward(in SequenceBatch<T> dOutput, bool inputGradient = true, bool retainGraph = false)
    {
        RequireBatchFirst();
        _gate.RequireRecorded();
        dOutput.RequireShapeOf(LastOutput(), nameof(dOutput));
        var length = _lastInput.BatchSize * _lastInput.Steps * InputSize;
        if (inputGradient && _dInput.Length < length) _dInput = Workspace.Allocate<T>((long)MaxBatch * MaxSteps * InputSize);
        Backward(dOutput.Values.Span, default, inputGradient ? _dInput.AsSpan(0, length) : default, default, retainGraph);
        return inputGradient ? _lastInput.With(_dInput.AsMemory(0, length), InputSize) : default;
    }

    ILayer<T> ILayer<T>.CreateInferenceSession() => CreateInferenceSession();

    TResult IRecurrentLayer<T>.Accept<TResult>(IRecurrentLayerVisitor<T, TResult> visitor) => visitor.Visit(this);

    private SequenceBatch<T> LastOutput() => Options.ReturnSequences
        ? new SequenceBatch<T>(OutputMemory(), _batch, _steps, OutputSize, _lastInput.Lengths)
        : SequenceBatch<T>.PerSequence(OutputMemory(), _batch, OutputSize);

    private ReadOnlyMemory<T> OutputMemory()
    {
        if (!Options.ReturnSequences) return _merged.AsMemory(0, _batch * OutputSize);
        var length = _batch * _steps * OutputSize;
        return Options.Merge == BidirectionalMerge.Concat ? _outputs[^1].AsMemory(0, length) : _merged.AsMemory(0, length);
    }

    private void RequireBatchFirst()
    {
        if (!Options.BatchFirst)
            throw new InvalidOperationException("Layers exchange batch-first batches [batch, steps, features]; build this layer with BatchFirst = true " +
                "(Model.Sequential does), or call the span overloads for time-major data.");
    }

    /// <summary>‖∂L/∂h_t‖₂ for each processing step of one layer and direction after Backward (the reverse direction
    /// processes each sequence from its end, so its step t reads position length − 1 − t).</summary>
    public ReadOnlySpan<T> StateGradientNorms(int layer, int direction = 0) => _sequences[Slot(layer, direction)].StateGradientNorms;

    /// <summary>Forgets the states a Stateful layer carries between calls.</summary>
    public void ResetStates() => _carriedValid = false;

    /// <inheritdoc/>
    public void ZeroGradients()
    {
        foreach (var gradient in _gradients) gradient.Clear();
    }

    private int Slot(int layer, int direction)
    {
        if (layer < 0 || layer >= Options.NumLayers) throw new ArgumentOutOfRangeException(nameof(layer), layer, $"The layer has {Options.NumLayers} layer(s).");
        if (direction < 0 || direction >= _directions) throw new ArgumentOutOfRangeException(nameof(direction), direction, $"The layer has {_directions} direction(s).");
        return layer * _directions + direction;
    }

    private static void Check(int actual, int expected, string name)
    {
        if (actual != 0 && actual != expected)
            throw new ArgumentException($"{name} must hold {expected} elements, but holds {actual}.", name);
    }

    /// <summary>Elements of [states, L·D, batch, width]: the initial and final states of a batch.</summary>
    internal int StatesLength(int batch) => _stateWidths.Sum() * _sequences.Length * batch;

    /// <summary>Where state s starts in [states, L·D, batch, width]: the blocks of the states before it.</summary>
    private int StateBase(int s, int batch)
    {
        var offset = 0;
        for (var before = 0; before < s; before++) offset += _sequences.Length * batch * _stateWidths[before];
        return offset;
    }

    private SequenceShape UserShape(int batch, int steps, int features) => new(batch, steps, features, TimeMajor: !Options.BatchFirst);

    private SequenceShape OutputShape(int direction) =>
        new(_batch, _steps, _width, !Options.BatchFirst, _directions * _width, direction * _width);

    /// <summary>[states, L·D, batch, width] → the [states, batch, width] blocks of one layer and direction.</summary>
    private Span<T> GatherStates(ReadOnlySpan<T> all, int k, Span<T> result)
    {
        for (int s = 0, at = 0; s < _stateCount; s++)
        {
            var block = _batch * _stateWidths[s];
            all.Slice(StateBase(s, _batch) + k * block, block).CopyTo(result.Slice(at, block));
            at += block;
        }
        return result;
    }

    private void ScatterStates(ReadOnlySpan<T> one, int k, Span<T> all)
    {
        for (int s = 0, at = 0; s < _stateCount; s++)
        {
            var block = _batch * _stateWidths[s];
            one.Slice(at, block).CopyTo(all.Slice(StateBase(s, _batch) + k * block, block));
            at += block;
        }
    }

    /// <summary>Reverses each sequence within its own length (positions past the end stay in place).</summary>
    private void Reverse(ReadOnlySpan<T> source, Span<T> target, SequenceShape shape, int width)
    {
        for (var b = 0; b < shape.Batch; b++)
            for (var t = 0; t < shape.Steps; t++)
            {
                var from = t < _lengths[b] ? _lengths[b] - 1 - t : t;
                source.Slice(shape.Index(b, from), width).CopyTo(target.Slice(shape.Index(b, t), width));
            }
    }

    /// <summary>Inverted dropout on a layer's input: keep with probability 1 − p and scale by 1/(1 − p).</summary>
    private ReadOnlySpan<T> Drop(int layer, ReadOnlySpan<T> input)
    {
        var mask = _masks[layer].AsSpan(0, input.Length);
        CounterRandom.FillDropoutMask(mask, Options.Dropout, CounterRandom.Key(Options.Seed, Draws, layer));
        var dropped = _dropped[layer].AsSpan(0, input.Length);
        TensorPrimitives.Multiply(input, mask, dropped);
        return dropped;
    }

    private void Merge()
    {
        int h = _width;
        if (!Options.ReturnSequences)
        {
            // Each direction's final output state of the last layer (Keras: the output of return_sequences=False).
            var (forwardAt, backwardAt) = FinalOutputStates();
            for (var b = 0; b < _batch; b++)
            {
                var target = _merged.AsSpan(b * OutputSize, OutputSize);
                var forward = _finalStates.AsSpan(forwardAt + b * h, h);
                if (_directions == 1) { forward.CopyTo(target); continue; }
                var backward = _finalStates.AsSpan(backwardAt + b * h, h);
                Combine(forward, backward, target);
            }
            return;
        }
        if (Options.Merge == BidirectionalMerge.Concat) return;
        var rows = _batch * _steps;
        var concat = _outputs[^1];
        for (var r = 0; r < rows; r++)
            Combine(concat.AsSpan(r * 2 * h, h), concat.AsSpan(r * 2 * h + h, h), _merged.AsSpan(r * h, h));
    }

    private void Combine(ReadOnlySpan<T> forward, ReadOnlySpan<T> backward, Span<T> target)
    {
        switch (Options.Merge)
        {
            case BidirectionalMerge.Concat:
                forward.CopyTo(target);
                backward.CopyTo(target.Slice(forward.Length));
                break;
            case BidirectionalMerge.Sum: TensorPrimitives.Add(forward, backward, target); break;
            case BidirectionalMerge.Multiply: TensorPrimitives.Multiply(forward, backward, target); break;
            case BidirectionalMerge.Average:
                TensorPrimitives.Add(forward, backward, target);
                TensorPrimitives.Multiply(target, T.CreateTruncating(0.5), target);
                break;
        }
    }

    /// <summary>The gradient of <see cref="Combine"/> for each direction, given the merged gradient d.</summary>
    private void Uncombine(ReadOnlySpan<T> d, ReadOnlySpan<T> forward, ReadOnlySpan<T> backward, Span<T> dForward, Span<T> dBackward)
    {
        var h = _width;
        switch (Options.Merge)
        {
            case BidirectionalMerge.Concat:
                TensorPrimitives.Add(dForward, d.Slice(0, h), dForward);
                if (_directions == 2) TensorPrimitives.Add(dBackward, d.Slice(h, h), dBackward);
                break;
            case BidirectionalMerge.Sum:
                TensorPrimitives.Add(dForward, d, dForward);
                TensorPrimitives.Add(dBackward, d, dBackward);
                break;
            case BidirectionalMerge.Multiply:
                TensorPrimitives.MultiplyAdd(d, backward, dForward, dForward);
                TensorPrimitives.MultiplyAdd(d, forward, dBackward, dBackward);
                break;
            case BidirectionalMerge.Average:
                TensorPrimitives.MultiplyAdd(d, T.CreateTruncating(0.5), dForward, dForward);
                TensorPrimitives.MultiplyAdd(d, T.CreateTruncating(0.5), dBackward, dBackward);
                break;
        }
    }

    private void Unmerge(ReadOnlySpan<T> dOutput, T[] concat, Span<T> dConcat, int rows)
    {
        var h = _width;
        var width = _directions * h;
        for (var r = 0; r < rows; r++)
        {
            var dRow = dConcat.Slice(r * width, width);
            Uncombine(dOutput.Slice(r * OutputSize, OutputSize), concat.AsSpan(r * width, h),
                _directions == 2 ? concat.AsSpan(r * width + h, h) : default,
                dRow.Slice(0, h), _directions == 2 ? dRow.Slice(h, h) : default);
        }
    }

    private void UnmergeFinal(ReadOnlySpan<T> dOutput, Span<T> dFinal)
    {
        var h = _width;
        var (forwardAt, backwardAt) = FinalOutputStates();
        for (var b = 0; b < _batch; b++)
            Uncombine(dOutput.Slice(b * OutputSize, OutputSize),
                _finalStates.AsSpan(forwardAt + b * h, h), _finalStates.AsSpan(backwardAt + b * h, h),
                dFinal.Slice(forwardAt + b * h, h), _directions == 2 ? dFinal.Slice(backwardAt + b * h, h) : default);
    }

    /// <summary>Where the last layer's final output states start in [states, L·D, batch, width]: forward and reverse direction.</summary>
    private (int Forward, int Backward) FinalOutputStates()
    {
        int block = _batch * _width, at = StateBase(TCell.Info.OutputState, _batch);
        return (at + (_sequences.Length - _directions) * block, at + (_sequences.Length - 1) * block);
    }

    private void ZeroFrozen(CellParameters<T>[] all)
    {
        foreach (var parameters in all)
            foreach (var v in _frozenVectors)
                parameters.Vectors.AsSpan(v * HiddenSize, HiddenSize).Clear();
    }
}
