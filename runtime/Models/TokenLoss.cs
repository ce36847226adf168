using System.Numerics;
using System.Numerics.Tensors;

namespace RnnGen;

/// <summary>
/// Softmax cross-entropy over per-step token predictions with padding masked out by sequence lengths, and the greedy
/// decoding step the generating models share.
/// </summary>
internal sealed class TokenLoss<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _mask, _gradient;
    private int _rows, _steps;

    public TokenLoss(int maxRows, int classes)
    {
        Classes = classes;
        (_mask, _gradient) = (new T[maxRows], new T[maxRows * classes]);
    }

    public int Classes { get; }

    /// <summary>d(loss)/d(logits) of the last <see cref="Compute"/> with backward.</summary>
    public ReadOnlySpan<T> Gradient => _gradient.AsSpan(0, _rows * Classes);

    /// <summary>Weights 1 for steps inside each sequence, 0 for padding (batch-first rows); no lengths = all steps.</summary>
    public void SetLengths(ReadOnlySpan<int> lengths, int batch, int steps)
    {
        (_rows, _steps) = (batch * steps, steps);
        for (var b = 0; b < batch; b++)
            for (var t = 0; t < steps; t++)
                _mask[b * steps + t] = lengths.IsEmpty || t < lengths[b] ? T.One : T.Zero;
    }

    /// <summary>Leaves the first steps of every sequence out of the loss (they only carry state).</summary>
    public void IgnoreBefore(int step)
    {
        for (var row = 0; row < _rows; row++)
            if (row % _steps < step) _mask[row] = T.Zero;
    }

    public T Compute(ReadOnlySpan<T> logits, ReadOnlySpan<int> targets, Reduction reduction, bool backward) =>
        targets.Length != _rows
            ? throw new ArgumentException($"targets must hold one token per step of the last Forward ({_rows}), but holds {targets.Length}.", nameof(targets))
            : SoftmaxCrossEntropy.Compute(logits, targets, Classes, backward ? _gradient.AsSpan(0, _rows * Classes) : default,
            _mask.AsSpan(0, _rows), reduction);

    /// <summary>One greedy step of a decoder: embed the previous tokens, advance the states by one step, and write each
    /// row's most likely next token to <paramref name="next"/>.</summary>
    public static void GreedyStep<TCell>(Embedding<T> embedding, RecurrentLayer<TCell, T> decoder, Dense<T> output,
        ReadOnlySpan<int> previous, Span<T> states, Span<int> next) where TCell : IRecurrentCell
    {
        var batch = previous.Length;
        embedding.Forward(previous, batch);
        decoder.Forward(embedding.Output, batch, 1, default, states);
        decoder.FinalStates.CopyTo(states);
        output.Forward(decoder.Output, batch);
        var vocabulary = output.OutputSize;
        for (var b = 0; b < batch; b++)
            next[b] = TensorPrimitives.IndexOfMax(output.Output.Slice(b * vocabulary, vocabulary));
    }
}
