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

    public double Alpha { get; }
    public double Epsilon { get; }
    public double WeightDecay { get; }
    public double Momentum { get; }
    public bool Centered { get; }

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

    protected override IReadOnlyList<(string Name, T[][] Buffers)> NamedBuffers() =>
        [("square_avg", _square), ("grad_avg", _average), ("momentum_buffer", _momentum)];

    protected override IReadOnlyList<(string Name, string Value)> Hyperparameters() =>
        [("alpha", Invariant(Alpha)), ("eps", Invariant(Epsilon)), ("weight_decay", Invariant(WeightDecay)), ("momentum", Invariant(Momentum)), ("centered", Invariant(Centered))];

    protected override void ClearState()
    {
        Clear(_square);
        Clear(_average);
        Clear(_momentum);
    }
}
