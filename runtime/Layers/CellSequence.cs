using System.Numerics;
using System.Numerics.Tensors;
using RnnGen.Kernels;

namespace RnnGen;

/// <summary>
/// Runs a generated cell over a batch of sequences and back-propagates through time (design.md §4):
/// all input products in one GEMM, per step a small GEMM per recurrent group and the fused generated passes,
/// and after the backward loop the weight gradients as large GEMMs over all steps.
/// Sequences may have their own lengths (steps past a sequence's end leave its state unchanged and output zero)
/// and may be run in reverse, each from its own last step. The workspace is sized once (<see cref="WorkspaceBytes(int, int, int, int, int)"/>):
/// after the first call Forward and Backward allocate nothing.
/// </summary>
/// <remarks>Thread safety: not thread-safe (a second thread inside Forward/Backward throws); for many threads, give each
/// its own CellSequence over the same <see cref="CellParameters{T}"/> — they only read the weights — or, to serve a trained cell,
/// its own <see cref="CreateInferenceSession"/>.</remarks>
public sealed partial class CellSequence<TCell, T>
    where TCell : IRecurrentCell
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private const string NotShared = "CellSequence is not thread-safe and another thread is inside it; give each thread its own CellSequence over the same CellParameters.";
    private readonly CellInfo _cell = TCell.Info;
    private readonly CellParameters<T> _parameters;
    private readonly int _hidden, _inputSize, _stateCount, _operandCount, _statesLength;
    private readonly int _zxWidth, _zhWidth, _zsWidth;
    // Forward: time-major input, input products of every step, every state of every step ([S][T+1][B][H]),
    // stage operands ([O][T][B][H]), the tape of every step ([T][B][W·H]), and per-step Zh/Zs.
    // A forward-only sequence runs the inference passes: one step of operands ([O][B][H]) and of tape, and that only for
    // a multi-stage cell, whose stages hand values on through it ([B][W·H]).
    // A Forward that does not record (_recording) runs them too, in the first blocks of the full buffers.
    // The workspace, sized for (MaxBatch, MaxSteps); Reserve replaces it once when a call needs more.
    private T[] _inputs = [], _zx = [], _states = [], _operands = [], _tape = [], _zh = [], _zs = [];
    // Backward (empty in a forward-only sequence): d(products) of every step (for the weight GEMMs), per-step state/operand adjoints.
    private T[] _dzx = [], _dzh = [], _dzs = [], _dInputs = [], _dStatesA = [], _dStatesB = [], _dOperands = [], _carry = [], _heldGradients = [];
    private int[] _lengths = [];
    private T[] _stateGradientNorms = [];
    // The cell's random masks: [T][masks][B][H] (one block per step) after a training draw, else one block of expectations.
    private T[] _masks = [];
    private readonly CellMasks _maskRates;
    private readonly ConnectionMasks<T> _connections;
    private int _maskStep;   // elements from one step's mask block to the next: 0 when every step reads the expectations
    // The parallel-in-time schedule, for cells the generator marked Scan (null otherwise).
    private ScanSchedule<TCell, T>? _scan;
    private readonly bool _useScan;
    private readonly bool _backward;
    // Whether the buffers hold what Backward reads (every step's tape and operands): false after a Forward that did not
    // record, until Backward recomputes them (Recompute).
    private bool _recording;
    private readonly IReadOnlyDictionary<string, double>? _namedRates;   // as given, for an inference session
    private readonly long _maxWorkspaceBytes;
    // Weights packed once per call for the per-step products: [group][forward fused, forward separate, backward fused, backward separate];
    // an input group's backward fused slot holds W for the input gradient (InputGradient).
    private readonly PackedMatrix<T>[][] _packs;
    private bool _packed;
    // Per group, the state products (fused, separate) split across threads with each share resident in its core's L2;
    // used by a call when _split (bf16 weights, or several threads and a small batch).
    private readonly ResidentProduct<T>[][] _resident;
    private readonly bool _bfloat16;
    private bool _split;
    private SequenceShape _inputShape, _outputShape;
    private bool _reverse, _ragged;
    private BackwardGate _gate;
    private int _inUse;

    /// <param name="parameters">The weights the passes read (held, not copied); they must belong to <typeparamref name="TCell"/>.</param>
    /// <param name="maxBatch">A capacity hint: the workspace holds this batch now; a larger batch grows it once.</param>
    /// <param name="maxSteps">A capacity hint for the sequence length, likewise.</param>
    /// <exception cref="InsufficientMemoryException">The workspace (<see cref="WorkspaceBytes(int, int, int, int, int)"/>) exceeds
    /// <see cref="RnnGenLimits.MaxWorkspaceBytes"/>; thrown before anything is allocated (and by a call that would grow
    /// it past the limit).</exception>
    /// <param name="rates">Values of the cell's named rates (<see cref="MaskInfo.RateName"/>); a named rate not given is 0.</param>
    /// <exception cref="ArgumentException"><paramref name="rates"/> names a rate the cell does not have.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A rate is outside [0, 1).</exception>
    public CellSequence(CellParameters<T> parameters, int maxBatch, int maxSteps, IReadOnlyDictionary<string, double>? rates = null)
        : this(parameters, maxBatch, maxSteps, backward: true, RnnGenLimits.MaxWorkspaceBytes, rates)
    {
    }

    // backward: false for a forward-only sequence (an inference session): no backward buffers.
    // maxWorkspaceBytes: the ceiling; a layer that checked its whole size already passes long.MaxValue.
    // sequential: run a scan cell step by step (the reference the scan schedule is tested against).
    // bfloat16: forward-only sequences may multiply by their recurrent weights stored as bfloat16 (fp32 accumulation).
    internal CellSequence(CellParameters<T> parameters, int maxBatch, int maxSteps, bool backward, long maxWorkspaceBytes,
        IReadOnlyDictionary<string, double>? rates = null, bool sequential = false, bool bfloat16 = false)
    {
        if (bfloat16 && backward)
            throw new ArgumentException("bfloat16 recurrent weights are for inference: a sequence that trains multiplies in full precision.", nameof(bfloat16));
        _useScan = _cell.Schedule.IsScan && !sequential;
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Cell != _cell)
            throw new ArgumentException($"The parameters belong to cell {parameters.Cell.Name}, not {_cell.Name}.", nameof(parameters));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBatch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxSteps);
        _parameters = parameters;
        (_backward, _maxWorkspaceBytes, _namedRates) = (backward, maxWorkspaceBytes, rates);
        _gate = new BackwardGate(forwardOnly: !backward);
        _hidden = parameters.Hidden;
        _inputSize = parameters.InputSize;
        _stateCount = _cell.States.Count;
        (_projection, _projectedState) = (parameters.ProjectionSize, _cell.Projection?.State ?? -1);
        _statesLength = Enumerable.Range(0, _stateCount).Sum(StateWidth);
        _operandCount = _cell.OperandStages.Count;
        (_zxWidth, _zhWidth, _zsWidth) = (_cell.InputWidth * _hidden, _cell.RecurrentWidth * _hidden, _cell.StageWidth * _hidden);
        _packs = _cell.Groups.Select(_ => Enumerable.Range(0, 4).Select(_ => new PackedMatrix<T>()).ToArray()).ToArray();
        _bfloat16 = bfloat16;
        _resident = _cell.Groups.Select(_ => new[] { new ResidentProduct<T>(bfloat16), new ResidentProduct<T>(bfloat16) }).ToArray();
        _maskRates = new CellMasks(_cell, rates);
        _connections = new ConnectionMasks<T>(_cell, _maskRates, _hidden, backward);
        (_dVectorsAside, _dScalarsAside) = (new T[parameters.Vectors.Length], new T[parameters.Scalars.Length]);
        Reserve(maxBatch, maxSteps);
    }

    /// <summary>Checks the limit, then (re)allocates the workspace for batches up to maxBatch × maxSteps.</summary>
    private void Reserve(int maxBatch, int maxSteps)
    {
        Workspace.Check(WorkspaceBytes(_inputSize, _hidden, maxBatch, maxSteps, _backward, _projection), _maxWorkspaceBytes, $"CellSequence<{_cell.Name}, {typeof(T).Name}>",
            $"maxBatch {maxBatch}, maxSteps {maxSteps}, input {_inputSize}, hidden {_hidden}");
        var size = new Sizes(_cell, _inputSize, _hidden, maxBatch, maxSteps, _backward, _projection);
        (_inputs, _zx, _states, _operands, _tape) = (Workspace.Allocate<T>(size.Inputs), Workspace.Allocate<T>(size.Zx),
            Workspace.Allocate<T>(size.States), Workspace.Allocate<T>(size.Operands), Workspace.Allocate<T>(size.Tape));
        (_zh, _zs, _stateGradientNorms) = (Workspace.Allocate<T>(size.Zh), Workspace.Allocate<T>(size.Zs), Workspace.Allocate<T>(size.Norms));
        (_dzx, _dzh, _dzs, _dInputs) = (Workspace.Allocate<T>(size.Dzx), Workspace.Allocate<T>(size.Dzh),
            Workspace.Allocate<T>(size.Dzs), Workspace.Allocate<T>(size.DInputs));
        (_dStatesA, _dStatesB, _heldGradients) = (Workspace.Allocate<T>(size.DStates), Workspace.Allocate<T>(size.DStates), Workspace.Allocate<T>(size.DStates));
        (_dOperands, _carry) = (Workspace.Allocate<T>(size.DOperands), Workspace.Allocate<T>(size.Carry));
        _masks = Workspace.Allocate<T>(size.Masks);
        (_projected, _dProjected) = (Workspace.Allocate<T>(size.Projected), Workspace.Allocate<T>(size.DProjected));
        (_dProjectedNext, _dProjectedPrev, _heldProjected) = (Workspace.Allocate<T>(size.DProjectedStep), Workspace.Allocate<T>(size.DProjectedStep),
            Workspace.Allocate<T>(size.DProjectedStep));
        _lengths = new int[maxBatch];
        _scan = _useScan ? new ScanSchedule<TCell, T>(_hidden, maxBatch, maxSteps, _backward) : null;
        (MaxBatch, MaxSteps) = (maxBatch, maxSteps);
    }

    /// <summary>
    /// The bytes a sequence built with these sizes allocates for its workspace (the parameters are the caller's):
    /// with R = maxBatch·maxSteps rows, B = maxBatch, T = maxSteps, H hidden, I input, S states, O stage operands, M masks and the
    /// cell's widths X (input products), Y (recurrent products), Z (stage products), W (tape), C (carry) in units of H,
    /// sizeof(T)·[R·(2I + (2X + Y + Z + O + W + M)·H) + S·(T + 1)·B·H + B·(Y + Z + 3S + O + C)·H + T] + 4·B; a cell with a
    /// projected state (<paramref name="projectionSize"/> P) adds sizeof(T)·[(T + 1)·B·P + R·P + 3·B·P].
    /// A cell with the scan schedule (<see cref="CellInfo.Schedule"/>) adds sizeof(T)·[3·S·(T + 1)·B·H + 8·S·B·H + 8·V·H + C·R·H]
    /// with V vector parameters (docs/parallel-scan.md).
    /// Not counted: a packed copy of the recurrent weights for forward and one for backward, made on the first call of
    /// three or more steps (about twice the recurrent weights), and for each recurrent group with a dropconnect matrix three
    /// copies of its weights (mask, masked weights, their gradient). Returns long.MaxValue when the sizes overflow.
    /// </summary>
    public static long WorkspaceBytes(int inputSize, int hidden, int maxBatch, int maxSteps, int projectionSize = 0) =>
        WorkspaceBytes(inputSize, hidden, maxBatch, maxSteps, backward: true, projectionSize);

    /// <summary>As the public overload; a forward-only sequence has no backward buffers (Y, Z, 3S, O, C and the second
    /// R·I and R·X·H terms drop out), one block of masks and of stage operands (B·M·H and B·O·H instead of R·M·H and R·O·H),
    /// and one step of tape for a multi-stage cell, none for a one-stage cell (B·W·H or 0 instead of R·W·H); a scan cell's
    /// schedule adds sizeof(T)·[S·(T + 1)·B·H + 8·S·B·H], and another S·(T + 1)·B·H for a cell with output-map states
    /// (docs/parallel-scan.md).</summary>
    internal static long WorkspaceBytes(int inputSize, int hidden, int maxBatch, int maxSteps, bool backward, int projectionSize = 0) =>
        Workspace.Saturating(() => new Sizes(TCell.Info, inputSize, hidden, maxBatch, maxSteps, backward, projectionSize).Bytes);

    /// <summary>Element counts of the workspace buffers: one formula for the allocation and for <see cref="WorkspaceBytes(int, int, int, int, int)"/>.
    /// Checked arithmetic: sizes whose products overflow throw OverflowException.</summary>
    private readonly struct Sizes
    {
        public readonly long Inputs, Zx, States, Operands, Tape, Zh, Zs, Norms, Dzx, Dzh, Dzs, DInputs, DStates, DOperands, Carry, Lengths, Masks, Scan;
        public readonly long Projected, DProjected, DProjectedStep;

        public Sizes(CellInfo cell, int inputSize, int hidden, int maxBatch, int maxSteps, bool backward, int projectionSize)
        {
            checked
            {
                long rows = (long)maxBatch * maxSteps, block = (long)maxBatch * hidden, s = cell.States.Count, o = cell.OperandStages.Count;
                (Inputs, Zx) = (rows * inputSize, rows * cell.InputWidth * hidden);
                // Forward-only: one step of operands; of the tape, one step of what the stages hand on.
                Tape = backward ? rows * cell.TapeWidth * hidden : cell.StageCount > 1 ? cell.TapeWidth * block : 0;
                (States, Operands) = (s * (maxSteps + 1) * block, o * (backward ? rows * hidden : block));
                (Zh, Zs, Norms, Lengths) = (cell.RecurrentWidth * block, cell.StageWidth * block, maxSteps, maxBatch);
                Masks = cell.Masks.Count * (backward ? rows * hidden : block);
                Projected = (maxSteps + 1L) * maxBatch * projectionSize;
                Scan = cell.Schedule.IsScan ? ScanSchedule<TCell, T>.Elements(cell, hidden, maxBatch, maxSteps, backward) : 0;
                if (!backward) return;
                (Dzx, Dzh, Dzs, DInputs) = (Zx, rows * cell.RecurrentWidth * hidden, rows * cell.StageWidth * hidden, Inputs);
                (DStates, DOperands, Carry) = (s * block, o * block, cell.CarryWidth * block);
                (DProjected, DProjectedStep) = (rows * projectionSize, (long)maxBatch * projectionSize);
            }
        }

        public long Bytes => checked(Workspace.Bytes<T>(Inputs + Zx + States + Operands + Tape + Zh + Zs + Norms + Masks + Scan
            + Dzx + Dzh + Dzs + DInputs + 3 * DStates + DOperands + Carry + Projected + DProjected + 3 * DProjectedStep) + Lengths * sizeof(int));
    }

    /// <summary>Packing a matrix costs about one or two of its products; it pays from a few steps on.</summary>
    private const int PackFromSteps = 3;

    /// <summary>The batch the workspace holds now: the hint, or the largest batch seen.</summary>
    public int MaxBatch { get; private set; }
    /// <summary>The sequence length the workspace holds now: the hint, or the longest sequence seen.</summary>
    public int MaxSteps { get; private set; }
    /// <summary>The metadata of the cell this sequence drives.</summary>
    public CellInfo Cell => _cell;
    /// <summary>The parameters the forward and backward passes read.</summary>
    public CellParameters<T> Parameters => _parameters;

    /// <summary>Whether this is a forward-only sequence made by <see cref="CreateInferenceSession"/>.</summary>
    public bool IsInferenceSession => !_backward;

    /// <summary>
    /// A forward-only sequence over the same parameters (read, not copied) and rates, with its own smaller workspace
    /// sized for this one's <see cref="MaxBatch"/> and <see cref="MaxSteps"/>: it runs the cell's inference passes, which
    /// save nothing for backward, and its masks are their expectations. Backward throws. One per serving thread.
    /// </summary>
    public CellSequence<TCell, T> CreateInferenceSession() =>
        new(_parameters, MaxBatch, MaxSteps, backward: false, _maxWorkspaceBytes, _namedRates, sequential: _cell.Schedule.IsScan && !_useScan);

    /// <summary>
    /// ‖∂L/∂h_t‖₂ over the batch for every processing step t of the last Backward (h = the output state): how much
    /// each step's output still matters to the loss — the vanishing/exploding-gradient picture of the seeds.
    /// </summary>
    public ReadOnlySpan<T> StateGradientNorms => _stateGradientNorms.AsSpan(0, _gate.Recorded ? _inputShape.Steps : 0);

    /// <summary>
    /// Runs batch-first sequences: <paramref name="input"/> is [batch, steps, input], <paramref name="output"/>
    /// receives the output state of every step, [batch, steps, hidden]; <paramref name="initialStates"/> is
    /// [states, batch, hidden] or empty for zeros; <paramref name="finalStates"/> (same shape) may be empty.
    /// </summary>
    public void Forward(ReadOnlySpan<T> input, int batch, int steps, ReadOnlySpan<T> initialStates, Span<T> output, Span<T> finalStates) =>
        Forward(input, new SequenceShape(batch, steps, _inputSize), initialStates, output, new SequenceShape(batch, steps, StateWidth(_cell.OutputState)), finalStates);

    /// <summary>
    /// Runs sequences laid out as <paramref name="inputShape"/>, writing outputs as <paramref name="outputShape"/>
    /// (only the elements of the shape are written). <paramref name="lengths"/> (one per sequence, 1..steps) may be
    /// empty for full length; steps past a sequence's end output zero and keep its state, so its final state is the
    /// one at its own last step. With <paramref name="reverse"/>, each sequence is read from its own last step to its
    /// first, and each output is written at the position of the input it consumed. A cell with random masks
    /// (<see cref="CellInfo.Masks"/>) draws them from <paramref name="masks"/> (training); without it, or in a forward-only
    /// sequence, every mask is its expectation (inference: dropout is the identity, zoneout p·h + (1 − p)·candidate).
    /// </summary>
    public void Forward(ReadOnlySpan<T> input, SequenceShape inputShape, ReadOnlySpan<T> initialStates, Span<T> output,
        SequenceShape outputShape, Span<T> finalStates, ReadOnlySpan<int> lengths = default, bool reverse = false, MaskDraw? masks = null) =>
        Forward(input, inputShape, initialStates, output, outputShape, finalStates, lengths, reverse, masks, record: true);

    /// <summary>As the public Forward; with <paramref name="record"/> false it runs the cell's Infer passes and saves nothing for
    /// backward (a layer that is not training), and a Backward after it first recomputes the recording passes
    /// (<see cref="Recompute"/>); a scan cell's schedule likewise runs its inference passes.</summary>
    internal void Forward(ReadOnlySpan<T> input, SequenceShape inputShape, ReadOnlySpan<T> initialStates, Span<T> output,
        SequenceShape outputShape, Span<T> finalStates, ReadOnlySpan<int> lengths, bool reverse, MaskDraw? masks, bool record)
    {
        using var use = ExclusiveUse.Enter(ref _inUse, NotShared);
        int batch = inputShape.Batch, steps = inputShape.Steps;
        SequenceChecks.Sizes(batch, steps);
        var stateBlock = batch * _hidden;
        if (inputShape.Features != _inputSize)
            throw new ArgumentException($"The input has {inputShape.Features} features per step but the cell was built for input size {_inputSize}.", nameof(inputShape));
        var outputWidth = StateWidth(_cell.OutputState);
        if (outputShape.Batch != batch || outputShape.Steps != steps || outputShape.Features != outputWidth)
            throw new ArgumentException($"The output shape must be batch {batch}, steps {steps}, features {outputWidth}; got {outputShape}.", nameof(outputShape));
        CheckLength(input.Length, inputShape.RequiredLength, nameof(input), inputShape);
        CheckLength(output.Length, outputShape.RequiredLength, nameof(output), outputShape);
        CheckStates(initialStates.Length, (long)_statesLength * batch, nameof(initialStates), ShapeOfStates(batch));
        CheckStates(finalStates.Length, (long)_statesLength * batch, nameof(finalStates), ShapeOfStates(batch));
        if (batch > MaxBatch || steps > MaxSteps) Reserve(Math.Max(batch, MaxBatch), Math.Max(steps, MaxSteps));
        SetLengths(lengths, batch, steps);
        (_inputShape, _outputShape, _reverse) = (inputShape, outputShape, reverse);
        _recording = _backward && record;
        _gate.Clear();

        Gather(input, inputShape, _inputs, _inputSize);
        var stateStride = (steps + 1) * stateBlock;
        for (var s = 0; s < _stateCount; s++)
        {
            var first = s == _projectedState ? _projected.AsSpan(0, batch * _projection) : _states.AsSpan(s * stateStride, stateBlock);
            if (initialStates.IsEmpty) first.Clear();
            else initialStates.Slice(StateOffset(s, batch), first.Length).CopyTo(first);
        }

        _connections.Draw(_parameters, _backward ? masks : null);
        _packed = steps >= PackFromSteps;
        _split = _bfloat16 || (_packed && ResidentProduct<T>.Pays(batch));
        if (_split) LoadResident(batch);
        if (_packed) PackWeights(forward: true);
        _maskStep = _backward && masks is not null ? _cell.Masks.Count * stateBlock : 0;
        if (_maskStep == 0) _maskRates.Expect(_masks.AsSpan(), stateBlock);
        RunSteps(batch, steps, masks);
        WriteOutputs(output, outputShape, finalStates);
        _gate.Record();
    }

    /// <summary>The passes over the gathered inputs from the initial states (step 0 of the states), with the weights and
    /// masks of this call: the input products of all steps, then the steps. Draws each step's masks when given.</summary>
    private void RunSteps(int batch, int steps, MaskDraw? masks)
    {
        int h = _hidden, rows = batch * steps;
        // 1. The input products of all steps at once.
        for (var g = 0; g < _cell.Groups.Count; g++)
        {
            var group = _cell.Groups[g];
            if (group.Kind == OperandKind.Input)
                Gemm.Multiply<T>(false, true, rows, group.Matrices.Length * h, _inputSize, _inputs, _inputSize,
                    _parameters.Groups[g], _inputSize, _zx.AsSpan(group.Offset * h), _zxWidth, false);
        }
        if (_scan is not null) _scan.Forward(batch, steps, _zx, _states, _tape, _parameters.Vectors, _lengths.AsSpan(0, batch), _ragged, _recording);
        else
            for (var t = 0; t < steps; t++)
            {
                if (_maskStep > 0 && masks is { } draw) _maskRates.Draw(Masks(t), _masks, batch * h, t, draw);
                ForwardStep(t, batch, steps);
            }
    }

    /// <summary>
    /// Before a Backward of a Forward that did not record: the recording passes again, from what that Forward left — the
    /// gathered inputs, the initial states, the lengths and direction, the weights packed and the masks drawn for it — so
    /// the tape, the operands and the states are those a recording Forward writes (the step products add into Zx, so the
    /// input products are redone too). The caller's outputs are not touched. Costs one Forward.
    /// </summary>
    private void Recompute()
    {
        _recording = true;
        RunSteps(_inputShape.Batch, _inputShape.Steps, masks: null);
    }

    /// <summary>One step: recurrent products, the fused passes with same-step products between, and the ended sequences held.</summary>
    private void ForwardStep(int t, int batch, int steps)
    {
        int h = _hidden, stateBlock = batch * h, stateStride = (steps + 1) * stateBlock;
        var (operandAt, operandStride) = OperandLayout(t, batch, steps);
        // 2. Recurrent products of the previous states (added straight into Zx where the cell allows), then the
        //    fused passes, with the products of same-step operands in between.
        var zx = _zx.AsSpan(t * batch * _zxWidth, batch * _zxWidth);
        for (var g = 0; g < _cell.Groups.Count; g++)
        {
            var group = _cell.Groups[g];
            if (group.Kind != OperandKind.State) continue;
            var width = StateWidth(group.Operand);
            var state = PreviousState(group.Operand, t, batch, stateStride);
            var (fused, separate) = Split(group);
            var weights = _connections.Weights(g, _parameters).AsSpan();
            if (fused > 0)
                StateProduct(g, 0, batch, fused * h, width, state, weights, zx.Slice(group.FusedOffset * h), _zxWidth, true);
            if (separate > 0)
                StateProduct(g, 1, batch, separate * h, width, state, weights.Slice(fused * h * width), _zh.AsSpan(group.Offset * h), _zhWidth, false);
        }
        for (var stage = 0; stage < _cell.StageCount; stage++)
        {
            for (var g = 0; g < _cell.Groups.Count; g++)
            {
                var group = _cell.Groups[g];
                if (group.Kind == OperandKind.Stage && group.Stage == stage)
                    Product(_packs[g][1], batch, group.Matrices.Length * h, h,
                        _operands.AsSpan(group.Operand * operandStride + operandAt, stateBlock), true,
                        _parameters.Groups[g], _zs.AsSpan(group.Offset * h), _zsWidth, false);
            }
            ForwardStage(stage, t, batch, steps);
        }
        // 3. Sequences that have ended keep their state.
        if (_ragged)
            for (var b = 0; b < batch; b++)
                if (t >= _lengths[b])
                    for (var s = 0; s < _stateCount; s++)
                    {
                        var at = s * stateStride + t * stateBlock + b * h;
                        _states.AsSpan(at, h).CopyTo(_states.AsSpan(at + stateBlock, h));
                    }
        if (_projectedState >= 0) Project(t, batch, stateStride);
    }

    /// <summary>Where step t's stage operands start, and the stride from one operand to the next: every step's when
    /// recording; else the one step a forward that is not recorded keeps (Sizes: all a forward-only sequence has).</summary>
    private (int At, int Stride) OperandLayout(int t, int batch, int steps) =>
        _recording ? (t * batch * _hidden, batch * steps * _hidden) : (0, batch * _hidden);

    /// <summary>The tape of processing step t, [B][W·H]: its own block when recording for backward; else the one block a
    /// multi-stage cell's stages hand values on through, and nothing for a one-stage cell.</summary>
    private Span<T> StepTape(int t, int batch)
    {
        var block = batch * _cell.TapeWidth * _hidden;
        if (_recording) return _tape.AsSpan(t * block, block);
        return _tape.AsSpan(0, _cell.StageCount > 1 ? block : 0);
    }

    /// <summary>Copies each position's output state (zero past a sequence's end) and the final states to the caller.</summary>
    private void WriteOutputs(Span<T> output, SequenceShape outputShape, Span<T> finalStates)
    {
        int batch = outputShape.Batch, steps = outputShape.Steps, stateStride = (steps + 1) * batch * _hidden;
        CopyOutputs(output, outputShape);
        if (!finalStates.IsEmpty)
            for (var s = 0; s < _stateCount; s++)
                PreviousState(s, steps, batch, stateStride).CopyTo(finalStates.Slice(StateOffset(s, batch), batch * StateWidth(s)));
    }

    /// <summary>
    /// Back-propagates through time the gradients of the last <see cref="Forward(ReadOnlySpan{T}, SequenceShape, ReadOnlySpan{T}, Span{T}, SequenceShape, Span{T}, ReadOnlySpan{int}, bool, MaskDraw?)"/>
    /// (with the same masks):
    /// <param name="dOutput">d(loss)/d(output), laid out like the output; empty for zero.</param>
    /// <param name="dFinalStates">d(loss)/d(final states), [states, batch, hidden]; empty for zero.</param>
    /// <param name="gradients">Receives the parameter gradients (added).</param>
    /// <param name="dInput">Receives d(loss)/d(input), laid out like the input; empty to skip.</param>
    /// <param name="dInitialStates">Receives d(loss)/d(initial states), [states, batch, hidden]; empty to skip.</param>
    /// <param name="accumulateInput">Add to <paramref name="dInput"/> instead of overwriting it.</param>
    /// <paramref name="dOutput"/> (laid out like its output) and <paramref name="dFinalStates"/> ([states, batch, hidden])
    /// may each be empty (zero). Parameter gradients are added into <paramref name="gradients"/>;
    /// <paramref name="dInput"/> (laid out like the input) is overwritten, or added to with
    /// <paramref name="accumulateInput"/>, or skipped when empty; <paramref name="dInitialStates"/> is overwritten or skipped.
    /// </summary>
    /// <param name="retainGraph">Allow another Backward of the same Forward (PyTorch's retain_graph): the forward buffers
    /// survive a Backward, so a second pass adds exactly the same gradients again.</param>
    /// <exception cref="InvalidOperationException">No Forward yet, a Backward of this Forward already ran without
    /// <paramref name="retainGraph"/>, or this sequence is forward-only.</exception>
    public void Backward(ReadOnlySpan<T> dOutput, ReadOnlySpan<T> dFinalStates, CellParameters<T> gradients,
        Span<T> dInput, Span<T> dInitialStates, bool accumulateInput = false, bool retainGraph = false)
    {
        using var use = ExclusiveUse.Enter(ref _inUse, NotShared);
        _gate.RequireRecorded();
        ArgumentNullException.ThrowIfNull(gradients);
        if (gradients.Cell != _cell || gradients.InputSize != _inputSize || gradients.Hidden != _hidden || gradients.ProjectionSize != _projection)
            throw new ArgumentException($"gradients must have the layout of the parameters ({_cell.Name}, input {_inputSize}, hidden {_hidden}, projection {_projection}).", nameof(gradients));
        int batch = _inputShape.Batch, steps = _inputShape.Steps, h = _hidden, stateBlock = batch * h;
        CheckOptional(dOutput.Length, _outputShape.RequiredLength, nameof(dOutput), _outputShape);
        CheckStates(dFinalStates.Length, (long)_statesLength * batch, nameof(dFinalStates), ShapeOfStates(batch));
        CheckOptional(dInput.Length, _inputShape.RequiredLength, nameof(dInput), _inputShape);
        CheckStates(dInitialStates.Length, (long)_statesLength * batch, nameof(dInitialStates), ShapeOfStates(batch));
        _gate.Pass("CellSequence", retainGraph);
        if (!_recording) Recompute();

        if (_scan is not null) ScanBackward(_scan, dOutput, dFinalStates, gradients, dInitialStates);
        else BackwardSteps(dOutput, dFinalStates, gradients, dInitialStates);
        WeightGradients(gradients, computeInput: !dInput.IsEmpty);
        if (!dInput.IsEmpty)
        {
            if (_cell.InputWidth == 0) _dInputs.AsSpan(0, batch * steps * _inputSize).Clear();
            Scatter(_dInputs, dInput, _inputShape, _inputSize, accumulateInput);
        }
    }

    /// <summary>The sequential backward: step by step from the last, dNext and dPrev swapping roles.</summary>
    private void BackwardSteps(ReadOnlySpan<T> dOutput, ReadOnlySpan<T> dFinalStates, CellParameters<T> gradients, Span<T> dInitialStates)
    {
        int batch = _inputShape.Batch, stateBlock = batch * _hidden;
        var dNext = _dStatesA.AsSpan(0, _stateCount * stateBlock);
        var dPrev = _dStatesB.AsSpan(0, _stateCount * stateBlock);
        var dNextProjected = _dProjectedNext.AsSpan(0, batch * _projection);
        var dPrevProjected = _dProjectedPrev.AsSpan(0, batch * _projection);
        SplitStates(dFinalStates, dNext, dNextProjected, batch);
        _asideUsed = false;   // a Backward that threw midway left nothing to add
        if (_packed) PackWeights(forward: false);

        for (var t = _inputShape.Steps - 1; t >= 0; t--)
        {
            BackwardStep(t, dOutput, dNext, dPrev, dNextProjected, dPrevProjected, gradients);
            var swap = dNext;
            dNext = dPrev;
            dPrev = swap;
            swap = dNextProjected;
            dNextProjected = dPrevProjected;
            dPrevProjected = swap;
        }
        AddAside(gradients);
        JoinStates(dNext, dNextProjected, dInitialStates, batch);
    }

    /// <summary>The scan schedule's backward: each step's own gradients (its output; the final states at each sequence's
    /// last step) go in, the scan adds what later steps send back, and the norms are read from the result.</summary>
    private void ScanBackward(ScanSchedule<TCell, T> scan, ReadOnlySpan<T> dOutput, ReadOnlySpan<T> dFinalStates, CellParameters<T> gradients, Span<T> dInitialStates)
    {
        int batch = _inputShape.Batch, steps = _inputShape.Steps, h = _hidden, stateBlock = batch * h, output = _cell.OutputState;
        scan.BeginBackward(batch, steps);
        if (!dOutput.IsEmpty) CopyOutputGradients(scan, dOutput);
        for (var b = 0; b < batch; b++)
        {
            if (!dFinalStates.IsEmpty)
                for (var s = 0; s < _stateCount; s++)
                {
                    var row = scan.GradientBlock(batch, s, _lengths[b] - 1).Slice(b * h, h);
                    TensorPrimitives.Add(row, dFinalStates.Slice(s * stateBlock + b * h, h), row);
                }
        }
        scan.Backward(batch, steps, _states, _tape, _parameters.Vectors, _dzx, gradients.Vectors, dInitialStates);
        for (var t = 0; t < steps; t++)
        {
            // An ended sequence carries its final-state gradient through the step, as the sequential schedule holds it.
            var squares = TensorPrimitives.SumOfSquares<T>(scan.GradientBlock(batch, output, t));
            for (var b = 0; b < batch; b++)
                if (t >= _lengths[b] && !dFinalStates.IsEmpty)
                    squares += TensorPrimitives.SumOfSquares(dFinalStates.Slice(output * stateBlock + b * h, h));
            _stateGradientNorms[t] = T.Sqrt(squares);
        }
    }

    /// <summary>One step back in time: the step's output gradient joins dNext, the fused backward passes give d(products),
    /// and the per-step products give dPrev (the state gradients one step earlier).</summary>
    private void BackwardStep(int t, ReadOnlySpan<T> dOutput, Span<T> dNext, Span<T> dPrev, Span<T> dNextProjected, Span<T> dPrevProjected,
        CellParameters<T> gradients)
    {
        int batch = _inputShape.Batch, h = _hidden, stateBlock = batch * h;
        var width = StateWidth(_cell.OutputState);
        var dOut = _cell.OutputState == _projectedState ? dNextProjected : dNext.Slice(_cell.OutputState * stateBlock, stateBlock);
        if (!dOutput.IsEmpty)
        {
            for (var b = 0; b < batch; b++)
                if (t < _lengths[b])
                {
                    var row = dOut.Slice(b * width, width);
                    TensorPrimitives.Add(row, dOutput.Slice(_outputShape.Index(b, PositionOf(b, t)), width), row);
                }
        }
        _stateGradientNorms[t] = TensorPrimitives.Norm<T>(dOut);
        // An ended sequence passed its state through this step unchanged: hold its gradient aside.
        var held = _heldGradients.AsSpan(0, _stateCount * stateBlock);
        var heldProjected = _heldProjected.AsSpan(0, batch * _projection);
        var anyEnded = _ragged && HoldEnded(t, dNext, held, batch);
        if (anyEnded && _projectedState >= 0) HoldEndedProjected(t, dNextProjected, heldProjected, batch);
        if (_projectedState >= 0) ProjectBack(t, dNextProjected, dNext.Slice(_projectedState * stateBlock, stateBlock), batch);
        var dzx = _dzx.AsSpan(t * batch * _zxWidth, batch * _zxWidth);
        var dzh = _dzh.AsSpan(t * batch * _zhWidth, batch * _zhWidth);
        var dzs = _dzs.AsSpan(t * batch * _zsWidth, batch * _zsWidth);
        for (var stage = _cell.StageCount - 1; stage >= 0; stage--)
        {
            // Adjoints of this stage's operands come back through the matrices that read them in the next stage.
            for (var g = 0; g < _cell.Groups.Count; g++)
            {
                var group = _cell.Groups[g];
                if (group.Kind == OperandKind.Stage && group.Stage == stage + 1)
                    Product(_packs[g][3], batch, h, group.Matrices.Length * h, dzs.Slice(group.Offset * h), false,
                        _parameters.Groups[g], _dOperands.AsSpan(group.Operand * stateBlock, stateBlock), h, false, _zsWidth);
            }
            BackwardStage(stage, t, dNext, dPrev, gradients);
        }
        // The kernels store zero in dPrev of a state read only through matrices; its gradient comes from these products.
        dPrevProjected.Clear();
        for (var g = 0; g < _cell.Groups.Count; g++)
        {
            var group = _cell.Groups[g];
            if (group.Kind != OperandKind.State) continue;
            var operandWidth = StateWidth(group.Operand);
            var dState = group.Operand == _projectedState ? dPrevProjected : dPrev.Slice(group.Operand * stateBlock, stateBlock);
            var (fused, separate) = Split(group);
            var weights = _connections.Weights(g, _parameters).AsSpan();
            if (fused > 0)
                Product(_packs[g][2], batch, operandWidth, fused * h, dzx.Slice(group.FusedOffset * h), false, weights, dState, operandWidth, true, _zxWidth);
            if (separate > 0)
                Product(_packs[g][3], batch, operandWidth, separate * h, dzh.Slice(group.Offset * h), false, weights.Slice(fused * h * operandWidth),
                    dState, operandWidth, true, _zhWidth);
        }
        if (!anyEnded) return;
        TensorPrimitives.Add(dPrev, held, dPrev);
        TensorPrimitives.Add(dPrevProjected, heldProjected, dPrevProjected);
    }

    /// <summary>4. Weight gradients (added) and, when asked, the input gradient as large GEMMs over all steps.</summary>
    private void WeightGradients(CellParameters<T> gradients, bool computeInput)
    {
        int h = _hidden, rows = _inputShape.Batch * _inputShape.Steps, stateStride = (_inputShape.Steps + 1) * _inputShape.Batch * h;
        for (var g = 0; g < _cell.Groups.Count; g++)
        {
            var group = _cell.Groups[g];
            var n = group.Matrices.Length * h;
            switch (group.Kind)
            {
                case OperandKind.Input:
                    // Paired with the fused state products, which read the same d(products) (StateGradients).
                    if (g != s_sharedDzx.Input)
                        Gemm.Multiply<T>(true, false, n, _inputSize, rows, _dzx.AsSpan(group.Offset * h), _zxWidth,
                            _inputs, _inputSize, gradients.Groups[g], _inputSize, true);
                    if (computeInput) InputGradient(g, n, rows);
                    break;
                case OperandKind.State:
                    StateGradients(gradients, g, rows, stateStride);
                    break;
                case OperandKind.Stage:
                    Gemm.Multiply<T>(true, false, n, h, rows, _dzs.AsSpan(group.Offset * h), _zsWidth,
                        _operands.AsSpan(group.Operand * rows * h, rows * h), h, gradients.Groups[g], h, true);
                    break;
            }
        }
        if (_projectedState >= 0) ProjectionGradient(gradients, rows, stateStride);
    }

    /// <summary>dX = dZx·W over all steps, with W packed (into the input group's otherwise unused backward slot) so dZx is
    /// read in place rather than copied transposed into panels (<see cref="Gemm.MultiplyRowBlocks{T}"/>).</summary>
    private void InputGradient(int g, int n, int rows)
    {
        var packed = _packs[g][2];
        Gemm.Pack(false, n, _inputSize, _parameters.Groups[g], _inputSize, packed);
        Gemm.MultiplyRowBlocks<T>(rows, _dzx.AsSpan(_cell.Groups[g].Offset * _hidden), _zxWidth, packed, _dInputs, _inputSize, false);
    }

    /// <summary>A state group's weight gradient dU = dZᵀ·H_prev over all steps: the fused matrices' from dZx, together with
    /// the input group's dW when they read the same gates (one packing of dZx for both), the separate ones' from dZh.</summary>
    private void StateGradients(CellParameters<T> gradients, int g, int rows, int stateStride)
    {
        int h = _hidden;
        var group = _cell.Groups[g];
        var width = StateWidth(group.Operand);
        var states = group.Operand == _projectedState ? _projected.AsSpan(0, rows * width) : _states.AsSpan(group.Operand * stateStride, rows * h);
        var (fused, separate) = Split(group);
        // DropConnect: the GEMMs give d(U ⊙ M), masked into the gradient of U after.
        var masked = _connections.Masked(g);
        var target = masked ? _connections.GradientBuffer(g) : gradients.Groups[g];
        var dzx = _dzx.AsSpan(group.FusedOffset * h);
        if (g == s_sharedDzx.State)
        {
            var input = s_sharedDzx.Input;
            Gemm.Multiply<T>(true, rows, dzx, _zxWidth,
                new GemmProduct<T>(_cell.Groups[input].Matrices.Length * h, _inputs, _inputSize, false, _inputSize, gradients.Groups[input], _inputSize, true),
                new GemmProduct<T>(fused * h, states, width, false, width, target, width, !masked));
        }
        else if (fused > 0)
            Gemm.Multiply<T>(true, false, fused * h, width, rows, dzx, _zxWidth, states, width, target, width, !masked);
        if (separate > 0)
            Gemm.Multiply<T>(true, false, separate * h, width, rows, _dzh.AsSpan(group.Offset * h), _zhWidth,
                states, width, target.Slice(fused * h * width), width, !masked);
        if (masked) _connections.AddGradient(g, gradients.Groups[g]);
    }

    /// <summary>The input group and the first state group whose fused matrices feed its leading gates (the same columns
    /// of dZx start both products: LSTM's W and U, GRU's W and U_r, U_z), or −1 and −1.</summary>
    private static readonly (int Input, int State) s_sharedDzx = SharedDzx(TCell.Info);

    private static (int Input, int State) SharedDzx(CellInfo cell)
    {
        var input = cell.Groups.ToList().FindIndex(group => group.Kind == OperandKind.Input);
        if (input < 0) return (-1, -1);
        var (offset, width) = (cell.Groups[input].Offset, cell.Groups[input].Matrices.Length);
        var state = cell.Groups.ToList().FindIndex(group => group.Kind == OperandKind.State && group.FusedCount > 0
            && group.FusedOffset == offset && group.FusedCount <= width);
        return state < 0 ? (-1, -1) : (input, state);
    }

    /// <summary>Moves the state gradients of sequences that ended before step t out of the step (they skip it).</summary>
    private bool HoldEnded(int t, Span<T> dNext, Span<T> held, int batch)
    {
        var any = false;
        held.Clear();
        for (var b = 0; b < batch; b++)
        {
            if (t < _lengths[b]) continue;
            any = true;
            for (var s = 0; s < _stateCount; s++)
            {
                var row = dNext.Slice((s * batch + b) * _hidden, _hidden);
                row.CopyTo(held.Slice((s * batch + b) * _hidden, _hidden));
                row.Clear();
            }
        }
        return any;
    }

    /// <summary>The processing step that reads position <paramref name="position"/> of sequence b, or −1 past its end.</summary>
    private int StepAt(int b, int position)
    {
        var length = _lengths[b];
        if (position >= length) return -1;
        return _reverse ? length - 1 - position : position;
    }

    /// <summary>The position of sequence b that processing step t reads (t below the sequence's length).</summary>
    private int PositionOf(int b, int t) => _reverse ? _lengths[b] - 1 - t : t;

    private void SetLengths(ReadOnlySpan<int> lengths, int batch, int steps)
    {
        _ragged = SequenceChecks.Lengths(lengths, batch, steps);
        if (lengths.IsEmpty) _lengths.AsSpan(0, batch).Fill(steps);
        else lengths.CopyTo(_lengths);
    }

    /// <summary>
    /// One per-step product C[m×n] (+)= A[m×k]·op(B): with the weights pre-packed when this call packed them, else
    /// straight from the weights (op(B) = Bᵀ when <paramref name="transB"/>; B's row length is k when transposed, else n).
    /// </summary>
    private void Product(PackedMatrix<T> packed, int m, int n, int k, ReadOnlySpan<T> a, bool transB, ReadOnlySpan<T> b,
        Span<T> c, int ldc, bool accumulate, int lda = 0)
    {
        lda = lda == 0 ? k : lda;
        if (_packed) Gemm.Multiply(false, m, a, lda, packed, c, ldc, accumulate);
        else Gemm.Multiply(false, transB, m, n, k, a, lda, b, transB ? k : n, c, ldc, accumulate);
    }

    /// <summary>A state group's recurrent product C[m×n] (+)= A[m×k]·Uᵀ of its fused (part 0) or separate (part 1) matrices:
    /// split across threads when this call loaded them so (<see cref="LoadResident"/>), else as every per-step product.</summary>
    private void StateProduct(int g, int part, int m, int n, int k, ReadOnlySpan<T> a, ReadOnlySpan<T> u, Span<T> c, int ldc, bool accumulate)
    {
        if (_split) _resident[g][part].Multiply(m, a, k, c, ldc, accumulate);
        else Product(_packs[g][part], m, n, k, a, true, u, c, ldc, accumulate);
    }

    /// <summary>Stores the state groups' recurrent weights for <see cref="StateProduct"/>, split across the threads Gemm may
    /// use: every Forward, so they always match the parameters (and the connection masks drawn for the call).</summary>
    private void LoadResident(int batch)
    {
        var h = _hidden;
        for (var g = 0; g < _cell.Groups.Count; g++)
        {
            var group = _cell.Groups[g];
            if (group.Kind != OperandKind.State) continue;
            var weights = _connections.Weights(g, _parameters).AsSpan();
            var width = StateWidth(group.Operand);
            var (fused, separate) = Split(group);
            if (fused > 0) _resident[g][0].Load(weights, fused * h, width, batch);
            if (separate > 0) _resident[g][1].Load(weights.Slice(fused * h * width), separate * h, width, batch);
        }
    }

    /// <summary>Packs the weights of the per-step products: forward multiplies by Uᵀ, backward by U.</summary>
    private void PackWeights(bool forward)
    {
        var h = _hidden;
        for (var g = 0; g < _cell.Groups.Count; g++)
        {
            var group = _cell.Groups[g];
            if (group.Kind == OperandKind.Input) continue;
            if (forward && _split && group.Kind == OperandKind.State) continue;   // multiplied by _resident
            var weights = _connections.Weights(g, _parameters).AsSpan();
            var width = group.Kind == OperandKind.State ? StateWidth(group.Operand) : h;
            var (fused, separate) = Split(group);
            var first = forward ? 0 : 2;
            if (fused > 0) Pack(forward, fused * h, width, weights, _packs[g][first]);
            if (separate > 0) Pack(forward, separate * h, width, weights.Slice(fused * h * width), _packs[g][first + 1]);
        }
    }

    /// <summary>Packs rows [0, rows) of a [rows, width] weight block as Bᵀ (forward: k = width, n = rows) or B (backward: k = rows, n = width).</summary>
    private static void Pack(bool forward, int rows, int width, ReadOnlySpan<T> weights, PackedMatrix<T> into)
    {
        if (forward) Gemm.Pack(true, width, rows, weights, width, into);
        else Gemm.Pack(false, rows, width, weights, width, into);
    }

    /// <summary>How many of a state group's matrices accumulate into Zx, and how many go through Zh.</summary>
    private static (int Fused, int Separate) Split(MatrixGroupInfo group) => (group.FusedCount, group.Matrices.Length - group.FusedCount);

    /// <summary>The masks processing step t reads, [masks, batch, H]: its own block after a training draw, else the expectations.</summary>
    private Span<T> Masks(int t) => _masks.AsSpan(t * _maskStep, _cell.Masks.Count * _inputShape.Batch * _hidden);

    /// <summary>The rate of each of the cell's masks (<see cref="CellInfo.Masks"/>): the declared number, or the value given
    /// for a named rate (0 when not given).</summary>
    public IReadOnlyList<double> Rates => _maskRates.Rates;

    /// <summary>The rest of a buffer from an offset; cells without stage operands have an empty operand buffer.</summary>
    private static Span<T> From(T[] buffer, int start) => buffer.Length == 0 ? default : buffer.AsSpan(start);

    private static void CheckLength<TShape>(int actual, long expected, string name, TShape shape) where TShape : struct
    {
        if (actual < expected)
            throw new ArgumentException($"{name} must hold {expected} elements {shape}, but holds {actual}.", name);
    }

    private static void CheckOptional<TShape>(int actual, long expected, string name, TShape shape) where TShape : struct
    {
        if (actual != 0) CheckLength(actual, expected, name, shape);
    }

    /// <summary>State buffers have exactly one layout: a length that differs means a wrong batch or state count.</summary>
    private static void CheckStates(int actual, long expected, string name, StatesShape shape)
    {
        if (actual != 0 && actual != expected)
            throw new ArgumentException($"{name} must hold {expected} elements {shape}, but holds {actual}.", name);
    }
}
