using System.Numerics;
using System.Numerics.Tensors;

namespace RnnGen;

/// <summary>
/// Inverted dropout as a layer (PyTorch nn.Dropout): in training each value is kept with probability 1 − p and scaled
/// by 1/(1 − p), so inference is the identity and passes its input through without a copy. It has no parameters.
/// The mask of the n-th training Forward is a function of the seed and n (<see cref="IStochasticLayer.Draws"/>), so a
/// seed gives the same run, and a run resumed from a checkpoint draws the same masks as one never stopped.
/// </summary>
/// <remarks>Thread safety: not thread-safe; an inference session is the identity and is safe on any thread.</remarks>
public sealed class Dropout<T> : ParameterFreeLayer<T>, IStochasticLayer where T : unmanaged, IFloatingPointIeee754<T>
{
    private T[] _mask = [], _output = [], _dInput = [];
    private SequenceBatch<T> _last;
    private bool _masked;
    private BackwardGate _gate;

    /// <param name="features">Features per step (the layer's input and output size).</param>
    /// <param name="rate">The probability p of dropping a value, in [0, 1).</param>
    /// <param name="seed">The seed the masks derive from.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="features"/> is not positive or <paramref name="rate"/> is outside [0, 1).</exception>
    public Dropout(int features, double rate, int seed = 0)
        : this(new DropoutConfig(features, rate, seed), session: false)
    {
    }

    /// <summary>The layer a <see cref="DropoutConfig"/> describes.</summary>
    public Dropout(DropoutConfig config) : this(config, session: false)
    {
    }

    private Dropout(DropoutConfig config, bool session) : base((config ?? throw new ArgumentNullException(nameof(config))).Features, session)
    {
        if (!(config.Rate >= 0 && config.Rate < 1))
            throw new ArgumentOutOfRangeException(nameof(config), config.Rate, "The dropout rate must be in [0, 1).");
        (Rate, Seed) = (config.Rate, config.Seed);
        _gate = new BackwardGate(forwardOnly: session);
    }

    /// <summary>The probability p of dropping a value.</summary>
    public double Rate { get; }
    /// <summary>The seed the masks derive from.</summary>
    public int Seed { get; }
    /// <inheritdoc/>
    public override LayerConfig Config => new DropoutConfig(Features, Rate, Seed);

    /// <inheritdoc/>
    public long Draws { get; set => field = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(Draws), value, "Draws must be >= 0."); }

    /// <summary>Training: a fresh mask applied to the input (a view of this layer's buffer). Inference: the input itself.</summary>
    public override SequenceBatch<T> Forward(in SequenceBatch<T> input, bool training = false)
    {
        input.RequireFeatures(Features, nameof(input));
        _gate.Clear();
        _last = input;
        _masked = training && Rate > 0;
        if (!_masked)
        {
            _gate.Record();
            return input;
        }
        var length = input.Values.Length;
        if (_mask.Length < length) (_mask, _output, _dInput) = (new T[length], new T[length], []);
        CounterRandom.FillDropoutMask(_mask.AsSpan(0, length), Rate, CounterRandom.Key(Seed, Draws++));
        TensorPrimitives.Multiply(input.Values.Span, _mask.AsSpan(0, length), _output.AsSpan(0, length));
        _gate.Record();
        return input.With(_output.AsMemory(0, length), Features);
    }

    /// <inheritdoc/>
    public override SequenceBatch<T> Backward(in SequenceBatch<T> dOutput, bool inputGradient = true, bool retainGraph = false)
    {
        _gate.RequireRecorded();
        dOutput.RequireShapeOf(_last, nameof(dOutput));
        _gate.Pass("Dropout", retainGraph);
        if (!inputGradient) return default;
        if (!_masked) return dOutput;
        var length = dOutput.Values.Length;
        if (_dInput.Length < length) _dInput = new T[_mask.Length];
        TensorPrimitives.Multiply(dOutput.Values.Span, _mask.AsSpan(0, length), _dInput.AsSpan(0, length));
        return dOutput.With(_dInput.AsMemory(0, length), Features);
    }

    /// <inheritdoc/>
    public override ILayer<T> CreateInferenceSession() => new Dropout<T>((DropoutConfig)Config, session: true);
}

/// <summary>A <see cref="Dropout{T}"/> layer as plain data.</summary>
/// <remarks>Thread safety: immutable; thread-safe.</remarks>
public sealed record DropoutConfig(int Features, double Rate, int Seed = 0) : LayerConfig
{
    /// <inheritdoc/>
    public override string Kind => "dropout";

    /// <inheritdoc/>
    public override ILayer<T> Create<T>() => new Dropout<T>(this);
}
