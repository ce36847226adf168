using System.Numerics;
using System.Numerics.Tensors;

namespace RnnGen.Training;

/// <summary>
/// PyTorch's torch.optim.Adam: g = ∇ + λ·p (decayed entries; L2 folded into the gradient), m = β1·m + (1 − β1)·g,
/// v = β2·v + (1 − β2)·g², v̂ = max(v̂, v) with AMSGrad, and p = p − lr/(1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + ε).
/// </summary>
/// <remarks>Thread safety: not thread-safe; one Step at a time, and never while inference sessions read the weights it updates.</remarks>
public class Adam<T> : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[][] _m, _v, _vMax;
    private readonly T[] _denominator;
    private readonly bool _decoupled;

    /// <summary>Adam over <paramref name="parameters"/> (which it seals), with PyTorch's defaults.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The rate is not finite and &gt; 0, a beta is outside [0, 1), or epsilon or the weight decay is negative or not finite.</exception>
    public Adam(ParameterSet<T> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double epsilon = 1e-8, double weightDecay = 0, bool amsgrad = false)
        : this(parameters, learningRate, beta1, beta2, epsilon, weightDecay, amsgrad, decoupled: false)
    {
    }

    private protected Adam(ParameterSet<T> parameters, double learningRate, double beta1, double beta2, double epsilon,
        double weightDecay, bool amsgrad, bool decoupled)
        : base(parameters, learningRate, () =>
        {
            Fraction(beta1, nameof(beta1));
            Fraction(beta2, nameof(beta2));
            NonNegative(epsilon, nameof(epsilon));
            NonNegative(weightDecay, nameof(weightDecay));
        })
    {
        (Beta1, Beta2, Epsilon, WeightDecay, AmsGrad) = (beta1, beta2, epsilon, weightDecay, amsgrad);
        _decoupled = decoupled;
        (_m, _v) = (StateBuffers(), StateBuffers());
        _vMax = amsgrad ? StateBuffers() : [];
        _denominator = new T[parameters.MaxLength];
    }

    /// <summary>β1: the decay of the first-moment average m.</summary>
    public double Beta1 { get; }
    /// <summary>β2: the decay of the second-moment average v.</summary>
    public double Beta2 { get; }
    /// <summary>ε, added to the denominator.</summary>
    public double Epsilon { get; }
    /// <summary>λ: L2 added to the gradient (Adam) or decoupled decay of the weights (AdamW), on entries with Decay set.</summary>
    public double WeightDecay { get; }
    /// <summary>Whether to divide by the running maximum of v (AMSGrad).</summary>
    public bool AmsGrad { get; }

    /// <inheritdoc/>
    protected override void Update(int index, Span<T> values, ReadOnlySpan<T> gradients, bool decay)
    {
        var g = gradients;
        if (decay && WeightDecay != 0)
        {
            if (_decoupled)
                // AdamW: shrink the weights themselves, outside the adaptive scaling.
                TensorPrimitives.Multiply(values, T.CreateTruncating(1 - LearningRate * WeightDecay), values);
            else
                g = WithWeightDecay(values, gradients, WeightDecay);
        }
        Span<T> m = _m[index], v = _v[index], denominator = _denominator.AsSpan(0, values.Length);
        TensorPrimitives.Multiply(m, T.CreateTruncating(Beta1), m);
        TensorPrimitives.MultiplyAdd(g, T.CreateTruncating(1 - Beta1), m, m);
        // (1 − β2)·g, then times g onto β2·v: g² without a second scratch buffer.
        TensorPrimitives.Multiply(g, T.CreateTruncating(1 - Beta2), denominator);
        TensorPrimitives.Multiply(v, T.CreateTruncating(Beta2), v);
        TensorPrimitives.MultiplyAdd(denominator, g, v, v);

        ReadOnlySpan<T> second = v;
        if (AmsGrad)
        {
            Span<T> vMax = _vMax[index];
            TensorPrimitives.Max(vMax, v, vMax);
            second = vMax;
        }
        var correction1 = 1 - Math.Pow(Beta1, StepCount);
        var correction2 = 1 - Math.Pow(Beta2, StepCount);
        TensorPrimitives.Sqrt(second, denominator);
        TensorPrimitives.Divide(denominator, T.CreateTruncating(Math.Sqrt(correction2)), denominator);
        TensorPrimitives.Add(denominator, T.CreateTruncating(Epsilon), denominator);
        TensorPrimitives.Divide(m, denominator, denominator);
        TensorPrimitives.MultiplyAdd(denominator, T.CreateTruncating(-LearningRate / correction1), values, values);
    }

    /// <inheritdoc/>
    protected override IReadOnlyList<(string Name, T[][] Buffers)> NamedBuffers() =>
        [("exp_avg", _m), ("exp_avg_sq", _v), ("max_exp_avg_sq", _vMax)];

    /// <inheritdoc/>
    protected override IReadOnlyList<(string Name, string Value)> Hyperparameters() =>
        [("beta1", Invariant(Beta1)), ("beta2", Invariant(Beta2)), ("eps", Invariant(Epsilon)), ("weight_decay", Invariant(WeightDecay)), ("amsgrad", Invariant(AmsGrad))];

    /// <inheritdoc/>
    protected override void ClearState()
    {
        Clear(_m);
        Clear(_v);
        Clear(_vMax);
    }
}

/// <summary>
/// PyTorch's torch.optim.AdamW: decoupled weight decay p = p − lr·λ·p on decayed entries, then the Adam step
/// on the raw gradient. λ defaults to 0.01 as in PyTorch.
/// </summary>
/// <remarks>Thread safety: not thread-safe; one Step at a time, and never while inference sessions read the weights it updates.</remarks>
public sealed class AdamW<T> : Adam<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>AdamW over <paramref name="parameters"/> (which it seals), with PyTorch's defaults.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The rate is not finite and &gt; 0, a beta is outside [0, 1), or epsilon or the weight decay is negative or not finite.</exception>
    public AdamW(ParameterSet<T> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double epsilon = 1e-8, double weightDecay = 1e-2, bool amsgrad = false)
        : base(parameters, learningRate, beta1, beta2, epsilon, weightDecay, amsgrad, decoupled: true)
    {
    }
}
