using System.Numerics;

namespace RnnGen;

/// <summary>The protocol members every layer without parameters shares (<see cref="Dropout{T}"/>,
/// <see cref="LastStep{T}"/>): it reads and writes <see cref="Features"/> features and has nothing to train.</summary>
/// <remarks>Thread safety: as the derived layer.</remarks>
public abstract class ParameterFreeLayer<T> : ILayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>A layer of <paramref name="features"/> features in and out; <paramref name="session"/> marks an inference session.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="features"/> is not positive.</exception>
    protected ParameterFreeLayer(int features, bool session)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(features);
        (Features, IsInferenceSession) = (features, session);
    }

    /// <summary>Features per step, read and written.</summary>
    public int Features { get; }
    /// <inheritdoc/>
    public bool IsInferenceSession { get; }
    /// <inheritdoc/>
    public abstract LayerConfig Config { get; }
    int ILayer<T>.InputSize => Features;
    int ILayer<T>.OutputSize => Features;

    /// <summary>An empty list: the layer has nothing to train.</summary>
    public IReadOnlyList<Parameter<T>> Parameters() => [];

    /// <summary>Does nothing: the layer has no gradients.</summary>
    public void ZeroGradients()
    {
    }

    /// <inheritdoc/>
    public abstract SequenceBatch<T> Forward(in SequenceBatch<T> input, bool training = false);

    /// <inheritdoc/>
    public abstract SequenceBatch<T> Backward(in SequenceBatch<T> dOutput, bool inputGradient = true, bool retainGraph = false);

    /// <inheritdoc/>
    public abstract ILayer<T> CreateInferenceSession();
}
