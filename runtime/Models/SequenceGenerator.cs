using System.Numerics;

namespace RnnGen;

/// <summary>
/// One-to-many (seed 000): one input vector conditions a whole generated sequence. The vector, through a tanh Dense
/// layer, becomes the decoder's initial output state; the decoder then reads tokens (teacher forcing in training, its
/// own predictions in <see cref="Generate"/>) and predicts the next one. Batch-first.
/// </summary>
/// <remarks>Thread safety: not thread-safe; to generate from many threads, give each thread its own
/// <see cref="CreateInferenceSession"/>.</remarks>
public sealed class SequenceGenerator<TCell, T>
    where TCell : IRecurrentCell
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private Parameter<T>[]? _named;
    private readonly TokenLoss<T> _loss;
    private readonly T[] _dDecoded, _dEmbedded, _states, _dStates;
    private readonly int[] _previous;
    private int _batch, _steps;

    /// <summary>Builds the condition layer, embedding, decoder and output layer with fresh weights; <paramref name="maxBatch"/> and <paramref name="maxSteps"/> size the buffers.</summary>
    public SequenceGenerator(int conditionSize, int vocabulary, int embedding, int hidden, int maxBatch, int maxSteps, int seed = 0)
    {
        Condition = new Dense<T>(conditionSize, hidden, maxBatch, Activation.Tanh, seed: seed);
        Embedding = new Embedding<T>(vocabulary, embedding, maxBatch * maxSteps, seed: seed + 1);
        Decoder = new RecurrentLayer<TCell, T>(embedding, hidden, maxBatch, maxSteps, new RecurrentOptions { BatchFirst = true, Seed = seed + 2 });
        Output = new Dense<T>(hidden, vocabulary, maxBatch * maxSteps, seed: seed + 3);
        var rows = maxBatch * maxSteps;
        _loss = new TokenLoss<T>(rows, vocabulary);
        (_dDecoded, _dEmbedded) = (new T[rows * hidden], new T[rows * embedding]);
        var states = TCell.Info.States.Count * maxBatch * hidden;
        (_states, _dStates) = (new T[states], new T[states]);
        _previous = new int[maxBatch];
    }

    private SequenceGenerator(SequenceGenerator<TCell, T> trained)
    {
        (Condition, Embedding) = (trained.Condition.CreateInferenceSession(), trained.Embedding.CreateInferenceSession());
        (Decoder, Output) = (trained.Decoder.CreateInferenceSession(), trained.Output.CreateInferenceSession());
        _loss = new TokenLoss<T>(Embedding.MaxRows, Output.OutputSize);
        (_dDecoded, _dEmbedded, _dStates) = ([], [], []);
        _states = new T[trained._states.Length];
        _previous = new int[trained._previous.Length];
    }

    /// <summary>A forward-only copy for one thread: its layers are inference sessions of this model's layers (the weights
    /// are read, not copied, and must not change while sessions run). Forward, Generate and Loss without backward work.</summary>
    public SequenceGenerator<TCell, T> CreateInferenceSession() => new(this);

    /// <summary>Maps the condition vector through tanh to the decoder's initial output state, [conditionSize] → [hidden].</summary>
    public Dense<T> Condition { get; }
    /// <summary>Embeds the input tokens, [vocabulary, embedding].</summary>
    public Embedding<T> Embedding { get; }
    /// <summary>Reads the embedded tokens from the conditioned initial state.</summary>
    public RecurrentLayer<TCell, T> Decoder { get; }
    /// <summary>Maps each decoder output to next-token logits, [hidden] → [vocabulary].</summary>
    public Dense<T> Output { get; }
    /// <summary>Logits of the last Forward, [batch·steps, vocabulary].</summary>
    public ReadOnlySpan<T> Logits => Output.Output;

    /// <summary>Every parameter under its member's prefix; the same objects every call.</summary>
    public IReadOnlyList<Parameter<T>> Parameters() => _named ??= NamedLayer<T>.Collect(
        new("condition", Condition), new("embedding", Embedding), new("decoder", Decoder), new("output", Output));

    /// <summary>Runs the model with teacher forcing: <paramref name="condition"/> is [batch, conditionSize], <paramref name="tokens"/> [batch, steps] batch-first, with optional per-sequence <paramref name="lengths"/>.</summary>
    public void Forward(ReadOnlySpan<T> condition, ReadOnlySpan<int> tokens, int batch, int steps, ReadOnlySpan<int> lengths = default, bool training = false)
    {
        var states = InitialStates(condition, batch);
        Embedding.Forward(tokens, batch * steps);
        Decoder.Forward(Embedding.Output, batch, steps, lengths, states, training);
        Output.Forward(Decoder.Output, batch * steps);
        (_batch, _steps) = (batch, steps);
        _loss.SetLengths(lengths, batch, steps);
    }

    /// <summary>Softmax cross-entropy of the last Forward's logits against the next tokens, [batch, steps], padding masked; with <paramref name="backward"/>, also back-propagates it into every layer's gradients.</summary>
    public T Loss(ReadOnlySpan<int> targets, Reduction reduction = Reduction.Mean, bool backward = true)
    {
        var loss = _loss.Compute(Logits, targets, reduction, backward);
        if (!backward) return loss;
        var rows = _batch * _steps;
        var dDecoded = _dDecoded.AsSpan(0, rows * Decoder.HiddenSize);
        Output.Backward(_loss.Gradient, dDecoded);
        var dEmbedded = _dEmbedded.AsSpan(0, rows * Embedding.Dimension);
        var block = _batch * Decoder.HiddenSize;
        var dStates = _dStates.AsSpan(0, TCell.Info.States.Count * block);
        Decoder.Backward(dDecoded, default, dEmbedded, dStates);
        Embedding.Backward(dEmbedded);
        Condition.Backward(dStates.Slice(TCell.Info.OutputState * block, block), default);
        return loss;
    }

    /// <summary>Greedy generation from <paramref name="startToken"/>; <paramref name="result"/> is [batch, maxSteps].</summary>
    public void Generate(ReadOnlySpan<T> condition, int batch, int startToken, int maxSteps, Span<int> result)
    {
        if (result.Length != batch * maxSteps)
            throw new ArgumentException($"result must hold {batch * maxSteps} tokens [batch {batch}, steps {maxSteps}], but holds {result.Length}.", nameof(result));
        var states = InitialStates(condition, batch);
        var previous = _previous.AsSpan(0, batch);
        previous.Fill(startToken);
        for (var t = 0; t < maxSteps; t++)
        {
            TokenLoss<T>.GreedyStep(Embedding, Decoder, Output, previous, states, previous);
            for (var b = 0; b < batch; b++) result[b * maxSteps + t] = previous[b];
        }
    }

    /// <summary>The condition, through the tanh layer, is the initial output state; any other state starts at zero.</summary>
    private Span<T> InitialStates(ReadOnlySpan<T> condition, int batch)
    {
        Condition.Forward(condition, batch);
        var block = batch * Decoder.HiddenSize;
        var states = _states.AsSpan(0, TCell.Info.States.Count * block);
        states.Clear();
        Condition.Output.CopyTo(states.Slice(TCell.Info.OutputState * block, block));
        return states;
    }
}
