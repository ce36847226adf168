using System.ComponentModel;

namespace RnnGen;

/// <summary>
/// The buffers of one forward step. Row-major; "block" means H columns. States live at <c>s·StateStride</c>,
/// each as [Batch, H]; stage operands likewise at <c>o·OperandStride</c>.
/// </summary>
/// <remarks>Thread safety: a stack-only view for one kernel call on one thread.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly ref struct CellForwardStep<T>(
    int batch, int hidden,
    ReadOnlySpan<T> zx, ReadOnlySpan<T> zh, ReadOnlySpan<T> zs, ReadOnlySpan<T> vectors,
    ReadOnlySpan<T> prev, Span<T> next, int stateStride,
    Span<T> operands, int operandStride, Span<T> tape, ReadOnlySpan<T> masks = default, ReadOnlySpan<T> scalars = default,
    int maskStride = 0)
{
    /// <summary>Rows (sequences) in this step.</summary>
    public readonly int Batch = batch;
    /// <summary>The hidden size H: the width of one block.</summary>
    public readonly int Hidden = hidden;
    /// <summary>[Batch, InputWidth blocks]: this step's input products W x.</summary>
    public readonly ReadOnlySpan<T> Zx = zx;
    /// <summary>[Batch, RecurrentWidth blocks]: U h for the previous states.</summary>
    public readonly ReadOnlySpan<T> Zh = zh;
    /// <summary>[Batch, StageWidth blocks]: products of same-step operands, filled between stages.</summary>
    public readonly ReadOnlySpan<T> Zs = zs;
    /// <summary>[vectors, H]: biases, peepholes.</summary>
    public readonly ReadOnlySpan<T> Vectors = vectors;
    /// <summary>The previous states: state s at <c>s·StateStride</c>, each [Batch, H].</summary>
    public readonly ReadOnlySpan<T> Prev = prev;
    /// <summary>The new states, written by the kernel: state s at <c>s·StateStride</c>, each [Batch, H].</summary>
    public readonly Span<T> Next = next;
    /// <summary>Elements from one state to the next in <see cref="Prev"/> and <see cref="Next"/> (at least Batch·H when the cell has more than one state).</summary>
    public readonly int StateStride = stateStride;
    /// <summary>Same-step operands, written by the stage that computes them: operand o at <c>o·OperandStride</c>, each [Batch, H].</summary>
    public readonly Span<T> Operands = operands;
    /// <summary>Elements from one operand to the next in <see cref="Operands"/>.</summary>
    public readonly int OperandStride = operandStride;
    /// <summary>[Batch, TapeWidth blocks]: values the backward pass reads. For Infer, only the values a later stage reads
    /// are stored: empty for a one-stage cell.</summary>
    public readonly Span<T> Tape = tape;
    /// <summary>This step's random masks: mask m at <c>m·MaskStride</c>, each [Batch, H].</summary>
    public readonly ReadOnlySpan<T> Masks = masks;

    /// <summary>Elements from one mask to the next in <see cref="Masks"/>: Batch·H unless given (a view of some rows of a
    /// larger batch keeps the batch's stride).</summary>
    public readonly int MaskStride = maskStride > 0 ? maskStride : batch * hidden;

    /// <summary>[scalars]: the scalar parameters.</summary>
    public readonly ReadOnlySpan<T> Scalars = scalars;

    /// <summary>Checks every buffer once per call so the kernels can index without bounds checks.</summary>
    /// <param name="info">The cell the kernel belongs to.</param>
    /// <param name="inference">For Infer: a one-stage cell stores nothing on the tape, so the tape may be empty.</param>
    /// <exception cref="ArgumentException">A size or stride is out of range for <paramref name="info"/>, or a buffer is shorter than the step needs.</exception>
    public void Validate(CellInfo info, bool inference = false)
    {
        StepCheck.Sizes(info, Batch, Hidden, StateStride, OperandStride);
        var rows = (long)Batch * Hidden;
        StepCheck.Length(Zx.Length, rows * info.InputWidth, nameof(Zx));
        StepCheck.Length(Zh.Length, rows * info.RecurrentWidth, nameof(Zh));
        StepCheck.Length(Zs.Length, rows * info.StageWidth, nameof(Zs));
        StepCheck.Length(Vectors.Length, (long)Hidden * info.Vectors.Count, nameof(Vectors));
        StepCheck.Strided(Prev.Length, info.States.Count, StateStride, rows, nameof(Prev));
        StepCheck.Strided(Next.Length, info.States.Count, StateStride, rows, nameof(Next));
        StepCheck.Strided(Operands.Length, info.OperandStages.Count, OperandStride, rows, nameof(Operands));
        if (!inference || info.StageCount > 1) StepCheck.Length(Tape.Length, rows * info.TapeWidth, nameof(Tape));
        StepCheck.Stride(MaskStride, info.Masks.Count, rows, nameof(MaskStride));
        StepCheck.Strided(Masks.Length, info.Masks.Count, MaskStride, rows, nameof(Masks));
        StepCheck.Length(Scalars.Length, info.Scalars.Count, nameof(Scalars));
    }
}

/// <summary>
/// The buffers of one backward step. Gradient buffers of states and operands are compact: [count, Batch, H]
/// (stride <see cref="GradientStride"/>). dZ buffers are written, DVectors is accumulated over the batch.
/// </summary>
/// <remarks>Thread safety: a stack-only view for one kernel call on one thread.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly ref struct CellBackwardStep<T>(
    int batch, int hidden, ReadOnlySpan<T> vectors,
    ReadOnlySpan<T> prev, ReadOnlySpan<T> next, int stateStride,
    ReadOnlySpan<T> operands, int operandStride, ReadOnlySpan<T> tape, Span<T> carry,
    ReadOnlySpan<T> dNext, Span<T> dPrev, Span<T> dZx, Span<T> dZh, Span<T> dZs,
    ReadOnlySpan<T> dOperands, Span<T> dVectors, ReadOnlySpan<T> masks = default, ReadOnlySpan<T> scalars = default, Span<T> dScalars = default,
    int gradientStride = 0, int maskStride = 0)
{
    /// <summary>Rows (sequences) in this step.</summary>
    public readonly int Batch = batch;
    /// <summary>The hidden size H: the width of one block.</summary>
    public readonly int Hidden = hidden;
    /// <summary>[vectors, H]: biases, peepholes.</summary>
    public readonly ReadOnlySpan<T> Vectors = vectors;
    /// <summary>The previous states the forward step read: state s at <c>s·StateStride</c>, each [Batch, H].</summary>
    public readonly ReadOnlySpan<T> Prev = prev;
    /// <summary>The new states the forward step wrote: state s at <c>s·StateStride</c>, each [Batch, H].</summary>
    public readonly ReadOnlySpan<T> Next = next;
    /// <summary>Elements from one state to the next in <see cref="Prev"/> and <see cref="Next"/>.</summary>
    public readonly int StateStride = stateStride;
    /// <summary>The same-step operands the forward step wrote: operand o at <c>o·OperandStride</c>, each [Batch, H].</summary>
    public readonly ReadOnlySpan<T> Operands = operands;
    /// <summary>Elements from one operand to the next in <see cref="Operands"/>.</summary>
    public readonly int OperandStride = operandStride;
    /// <summary>[Batch, TapeWidth blocks]: the values the forward step saved.</summary>
    public readonly ReadOnlySpan<T> Tape = tape;
    /// <summary>[Batch, CarryWidth blocks]: adjoints passed from a later stage to an earlier one.</summary>
    public readonly Span<T> Carry = carry;
    /// <summary>dL/d(new states), [states, Batch, H].</summary>
    public readonly ReadOnlySpan<T> DNext = dNext;
    /// <summary>dL/d(previous states) through the elementwise path, [states, Batch, H]; the runtime adds dZh·U.</summary>
    public readonly Span<T> DPrev = dPrev;
    /// <summary>dL/dZx, [Batch, InputWidth blocks]; written.</summary>
    public readonly Span<T> DZx = dZx;
    /// <summary>dL/dZh, [Batch, RecurrentWidth blocks]; written.</summary>
    public readonly Span<T> DZh = dZh;
    /// <summary>dL/dZs, [Batch, StageWidth blocks]; written.</summary>
    public readonly Span<T> DZs = dZs;
    /// <summary>dL/d(stage operands), [operands, Batch, H], computed by the runtime as dZs·M.</summary>
    public readonly ReadOnlySpan<T> DOperands = dOperands;
    /// <summary>dL/d(vectors), [vectors, H]; accumulated (added to) over the batch.</summary>
    public readonly Span<T> DVectors = dVectors;
    /// <summary>[scalars]: the scalar parameters.</summary>
    public readonly ReadOnlySpan<T> Scalars = scalars;
    /// <summary>dL/d(scalars), [scalars]; accumulated over the units and the batch.</summary>
    public readonly Span<T> DScalars = dScalars;

    /// <summary>The masks the forward step read: mask m at <c>m·MaskStride</c>, each [Batch, H].</summary>
    public readonly ReadOnlySpan<T> Masks = masks;

    /// <summary>Elements from one state or operand to the next in the compact gradient buffers: Batch·H unless given (a view
    /// of some rows of a larger batch keeps the batch's stride).</summary>
    public readonly int GradientStride = gradientStride > 0 ? gradientStride : batch * hidden;
    /// <summary>Elements from one mask to the next in <see cref="Masks"/>: Batch·H unless given, likewise.</summary>
    public readonly int MaskStride = maskStride > 0 ? maskStride : batch * hidden;

    /// <summary>Checks every buffer once per call so the kernels can index without bounds checks.</summary>
    /// <exception cref="ArgumentException">A size or stride is out of range for <paramref name="info"/>, or a buffer is shorter than the step needs.</exception>
    public void Validate(CellInfo info)
    {
        StepCheck.Sizes(info, Batch, Hidden, StateStride, OperandStride);
        var rows = (long)Batch * Hidden;
        StepCheck.Length(Vectors.Length, (long)Hidden * info.Vectors.Count, nameof(Vectors));
        StepCheck.Length(DVectors.Length, (long)Hidden * info.Vectors.Count, nameof(DVectors));
        StepCheck.Strided(Prev.Length, info.States.Count, StateStride, rows, nameof(Prev));
        StepCheck.Strided(Next.Length, info.States.Count, StateStride, rows, nameof(Next));
        StepCheck.Strided(Operands.Length, info.OperandStages.Count, OperandStride, rows, nameof(Operands));
        StepCheck.Length(Tape.Length, rows * info.TapeWidth, nameof(Tape));
        StepCheck.Length(Carry.Length, rows * info.CarryWidth, nameof(Carry));
        StepCheck.Stride(GradientStride, Math.Max(info.States.Count, info.OperandStages.Count), rows, nameof(GradientStride));
        StepCheck.Strided(DNext.Length, info.States.Count, GradientStride, rows, nameof(DNext));
        StepCheck.Strided(DPrev.Length, info.States.Count, GradientStride, rows, nameof(DPrev));
        StepCheck.Length(DZx.Length, rows * info.InputWidth, nameof(DZx));
        StepCheck.Length(DZh.Length, rows * info.RecurrentWidth, nameof(DZh));
        StepCheck.Length(DZs.Length, rows * info.StageWidth, nameof(DZs));
        StepCheck.Strided(DOperands.Length, info.OperandStages.Count, GradientStride, rows, nameof(DOperands));
        StepCheck.Stride(MaskStride, info.Masks.Count, rows, nameof(MaskStride));
        StepCheck.Strided(Masks.Length, info.Masks.Count, MaskStride, rows, nameof(Masks));
        StepCheck.Length(Scalars.Length, info.Scalars.Count, nameof(Scalars));
        StepCheck.Length(DScalars.Length, info.Scalars.Count, nameof(DScalars));
    }
}

internal static class StepCheck
{
    public static void Sizes(CellInfo info, int batch, int hidden, int stateStride, int operandStride)
    {
        if (batch < 0) throw new ArgumentOutOfRangeException("batch", batch, "The batch size must not be negative.");
        if (hidden <= 0) throw new ArgumentOutOfRangeException("hidden", hidden, "The hidden size must be positive.");
        if (info.Hidden != 0 && hidden != info.Hidden)
            throw new ArgumentException($"Cell {info.Name} was generated for hidden size {info.Hidden}, got {hidden}.", "hidden");
        if (info.States.Count > 1 && stateStride < (long)batch * hidden)
            throw new ArgumentException($"StateStride {stateStride} is smaller than one state ({batch}×{hidden}).", "stateStride");
        if (info.OperandStages.Count > 1 && operandStride < (long)batch * hidden)
            throw new ArgumentException($"OperandStride {operandStride} is smaller than one operand ({batch}×{hidden}).", "operandStride");
    }

    public static void Length(int actual, long expected, string name)
    {
        if (actual < expected)
            throw new ArgumentException($"{name} holds {actual} elements but the step needs {expected}.", name);
    }

    /// <summary>A stride between several [Batch, H] blocks must not let them overlap.</summary>
    public static void Stride(int stride, int count, long rows, string name)
    {
        if (count > 1 && stride < rows)
            throw new ArgumentException($"{name} {stride} is smaller than one block ({rows} elements).", name);
    }

    public static void Strided(int actual, int count, int stride, long rows, string name)
    {
        if (count > 0) Length(actual, (long)(count - 1) * stride + rows, name);
    }
}
