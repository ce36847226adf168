using System.Numerics;
using System.Numerics.Tensors;

namespace RnnGen.Kernels;

/// <summary>
/// The first-order linear recurrence x_k = a_k ⊙ x_{k−1} + x_k (in place; x_{−1} = the boundary, or zero) over the
/// positions of <see cref="TimeChunks"/>, for chosen states of L lanes each, as a chunked scan: each chunk scans from zero
/// (chunk 0 from the boundary) and keeps Π a over its positions (<see cref="Local"/>), one short pass carries each
/// chunk's true last value into the next (<see cref="Carry"/>), and every chunk past the first adds Π a ⊙ carry to its
/// positions (<see cref="FixUp"/>, split by lanes so every thread takes a share). With many lanes, <see cref="ByLanes"/>
/// runs the whole recurrence per share of the lanes instead. Forward runs it over the states; BPTT runs the same
/// recurrence over the state gradients in reverse time.
/// </summary>
internal static unsafe class LinearScan<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The recurrence's buffers. Products: [chunk][S][L] running products of a.</summary>
    public struct Job
    {
        public Blocks<T> X, A;
        public T* Boundary;          // block s at Boundary + s·BoundaryPitch, [L] each; null for zero
        public long BoundaryPitch;
        public T* Products;          // [chunks][S][L]
        public bool* Scanned;        // [S]: which states take part
        public int States, Lanes;
        public TimeChunks Chunks;
    }

    /// <summary>Phase 1, one chunk: scan from zero (chunk 0 from the boundary), keeping Π a for chunks past the first.</summary>
    public static void Local(in Job job, int c) => LocalLanes(job, c, 0, job.Lanes);

    /// <summary>Instead of the three phases when the lanes are many: the whole recurrence over one share of the lanes
    /// (job.Chunks one chunk). The lanes are independent, so each thread scans its own in step order, with no carry or
    /// fix-up pass over the data again, in the sequential scan's order of operations.</summary>
    public static void ByLanes(in Job job, int share, int shares)
    {
        var (from, width) = Share(job.Lanes, share, shares);
        if (width > 0) LocalLanes(job, 0, from, width);
    }

    private static void LocalLanes(in Job job, int c, int from, int width)
    {
        var (k0, k1) = (c * job.Chunks.Size, Math.Min(job.Chunks.Steps, (c + 1) * job.Chunks.Size));
        for (var s = 0; s < job.States; s++)
        {
            if (!job.Scanned[s]) continue;
            var product = Lanes(job.Products + ((long)c * job.States + s) * job.Lanes + from, width);
            T* previous = c == 0 && job.Boundary != null ? job.Boundary + s * job.BoundaryPitch + from : null;
            for (var k = k0; k < k1; k++)
            {
                var t = job.Chunks.StepAt(k);
                T* x = job.X.At(s, t) + from;
                var a = Lanes(job.A.At(s, t) + from, width);
                if (previous != null) TensorPrimitives.FusedMultiplyAdd(a, Lanes(previous, width), Lanes(x, width), Lanes(x, width));
                if (c > 0)
                {
                    if (k == k0) a.CopyTo(product);
                    else TensorPrimitives.Multiply(product, a, product);
                }
                previous = x;
            }
        }
    }

    /// <summary>Phase 2, on the calling thread: each chunk's last value becomes final, in chunk order.</summary>
    public static void Carry(in Job job)
    {
        for (var c = 1; c < job.Chunks.Count; c++)
            for (var s = 0; s < job.States; s++)
            {
                if (!job.Scanned[s]) continue;
                var carry = Lanes(LastOf(job, c - 1, s), job.Lanes);
                var last = Lanes(LastOf(job, c, s), job.Lanes);
                var product = Lanes(job.Products + ((long)c * job.States + s) * job.Lanes, job.Lanes);
                TensorPrimitives.FusedMultiplyAdd(product, carry, last, last);
            }
    }

    /// <summary>Phase 3, one share of the lanes: every chunk past the first adds (Π a up to k) ⊙ carry to its positions
    /// before its last (which <see cref="Carry"/> made final).</summary>
    public static void FixUp(in Job job, int share, int shares)
    {
        var (from, width) = Share(job.Lanes, share, shares);
        if (width == 0) return;
        for (var c = 1; c < job.Chunks.Count; c++)
        {
            var (k0, k1) = (c * job.Chunks.Size, Math.Min(job.Chunks.Steps, (c + 1) * job.Chunks.Size));
            for (var s = 0; s < job.States; s++)
            {
                if (!job.Scanned[s]) continue;
                var carry = Lanes(LastOf(job, c - 1, s) + from, width);
                var product = Lanes(job.Products + ((long)c * job.States + s) * job.Lanes + from, width);
                for (var k = k0; k < k1 - 1; k++)
                {
                    var t = job.Chunks.StepAt(k);
                    var a = Lanes(job.A.At(s, t) + from, width);
                    if (k == k0) a.CopyTo(product);
                    else TensorPrimitives.Multiply(product, a, product);
                    var x = Lanes(job.X.At(s, t) + from, width);
                    TensorPrimitives.FusedMultiplyAdd(product, carry, x, x);
                }
            }
        }
    }

    /// <summary>Share i of n of the lanes, as (first, count).</summary>
    private static (int From, int Width) Share(int lanes, int share, int shares)
    {
        int from = (int)((long)lanes * share / shares), to = (int)((long)lanes * (share + 1) / shares);
        return (from, to - from);
    }

    private static T* LastOf(in Job job, int c, int s) =>
        job.X.At(s, job.Chunks.StepAt(Math.Min(job.Chunks.Steps, (c + 1) * job.Chunks.Size) - 1));

    private static Span<T> Lanes(T* at, int count) => new(at, count);
}
