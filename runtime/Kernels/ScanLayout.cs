namespace RnnGen.Kernels;

/// <summary>
/// Splits T steps into contiguous chunks of positions k (k = t forward; k = T − 1 − t in reverse, so the scan always
/// runs in increasing k). Chunk c covers positions [c·Size, min(T, (c + 1)·Size)).
/// </summary>
internal readonly struct TimeChunks
{
    public readonly int Steps, Count, Size;
    public readonly bool Reverse;

    public TimeChunks(int steps, int wanted, bool reverse)
    {
        Steps = steps;
        Size = (steps + wanted - 1) / wanted;
        Count = (steps + Size - 1) / Size;
        Reverse = reverse;
    }

    /// <summary>The steps of chunk c as a time range [First, End).</summary>
    public (int First, int End) Range(int c)
    {
        int k0 = c * Size, k1 = Math.Min(Steps, k0 + Size);
        return Reverse ? (Steps - k1, Steps - k0) : (k0, k1);
    }

    public int StepAt(int k) => Reverse ? Steps - 1 - k : k;

    public int ChunkOf(int t) => (Reverse ? Steps - 1 - t : t) / Size;

    /// <summary>The index, in blocks, of (state s, step t) in the chunk-compact layout [chunk][S][steps of the chunk].</summary>
    public long CompactBlock(int states, int s, int t)
    {
        var (first, end) = Range(ChunkOf(t));
        return (long)first * states + (long)s * (end - first) + (t - first);
    }
}

/// <summary>
/// Where block (state s, step t) of L lanes lives: either state-major with a fixed pitch ([S][…][L], block t at
/// origin + s·Pitch + t·L), or chunk-compact ([chunk][S][steps of the chunk][L]), the layout the generated backward
/// kernels read and write when each chunk of steps is one call (their gradient buffers are compact per call).
/// </summary>
internal readonly unsafe struct Blocks<T> where T : unmanaged
{
    private readonly T* _origin;
    private readonly long _pitch;   // 0: chunk-compact
    private readonly int _lanes, _states;
    private readonly TimeChunks _chunks;

    public Blocks(T* origin, long pitch, int lanes, int states, TimeChunks chunks)
    {
        _origin = origin;
        (_pitch, _lanes, _states, _chunks) = (pitch, lanes, states, chunks);
    }

    public T* At(int s, int t)
    {
        return _pitch > 0 ? _origin + s * _pitch + (long)t * _lanes : _origin + _chunks.CompactBlock(_states, s, t) * _lanes;
    }
}
