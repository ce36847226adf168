using System.Numerics;
using System.Numerics.Tensors;

namespace RnnGen;

/// <summary>
/// Many-to-many encoder–decoder (seed 000's translation case): the encoder reads the source, its final states start the
/// decoder, which reads the target shifted right (teacher forcing: start token, then the target) and predicts each
/// target token. <see cref="Translate"/> decodes greedily, feeding back its own predictions. Batch-first.
/// </summary>
public sealed class EncoderDecoder<TCell, T>
    where TCell : IRecurrentCell
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _mask, _dLogits, _dDecoded, _dTargetEmbedded, _dSourceEmbedded, _dStates, _states;
    private readonly int[] _lengths, _previous;
    private int _batch, _targetSteps;
    private bool _hasLengths;

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
        (_mask, _dLogits, _dDecoded) = (new T[targetRows], new T[targetRows * targetVocabulary], new T[targetRows * hidden]);
        (_dTargetEmbedded, _dSourceEmbedded) = (new T[targetRows * embedding], new T[maxBatch * maxSourceSteps * embedding]);
        var states = TCell.Info.States.Count * settings.NumLayers * maxBatch * hidden;
        (_dStates, _states) = (new T[states], new T[states]);
        (_lengths, _previous) = (new int[maxBatch], new int[maxBatch]);
    }

    public Embedding<T> SourceEmbedding { get; }
    public Embedding<T> TargetEmbedding { get; }
    public RecurrentLayer<TCell, T> Encoder { get; }
    public RecurrentLayer<TCell, T> Decoder { get; }
    public Dense<T> Output { get; }

    /// <summary>Logits of the last Forward, [batch, target steps, target vocabulary].</summary>
    public ReadOnlySpan<T> Logits => Output.Output;

    public IEnumerable<TrainableTensor<T>> Parameters() =>
        ModelParameters.Of("source_embedding.", SourceEmbedding)
            .Concat(ModelParameters.Of("target_embedding.", TargetEmbedding))
            .Concat(ModelParameters.Of("encoder.", Encoder))
            .Concat(ModelParameters.Of("decoder.", Decoder))
            .Concat(ModelParameters.Of("output.", Output));

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
        (_batch, _targetSteps, _hasLengths) = (batch, targetSteps, !targetLengths.IsEmpty);
        if (_hasLengths) targetLengths.CopyTo(_lengths);
    }

    /// <summary>Cross-entropy against the target tokens (padding ignored); with <paramref name="backward"/> the gradients
    /// flow through the decoder, into the encoder through its final states, and into both embeddings.</summary>
    public T Loss(ReadOnlySpan<int> targets, Reduction reduction = Reduction.Mean, bool backward = true)
    {
        var rows = _batch * _targetSteps;
        var mask = _mask.AsSpan(0, rows);
        ModelParameters.LengthMask(_hasLengths ? _lengths.AsSpan(0, _batch) : default, _batch, _targetSteps, mask);
        var vocabulary = Output.OutputSize;
        var dLogits = backward ? _dLogits.AsSpan(0, rows * vocabulary) : default;
        var loss = SoftmaxCrossEntropy.Compute<T>(Logits, targets, vocabulary, dLogits, mask, reduction);
        if (!backward) return loss;
        var dDecoded = _dDecoded.AsSpan(0, rows * Decoder.HiddenSize);
        Output.Backward(dLogits, dDecoded);
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
        previous.Fill(startToken);
        var vocabulary = Output.OutputSize;
        for (var t = 0; t < maxSteps; t++)
        {
            TargetEmbedding.Forward(previous, batch);
            Decoder.Forward(TargetEmbedding.Output, batch, 1, default, states);
            Decoder.FinalStates.CopyTo(states);
            Output.Forward(Decoder.Output, batch);
            for (var b = 0; b < batch; b++)
            {
                var token = previous[b] == endToken && t > 0 ? endToken : TensorPrimitives.IndexOfMax(Output.Output.Slice(b * vocabulary, vocabulary));
                result[b * maxSteps + t] = token;
                previous[b] = token;
            }
        }
    }
}
