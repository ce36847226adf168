namespace RnnGen;

/// <summary>
/// Where a batch of sequences lives in a flat buffer: element (b, t, f) is at
/// <c>Offset + Row(b, t)·RowStride + f</c>, with rows batch-first (b·Steps + t) or time-major (t·Batch + b).
/// A row stride wider than <see cref="Features"/> lets a layer read or write one slice of a wider tensor, such as
/// one direction of a bidirectional output.
/// </summary>
/// <remarks>Thread safety: a value; safe to share between threads.</remarks>
public readonly record struct SequenceShape(int Batch, int Steps, int Features, bool TimeMajor = false, int RowStride = 0, int Offset = 0)
{
    /// <summary>Elements from one row to the next: <see cref="RowStride"/>, or <see cref="Features"/> when it is 0.</summary>
    public int Stride => RowStride == 0 ? Features : RowStride;

    /// <summary>The row of sequence <paramref name="b"/> at step <paramref name="t"/>: b·Steps + t batch-first, t·Batch + b time-major.</summary>
    public int Row(int b, int t) => TimeMajor ? t * Batch + b : b * Steps + t;

    /// <summary>The index of feature 0 of sequence <paramref name="b"/> at step <paramref name="t"/>.</summary>
    public int Index(int b, int t) => Offset + Row(b, t) * Stride;

    /// <summary>The smallest buffer length that holds every element.</summary>
    public long RequiredLength => Batch == 0 || Steps == 0 ? 0 : Offset + ((long)Batch * Steps - 1) * Stride + Features;

    /// <summary>A dense batch-first shape: [batch, steps, features].</summary>
    public static SequenceShape BatchFirst(int batch, int steps, int features) => new(batch, steps, features);

    /// <summary>The shape as text, in its own axis order: "[batch 4, steps 10, features 8]".</summary>
    public override string ToString() =>
        TimeMajor ? $"[steps {Steps}, batch {Batch}, features {Features}]" : $"[batch {Batch}, steps {Steps}, features {Features}]";
}
