using System.Numerics;

namespace RnnGen;

/// <summary>
/// Many-to-one from a per-step output: each sequence's value at its last step (length − 1, or the final step without
/// lengths), as [batch, 1, features]. The head for "run per step, decide at the end" — a Dense after it sees one row per
/// sequence. (A recurrent layer with ReturnSequences = false instead returns its final states, which for a reverse
/// direction are those of the first step.)
/// </summary>
/// <remarks>Thread safety: not thread-safe; an inference session owns its buffers.</remarks>
public sealed class LastStep<T> : ParameterFreeLayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private T[] _output = [], _dInput = [];
    private SequenceBatch<T> _input;
    private BackwardGate _gate;

    /// <summary>Takes the last step of <paramref name="features"/> features per step.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="features"/> is not positive.</exception>
    public LastStep(int features) : this(new LastStepConfig(features), session: false)
    {
    }

    /// <summary>The layer a <see cref="LastStepConfig"/> describes.</summary>
    public LastStep(LastStepConfig config) : this(config, session: false)
    {
    }

    private LastStep(LastStepConfig config, bool session)
        : base((config ?? throw new ArgumentNullException(nameof(config))).Features, session) => _gate = new BackwardGate(forwardOnly: session);

    /// <inheritdoc/>
    public override LayerConfig Config => new LastStepConfig(Features);

    /// <inheritdoc/>
    public override SequenceBatch<T> Forward(in SequenceBatch<T> input, bool training = false)
    {
        input.RequireFeatures(Features, nameof(input));
        _gate.Clear();
        var (batch, f) = (input.BatchSize, Features);
        if (_output.Length < batch * f) _output = new T[batch * f];
        for (var b = 0; b < batch; b++)
            input.Values.Span.Slice(Row(input, b) * f, f).CopyTo(_output.AsSpan(b * f, f));
        _input = input;
        _gate.Record();
        return SequenceBatch<T>.PerSequence(_output.AsMemory(0, batch * f), batch, f);
    }

    /// <inheritdoc/>
    public override SequenceBatch<T> Backward(in SequenceBatch<T> dOutput, bool inputGradient = true, bool retainGraph = false)
    {
        _gate.RequireRecorded();
        dOutput.RequireShapeOf(SequenceBatch<T>.PerSequence(_output.AsMemory(0, _input.BatchSize * Features), _input.BatchSize, Features), nameof(dOutput));
        _gate.Pass("LastStep", retainGraph);
        if (!inputGradient) return default;
        var length = _input.Values.Length;
        if (_dInput.Length < length) _dInput = new T[length];
        var dInput = _dInput.AsSpan(0, length);
        dInput.Clear();
        for (var b = 0; b < _input.BatchSize; b++)
            dOutput.Values.Span.Slice(b * Features, Features).CopyTo(dInput.Slice(Row(_input, b) * Features, Features));
        return _input.With(_dInput.AsMemory(0, length), Features);
    }

    /// <inheritdoc/>
    public override ILayer<T> CreateInferenceSession() => new LastStep<T>(new LastStepConfig(Features), session: true);

    /// <summary>The row (b·steps + t) of sequence b's last step.</summary>
    private static int Row(in SequenceBatch<T> input, int b) =>
        b * input.Steps + (input.Lengths.IsEmpty ? input.Steps : input.Lengths.Span[b]) - 1;
}

/// <summary>A <see cref="LastStep{T}"/> layer as plain data.</summary>
/// <remarks>Thread safety: immutable; thread-safe.</remarks>
public sealed record LastStepConfig(int Features) : LayerConfig
{
    /// <inheritdoc/>
    public override string Kind => "last_step";

    /// <inheritdoc/>
    public override ILayer<T> Create<T>() => new LastStep<T>(this);
}
