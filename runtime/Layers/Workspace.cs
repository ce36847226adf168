namespace RnnGen;

/// <summary>The ceiling check and the allocation every workspace goes through.</summary>
internal static class Workspace
{
    /// <summary>Array headers are not in the formulas: a few hundred bytes against megabytes of buffers.</summary>
    public static long Bytes<T>(long elements) where T : unmanaged => checked(elements * System.Runtime.CompilerServices.Unsafe.SizeOf<T>());

    /// <summary>
    /// InsufficientMemoryException is .NET's exception for "a check for sufficient memory failed before allocating"
    /// (as <c>MemoryFailPoint</c> throws it); it derives from OutOfMemoryException, so existing handlers still see it.
    /// <paramref name="bytes"/> is long.MaxValue when the size products overflowed.
    /// </summary>
    public static void Check(long bytes, long ceiling, string owner, string drivers)
    {
        if (bytes <= ceiling) return;
        var estimate = bytes == long.MaxValue ? "more than 2^63 bytes (the size products overflow)" : $"about {Format(bytes)} ({bytes:N0} bytes)";
        throw new InsufficientMemoryException(
            $"{owner} would need {estimate}, more than the limit of {Format(ceiling)} ({ceiling:N0} bytes). It was asked for {drivers}; " +
            "the workspace grows with maxBatch × maxSteps (see docs/memory.md), and a call with a larger batch or a longer sequence " +
            "grows it to that size. Lower maxBatch or maxSteps (or the batch and sequence length passed), or raise the limit " +
            "(RecurrentOptions.MaxWorkspaceBytes for one layer, RnnGenLimits.MaxWorkspaceBytes for the process).");
    }

    /// <summary>Runs a size formula in checked arithmetic; an overflow is reported as long.MaxValue (over any ceiling).</summary>
    public static long Saturating(Func<long> formula)
    {
        try { return formula(); }
        catch (OverflowException) { return long.MaxValue; }
    }

    /// <summary>A buffer of <paramref name="length"/> elements; the shared empty array for buffers a layout does not use.</summary>
    public static T[] Allocate<T>(long length) =>
        length == 0 ? [] : length <= Array.MaxLength ? new T[length] : throw new InsufficientMemoryException($"A workspace buffer would need {length:N0} elements, more than one .NET array holds ({Array.MaxLength:N0}); lower maxBatch or maxSteps.");

    private static string Format(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.##} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.##} MiB",
        _ => $"{bytes / 1024.0:0.##} KiB",
    };
}
