using System.Numerics;

namespace RnnGen;

/// <summary>A trainable tensor of a model: its values and the gradient accumulated for it, under one name.</summary>
/// <remarks>Thread safety: an immutable view; the memory it points to follows its owner's rules.</remarks>
public readonly record struct TrainableTensor<T>(string Name, Memory<T> Values, Memory<T> Gradients);

/// <summary>Collects the named (values, gradients) pairs of a model's layers, for optimizers and checkpoints.</summary>
/// <remarks>Thread safety: stateless; the tensors it lists follow their layers' rules.</remarks>
public static class ModelParameters
{
    /// <summary>Every trainable tensor of a recurrent layer as "{prefix}l{k}[_reverse].{name}" (frozen biases left out).</summary>
    public static IEnumerable<TrainableTensor<T>> Of<TCell, T>(string prefix, RecurrentLayer<TCell, T> layer)
        where TCell : IRecurrentCell where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (var k = 0; k < layer.AllParameters.Count; k++)
        {
            var slot = RecurrentLayer<TCell, T>.SlotName(k / layer.Directions, k % layer.Directions);
            var values = layer.AllParameters[k].Tensors().ToList();
            var gradients = layer.AllGradients[k].Tensors().ToList();
            for (var i = 0; i < values.Count; i++)
                if (!layer.IsFrozen(values[i]))
                    yield return new TrainableTensor<T>($"{prefix}{slot}.{values[i].Name}", values[i].Values, gradients[i].Values);
        }
    }

    public static IEnumerable<TrainableTensor<T>> Of<T>(string prefix, Dense<T> dense) where T : unmanaged, IFloatingPointIeee754<T>
    {
        yield return new TrainableTensor<T>(prefix + "weight", dense.Weight, dense.WeightGradient);
        if (dense.HasBias) yield return new TrainableTensor<T>(prefix + "bias", dense.Bias, dense.BiasGradient);
    }

    public static IEnumerable<TrainableTensor<T>> Of<T>(string prefix, Embedding<T> embedding) where T : unmanaged, IFloatingPointIeee754<T>
    {
        yield return new TrainableTensor<T>(prefix + "weight", embedding.Weight, embedding.WeightGradient);
    }

    /// <summary>Clears every gradient.</summary>
    public static void ZeroGradients<T>(IEnumerable<TrainableTensor<T>> tensors)
    {
        foreach (var tensor in tensors) tensor.Gradients.Span.Clear();
    }
}
