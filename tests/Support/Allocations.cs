namespace RnnGen.Tests.Support;

/// <summary>The zero-allocation check every hot path must pass.</summary>
public static class Allocations
{
    /// <summary>
    /// Bytes <paramref name="step"/> allocates per window of <paramref name="steps"/> calls after <paramref name="warmUp"/>
    /// calls, best of three windows: the runtime may allocate once on this thread while tiered compilation swaps in
    /// optimized code, but an allocation of ours shows in every window.
    /// </summary>
    public static long Measure(Action step, int warmUp = 20, int steps = 5)
    {
        for (var i = 0; i < warmUp; i++) step();
        var least = long.MaxValue;
        for (var window = 0; window < 3; window++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < steps; i++) step();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return least;
    }
}
