using System.Numerics;

namespace RnnGen.IO;

public static partial class PyTorchStateDict
{
    /// <summary>
    /// How a built-in cell's grouped PyTorch tensors are made of the layer's own parameters: for each tensor, its blocks
    /// of rows in order (H rows each; Lstmp's weight_hr is its projection matrix whole), each the model-level name of a parameter ("rnn.l0.W_i") or null for a block that is zero. A
    /// gate bias that PyTorch splits in two is listed in both bias_ih and bias_hh (load sums them; save writes it to the
    /// first and zeros to the second, as <see cref="Tensors{TCell, T}(RecurrentLayer{TCell, T}, string)"/> does).
    /// Empty for custom cells, whose tensors are their parameters.
    /// </summary>
    internal static IReadOnlyList<(string Tensor, string?[] Blocks)> GroupedLayout<TCell, T>(RecurrentLayer<TCell, T> layer, string prefix)
        where TCell : IRecurrentCell where T : unmanaged, IFloatingPointIeee754<T>
    {
        var biases = PyTorchBiases<TCell>();
        if (biases is null) return [];
        var cell = TCell.Info;
        var input = cell.Groups.First(g => g.Kind == OperandKind.Input);
        var recurrent = cell.Groups.First(g => g.Kind == OperandKind.State);
        var result = new List<(string, string?[])>();
        for (var layerIndex = 0; layerIndex < layer.Options.NumLayers; layerIndex++)
            for (var direction = 0; direction < layer.Directions; direction++)
            {
                var suffix = RecurrentLayer<TCell, T>.SlotName(layerIndex, direction);
                string Own(string name) => $"{prefix}{suffix}.{name}";
                result.Add(($"{prefix}weight_ih_{suffix}", input.Matrices.Select(Own).ToArray()));
                result.Add(($"{prefix}weight_hh_{suffix}", recurrent.Matrices.Select(Own).ToArray()));
                if (cell.Projection is { } projection) result.Add(($"{prefix}weight_hr_{suffix}", [Own(projection.Matrix)]));
                if (!layer.Options.Bias) continue;
                var ih = new string?[input.Matrices.Length];
                var hh = new string?[input.Matrices.Length];
                foreach (var slot in biases)
                {
                    if (slot.Ih >= 0) ih[slot.Ih] = Own(slot.Vector);
                    if (slot.Hh >= 0) hh[slot.Hh] = Own(slot.Vector);
                }
                result.Add(($"{prefix}bias_ih_{suffix}", ih));
                result.Add(($"{prefix}bias_hh_{suffix}", hh));
            }
        return result;
    }
}
