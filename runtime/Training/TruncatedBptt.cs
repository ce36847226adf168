using System.Numerics;

namespace RnnGen.Training;

/// <summary>
/// Truncated back-propagation through time, TBPTT(k1, k2) of Williams &amp; Peng: over sequences too long for one pass,
/// every k1 steps the model is updated with the losses of those k1 steps, back-propagated through the last k2 ≥ k1
/// steps; the recurrent state is carried forward across windows (stateful), never back-propagated into.
/// </summary>
/// <remarks>Thread safety: stateless; the model and trainer it is given must not be used elsewhere during the call.</remarks>
public static class TruncatedBptt
{
    /// <summary>One update: run steps [Start, Start + Length), count the loss from step Start + LossFrom on.</summary>
    /// <remarks>Thread safety: a value; safe to share between threads.</remarks>
    public readonly record struct Window(int Start, int Length, int LossFrom);

    /// <summary>The windows of TBPTT(<paramref name="k1"/>, <paramref name="k2"/>) over a sequence of <paramref name="length"/> steps: one per k1 steps, each reaching back k2 steps.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, or <paramref name="k2"/> is less than <paramref name="k1"/>.</exception>
    public static IReadOnlyList<Window> Windows(int length, int k1, int k2)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k1);
        if (k2 < k1) throw new ArgumentOutOfRangeException(nameof(k2), k2, $"k2 (steps back-propagated) must be at least k1 ({k1}, steps per update).");
        var windows = new List<Window>();
        var previousEnd = 0;
        for (var end = Math.Min(k1, length); ; end = Math.Min(end + k1, length))
        {
            // The loss covers the steps new since the last update; the window reaches back k2 steps from its end.
            var start = Math.Max(0, end - k2);
            windows.Add(new Window(start, end - start, previousEnd - start));
            if (end == length) return windows;
            previousEnd = end;
        }
    }

    /// <summary>
    /// One epoch of TBPTT for a language model over <paramref name="batch"/> parallel streams, each
    /// <paramref name="length"/> tokens long (batch-first in <paramref name="tokens"/>, next-token
    /// <paramref name="targets"/> alike). Returns the mean loss of the updates.
    /// </summary>
    public static double TrainEpoch<TCell, T>(Trainer<T> trainer, SequenceTagger<TCell, T> model, ReadOnlySpan<int> tokens, ReadOnlySpan<int> targets,
        int batch, int length, int k1, int k2)
        where TCell : IRecurrentCell where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (tokens.Length != batch * length || targets.Length != batch * length)
            throw new ArgumentException($"tokens and targets must hold {batch * length} ids [batch {batch}, length {length}]; got {tokens.Length} and {targets.Length}.", nameof(tokens));
        var windows = Windows(length, k1, k2);
        var widest = windows.Max(w => w.Length);
        var chunk = new int[batch * widest];
        var chunkTargets = new int[batch * widest];
        var statesLength = model.Recurrent.StatesLength(batch);
        var carried = new T[statesLength];
        var position = 0;   // the stream position the carried state belongs to
        double sum = 0;
        for (var i = 0; i < windows.Count; i++)
        {
            var window = windows[i];
            if (window.Start > position)
            {
                // Advance the carried state to the window's start, without gradients.
                var steps = window.Start - position;
                Slice(tokens, chunk, batch, length, position, steps);
                model.Forward(chunk.AsSpan(0, batch * steps), batch, steps, initialStates: carried);
                model.Recurrent.FinalStates.CopyTo(carried);
                position = window.Start;
            }
            Slice(tokens, chunk, batch, length, window.Start, window.Length);
            Slice(targets, chunkTargets, batch, length, window.Start, window.Length);
            var rows = batch * window.Length;
            sum += trainer.TrainBatch(() =>
            {
                model.Forward(chunk.AsSpan(0, rows), batch, window.Length, default, training: true, initialStates: carried);
                return (double.CreateTruncating(model.Loss(chunkTargets.AsSpan(0, rows), firstStep: window.LossFrom)), rows);
            });
            // When the next window starts where this one ended (k1 = k2), its state is this window's final state.
            var end = window.Start + window.Length;
            if (i + 1 < windows.Count && windows[i + 1].Start == end)
            {
                model.Recurrent.FinalStates.CopyTo(carried);
                position = end;
            }
        }
        return sum / windows.Count;
    }

    private static void Slice(ReadOnlySpan<int> source, Span<int> target, int batch, int length, int start, int steps)
    {
        for (var b = 0; b < batch; b++)
            source.Slice(b * length + start, steps).CopyTo(target.Slice(b * steps, steps));
    }
}
