namespace RnnGen;

/// <summary>Process-wide limits that turn an impossible request into a clear error before anything large is allocated.</summary>
/// <remarks>Thread safety: set <see cref="MaxWorkspaceBytes"/> at start-up; layers read it once, when constructed.</remarks>
public static class RnnGenLimits
{
    private static long _maxWorkspaceBytes = DefaultMaxWorkspaceBytes();

    /// <summary>
    /// The most bytes one layer, sequence or head may allocate at construction (see docs/memory.md for the formulas);
    /// a larger request throws <see cref="InsufficientMemoryException"/> stating its estimate. Defaults to the memory
    /// the GC may use on this machine or container (<see cref="GCMemoryInfo.TotalAvailableMemoryBytes"/>), or 8 GiB when
    /// that is unknown. <see cref="RecurrentOptions.MaxWorkspaceBytes"/> overrides it for one layer.
    /// </summary>
    public static long MaxWorkspaceBytes
    {
        get => Volatile.Read(ref _maxWorkspaceBytes);
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            Volatile.Write(ref _maxWorkspaceBytes, value);
        }
    }

    private static long DefaultMaxWorkspaceBytes()
    {
        var available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        return available > 0 ? available : 8L << 30;
    }
}
