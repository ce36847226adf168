namespace RnnGen;

/// <summary>The batch, steps and lengths checks every sequence layer makes, with one wording.</summary>
internal static class SequenceChecks
{
    public static void Sizes(int batch, int steps)
    {
        if (batch <= 0)
            throw new ArgumentOutOfRangeException(nameof(batch), batch, "The batch size must be at least 1.");
        if (steps <= 0)
            throw new ArgumentOutOfRangeException(nameof(steps), steps, "A sequence needs at least one step; zero-length sequences have no output.");
    }

    /// <summary>Empty lengths mean every sequence is full length; else one length in [1, steps] per sequence.
    /// Returns whether any sequence is shorter than <paramref name="steps"/>.</summary>
    public static bool Lengths(ReadOnlySpan<int> lengths, int batch, int steps)
    {
        if (lengths.IsEmpty) return false;
        if (lengths.Length != batch)
            throw new ArgumentException($"lengths must hold one length per sequence ({batch}), but holds {lengths.Length}.", nameof(lengths));
        var ragged = false;
        for (var b = 0; b < batch; b++)
        {
            if (lengths[b] < 1 || lengths[b] > steps)
                throw new ArgumentOutOfRangeException(nameof(lengths), lengths[b], $"Sequence {b} has length {lengths[b]}; lengths must be between 1 and the number of steps, {steps}.");
            ragged |= lengths[b] < steps;
        }
        return ragged;
    }
}
