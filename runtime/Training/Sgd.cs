using System.Numerics;
using System.Numerics.Tensors;

namespace RnnGen.Training;

/// <summary>
/// PyTorch's torch.optim.SGD: g = ∇ + λ·p (decayed entries); with momentum μ, b = g on the first step and
/// b = μ·b + (1 − τ)·g after; g = g + μ·b (Nesterov) or g = b; then p = p − lr·g.
/// </summary>
/// <remarks>Thread safety: not thread-safe; one Step at a time, and never while inference sessions read the weights it updates.</remarks>
public sealed class Sgd<T> : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[][] _momentum;

    /// <summary>SGD over <paramref name="parameters"/> (which it seals), with PyTorch's defaults.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The rate is not finite and &gt; 0, momentum or the weight decay is negative or not finite, or dampening is outside [0, 1].</exception>
    /// <exception cref="ArgumentException"><paramref name="nesterov"/> without momentum &gt; 0 and dampening 0.</exception>
    public Sgd(ParameterSet<T> parameters, double learningRate = 1e-3, double momentum = 0, double dampening = 0,
        bool nesterov = false, double weightDecay = 0)
        : base(parameters, learningRate, () => Check(momentum, dampening, nesterov, weightDecay))
    {
        (Momentum, Dampening, Nesterov, WeightDecay) = (momentum, dampening, nesterov, weightDecay);
        _momentum = momentum > 0 ? StateBuffers() : [];
    }

    private static void Check(double momentum, double dampening, bool nesterov, double weightDecay)
    {
        NonNegative(momentum, nameof(momentum));
        Fraction(dampening, nameof(dampening), closed: true);
        NonNegative(weightDecay, nameof(weightDecay));
        // PyTorch's rule: Nesterov looks ahead along an undamped momentum, so it needs one.
        if (nesterov && (momentum == 0 || dampening != 0))
            throw new ArgumentException($"Nesterov momentum needs momentum > 0 and dampening = 0, got momentum {momentum} and dampening {dampening}.", nameof(nesterov));
    }

    /// <summary>μ: the momentum; 0 for plain SGD.</summary>
    public double Momentum { get; }
    /// <summary>τ: the share of the gradient left out of the momentum buffer.</summary>
    public double Dampening { get; }
    /// <summary>Whether to use Nesterov momentum.</summary>
    public bool Nesterov { get; }
    /// <summary>λ: L2 added to the gradient, on entries with Decay set.</summary>
    public double WeightDecay { get; }

    /// <inheritdoc/>
    protected override void Update(int index, Span<T> values, ReadOnlySpan<T> gradients, bool decay)
    {
        var g = gradients;
        if (decay && WeightDecay != 0) g = WithWeightDecay(values, gradients, WeightDecay);
        if (Momentum != 0)
        {
            var buffer = _momentum[index].AsSpan();
            if (StepCount == 1) g.CopyTo(buffer);
            else
            {
                TensorPrimitives.Multiply(buffer, T.CreateTruncating(Momentum), buffer);
                TensorPrimitives.MultiplyAdd(g, T.CreateTruncating(1 - Dampening), buffer, buffer);
            }
            if (Nesterov)
            {
                // g + μ·b, written over the scratch (g may be the user's gradient, which stays untouched).
                var ahead = Scratch.AsSpan(0, values.Length);
                TensorPrimitives.MultiplyAdd(buffer, T.CreateTruncating(Momentum), g, ahead);
                g = ahead;
            }
            else g = buffer;
        }
        TensorPrimitives.MultiplyAdd(g, T.CreateTruncating(-LearningRate), values, values);
    }

    /// <inheritdoc/>
    protected override IReadOnlyList<(string Name, T[][] Buffers)> NamedBuffers() => [("momentum_buffer", _momentum)];

    /// <inheritdoc/>
    protected override IReadOnlyList<(string Name, string Value)> Hyperparameters() =>
        [("momentum", Invariant(Momentum)), ("dampening", Invariant(Dampening)), ("nesterov", Invariant(Nesterov)), ("weight_decay", Invariant(WeightDecay))];

    /// <inheritdoc/>
    protected override void ClearState() => Clear(_momentum);
}
