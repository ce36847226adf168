using System.Numerics;
using System.Numerics.Tensors;
using RnnGen.Data;

namespace RnnGen;

/// <summary>One named layer of a <see cref="Model{T}"/>; the name prefixes its parameters ("rnn." + "l0.W_i").</summary>
/// <remarks>Thread safety: immutable; the layer follows its own rules.</remarks>
public readonly record struct NamedLayer<T>(string Name, ILayer<T> Layer) where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The layer's parameters under "{Name}.": new objects sharing the layer's memory and flags' initial values.</summary>
    public IEnumerable<Parameter<T>> Parameters()
    {
        var prefix = Name + ".";
        return Layer.Parameters().Select(p => p.WithPrefix(prefix));
    }

    /// <summary>The parameters of several named layers, in order (a model's list).</summary>
    public static Parameter<T>[] Collect(params ReadOnlySpan<NamedLayer<T>> layers)
    {
        var all = new List<Parameter<T>>();
        foreach (var layer in layers) all.AddRange(layer.Parameters());
        return all.ToArray();
    }
}

/// <summary>A model as plain data: its layers' names and configs in order (<see cref="Model{T}.Create"/> rebuilds it).</summary>
/// <remarks>Thread safety: immutable; thread-safe.</remarks>
public sealed record ModelConfig(IReadOnlyList<ModelConfig.Layer> Layers)
{
    /// <remarks>Thread safety: immutable; thread-safe.</remarks>
    public sealed record Layer(string Name, LayerConfig Config);
}

/// <summary>
/// Layers run in order through <see cref="ILayer{T}"/>: what <see cref="Model.Sequential{T}"/> builds and what a
/// [RecurrentModel] class wraps. Forward/Backward chain the layers' batches; <see cref="Predict(ReadOnlyTensorSpan{T}, ReadOnlySpan{int})"/>
/// takes and returns shaped tensors; <see cref="Evaluate"/> reports metrics; training is <c>Fit</c> in RnnGen.Training.
/// </summary>
/// <remarks>Thread safety: not thread-safe; give each thread its own <see cref="CreateInferenceSession"/>.</remarks>
public sealed partial class Model<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly NamedLayer<T>[] _layers;
    private readonly Parameter<T>[] _parameters;
    private T[] _values = [], _dOutput = [];
    private int[] _tokens = [], _lengths = [];
    // Predict and Evaluate record nothing for backward: they run a forward-only session of this model (made on first use,
    // sharing its weights), whose generated Infer passes keep no tape. A session is its own predictor.
    private Model<T>? _predictor;
    private bool _isSession;

    /// <exception cref="ArgumentException">No layers, a repeated or empty name, a token layer after the first, or a layer
    /// that reads a different number of features than the one before writes.</exception>
    public Model(params NamedLayer<T>[] layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Length == 0) throw new ArgumentException("A model needs at least one layer.", nameof(layers));
        for (var i = 0; i < layers.Length; i++) CheckLayer(layers, i);
        _layers = layers.ToArray();
        _parameters = NamedLayer<T>.Collect(_layers);
    }

    /// <summary>A new model (fresh weights) of the description <paramref name="config"/>.</summary>
    public static Model<T> Create(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new Model<T>(config.Layers.Select(l => new NamedLayer<T>(l.Name, l.Config.Create<T>())).ToArray());
    }

    private static void CheckLayer(NamedLayer<T>[] layers, int i)
    {
        var (name, layer) = layers[i];
        ArgumentException.ThrowIfNullOrEmpty(name, nameof(layers));
        ArgumentNullException.ThrowIfNull(layer, nameof(layers));
        if (Array.FindIndex(layers, l => l.Name == name) != i)
            throw new ArgumentException($"Two layers are named '{name}'; names prefix parameter names and must differ.", nameof(layers));
        if (i == 0) return;
        var before = layers[i - 1];
        if (layer is ITokenLayer<T>)
            throw new ArgumentException($"Layer '{name}' reads token ids, so it can only be the first layer.", nameof(layers));
        if (layer.InputSize != before.Layer.OutputSize)
            throw new ArgumentException($"Layer '{name}' reads {layer.InputSize} features per step but '{before.Name}' writes {before.Layer.OutputSize}.", nameof(layers));
    }

    /// <summary>The layers in order, each with its name.</summary>
    public IReadOnlyList<NamedLayer<T>> Layers => _layers;

    /// <summary>Whether the first layer reads token ids (an Embedding) rather than values.</summary>
    public bool ReadsTokens => _layers[0].Layer is ITokenLayer<T>;

    /// <summary>Features per step of the input (the vocabulary size for token input).</summary>
    public int InputSize => _layers[0].Layer.InputSize;

    /// <summary>Features per step (or per sequence) of the last layer's output.</summary>
    public int OutputSize => _layers[^1].Layer.OutputSize;

    /// <summary>The model as plain data, from which <see cref="Model{T}.Create(ModelConfig)"/> builds the same model with fresh weights.</summary>
    public ModelConfig Config => new(_layers.Select(l => new ModelConfig.Layer(l.Name, l.Layer.Config)).ToArray());

    /// <summary>Every parameter as "{layer name}.{name}" ("embedding.weight", "rnn.l0.W_i", "fc.bias"): the checkpoint
    /// names, with real shapes. The same objects every call.</summary>
    public IReadOnlyList<Parameter<T>> Parameters() => _parameters;

    /// <summary>Sets the gradients of every parameter to zero.</summary>
    public void ZeroGradients()
    {
        foreach (var layer in _layers) layer.Layer.ZeroGradients();
    }

    /// <summary>Runs every layer; returns the last one's output (a view valid until the next call).</summary>
    public SequenceBatch<T> Forward(in SequenceBatch<T> input, bool training = false)
    {
        var batch = _layers[0].Layer.Forward(input, training);
        for (var i = 1; i < _layers.Length; i++) batch = _layers[i].Layer.Forward(batch, training);
        return batch;
    }

    /// <summary>Back-propagates the last Forward from d(loss)/d(output); returns d(loss)/d(input) when asked (not for tokens).</summary>
    public SequenceBatch<T> Backward(in SequenceBatch<T> dOutput, bool inputGradient = false, bool retainGraph = false)
    {
        var gradient = dOutput;
        for (var i = _layers.Length - 1; i >= 0; i--)
            gradient = _layers[i].Layer.Backward(gradient, inputGradient: i > 0 || inputGradient, retainGraph);
        return gradient;
    }

    /// <summary>One training step's model side: Forward in training mode, the loss, and Backward (gradients are added
    /// to; zero them first). Returns the loss. Allocates nothing once buffers fit the batch.</summary>
    public double TrainStep(in DataBatch<T> batch, ILoss<T> loss)
    {
        ArgumentNullException.ThrowIfNull(loss);
        var output = Forward(batch.Inputs, training: true);
        var length = output.Values.Length;
        if (_dOutput.Length < length) _dOutput = new T[length];
        var value = loss.Compute(output, batch.Targets, _dOutput.AsSpan(0, length));
        Backward(output.With(_dOutput.AsMemory(0, length), output.Features));
        return value;
    }

    /// <summary>Runs the model on [batch, steps, InputSize] values and returns an owned tensor [batch, steps, OutputSize]
    /// (or [batch, OutputSize] for a many-to-one model). Runs a forward-only session of this model that shares its weights
    /// and keeps nothing for backward (a Stateful model's carried states there are the session's), so the last Forward's
    /// Backward is unaffected.</summary>
    /// <exception cref="ArgumentException">The input is not [batch, steps, InputSize] (the message names both shapes) or the model reads tokens.</exception>
    public Tensor<T> Predict(ReadOnlyTensorSpan<T> input, ReadOnlySpan<int> lengths = default)
    {
        if (ReadsTokens) throw new ArgumentException($"This model reads token ids; pass a [batch, steps] tensor of int.", nameof(input));
        var (batch, steps) = Shape(input.Lengths, 3, nameof(input));
        if (input.Lengths[2] != InputSize)
            throw new ArgumentException($"input must be [batch, steps, {InputSize}] but is {Shapes.Format(input.Lengths)}.", nameof(input));
        if (_values.Length < input.FlattenedLength) _values = new T[input.FlattenedLength];
        input.FlattenTo(_values);
        var values = _values.AsMemory(0, (int)input.FlattenedLength);
        return Predictor.Forward(new SequenceBatch<T>(values, batch, steps, InputSize, CopyLengths(lengths))).ToTensor();
    }

    /// <summary>Runs a model whose first layer reads token ids on a [batch, steps] tensor of ids.</summary>
    public Tensor<T> Predict(ReadOnlyTensorSpan<int> tokens, ReadOnlySpan<int> lengths = default)
    {
        if (!ReadsTokens) throw new ArgumentException($"This model reads values; pass a [batch, steps, {InputSize}] tensor of {typeof(T).Name}.", nameof(tokens));
        var (batch, steps) = Shape(tokens.Lengths, 2, nameof(tokens));
        if (_tokens.Length < tokens.FlattenedLength) _tokens = new int[tokens.FlattenedLength];
        tokens.FlattenTo(_tokens);
        var ids = _tokens.AsMemory(0, (int)tokens.FlattenedLength);
        return Predictor.Forward(SequenceBatch<T>.FromTokens(ids, batch, steps, CopyLengths(lengths))).ToTensor();
    }

    /// <summary>The loss and metrics over a whole dataset, in its current order, without training (through the same
    /// forward-only session as Predict).</summary>
    public Metrics Evaluate(IDataset<T> data, ILoss<T> loss, int batchSize = 32)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        var totals = new MetricTotals();
        for (var start = 0; start < data.Count; start += batchSize)
        {
            var batch = data.GetBatch(start, Math.Min(batchSize, data.Count - start));
            loss.Measure(Predictor.Forward(batch.Inputs), batch.Targets, ref totals);
        }
        return totals.ToMetrics();
    }

    /// <summary>A forward-only copy for one thread: each layer's inference session (shared weights, own buffers).</summary>
    public Model<T> CreateInferenceSession() =>
        new(_layers.Select(l => new NamedLayer<T>(l.Name, l.Layer.CreateInferenceSession())).ToArray()) { _isSession = true };

    private Model<T> Predictor => _isSession ? this : _predictor ??= CreateInferenceSession();

    private static (int Batch, int Steps) Shape(ReadOnlySpan<nint> lengths, int rank, string argument)
    {
        if (lengths.Length != rank || lengths[0] < 1 || lengths[1] < 1)
            throw new ArgumentException($"{argument} must be [batch, steps{(rank == 3 ? ", features" : "")}] but is {Shapes.Format(lengths)}.", argument);
        return ((int)lengths[0], (int)lengths[1]);
    }

    private ReadOnlyMemory<int> CopyLengths(ReadOnlySpan<int> lengths)
    {
        if (_lengths.Length < lengths.Length) _lengths = new int[lengths.Length];
        lengths.CopyTo(_lengths);
        return _lengths.AsMemory(0, lengths.Length);
    }
}
