using System.Numerics;
using System.Numerics.Tensors;

namespace RnnGen.Training;

/// <summary>
/// PyTorch's torch.optim.RMSprop: g = ∇ + λ·p (decayed entries), v = α·v + (1 − α)·g²; centered: a = α·a + (1 − α)·g
/// and d = √(v − a²) + ε, else d = √v + ε; with momentum μ, b = μ·b + g/d (b starts at 0) and p = p − lr·b,
/// else p = p − lr·g/d.
/// </summary>
/// <remarks>Thread safety: not thread-safe; one Step at a time, and never while inference sessions read the weights it updates.</remarks>
public sealed class RmsProp<T> : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[][] _square, _average, _momentum;
    private readonly T[] _denominator;

    /// <summary>RMSprop over <paramref name="parameters"/> (which it seals), with PyTorch's defaults.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The rate is not finite and &gt; 0, alpha is outside [0, 1], or epsilon, the weight decay or the momentum is negative or not finite.</exception>
    public RmsProp(ParameterSet<T> parameters, double learningRate = 1e-2, double alpha = 0.99, double epsilon = 1e-8,
        double weightDecay = 0, double momentum = 0, bool centered = false)
        : base(parameters, learningRate, () =>
        {
            Fraction(alpha, nameof(alpha), closed: true);
            NonNegative(epsilon, nameof(epsilon));
            NonNegative(weightDecay, nameof(weightDecay));
            NonNegative(momentum, nameof(momentum));
        })
    {
        (Alpha, Epsilon, WeightDecay, Momentum, Centered) = (alpha, epsilon, weightDecay, momentum, centered);
        _square = StateBuffers();
        _average = centered ? StateBuffers() : [];
        _momentum = momentum > 0 ? StateBuffers() : [];
        _denominator = new T[parameters.MaxLength];
    }

    /// <summary>α: the decay of the squared-gradient average v.</summary>
    public double Alpha { get; }
    /// <summary>ε, added to the denominator.</summary>
    public double Epsilon { get; }
    /// <summary>λ: L2 added to the gradient, on entries with Decay set.</summary>
    public double WeightDecay { get; }
    /// <summary>μ: the momentum of the scaled step; 0 for none.</summary>
    public double Momentum { get; }
    /// <summary>Whether to subtract the square of the gradient average from v (centered RMSprop).</summary>
    public bool Centered { get; }

    /// <inheritdoc/>
    protected override void Update(int index, Span<T> values, ReadOnlySpan<T> gradients, bool decay)
    {
        var g = gradients;
        if (decay && WeightDecay != 0) g = WithWeightDecay(values, gradients, WeightDecay);
        Span<T> v = _square[index], d = _denominator.AsSpan(0, values.Length);
        T alpha = T.CreateTruncating(Alpha), rest = T.CreateTruncating(1 - Alpha);
        TensorPrimitives.Multiply(g, rest, d);
        TensorPrimitives.Multiply(v, alpha, v);
        TensorPrimitives.MultiplyAdd(d, g, v, v);
        if (Centered)
        {
            Span<T> a = _average[index];
            TensorPrimitives.Multiply(a, alpha, a);
            TensorPrimitives.MultiplyAdd(g, rest, a, a);
            // v − a²: a·(−a) + v.
            TensorPrimitives.Negate(a, d);
            TensorPrimitives.MultiplyAdd(d, a, v, d);
            TensorPrimitives.Sqrt(d, d);
        }
        else TensorPrimitives.Sqrt(v, d);
        TensorPrimitives.Add(d, T.CreateTruncating(Epsilon), d);
        TensorPrimitives.Divide(g, d, d);
        if (Momentum > 0)
        {
            Span<T> b = _momentum[index];
            TensorPrimitives.Multiply(b, T.CreateTruncating(Momentum), b);
            TensorPrimitives.Add(b, d, b);
            d = b;
        }
        TensorPrimitives.MultiplyAdd(d, T.CreateTruncating(-LearningRate), values, values);
    }

    /// <inheritdoc/>
    protected override IReadOnlyList<(string Name, T[][] Buffers)> NamedBuffers() =>
        [("square_avg", _square), ("grad_avg", _average), ("momentum_buffer", _momentum)];

    /// <inheritdoc/>
    protected override IReadOnlyList<(string Name, string Value)> Hyperparameters() =>
        [("alpha", Invariant(Alpha)), ("eps", Invariant(Epsilon)), ("weight_decay", Invariant(WeightDecay)), ("momentum", Invariant(Momentum)), ("centered", Invariant(Centered))];

    /// <inheritdoc/>
    protected override void ClearState()
    {
        Clear(_square);
        Clear(_average);
        Clear(_momentum);
    }
}
