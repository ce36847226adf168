using System.Numerics;

namespace RnnGen;

/// <summary>
/// Synchronized many-to-many (seed 000): one output per input step — tagging, or a language model when the targets are
/// the next tokens. Tokens → Embedding → recurrent layer → Dense → softmax cross-entropy per step, padding masked out.
/// Sequences are batch-first.
/// </summary>
/// <remarks>Thread safety: not thread-safe; to serve it from many threads, give each thread its own
/// <see cref="CreateInferenceSession"/>.</remarks>
public sealed class SequenceTagger<TCell, T>
    where TCell : IRecurrentCell
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private Model<T>? _model;
    private readonly TokenLoss<T> _loss;
    private readonly T[] _dHidden, _dEmbedded;
    private int _rows;

    /// <summary>Builds the embedding, recurrent layer (batch-first, per step) and Dense head with fresh weights; <paramref name="maxBatch"/> and <paramref name="maxSteps"/> size the buffers.</summary>
    public SequenceTagger(int vocabulary, int embedding, int hidden, int classes, int maxBatch, int maxSteps, RecurrentOptions? options = null, int seed = 0)
    {
        var rows = maxBatch * maxSteps;
        Embedding = new Embedding<T>(vocabulary, embedding, rows, seed: seed);
        Recurrent = new RecurrentLayer<TCell, T>(embedding, hidden, maxBatch, maxSteps, (options ?? new RecurrentOptions()) with { BatchFirst = true, ReturnSequences = true, Seed = seed + 1 });
        Output = new Dense<T>(Recurrent.OutputSize, classes, rows, seed: seed + 2);
        _loss = new TokenLoss<T>(rows, classes);
        (_dHidden, _dEmbedded) = (new T[rows * Recurrent.OutputSize], new T[rows * embedding]);
    }

    private SequenceTagger(SequenceTagger<TCell, T> trained)
    {
        Embedding = trained.Embedding.CreateInferenceSession();
        (Recurrent, Output) = (trained.Recurrent.CreateInferenceSession(), trained.Output.CreateInferenceSession());
        _loss = new TokenLoss<T>(Embedding.MaxRows, Classes);
        (_dHidden, _dEmbedded) = ([], []);
    }

    /// <summary>A forward-only copy for one thread: its layers are inference sessions of this model's layers (the weights
    /// are read, not copied, and must not change while sessions run). Forward, Logits and Loss without backward work.</summary>
    public SequenceTagger<TCell, T> CreateInferenceSession() => new(this);

    /// <summary>Embeds the token ids, [vocabulary, embedding].</summary>
    public Embedding<T> Embedding { get; }
    /// <summary>The recurrent layer, one output per step.</summary>
    public RecurrentLayer<TCell, T> Recurrent { get; }
    /// <summary>Maps each step's output to class logits.</summary>
    public Dense<T> Output { get; }
    /// <summary>The number of classes (tags).</summary>
    public int Classes => Output.OutputSize;

    /// <summary>Logits of the last Forward, [batch, steps, classes].</summary>
    public ReadOnlySpan<T> Logits => Output.Output;

    /// <summary>Every parameter under its member's prefix; the same objects every call.</summary>
    /// <summary>The same layers as a <see cref="Model{T}"/> ("embedding" → "rnn" → "output"), for Fit, Predict, Evaluate and checkpoints.</summary>
    public Model<T> Model => _model ??= new Model<T>(new NamedLayer<T>("embedding", Embedding), new NamedLayer<T>("rnn", Recurrent), new NamedLayer<T>("output", Output));

    /// <summary>Every parameter as "embedding.…", "rnn.…" and "output.…"; the same objects every call.</summary>
    public IReadOnlyList<Parameter<T>> Parameters() => Model.Parameters();

    /// <summary>Runs the model; <paramref name="initialStates"/> ([states, layers·directions, batch, hidden]) carries
    /// state in from an earlier chunk of the same sequences, as truncated BPTT does.</summary>
    public void Forward(ReadOnlySpan<int> tokens, int batch, int steps, ReadOnlySpan<int> lengths = default, bool training = false,
        ReadOnlySpan<T> initialStates = default)
    {
        Embedding.Forward(tokens, batch * steps);
        Recurrent.Forward(Embedding.Output, batch, steps, lengths, initialStates, training);
        Output.Forward(Recurrent.Output, batch * steps);
        _loss.SetLengths(lengths, batch, steps);
        _rows = batch * steps;
    }

    /// <summary>Cross-entropy of the last Forward against one target per step (padding, and steps before
    /// <paramref name="firstStep"/>, ignored) and, when <paramref name="backward"/>, its gradients added to every parameter.</summary>
    public T Loss(ReadOnlySpan<int> targets, Reduction reduction = Reduction.Mean, bool backward = true, int firstStep = 0)
    {
        if (firstStep > 0) _loss.IgnoreBefore(firstStep);
        var loss = _loss.Compute(Logits, targets, reduction, backward);
        if (!backward) return loss;
        var dHidden = _dHidden.AsSpan(0, _rows * Recurrent.OutputSize);
        Output.Backward(_loss.Gradient, dHidden);
        var dEmbedded = _dEmbedded.AsSpan(0, _rows * Embedding.Dimension);
        Recurrent.Backward(dHidden, default, dEmbedded, default);
        Embedding.Backward(dEmbedded);
        return loss;
    }
}
