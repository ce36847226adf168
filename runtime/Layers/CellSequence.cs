using System.Numerics;
using RnnGen.Kernels;

namespace RnnGen;

/// <summary>
/// Runs a generated cell over a batch of sequences and back-propagates through time (design.md §4):
/// all input products in one GEMM, per step a small GEMM per recurrent group and the fused generated passes,
/// and after the backward loop the weight gradients as large GEMMs over all steps.
/// Sequences are batch-first, [batch, steps, features]; states are [states, batch, hidden].
/// The workspace is sized once: after the first call Forward and Backward allocate nothing.
/// </summary>
public sealed class CellSequence<TCell, T>
    where TCell : IRecurrentCell
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly CellInfo _cell = TCell.Info;
    private readonly CellParameters<T> _parameters;
    private readonly int _hidden, _inputSize, _stateCount, _operandCount;
    private readonly int _zxWidth, _zhWidth, _zsWidth;
    // Forward: time-major input, input products of every step, every state of every step ([S][T+1][B][H]),
    // stage operands ([O][T][B][H]), the tape of every step, and per-step Zh/Zs.
    private readonly T[] _inputs, _zx, _states, _operands, _tape, _zh, _zs;
    // Backward: d(products) of every step (for the weight GEMMs), per-step state/operand adjoints.
    private readonly T[] _dzx, _dzh, _dzs, _dInputs, _dStatesA, _dStatesB, _dOperands, _carry;
    private int _batch, _steps;
    private bool _forwardDone;

    public CellSequence(CellParameters<T> parameters, int maxBatch, int maxSteps)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Cell != _cell)
            throw new ArgumentException($"The parameters belong to cell {parameters.Cell.Name}, not {_cell.Name}.", nameof(parameters));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBatch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxSteps);
        _parameters = parameters;
        MaxBatch = maxBatch;
        MaxSteps = maxSteps;
        _hidden = parameters.Hidden;
        _inputSize = parameters.InputSize;
        _stateCount = _cell.States.Count;
        _operandCount = _cell.OperandStages.Count;
        (_zxWidth, _zhWidth, _zsWidth) = (_cell.InputWidth * _hidden, _cell.RecurrentWidth * _hidden, _cell.StageWidth * _hidden);

        long rows = (long)maxBatch * maxSteps;
        _inputs = Allocate(rows * _inputSize);
        _zx = Allocate(rows * _zxWidth);
        _states = Allocate((long)_stateCount * (maxSteps + 1) * maxBatch * _hidden);
        _operands = Allocate((long)_operandCount * rows * _hidden);
        _tape = Allocate(rows * _cell.TapeWidth * _hidden);
        _zh = Allocate((long)maxBatch * _zhWidth);
        _zs = Allocate((long)maxBatch * _zsWidth);
        _dzx = Allocate(rows * _zxWidth);
        _dzh = Allocate(rows * _zhWidth);
        _dzs = Allocate(rows * _zsWidth);
        _dInputs = Allocate(rows * _inputSize);
        _dStatesA = Allocate((long)_stateCount * maxBatch * _hidden);
        _dStatesB = Allocate((long)_stateCount * maxBatch * _hidden);
        _dOperands = Allocate((long)_operandCount * maxBatch * _hidden);
        _carry = Allocate((long)maxBatch * _cell.CarryWidth * _hidden);
    }

    private static T[] Allocate(long length) =>
        length <= Array.MaxLength ? new T[length] : throw new ArgumentException($"The workspace would need {length} elements, more than one array holds; lower maxBatch or maxSteps.");

    public int MaxBatch { get; }
    public int MaxSteps { get; }
    public CellInfo Cell => _cell;

    /// <summary>
    /// Runs the sequences. <paramref name="initialStates"/> is [states, batch, hidden] or empty for zeros;
    /// <paramref name="output"/> receives the output state of every step, [batch, steps, hidden];
    /// <paramref name="finalStates"/> ([states, batch, hidden]) may be empty.
    /// </summary>
    public void Forward(ReadOnlySpan<T> input, int batch, int steps, ReadOnlySpan<T> initialStates, Span<T> output, Span<T> finalStates)
    {
        CheckSizes(batch, steps);
        int h = _hidden, rows = batch * steps, stateBlock = batch * h;
        CheckLength(input.Length, (long)rows * _inputSize, nameof(input), new Shape("batch", batch, "steps", steps, "input", _inputSize));
        CheckOptional(initialStates.Length, (long)_stateCount * stateBlock, nameof(initialStates), new Shape("states", _stateCount, "batch", batch, "hidden", h));
        CheckLength(output.Length, (long)rows * h, nameof(output), new Shape("batch", batch, "steps", steps, "hidden", h));
        CheckOptional(finalStates.Length, (long)_stateCount * stateBlock, nameof(finalStates), new Shape("states", _stateCount, "batch", batch, "hidden", h));
        _batch = batch;
        _steps = steps;

        ToTimeMajor(input, _inputs, batch, steps, _inputSize);
        var stateStride = (steps + 1) * stateBlock;
        var operandStride = rows * h;
        for (var s = 0; s < _stateCount; s++)
        {
            var first = _states.AsSpan(s * stateStride, stateBlock);
            if (initialStates.IsEmpty) first.Clear();
            else initialStates.Slice(s * stateBlock, stateBlock).CopyTo(first);
        }

        // 1. The input products of all steps at once.
        for (var g = 0; g < _cell.Groups.Count; g++)
        {
            var group = _cell.Groups[g];
            if (group.Kind == OperandKind.Input)
                Gemm.Multiply<T>(false, true, rows, group.Matrices.Length * h, _inputSize, _inputs, _inputSize,
                    _parameters.Groups[g], _inputSize, _zx.AsSpan(group.Offset * h), _zxWidth, false);
        }

        for (var t = 0; t < steps; t++)
        {
            // 2. Recurrent products of the previous states, then the fused passes (stage products in between).
            var zx = _zx.AsSpan(t * batch * _zxWidth, batch * _zxWidth);
            for (var g = 0; g < _cell.Groups.Count; g++)
            {
                var group = _cell.Groups[g];
                if (group.Kind != OperandKind.State) continue;
                var state = _states.AsSpan(group.Operand * stateStride + t * stateBlock, stateBlock);
                var (fused, separate) = Split(group);
                var weights = _parameters.Groups[g].AsSpan();
                if (fused > 0)
                    Gemm.Multiply<T>(false, true, batch, fused * h, h, state, h, weights, h, zx.Slice(group.FusedOffset * h), _zxWidth, true);
                if (separate > 0)
                    Gemm.Multiply<T>(false, true, batch, separate * h, h, state, h, weights.Slice(fused * h * h), h, _zh.AsSpan(group.Offset * h), _zhWidth, false);
            }
            for (var stage = 0; stage < _cell.StageCount; stage++)
            {
                for (var g = 0; g < _cell.Groups.Count; g++)
                {
                    var group = _cell.Groups[g];
                    if (group.Kind == OperandKind.Stage && group.Stage == stage)
                        Gemm.Multiply<T>(false, true, batch, group.Matrices.Length * h, h,
                            _operands.AsSpan(group.Operand * operandStride + t * stateBlock, stateBlock), h,
                            _parameters.Groups[g], h, _zs.AsSpan(group.Offset * h), _zsWidth, false);
                }
                TCell.Forward(stage, new CellForwardStep<T>(batch, h, zx, _zh, _zs, _parameters.Vectors,
                    _states.AsSpan(t * stateBlock), _states.AsSpan((t + 1) * stateBlock), stateStride,
                    From(_operands, t * stateBlock), operandStride,
                    _tape.AsSpan(t * batch * _cell.TapeWidth * h, batch * _cell.TapeWidth * h)));
            }
        }

        var outputStates = _states.AsSpan(_cell.OutputState * stateStride);
        for (var t = 0; t < steps; t++)
            for (var b = 0; b < batch; b++)
                outputStates.Slice((t + 1) * stateBlock + b * h, h).CopyTo(output.Slice((b * steps + t) * h, h));
        if (!finalStates.IsEmpty)
            for (var s = 0; s < _stateCount; s++)
                _states.AsSpan(s * stateStride + steps * stateBlock, stateBlock).CopyTo(finalStates.Slice(s * stateBlock, stateBlock));
        _forwardDone = true;
    }

    /// <summary>
    /// Back-propagates through time the gradients of the last <see cref="Forward"/>: <paramref name="dOutput"/>
    /// ([batch, steps, hidden]) and <paramref name="dFinalStates"/> ([states, batch, hidden]) may each be empty (zero).
    /// Parameter gradients are added into <paramref name="gradients"/>; <paramref name="dInput"/> and
    /// <paramref name="dInitialStates"/> are overwritten, or skipped when empty.
    /// </summary>
    public void Backward(ReadOnlySpan<T> dOutput, ReadOnlySpan<T> dFinalStates, CellParameters<T> gradients, Span<T> dInput, Span<T> dInitialStates)
    {
        if (!_forwardDone) throw new InvalidOperationException("Backward needs a Forward call first.");
        ArgumentNullException.ThrowIfNull(gradients);
        if (gradients.Cell != _cell || gradients.InputSize != _inputSize || gradients.Hidden != _hidden)
            throw new ArgumentException($"gradients must have the layout of the parameters ({_cell.Name}, input {_inputSize}, hidden {_hidden}).", nameof(gradients));
        int batch = _batch, steps = _steps, h = _hidden, rows = batch * steps, stateBlock = batch * h;
        CheckOptional(dOutput.Length, (long)rows * h, nameof(dOutput), new Shape("batch", batch, "steps", steps, "hidden", h));
        CheckOptional(dFinalStates.Length, (long)_stateCount * stateBlock, nameof(dFinalStates), new Shape("states", _stateCount, "batch", batch, "hidden", h));
        CheckOptional(dInput.Length, (long)rows * _inputSize, nameof(dInput), new Shape("batch", batch, "steps", steps, "input", _inputSize));
        CheckOptional(dInitialStates.Length, (long)_stateCount * stateBlock, nameof(dInitialStates), new Shape("states", _stateCount, "batch", batch, "hidden", h));

        var stateStride = (steps + 1) * stateBlock;
        var operandStride = rows * h;
        var tapeBlock = batch * _cell.TapeWidth * h;
        var dNext = _dStatesA.AsSpan(0, _stateCount * stateBlock);
        var dPrev = _dStatesB.AsSpan(0, _stateCount * stateBlock);
        if (dFinalStates.IsEmpty) dNext.Clear();
        else dFinalStates.CopyTo(dNext);

        for (var t = steps - 1; t >= 0; t--)
        {
            if (!dOutput.IsEmpty)
            {
                var dOut = dNext.Slice(_cell.OutputState * stateBlock, stateBlock);
                for (var b = 0; b < batch; b++)
                {
                    var row = dOut.Slice(b * h, h);
                    System.Numerics.Tensors.TensorPrimitives.Add(row, dOutput.Slice((b * steps + t) * h, h), row);
                }
            }
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
                        Gemm.Multiply<T>(false, false, batch, h, group.Matrices.Length * h, dzs.Slice(group.Offset * h), _zsWidth,
                            _parameters.Groups[g], h, _dOperands.AsSpan(group.Operand * stateBlock, stateBlock), h, false);
                }
                TCell.Backward(stage, new CellBackwardStep<T>(batch, h, _parameters.Vectors,
                    _states.AsSpan(t * stateBlock), _states.AsSpan((t + 1) * stateBlock), stateStride,
                    From(_operands, t * stateBlock), operandStride,
                    _tape.AsSpan(t * tapeBlock, tapeBlock), _carry,
                    dNext, dPrev, dzx, dzh, dzs, _dOperands.AsSpan(0, _operandCount * stateBlock), gradients.Vectors));
            }
            for (var g = 0; g < _cell.Groups.Count; g++)
            {
                var group = _cell.Groups[g];
                if (group.Kind != OperandKind.State) continue;
                var dState = dPrev.Slice(group.Operand * stateBlock, stateBlock);
                var (fused, separate) = Split(group);
                var weights = _parameters.Groups[g].AsSpan();
                if (fused > 0)
                    Gemm.Multiply<T>(false, false, batch, h, fused * h, dzx.Slice(group.FusedOffset * h), _zxWidth, weights, h, dState, h, true);
                if (separate > 0)
                    Gemm.Multiply<T>(false, false, batch, h, separate * h, dzh.Slice(group.Offset * h), _zhWidth, weights.Slice(fused * h * h), h, dState, h, true);
            }
            var swap = dNext;
            dNext = dPrev;
            dPrev = swap;
        }
        if (!dInitialStates.IsEmpty) dNext.CopyTo(dInitialStates);

        // 4. Weight gradients and the input gradient as large GEMMs over all steps.
        for (var g = 0; g < _cell.Groups.Count; g++)
        {
            var group = _cell.Groups[g];
            var n = group.Matrices.Length * h;
            switch (group.Kind)
            {
                case OperandKind.Input:
                    Gemm.Multiply<T>(true, false, n, _inputSize, rows, _dzx.AsSpan(group.Offset * h), _zxWidth,
                        _inputs, _inputSize, gradients.Groups[g], _inputSize, true);
                    if (!dInput.IsEmpty)
                        Gemm.Multiply<T>(false, false, rows, _inputSize, n, _dzx.AsSpan(group.Offset * h), _zxWidth,
                            _parameters.Groups[g], _inputSize, _dInputs, _inputSize, false);
                    break;
                case OperandKind.State:
                    var states = _states.AsSpan(group.Operand * stateStride, rows * h);
                    var (fused, separate) = Split(group);
                    if (fused > 0)
                        Gemm.Multiply<T>(true, false, fused * h, h, rows, _dzx.AsSpan(group.FusedOffset * h), _zxWidth,
                            states, h, gradients.Groups[g], h, true);
                    if (separate > 0)
                        Gemm.Multiply<T>(true, false, separate * h, h, rows, _dzh.AsSpan(group.Offset * h), _zhWidth,
                            states, h, gradients.Groups[g].AsSpan(fused * h * h), h, true);
                    break;
                case OperandKind.Stage:
                    Gemm.Multiply<T>(true, false, n, h, rows, _dzs.AsSpan(group.Offset * h), _zsWidth,
                        _operands.AsSpan(group.Operand * operandStride, rows * h), h, gradients.Groups[g], h, true);
                    break;
            }
        }
        if (!dInput.IsEmpty)
        {
            if (_cell.InputWidth == 0) dInput.Clear();
            else FromTimeMajor(_dInputs, dInput, batch, steps, _inputSize);
        }
    }

    /// <summary>How many of a state group's matrices accumulate into Zx, and how many go through Zh.</summary>
    private static (int Fused, int Separate) Split(MatrixGroupInfo group) => (group.FusedCount, group.Matrices.Length - group.FusedCount);

    /// <summary>The rest of a buffer from an offset; cells without stage operands have an empty operand buffer.</summary>
    private static Span<T> From(T[] buffer, int start) => buffer.Length == 0 ? default : buffer.AsSpan(start);

    private void CheckSizes(int batch, int steps)
    {
        if (batch <= 0 || batch > MaxBatch)
            throw new ArgumentOutOfRangeException(nameof(batch), batch, $"The batch size must be between 1 and {MaxBatch} (the size this sequence was created for).");
        if (steps <= 0)
            throw new ArgumentOutOfRangeException(nameof(steps), steps, "A sequence needs at least one step; zero-length sequences have no output.");
        if (steps > MaxSteps)
            throw new ArgumentOutOfRangeException(nameof(steps), steps, $"The sequence has {steps} steps, more than the {MaxSteps} this sequence was created for.");
    }

    /// <summary>A tensor shape for error messages, formatted only when a check fails (so checks allocate nothing).</summary>
    private readonly record struct Shape(string Name1, int Size1, string Name2, int Size2, string Name3, int Size3)
    {
        public override string ToString() => $"[{Name1} {Size1}, {Name2} {Size2}, {Name3} {Size3}]";
    }

    private static void CheckLength(int actual, long expected, string name, Shape shape)
    {
        if (actual != expected)
            throw new ArgumentException($"{name} must hold {expected} elements {shape}, but holds {actual}.", name);
    }

    private static void CheckOptional(int actual, long expected, string name, Shape shape)
    {
        if (actual != 0) CheckLength(actual, expected, name, shape);
    }

    private static void ToTimeMajor(ReadOnlySpan<T> source, Span<T> target, int batch, int steps, int width)
    {
        for (var b = 0; b < batch; b++)
            for (var t = 0; t < steps; t++)
                source.Slice((b * steps + t) * width, width).CopyTo(target.Slice((t * batch + b) * width, width));
    }

    private static void FromTimeMajor(ReadOnlySpan<T> source, Span<T> target, int batch, int steps, int width)
    {
        for (var b = 0; b < batch; b++)
            for (var t = 0; t < steps; t++)
                source.Slice((t * batch + b) * width, width).CopyTo(target.Slice((b * steps + t) * width, width));
    }
}
