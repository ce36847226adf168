using System.Numerics;

namespace RnnGen;

/// <summary>
/// The one contract every layer keeps (recurrent, Embedding, Dense, Dropout, …), and the only thing models, optimizers,
/// checkpoints, the trainer and the [RecurrentModel] generator rely on. Forward reads a batch-first
/// <see cref="SequenceBatch{T}"/> and returns a view of the layer's own output; Backward takes d(loss)/d(that output),
/// adds to the parameters' gradients and returns d(loss)/d(input) in the layer's own buffer. Buffers grow when a
/// batch is larger or longer than any seen before, once; after that a step allocates nothing.
/// Adding a layer kind is one file: the layer (implementing this) and its <see cref="LayerConfig"/>.
/// </summary>
/// <remarks>Thread safety: implementations are not thread-safe; give each thread its own <see cref="CreateInferenceSession"/>.</remarks>
public interface ILayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>A plain description (kind, sizes, options, cell) from which <see cref="LayerConfig.Create{T}"/> builds
    /// the same layer with fresh weights.</summary>
    LayerConfig Config { get; }

    /// <summary>Features per step the layer reads (the vocabulary size for a layer that reads token ids).</summary>
    int InputSize { get; }

    /// <summary>Features per step (or per sequence) the layer writes.</summary>
    int OutputSize { get; }

    /// <summary>The trainable tensors with their gradients, names relative to the layer ("weight", "l0.W_i"); the same
    /// objects every call, so flags set on them stick.</summary>
    IReadOnlyList<Parameter<T>> Parameters();

    /// <summary>Runs the layer; <paramref name="training"/> turns on dropout and records what Backward needs. Backward stays
    /// legal after a Forward that is not training (a recurrent layer recomputes its forward first).</summary>
    /// <exception cref="ArgumentException">The input's shape is not what the layer reads; the message names expected and actual.</exception>
    SequenceBatch<T> Forward(in SequenceBatch<T> input, bool training = false);

    /// <summary>Back-propagates the last Forward. Returns d(loss)/d(input), or an empty batch when
    /// <paramref name="inputGradient"/> is false or the input was token ids.</summary>
    SequenceBatch<T> Backward(in SequenceBatch<T> dOutput, bool inputGradient = true, bool retainGraph = false);

    /// <summary>Sets the gradients of every parameter to zero (gradients accumulate across Backward calls until then).</summary>
    void ZeroGradients();

    /// <summary>Whether this is a forward-only copy made by <see cref="CreateInferenceSession"/>.</summary>
    bool IsInferenceSession { get; }

    /// <summary>A forward-only copy for one thread that shares the weights (read-only) and owns its buffers.</summary>
    ILayer<T> CreateInferenceSession();
}

/// <summary>A layer that reads token ids rather than values, so it can only be the first layer of a model.</summary>
/// <remarks>Thread safety: as <see cref="ILayer{T}"/>.</remarks>
public interface ITokenLayer<T> : ILayer<T> where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>
/// What a layer is, as plain data: its kind, sizes and options (and cell name for a recurrent layer). Records compare by
/// value and serialize as they are; <see cref="Create{T}"/> builds a new layer of this description.
/// </summary>
/// <remarks>Thread safety: immutable; thread-safe.</remarks>
public abstract record LayerConfig
{
    /// <summary>A short stable name of the layer kind: "recurrent", "dense", "embedding", "dropout".</summary>
    public abstract string Kind { get; }

    /// <summary>A new layer of this description, with freshly initialized weights.</summary>
    public abstract ILayer<T> Create<T>() where T : unmanaged, IFloatingPointIeee754<T>;
}
