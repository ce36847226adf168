using System.Numerics.Tensors;

namespace RnnGen;

// Moving rows between the caller's layout and processing order (time-major, each sequence from its own first step):
// every sequence's rows are independent, so large batches split in two halves (BatchThreads).
public sealed unsafe partial class CellSequence<TCell, T>
{
    /// <summary>Copies the input into processing order, time-major, zero past each sequence's end.</summary>
    private void Gather(ReadOnlySpan<T> source, SequenceShape shape, Span<T> target, int width)
    {
        fixed (T* from = source, to = target)
        {
            var job = new GatherJob(this, from, source.Length, shape, to, target.Length, width);
            BatchThreads.Run(ref job, shape.Batch, (long)shape.Steps * shape.Batch * width);
        }
    }

    private void GatherRows(ReadOnlySpan<T> source, SequenceShape shape, Span<T> target, int width, int first, int end)
    {
        for (var t = 0; t < shape.Steps; t++)
            for (var b = first; b < end; b++)
            {
                var row = target.Slice((t * shape.Batch + b) * width, width);
                if (t < _lengths[b]) source.Slice(shape.Index(b, PositionOf(b, t)), width).CopyTo(row);
                else row.Clear();
            }
    }

    /// <summary>Copies time-major processing-order rows back to the caller's layout (zero past each sequence's end).</summary>
    private void Scatter(ReadOnlySpan<T> source, Span<T> target, SequenceShape shape, int width, bool accumulate)
    {
        fixed (T* from = source, to = target)
        {
            var job = new ScatterJob(this, from, source.Length, to, target.Length, shape, width, accumulate);
            BatchThreads.Run(ref job, shape.Batch, (long)shape.Steps * shape.Batch * width);
        }
    }

    private void ScatterRows(ReadOnlySpan<T> source, Span<T> target, SequenceShape shape, int width, bool accumulate, int first, int end)
    {
        for (var b = first; b < end; b++)
            for (var position = 0; position < shape.Steps; position++)
            {
                var row = target.Slice(shape.Index(b, position), width);
                var t = StepAt(b, position);
                if (t < 0) { if (!accumulate) row.Clear(); continue; }
                var from = source.Slice((t * shape.Batch + b) * width, width);
                if (accumulate) TensorPrimitives.Add(row, from, row);
                else from.CopyTo(row);
            }
    }

    /// <summary>Copies each position's output state to the caller's layout (zero past a sequence's end).</summary>
    private void CopyOutputs(Span<T> output, SequenceShape outputShape)
    {
        fixed (T* to = output)
        {
            var job = new OutputsJob(this, to, output.Length, outputShape);
            BatchThreads.Run(ref job, outputShape.Batch, (long)outputShape.Steps * outputShape.Batch * StateWidth(_cell.OutputState));
        }
    }

    private void CopyOutputRows(Span<T> output, SequenceShape outputShape, int first, int end)
    {
        int batch = outputShape.Batch, stateStride = (outputShape.Steps + 1) * batch * _hidden, width = StateWidth(_cell.OutputState);
        for (var b = first; b < end; b++)
            for (var position = 0; position < outputShape.Steps; position++)
            {
                var target = output.Slice(outputShape.Index(b, position), width);
                var t = StepAt(b, position);
                if (t < 0) target.Clear();
                else PreviousState(_cell.OutputState, t + 1, batch, stateStride).Slice(b * width, width).CopyTo(target);
            }
    }

    /// <summary>The scan schedule's backward: each step's output gradient into its block of d(new states).</summary>
    private void CopyOutputGradients(ScanSchedule<TCell, T> scan, ReadOnlySpan<T> dOutput)
    {
        fixed (T* from = dOutput)
        {
            var job = new OutputGradientsJob(this, scan, from, dOutput.Length);
            BatchThreads.Run(ref job, _inputShape.Batch, (long)_inputShape.Steps * _inputShape.Batch * _hidden);
        }
    }

    private void CopyOutputGradientRows(ScanSchedule<TCell, T> scan, ReadOnlySpan<T> dOutput, int first, int end)
    {
        int batch = _inputShape.Batch, h = _hidden, output = _cell.OutputState;
        for (var b = first; b < end; b++)
            for (var t = 0; t < _lengths[b]; t++)
                dOutput.Slice(_outputShape.Index(b, PositionOf(b, t)), h).CopyTo(scan.GradientBlock(batch, output, t).Slice(b * h, h));
    }

    // The jobs carry the caller's spans as pointers: the caller pins them and waits for both halves.
    private readonly struct GatherJob(CellSequence<TCell, T> owner, T* source, int sourceLength, SequenceShape shape, T* target,
        int targetLength, int width) : IBatchJob
    {
        public void Run(int first, int end) => owner.GatherRows(new ReadOnlySpan<T>(source, sourceLength), shape,
            new Span<T>(target, targetLength), width, first, end);
    }

    private readonly struct ScatterJob(CellSequence<TCell, T> owner, T* source, int sourceLength, T* target, int targetLength,
        SequenceShape shape, int width, bool accumulate) : IBatchJob
    {
        public void Run(int first, int end) => owner.ScatterRows(new ReadOnlySpan<T>(source, sourceLength), new Span<T>(target, targetLength),
            shape, width, accumulate, first, end);
    }

    private readonly struct OutputsJob(CellSequence<TCell, T> owner, T* output, int length, SequenceShape shape) : IBatchJob
    {
        public void Run(int first, int end) => owner.CopyOutputRows(new Span<T>(output, length), shape, first, end);
    }

    private readonly struct OutputGradientsJob(CellSequence<TCell, T> owner, ScanSchedule<TCell, T> scan, T* dOutput, int length) : IBatchJob
    {
        public void Run(int first, int end) => owner.CopyOutputGradientRows(scan, new ReadOnlySpan<T>(dOutput, length), first, end);
    }
}
