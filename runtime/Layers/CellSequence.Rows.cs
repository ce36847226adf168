using System.Numerics.Tensors;

namespace RnnGen;

// A step's generated passes over some rows of the batch: every row is independent, so with two threads a large batch's
// passes run in two halves at once (BatchThreads, BatchWork.Step). A half is a view of its rows in every buffer, with
// the whole batch's strides; the backward's second half adds its vector and scalar gradients into buffers of its own,
// added to the gradients after the loop (so they may differ from one thread's in the last bits).
public sealed unsafe partial class CellSequence<TCell, T>
{
    // The second half's gradients of the vectors and scalars ([vectors·H], [scalars]); _asideUsed: a half wrote them.
    private readonly T[] _dVectorsAside, _dScalarsAside;
    private bool _asideUsed;

    /// <summary>Runs forward stage <paramref name="stage"/> of processing step t, in two halves of the batch when worth it.</summary>
    private void ForwardStage(int stage, int t, int batch, int steps)
    {
        var job = new ForwardRowsJob(this, stage, t, batch, steps);
        BatchThreads.Run(ref job, batch, (long)batch * _hidden, BatchWork.Step);
    }

    /// <summary>Forward stage of step t for rows [first, end): the recording pass, or the inference pass when not recording.</summary>
    private void ForwardRows(int stage, int t, int batch, int steps, int first, int end)
    {
        int h = _hidden, stateBlock = batch * h, stateStride = (steps + 1) * stateBlock, rows = end - first;
        var (operandAt, operandStride) = OperandLayout(t, batch, steps);
        var step = new CellForwardStep<T>(rows, h, _zx.AsSpan((t * batch + first) * _zxWidth, rows * _zxWidth),
            _zh.AsSpan(first * _zhWidth), _zs.AsSpan(first * _zsWidth), _parameters.Vectors,
            _states.AsSpan(t * stateBlock + first * h), _states.AsSpan((t + 1) * stateBlock + first * h), stateStride,
            From(_operands, operandAt + first * h), operandStride, RowsOf(StepTape(t, batch), first * _cell.TapeWidth * h),
            RowsOf(Masks(t), first * h), _parameters.Scalars, maskStride: stateBlock);
        if (_recording) TCell.Forward(stage, step);
        else TCell.Infer(stage, step); // nothing will read this step back: no tape stores
    }

    /// <summary>Runs backward stage <paramref name="stage"/> of processing step t, in two halves of the batch when worth it.</summary>
    private void BackwardStage(int stage, int t, Span<T> dNext, Span<T> dPrev, CellParameters<T> gradients)
    {
        int batch = _inputShape.Batch;
        fixed (T* next = dNext, prev = dPrev)
        {
            var job = new BackwardRowsJob(this, stage, t, next, prev, dNext.Length, gradients);
            BatchThreads.Run(ref job, batch, (long)batch * _hidden, BatchWork.Step);
        }
    }

    /// <summary>Backward stage of step t for rows [first, end); rows after the first half's add their parameter gradients aside.</summary>
    private void BackwardRows(int stage, int t, Span<T> dNext, Span<T> dPrev, CellParameters<T> gradients, int first, int end)
    {
        int batch = _inputShape.Batch, steps = _inputShape.Steps, h = _hidden, stateBlock = batch * h, rows = end - first;
        int stateStride = (steps + 1) * stateBlock, tapeBlock = batch * _cell.TapeWidth * h;
        var (operandAt, operandStride) = OperandLayout(t, batch, steps);   // recording's: Backward recomputed if need be
        var (dVectors, dScalars) = first == 0 ? (gradients.Vectors, gradients.Scalars) : Aside();
        TCell.Backward(stage, new CellBackwardStep<T>(rows, h, _parameters.Vectors,
            _states.AsSpan(t * stateBlock + first * h), _states.AsSpan((t + 1) * stateBlock + first * h), stateStride,
            From(_operands, operandAt + first * h), operandStride,
            RowsOf(_tape.AsSpan(t * tapeBlock, tapeBlock), first * _cell.TapeWidth * h), RowsOf(_carry.AsSpan(0, batch * _cell.CarryWidth * h), first * _cell.CarryWidth * h),
            dNext.Slice(first * h), dPrev.Slice(first * h),
            _dzx.AsSpan((t * batch + first) * _zxWidth, rows * _zxWidth), _dzh.AsSpan((t * batch + first) * _zhWidth, rows * _zhWidth),
            _dzs.AsSpan((t * batch + first) * _zsWidth, rows * _zsWidth), RowsOf(_dOperands.AsSpan(0, _operandCount * stateBlock), first * h),
            dVectors, RowsOf(Masks(t), first * h), _parameters.Scalars, dScalars, gradientStride: stateBlock, maskStride: stateBlock));
    }

    /// <summary>The second half's gradient buffers ([vectors·H], [scalars]), zeroed on first use in a Backward.</summary>
    private (T[] Vectors, T[] Scalars) Aside()
    {
        if (!_asideUsed)
        {
            Array.Clear(_dVectorsAside);
            Array.Clear(_dScalarsAside);
            _asideUsed = true;
        }
        return (_dVectorsAside, _dScalarsAside);
    }

    /// <summary>After a Backward's loop: the second half's vector and scalar gradients join the others.</summary>
    private void AddAside(CellParameters<T> gradients)
    {
        if (!_asideUsed) return;
        TensorPrimitives.Add(gradients.Vectors, _dVectorsAside, gradients.Vectors);
        TensorPrimitives.Add(gradients.Scalars, _dScalarsAside, gradients.Scalars);
        _asideUsed = false;
    }

    /// <summary>The rows from an offset on; a buffer the step does not use stays empty.</summary>
    private static Span<T> RowsOf(Span<T> buffer, int offset) => buffer.IsEmpty ? buffer : buffer.Slice(offset);

    private readonly struct ForwardRowsJob(CellSequence<TCell, T> owner, int stage, int t, int batch, int steps) : IBatchJob
    {
        public void Run(int first, int end) => owner.ForwardRows(stage, t, batch, steps, first, end);
    }

    // The state gradients travel as pointers: the caller pins them and waits for both halves.
    private readonly struct BackwardRowsJob(CellSequence<TCell, T> owner, int stage, int t, T* dNext, T* dPrev, int length,
        CellParameters<T> gradients) : IBatchJob
    {
        public void Run(int first, int end) => owner.BackwardRows(stage, t, new Span<T>(dNext, length), new Span<T>(dPrev, length),
            gradients, first, end);
    }
}
