using System.Numerics;
using RnnGen.IO;

namespace RnnGen.Interop;

/// <summary>One model layer in Python: how the model's constructor builds it and how its forward calls it, the cell it
/// runs (recurrent layers) and the grouped PyTorch tensors of a built-in cell.</summary>
internal sealed record PythonLayer(string Name, string Construct, string Call, CellInfo? Cell, IReadOnlyList<(string Tensor, string?[] Blocks)> Layout)
{
    /// <exception cref="NotSupportedException">The layer (a custom <see cref="ILayer{T}"/>, a Stateful recurrent layer)
    /// has no PyTorch form here.</exception>
    public static PythonLayer Of<T>(string name, ILayer<T> layer) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!PythonNames.IsAttribute(name))
            throw new NotSupportedException($"Layer '{name}' cannot be a Python attribute; rename it to export the model.");
        var self = "self." + name;
        var config = layer.Config;
        return config switch
        {
            RecurrentConfig when layer is IRecurrentLayer<T> recurrent => recurrent.Accept(new Recurrent<T>(name)),
            EmbeddingConfig e => new(name, $"nn.Embedding({e.VocabularySize}, {e.Dimension}{(e.PaddingIndex is { } p ? $", padding_idx={p}" : "")})", $"{self}(x)", null, []),
            DenseConfig d => new(name, $"nn.Linear({d.InputSize}, {d.OutputSize}, bias={Bool(d.Bias)})", Activation(d.Activation, $"{self}(x)"), null, []),
            DropoutConfig d => new(name, $"nn.Dropout({PythonNames.Number(d.Rate)})", $"{self}(x)", null, []),
            LastStepConfig => new(name, "nn.Identity()", "last_step(x, lengths)", null, []),
            _ => throw new NotSupportedException($"Layer '{name}' ({config.Kind}) has no PyTorch form in RnnGen's exporter."),
        };
    }

    private static string Bool(bool value) => value ? "True" : "False";

    /// <summary>The named mask rates as a Python dict argument, or nothing when there are none.</summary>
    private static string Rates(IReadOnlyDictionary<string, double>? rates) => rates is not { Count: > 0 } ? ""
        : $", rates={{{string.Join(", ", rates.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{PythonNames.Quote(r.Key)}: {PythonNames.Number(r.Value)}"))}}}";

    private static string Activation(Activation activation, string value) => activation switch
    {
        RnnGen.Activation.None => value,
        RnnGen.Activation.Tanh => $"torch.tanh({value})",
        RnnGen.Activation.Sigmoid => $"torch.sigmoid({value})",
        RnnGen.Activation.Relu => $"torch.relu({value})",
        _ => throw new NotSupportedException($"Dense activation {activation} has no PyTorch form in RnnGen's exporter."),
    };

    private sealed class Recurrent<T>(string name) : IRecurrentLayerVisitor<T, PythonLayer> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public PythonLayer Visit<TCell>(RecurrentLayer<TCell, T> layer) where TCell : IRecurrentCell
        {
            var o = layer.Options;
            if (o.Stateful) throw new NotSupportedException($"Layer '{name}' is Stateful: carrying states between calls has no PyTorch form in RnnGen's exporter.");
            var construct = $"{TCell.Info.Name}Layer({layer.InputSize}, {layer.HiddenSize}, num_layers={o.NumLayers}, bidirectional={Bool(o.Bidirectional)}, " +
                $"batch_first={Bool(o.BatchFirst)}, bias={Bool(o.Bias)}, merge=\"{o.Merge.ToString().ToLowerInvariant()}\", " +
                $"return_sequences={Bool(o.ReturnSequences)}, go_backwards={Bool(o.GoBackwards)}, dropout={PythonNames.Number(o.Dropout)}" +
                (o.ProjectionSize > 0 ? $", proj_size={o.ProjectionSize}" : "") + Rates(o.Rates) + ")";
            return new PythonLayer(name, construct, $"self.{name}(x, lengths)[0]", TCell.Info, PyTorchStateDict.GroupedLayout(layer, name + "."));
        }
    }
}
