using System.ComponentModel;

namespace RnnGen;

/// <summary>
/// The buffers of the scan schedule's coefficient pass over many rows at once: for every scanned state s' = a ⊙ s + b,
/// the kernel writes a and b, and the tape entries that read no state (docs/parallel-scan.md). Row-major; "block" means
/// H columns; a row is one (step, sequence) pair.
/// </summary>
/// <remarks>Thread safety: a stack-only view for one kernel call on one thread.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly ref struct CellScanStep<T>(
    int batch, int hidden, ReadOnlySpan<T> zx, ReadOnlySpan<T> vectors, Span<T> a, Span<T> b, int stateStride, Span<T> tape)
{
    /// <summary>Rows in this call.</summary>
    public readonly int Batch = batch;
    /// <summary>The hidden size H: the width of one block.</summary>
    public readonly int Hidden = hidden;
    /// <summary>[Batch, InputWidth blocks]: the rows' input products W x.</summary>
    public readonly ReadOnlySpan<T> Zx = zx;
    /// <summary>[vectors, H]: biases and other vector parameters.</summary>
    public readonly ReadOnlySpan<T> Vectors = vectors;
    /// <summary>The coefficients a, written for scanned states: state s at <c>s·StateStride</c>, each [Batch, H].</summary>
    public readonly Span<T> A = a;
    /// <summary>The terms b, written for scanned states: state s at <c>s·StateStride</c>, each [Batch, H].</summary>
    public readonly Span<T> B = b;
    /// <summary>Elements from one state to the next in <see cref="A"/> and <see cref="B"/>.</summary>
    public readonly int StateStride = stateStride;
    /// <summary>[Batch, TapeWidth blocks]: the tape entries that read no state are written; empty for the inference pass.</summary>
    public readonly Span<T> Tape = tape;

    /// <summary>Checks every buffer once per call so the kernel can index without bounds checks.</summary>
    /// <param name="info">The cell the kernel belongs to.</param>
    /// <param name="inference">For InferCoefficients: it stores nothing on the tape, so the tape may be empty.</param>
    public void Validate(CellInfo info, bool inference = false)
    {
        StepCheck.Sizes(info, Batch, Hidden, StateStride, 0);
        var rows = (long)Batch * Hidden;
        StepCheck.Length(Zx.Length, rows * info.InputWidth, nameof(Zx));
        StepCheck.Length(Vectors.Length, (long)Hidden * info.Vectors.Count, nameof(Vectors));
        StepCheck.Strided(A.Length, info.States.Count, StateStride, rows, nameof(A));
        StepCheck.Strided(B.Length, info.States.Count, StateStride, rows, nameof(B));
        if (!inference) StepCheck.Length(Tape.Length, rows * info.TapeWidth, nameof(Tape));
    }
}
