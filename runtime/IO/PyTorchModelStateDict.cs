using System.Numerics;

namespace RnnGen.IO;

/// <summary>
/// A whole <see cref="Model{T}"/> as a PyTorch state dict: each layer under its name, recurrent layers of built-in
/// cells in PyTorch's names and layouts ("rnn.weight_ih_l0" [G·H, I], "rnn.bias_hh_l1_reverse", …) and the others as
/// they name themselves ("embedding.weight" [V, E], "fc.weight" [out, in], "fc.bias"), which are nn.Embedding's and
/// nn.Linear's. An nn.Module with members of the same names loads the file with load_state_dict.
/// </summary>
public static partial class PyTorchStateDict
{
    /// <summary>Every tensor of the model under its state-dict name, with its shape.</summary>
    public static IReadOnlyList<(string Name, T[] Values, int[] Shape)> Tensors<T>(Model<T> model) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        var result = new List<(string, T[], int[])>();
        foreach (var (name, layer) in model.Layers)
        {
            if (layer is IRecurrentLayer<T> recurrent) result.AddRange(recurrent.Accept(new Collector<T>(name + ".")));
            else result.AddRange(layer.Parameters().Select(p => (name + "." + p.Name, p.Values.ToArray(), p.Shape.ToArray())));
        }
        return result;
    }

    /// <summary>Saves <see cref="Tensors{T}(Model{T})"/> atomically to <paramref name="path"/> as a safetensors file with format "pt".</summary>
    public static void Save<T>(Model<T> model, string path) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var writer = new SafeTensorsWriter();
        writer.AddMetadata("format", "pt");
        foreach (var (name, values, shape) in Tensors(model)) writer.Add<T>(name, values, shape);
        writer.Save(path);
    }

    /// <summary>Loads the model's tensors from <paramref name="path"/>; see <see cref="Import{T}(Model{T}, SafeTensorsReader, bool)"/>.
    /// float32 tensors widen into a float64 model exactly; float64 tensors load into a float32 model only with
    /// <paramref name="convertElementType"/> (each rounded to the nearest float).</summary>
    /// <exception cref="InvalidDataException">A tensor is missing, has the wrong dtype or shape, or (with <paramref name="strict"/>) is not the model's; nothing was loaded.</exception>
    public static void Load<T>(Model<T> model, string path, bool strict = true, bool convertElementType = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var reader = SafeTensorsReader.Open(path);
        if (!convertElementType)
        {
            Import(model, reader, strict);
            return;
        }
        using var converted = CheckpointLayout.Converted<T>(reader);
        Import(model, converted, strict);
    }

    /// <summary>
    /// Loads every tensor of the model, all or nothing: when any tensor is missing or has the wrong dtype or shape the
    /// model's weights are put back as they were. With <paramref name="strict"/>, a tensor the model does not have is an
    /// error too (PyTorch's load_state_dict(strict=True)).
    /// </summary>
    public static void Import<T>(Model<T> model, SafeTensorsReader reader, bool strict = true) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(reader);
        if (strict)
        {
            var known = Tensors(model).Select(t => t.Name).ToHashSet();
            var unexpected = reader.Tensors.Select(t => t.Name).FirstOrDefault(n => !known.Contains(n));
            if (unexpected is not null)
                throw new InvalidDataException($"The state dict has a tensor '{unexpected}' that the model does not have; nothing was loaded.");
        }
        var before = model.Parameters().Select(p => p.Values.ToArray()).ToArray();
        try
        {
            foreach (var (name, layer) in model.Layers)
            {
                if (layer is IRecurrentLayer<T> recurrent) recurrent.Accept(new Importer<T>(reader, name + "."));
                else Checkpoint.Load(new NamedLayer<T>(name, layer).Parameters(), reader);
            }
        }
        catch
        {
            for (var i = 0; i < before.Length; i++) before[i].CopyTo(model.Parameters()[i].Values.Span);
            throw;
        }
    }

    private sealed class Collector<T>(string prefix) : IRecurrentLayerVisitor<T, IReadOnlyList<(string, T[], int[])>>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public IReadOnlyList<(string, T[], int[])> Visit<TCell>(RecurrentLayer<TCell, T> layer) where TCell : IRecurrentCell => Tensors(layer, prefix);
    }

    private sealed class Importer<T>(SafeTensorsReader reader, string prefix) : IRecurrentLayerVisitor<T, bool>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public bool Visit<TCell>(RecurrentLayer<TCell, T> layer) where TCell : IRecurrentCell
        {
            Import(layer, reader, prefix, strict: false);
            return true;
        }
    }
}
