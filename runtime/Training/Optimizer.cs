using System.Numerics;
using System.Numerics.Tensors;

namespace RnnGen.Training;

/// <summary>
/// An optimizer over a <see cref="ParameterSet{T}"/>: each <see cref="Step"/> updates every entry's values from its
/// gradients (which it never modifies). Hyper-parameters are doubles, checked when given; the state buffers are
/// allocated at construction, so Step allocates nothing. Building an optimizer seals the set.
/// </summary>
/// <remarks>Thread safety: not thread-safe; one Step at a time, and never while inference sessions read the weights it updates.</remarks>
public abstract partial class Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private double _learningRate;

    /// <param name="parameters">The entries to update; sealed by this constructor.</param>
    /// <param name="learningRate">The rate of the first step; finite and &gt; 0.</param>
    /// <param name="validate">Checks the subclass's hyper-parameters; it runs before the set is sealed, so a
    /// rejected optimizer leaves the set as it was.</param>
    protected Optimizer(ParameterSet<T> parameters, double learningRate, Action? validate = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _learningRate = Positive(learningRate, nameof(learningRate));
        validate?.Invoke();
        Parameters = parameters;
        parameters.Seal();
        // One scratch buffer, for the decayed gradient or an intermediate, so the user's gradients stay untouched.
        Scratch = new T[parameters.MaxLength];
    }

    /// <summary>The entries this optimizer updates (sealed once it was built).</summary>
    public ParameterSet<T> Parameters { get; }

    /// <summary>The rate of the next step; must be finite and &gt; 0.</summary>
    public double LearningRate
    {
        get => _learningRate;
        set => _learningRate = Positive(value, nameof(LearningRate));
    }

    /// <summary>Steps taken so far (PyTorch's per-parameter "step", the t of the bias corrections).</summary>
    public int StepCount { get; private set; }

    /// <summary>A buffer of the longest entry's length, for a derived optimizer's intermediate values.</summary>
    protected T[] Scratch { get; }

    /// <summary>PyTorch's coupled (L2) weight decay: the gradient plus λ·w, in scratch space so the gradients stay intact.</summary>
    protected ReadOnlySpan<T> WithWeightDecay(ReadOnlySpan<T> values, ReadOnlySpan<T> gradients, double weightDecay)
    {
        var decayed = Scratch.AsSpan(0, values.Length);
        TensorPrimitives.MultiplyAdd(values, T.CreateTruncating(weightDecay), gradients, decayed);
        return decayed;
    }

    /// <summary>Updates every entry once from its gradient and increments <see cref="StepCount"/>.</summary>
    public void Step()
    {
        StepCount++;
        var entries = Parameters.Entries;
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            Update(i, entry.Values.Span, entry.Gradient.Span, entry.Decay);
        }
    }

    /// <summary>Sets the gradients of every entry to zero.</summary>
    public void ZeroGradients() => Parameters.ZeroGradients();

    /// <summary>Forgets the state (moments, momentum) and the step count, as a freshly built optimizer.</summary>
    public void Reset()
    {
        StepCount = 0;
        ClearState();
    }

    /// <summary>Updates entry <paramref name="index"/>; <paramref name="decay"/> says whether weight decay applies to it.</summary>
    protected abstract void Update(int index, Span<T> values, ReadOnlySpan<T> gradients, bool decay);

    /// <summary>Clears the derived optimizer's state buffers (for <see cref="Reset"/>).</summary>
    protected abstract void ClearState();

    /// <summary>One state buffer per entry, the entry's length.</summary>
    protected T[][] StateBuffers() => Parameters.Entries.Select(e => new T[e.Values.Length]).ToArray();

    /// <summary>Sets every element of <paramref name="buffers"/> to zero.</summary>
    protected static void Clear(T[][] buffers)
    {
        foreach (var buffer in buffers) Array.Clear(buffer);
    }

    /// <summary>Returns <paramref name="value"/> when it is finite and ≥ 0.</summary>
    /// <exception cref="ArgumentOutOfRangeException">It is not, named <paramref name="name"/>.</exception>
    protected static double NonNegative(double value, string name) =>
        value >= 0 && double.IsFinite(value) ? value
            : throw new ArgumentOutOfRangeException(name, value, $"{name} must be finite and >= 0.");

    /// <summary>Returns <paramref name="value"/> when it is finite and &gt; 0.</summary>
    /// <exception cref="ArgumentOutOfRangeException">It is not, named <paramref name="name"/>.</exception>
    protected static double Positive(double value, string name) =>
        value > 0 && double.IsFinite(value) ? value
            : throw new ArgumentOutOfRangeException(name, value, $"{name} must be finite and > 0.");

    /// <summary>A decay or averaging coefficient in [0, 1) (Adam's betas) or [0, 1] when <paramref name="closed"/>.</summary>
    protected static double Fraction(double value, string name, bool closed = false) =>
        value >= 0 && (closed ? value <= 1 : value < 1) ? value
            : throw new ArgumentOutOfRangeException(name, value, $"{name} must be in [0, 1{(closed ? "]" : ")")}.");
}
