using System.Numerics;

namespace RnnGen;

/// <summary>
/// Many-to-many encoder–decoder (seed 000's translation case): the encoder reads the source, its final states start the
/// decoder, which reads the target shifted right (teacher forcing: start token, then the target) and predicts each
/// target token. <see cref="Translate"/> decodes greedily, feeding back its own predictions. Batch-first.
/// </summary>
/// <remarks>Thread safety: not thread-safe; to translate from many threads, give each thread its own
/// <see cref="CreateInferenceSession"/>.</remarks>
public sealed class EncoderDecoder<TCell, T>
    where TCell : IRecurrentCell
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private Parameter<T>[]? _named;
    private readonly TokenLoss<T> _loss;
    private readonly T[] _dDecoded, _dTargetEmbedded, _dSourceEmbedded, _dStates, _states;
    private readonly int[] _previous, _next;
    private int _batch, _targetSteps;

    /// <summary>Builds the embeddings, encoder, decoder and output layer with fresh weights (seeds <paramref name="seed"/> to seed + 4); the max sizes size the buffers.</summary>
    /// <exception cref="ArgumentException"><paramref name="options"/> asks for a bidirectional, go-backwards or stateful layer: the encoder's final states must start a forward decoder.</exception>
    public EncoderDecoder(int sourceVocabulary, int targetVocabulary, int embedding, int hidden, int maxBatch, int maxSourceSteps, int maxTargetSteps,
        RecurrentOptions? options = null, int seed = 0)
    {
        var settings = (options ?? new RecurrentOptions()) with { BatchFirst = true, ReturnSequences = true, ReturnState = true };
        if (settings.Bidirectional || settings.GoBackwards || settings.Stateful)
            throw new ArgumentException("The encoder's final states start the decoder, so both run one direction, forwards, without carried state.", nameof(options));
        SourceEmbedding = new Embedding<T>(sourceVocabulary, embedding, maxBatch * maxSourceSteps, seed: seed);
        TargetEmbedding = new Embedding<T>(targetVocabulary, embedding, maxBatch * maxTargetSteps, seed: seed + 1);
        Encoder = new RecurrentLayer<TCell, T>(embedding, hidden, maxBatch, maxSourceSteps, settings with { Seed = seed + 2 });
        Decoder = new RecurrentLayer<TCell, T>(embedding, hidden, maxBatch, maxTargetSteps, settings with { Seed = seed + 3 });
        Output = new Dense<T>(hidden, targetVocabulary, maxBatch * maxTargetSteps, seed: seed + 4);
        var targetRows = maxBatch * maxTargetSteps;
        _loss = new TokenLoss<T>(targetRows, targetVocabulary);
        _dDecoded = new T[targetRows * hidden];
        (_dTargetEmbedded, _dSourceEmbedded) = (new T[targetRows * embedding], new T[maxBatch * maxSourceSteps * embedding]);
        var states = TCell.Info.States.Count * settings.NumLayers * maxBatch * hidden;
        (_dStates, _states) = (new T[states], new T[states]);
        (_previous, _next) = (new int[maxBatch], new int[maxBatch]);
    }

    private EncoderDecoder(EncoderDecoder<TCell, T> trained)
    {
        (SourceEmbedding, TargetEmbedding) = (trained.SourceEmbedding.CreateInferenceSession(), trained.TargetEmbedding.CreateInferenceSession());
        (Encoder, Decoder) = (trained.Encoder.CreateInferenceSession(), trained.Decoder.CreateInferenceSession());
        Output = trained.Output.CreateInferenceSession();
        _loss = new TokenLoss<T>(Output.MaxRows, Output.OutputSize);
        (_dDecoded, _dTargetEmbedded, _dSourceEmbedded, _dStates) = ([], [], [], []);
        _states = new T[trained._states.Length];
        (_previous, _next) = (new int[trained._previous.Length], new int[trained._next.Length]);
    }

    /// <summary>A forward-only copy for one thread: its layers are inference sessions of this model's layers (the weights
    /// are read, not copied, and must not change while sessions run). Forward, Translate and Loss without backward work.</summary>
    public EncoderDecoder<TCell, T> CreateInferenceSession() => new(this);

    /// <summary>Embeds source token ids, [sourceVocabulary, embedding].</summary>
    public Embedding<T> SourceEmbedding { get; }
    /// <summary>Embeds target token ids (the decoder's input), [targetVocabulary, embedding].</summary>
    public Embedding<T> TargetEmbedding { get; }
    /// <summary>Reads the embedded source; its final states start the decoder.</summary>
    public RecurrentLayer<TCell, T> Encoder { get; }
    /// <summary>Reads the embedded, shifted target.</summary>
    public RecurrentLayer<TCell, T> Decoder { get; }
    /// <summary>Maps each decoder output to target-token logits, [hidden] → [targetVocabulary].</summary>
    public Dense<T> Output { get; }

    /// <summary>Logits of the last Forward, [batch, target steps, target vocabulary].</summary>
    public ReadOnlySpan<T> Logits => Output.Output;

    /// <summary>Every parameter under its member's prefix; the same objects every call.</summary>
    public IReadOnlyList<Parameter<T>> Parameters() => _named ??= NamedLayer<T>.Collect(
        new("source_embedding", SourceEmbedding), new("target_embedding", TargetEmbedding), new("encoder", Encoder),
        new("decoder", Decoder), new("output", Output));

    /// <summary>Encodes <paramref name="source"/> and runs the decoder over <paramref name="decoderInput"/> (the target shifted
    /// right behind a start token).</summary>
    public void Forward(ReadOnlySpan<int> source, int batch, int sourceSteps, ReadOnlySpan<int> sourceLengths,
        ReadOnlySpan<int> decoderInput, int targetSteps, ReadOnlySpan<int> targetLengths = default, bool training = false)
    {
        SourceEmbedding.Forward(source, batch * sourceSteps);
        Encoder.Forward(SourceEmbedding.Output, batch, sourceSteps, sourceLengths, default, training);
        TargetEmbedding.Forward(decoderInput, batch * targetSteps);
        Decoder.Forward(TargetEmbedding.Output, batch, targetSteps, targetLengths, Encoder.FinalStates, training);
        Output.Forward(Decoder.Output, batch * targetSteps);
        (_batch, _targetSteps) = (batch, targetSteps);
        _loss.SetLengths(targetLengths, batch, targetSteps);
    }

    /// <summary>Cross-entropy against the target tokens (padding ignored); with <paramref name="backward"/> the gradients
    /// flow through the decoder, into the encoder through its final states, and into both embeddings.</summary>
    public T Loss(ReadOnlySpan<int> targets, Reduction reduction = Reduction.Mean, bool backward = true)
    {
        var loss = _loss.Compute(Logits, targets, reduction, backward);
        if (!backward) return loss;
        var rows = _batch * _targetSteps;
        var dDecoded = _dDecoded.AsSpan(0, rows * Decoder.HiddenSize);
        Output.Backward(_loss.Gradient, dDecoded);
        var dStates = _dStates.AsSpan(0, Encoder.FinalStates.Length);
        var dTarget = _dTargetEmbedded.AsSpan(0, rows * TargetEmbedding.Dimension);
        Decoder.Backward(dDecoded, default, dTarget, dStates);
        TargetEmbedding.Backward(dTarget);
        var dSource = _dSourceEmbedded.AsSpan(0, SourceEmbedding.Rows * SourceEmbedding.Dimension);
        Encoder.Backward(default, dStates, dSource, default);
        SourceEmbedding.Backward(dSource);
        return loss;
    }

    /// <summary>Greedy decoding: starts from <paramref name="startToken"/>, feeds back each prediction, stops a sequence at
    /// <paramref name="endToken"/> (written, then repeated to the end). <paramref name="result"/> is [batch, maxSteps].</summary>
    public void Translate(ReadOnlySpan<int> source, int batch, int sourceSteps, ReadOnlySpan<int> sourceLengths,
        int startToken, int endToken, int maxSteps, Span<int> result)
    {
        if (result.Length != batch * maxSteps)
            throw new ArgumentException($"result must hold {batch * maxSteps} tokens [batch {batch}, steps {maxSteps}], but holds {result.Length}.", nameof(result));
        SourceEmbedding.Forward(source, batch * sourceSteps);
        Encoder.Forward(SourceEmbedding.Output, batch, sourceSteps, sourceLengths);
        var states = _states.AsSpan(0, Encoder.FinalStates.Length);
        Encoder.FinalStates.CopyTo(states);
        var previous = _previous.AsSpan(0, batch);
        var next = _next.AsSpan(0, batch);
        previous.Fill(startToken);
        for (var t = 0; t < maxSteps; t++)
        {
            TokenLoss<T>.GreedyStep(TargetEmbedding, Decoder, Output, previous, states, next);
            for (var b = 0; b < batch; b++)
            {
                // A finished sequence repeats its end token.
                var token = previous[b] == endToken && t > 0 ? endToken : next[b];
                result[b * maxSteps + t] = token;
                previous[b] = token;
            }
        }
    }
}
