namespace RnnGen;

/// <summary>
/// Held for the length of a Forward or Backward: a second thread entering the same object gets an error instead of
/// silently mixing its buffers with the first one's. One interlocked operation, no allocation.
/// </summary>
internal ref struct ExclusiveUse
{
    private ref int _flag;

    private ExclusiveUse(ref int flag) => _flag = ref flag;

    /// <param name="flag">The owner's in-use flag (0 free, 1 in use).</param>
    /// <param name="advice">What to do instead: a constant, so entering allocates nothing.</param>
    public static ExclusiveUse Enter(ref int flag, string advice)
    {
        if (Interlocked.CompareExchange(ref flag, 1, 0) != 0) throw new InvalidOperationException(advice);
        return new ExclusiveUse(ref flag);
    }

    public readonly void Dispose() => Volatile.Write(ref _flag, 0);
}
