using System.Numerics;

namespace RnnGen;

/// <summary>Entry point of the sequential builder: <c>Model.Sequential&lt;float&gt;().Embedding(v, 16).Lstm(64).Dense(v).Build()</c>.</summary>
/// <remarks>Thread safety: stateless.</remarks>
public static class Model
{
    /// <summary>Starts a model whose layers run one after the other; <paramref name="seed"/> seeds every layer's weights.</summary>
    public static SequentialBuilder<T> Sequential<T>(int seed = 0) where T : unmanaged, IFloatingPointIeee754<T> => new(seed);
}

/// <summary>
/// Builds a <see cref="Model{T}"/> layer by layer, each sized from the one before (Keras Sequential). Layers are named
/// as PyTorch modules usually are — "embedding", "rnn", "dropout", "fc", then "rnn1", "fc1", … — which prefix their
/// parameter names. Recurrent layers are batch-first; a many-to-one model ends its last recurrent layer with
/// <c>returnSequences: false</c>.
/// </summary>
/// <remarks>Thread safety: not thread-safe; build on one thread.</remarks>
public sealed class SequentialBuilder<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly List<NamedLayer<T>> _layers = [];
    private readonly int _seed;
    private int _features;

    internal SequentialBuilder(int seed) => _seed = seed;

    /// <summary>The model reads values with <paramref name="features"/> features per step (instead of an Embedding).</summary>
    public SequentialBuilder<T> Input(int features)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(features);
        if (_layers.Count > 0 || _features > 0) throw new InvalidOperationException("Input comes first, once.");
        _features = features;
        return this;
    }

    /// <summary>A token embedding, [vocabularySize, dimension]: the first layer of a model that reads token ids.</summary>
    /// <exception cref="InvalidOperationException">Layers or an Input were added before it.</exception>
    public SequentialBuilder<T> Embedding(int vocabularySize, int dimension, int? paddingIndex = null)
    {
        if (_layers.Count > 0 || _features > 0) throw new InvalidOperationException("An Embedding reads token ids, so it must be the first layer (and replaces Input).");
        return Add("embedding", new Embedding<T>(vocabularySize, dimension, paddingIndex: paddingIndex, seed: NextSeed()));
    }

    /// <summary>A recurrent layer over any generated cell (built-in or declared with [RecurrentCell]); the options' Seed
    /// is used as given (the builder's seed when <paramref name="options"/> is null), BatchFirst is forced on.</summary>
    public SequentialBuilder<T> Recurrent<TCell>(int hiddenSize, RecurrentOptions? options = null) where TCell : IRecurrentCell =>
        Add("rnn", new RecurrentLayer<TCell, T>(Features(), hiddenSize,
            (options ?? new RecurrentOptions { Seed = NextSeed() }) with { BatchFirst = true }));

    /// <summary>An LSTM (PyTorch nn.LSTM) of <paramref name="hiddenSize"/> units: stacked <paramref name="layers"/> deep, optionally bidirectional, with <paramref name="dropout"/> between stacked layers; without <paramref name="returnSequences"/> it outputs each sequence's final state.</summary>
    public SequentialBuilder<T> Lstm(int hiddenSize, int layers = 1, bool bidirectional = false, bool returnSequences = true, double dropout = 0) =>
        Recurrent<RnnGen.Lstm>(hiddenSize, Options(layers, bidirectional, returnSequences, dropout));

    /// <summary>A GRU (PyTorch nn.GRU), with the options of <see cref="Lstm"/>.</summary>
    public SequentialBuilder<T> Gru(int hiddenSize, int layers = 1, bool bidirectional = false, bool returnSequences = true, double dropout = 0) =>
        Recurrent<RnnGen.Gru>(hiddenSize, Options(layers, bidirectional, returnSequences, dropout));

    /// <summary>An Elman RNN with tanh (PyTorch nn.RNN), with the options of <see cref="Lstm"/>.</summary>
    public SequentialBuilder<T> SimpleRnn(int hiddenSize, int layers = 1, bool bidirectional = false, bool returnSequences = true, double dropout = 0) =>
        Recurrent<SimpleRnnTanh>(hiddenSize, Options(layers, bidirectional, returnSequences, dropout));

    /// <summary>Each sequence's last step (by its length): turns a per-step output into one row per sequence.</summary>
    public SequentialBuilder<T> LastStep() => Add("last", new LastStep<T>(Features()));

    /// <summary>Inverted dropout with probability <paramref name="rate"/>, in training only.</summary>
    public SequentialBuilder<T> Dropout(double rate) => Add("dropout", new Dropout<T>(Features(), rate, NextSeed()));

    /// <summary>A per-step (or, after a many-to-one layer, per-sequence) affine layer: the usual head.</summary>
    public SequentialBuilder<T> Dense(int outputSize, Activation activation = Activation.None, bool bias = true) =>
        Add("fc", new Dense<T>(Features(), outputSize, activation: activation, bias: bias, seed: NextSeed()));

    /// <summary>Any other layer, made from the current number of features.</summary>
    public SequentialBuilder<T> Add(string name, Func<int, ILayer<T>> create)
    {
        ArgumentNullException.ThrowIfNull(create);
        return Add(name, create(Features()));
    }

    /// <summary>The model of the layers added so far.</summary>
    /// <exception cref="InvalidOperationException">No layer was added.</exception>
    public Model<T> Build() => _layers.Count > 0 ? new Model<T>(_layers.ToArray()) : throw new InvalidOperationException("The model has no layers.");

    private SequentialBuilder<T> Add(string name, ILayer<T> layer)
    {
        var unique = name;
        for (var n = 1; _layers.Exists(l => l.Name == unique); n++) unique = name + n;
        _layers.Add(new NamedLayer<T>(unique, layer));
        _features = layer.OutputSize;
        return this;
    }

    private int Features() => _features > 0 ? _features
        : throw new InvalidOperationException("Start with Input(features) or Embedding(vocabulary, dimension): the first layer needs its input size.");

    private int NextSeed() => _seed + _layers.Count;

    private RecurrentOptions Options(int layers, bool bidirectional, bool returnSequences, double dropout) =>
        new() { NumLayers = layers, Bidirectional = bidirectional, ReturnSequences = returnSequences, Dropout = dropout, Seed = NextSeed() };
}
