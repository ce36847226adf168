using System.Numerics;

namespace RnnGen;

/// <summary>
/// Many-to-one (seed 000): a whole sequence of feature vectors → one class. Recurrent layer (its final output state per
/// direction) → Dense → softmax cross-entropy. Sequences are batch-first and may have their own lengths.
/// </summary>
/// <remarks>Thread safety: not thread-safe; to serve it from many threads, give each thread its own
/// <see cref="CreateInferenceSession"/>.</remarks>
public sealed class SequenceClassifier<TCell, T>
    where TCell : IRecurrentCell
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private Model<T>? _model;
    private readonly T[] _dLogits, _dSummary, _dInput;
    private int _batch, _steps;

    /// <summary>Builds the recurrent layer (batch-first, final states only) and the Dense head with fresh weights; <paramref name="maxBatch"/> and <paramref name="maxSteps"/> size the buffers.</summary>
    public SequenceClassifier(int inputSize, int hidden, int classes, int maxBatch, int maxSteps, RecurrentOptions? options = null, int seed = 0)
    {
        Recurrent = new RecurrentLayer<TCell, T>(inputSize, hidden, maxBatch, maxSteps, (options ?? new RecurrentOptions()) with { BatchFirst = true, ReturnSequences = false, Seed = seed });
        Output = new Dense<T>(Recurrent.OutputSize, classes, maxBatch, seed: seed + 1);
        (_dLogits, _dSummary, _dInput) = (new T[maxBatch * classes], new T[maxBatch * Recurrent.OutputSize], new T[maxBatch * maxSteps * inputSize]);
    }

    private SequenceClassifier(SequenceClassifier<TCell, T> trained)
    {
        (Recurrent, Output) = (trained.Recurrent.CreateInferenceSession(), trained.Output.CreateInferenceSession());
        (_dLogits, _dSummary, _dInput) = ([], [], []);
    }

    /// <summary>A forward-only copy for one thread: its layers are inference sessions of this model's layers (the weights
    /// are read, not copied, and must not change while sessions run). Forward, Logits and Loss without backward work.</summary>
    public SequenceClassifier<TCell, T> CreateInferenceSession() => new(this);

    /// <summary>The recurrent layer; its final output state per direction summarizes each sequence.</summary>
    public RecurrentLayer<TCell, T> Recurrent { get; }
    /// <summary>Maps each summary to class logits, [batch, classes].</summary>
    public Dense<T> Output { get; }
    /// <summary>The number of classes.</summary>
    public int Classes => Output.OutputSize;

    /// <summary>Logits of the last Forward, [batch, classes].</summary>
    public ReadOnlySpan<T> Logits => Output.Output;

    /// <summary>The gradient of the last loss with respect to the input, [batch, steps, input].</summary>
    public ReadOnlySpan<T> InputGradient => _dInput.AsSpan(0, _batch * _steps * Recurrent.InputSize);

    /// <summary>Every parameter under its member's prefix; the same objects every call.</summary>
    /// <summary>The same layers as a <see cref="Model{T}"/> ("rnn" → "output"), for Fit, Predict, Evaluate and checkpoints.</summary>
    public Model<T> Model => _model ??= new Model<T>(new NamedLayer<T>("rnn", Recurrent), new NamedLayer<T>("output", Output));

    /// <summary>Every parameter as "rnn.…" and "output.…"; the same objects every call.</summary>
    public IReadOnlyList<Parameter<T>> Parameters() => Model.Parameters();

    /// <summary>Runs the model on <paramref name="input"/>, [batch, steps, inputSize] batch-first, with optional per-sequence <paramref name="lengths"/>; the logits are in <see cref="Logits"/>.</summary>
    public void Forward(ReadOnlySpan<T> input, int batch, int steps, ReadOnlySpan<int> lengths = default, bool training = false)
    {
        Recurrent.Forward(input, batch, steps, lengths, default, training);
        Output.Forward(Recurrent.Output, batch);
        (_batch, _steps) = (batch, steps);
    }

    /// <summary>Softmax cross-entropy of the last Forward's logits against one class per sequence; with <paramref name="backward"/>, also back-propagates it into the parameters' gradients and <see cref="InputGradient"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="targets"/> does not hold one class per sequence of the last Forward.</exception>
    public T Loss(ReadOnlySpan<int> targets, Reduction reduction = Reduction.Mean, bool backward = true)
    {
        if (targets.Length != _batch)
            throw new ArgumentException($"targets must hold one class per sequence of the last Forward ({_batch}), but holds {targets.Length}.", nameof(targets));
        var dLogits = backward ? _dLogits.AsSpan(0, _batch * Classes) : default;
        var loss = SoftmaxCrossEntropy.Compute<T>(Logits, targets, Classes, dLogits, default, reduction);
        if (!backward) return loss;
        var dSummary = _dSummary.AsSpan(0, _batch * Recurrent.OutputSize);
        Output.Backward(dLogits, dSummary);
        Recurrent.Backward(dSummary, default, _dInput.AsSpan(0, _batch * _steps * Recurrent.InputSize), default);
        return loss;
    }
}
