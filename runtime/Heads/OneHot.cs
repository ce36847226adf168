using System.Numerics;

namespace RnnGen;

/// <summary>Words as one-hot vectors (seed 000): row i is all zeros but a one at column ids[i].</summary>
/// <remarks>Thread safety: stateless; safe to call from any number of threads at once (on buffers no other thread writes).</remarks>
public static class OneHot
{
    /// <summary>Writes one one-hot row of <paramref name="vocabularySize"/> per id into <paramref name="destination"/> ([ids, vocab]).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside [0, vocab); nothing is written.</exception>
    public static void Encode<T>(ReadOnlySpan<int> ids, int vocabularySize, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vocabularySize);
        if ((long)ids.Length * vocabularySize != destination.Length)
            throw new ArgumentException($"destination must hold {(long)ids.Length * vocabularySize} elements [ids {ids.Length}, vocab {vocabularySize}], but holds {destination.Length}.", nameof(destination));
        CheckIds(ids, vocabularySize, nameof(ids));
        destination.Clear();
        for (var i = 0; i < ids.Length; i++)
            destination[i * vocabularySize + ids[i]] = T.One;
    }

    internal static void CheckIds(ReadOnlySpan<int> ids, int vocabularySize, string name)
    {
        for (var i = 0; i < ids.Length; i++)
            if ((uint)ids[i] >= (uint)vocabularySize)
                ThrowId(name, i, ids[i], vocabularySize);
    }

    private static void ThrowId(string name, int position, int id, int vocabularySize) =>
        throw new ArgumentOutOfRangeException(name, id, $"Token id {id} at position {position} is outside the vocabulary [0, {vocabularySize}).");
}
