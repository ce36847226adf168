using System.Numerics;

namespace RnnGen;

/// <summary>The protocol members every layer without parameters shares (<see cref="Dropout{T}"/>,
/// <see cref="LastStep{T}"/>): it reads and writes <see cref="Features"/> features and has nothing to train.</summary>
/// <remarks>Thread safety: as the derived layer.</remarks>
public abstract class ParameterFreeLayer<T> : ILayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    protected ParameterFreeLayer(int features, bool session)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(features);
        (Features, IsInferenceSession) = (features, session);
    }

    public int Features { get; }
    public bool IsInferenceSession { get; }
    public abstract LayerConfig Config { get; }
    int ILayer<T>.InputSize => Features;
    int ILayer<T>.OutputSize => Features;

    public IReadOnlyList<Parameter<T>> Parameters() => [];

    public void ZeroGradients()
    {
    }

    public abstract SequenceBatch<T> Forward(in SequenceBatch<T> input, bool training = false);

    public abstract SequenceBatch<T> Backward(in SequenceBatch<T> dOutput, bool inputGradient = true, bool retainGraph = false);

    public abstract ILayer<T> CreateInferenceSession();
}
