using System.Numerics;
using System.Text;
using RnnGen.Training;

namespace RnnGen.IO;

/// <summary>How a model maps onto a checkpoint and back: its config with cells, dropout counters, element type, and
/// the checks that a file and a model (or an optimizer) belong together. Every check runs before anything changes.</summary>
internal static class CheckpointLayout
{
    public const string MetadataChecksumKey = "rnngen.metadata.xxh3";

    public static CheckpointConfig Describe<T>(Model<T> model) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var config = model.Config;
        var custom = config.Layers.FirstOrDefault(l => !CheckpointJson.Describes(l.Config));
        if (custom is not null)
            throw new NotSupportedException($"Layer '{custom.Name}' has a custom config ({custom.Config.GetType().Name}) that a checkpoint cannot describe; save the weights with Checkpoint.Save and rebuild the model in code.");
        var cells = Cells(model).Select(c => new CheckpointCell(c.Layer, c.Info.Name, c.Info.EquationsHash)).ToArray();
        return new CheckpointConfig(ModelCheckpoint.FormatVersion, ElementTypeOf<T>(), config, cells);
    }

    /// <summary>XXH3 of every other metadata entry, in key order: the tensors have their own checksums, and without this a
    /// flipped bit in the config (a dropout rate, a seed) or the optimizer's settings would load as another model.</summary>
    public static string MetadataChecksum(IEnumerable<KeyValuePair<string, string>> metadata) =>
        SafeTensorsChecksums.Text(Encoding.UTF8.GetBytes(string.Concat(metadata
            .Where(m => m.Key != MetadataChecksumKey).OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => $"{m.Key}\0{m.Value}\0"))));

    public static void RequireIntactMetadata(SafeTensorsReader file)
    {
        file.Metadata.TryGetValue(MetadataChecksumKey, out var stored);
        var actual = MetadataChecksum(file.Metadata);
        if (stored != actual)
            throw new InvalidDataException($"'{file.FileName}': its metadata fails its checksum ('{MetadataChecksumKey}' is {stored ?? "missing"}, computed {actual}): the file is corrupted or was edited. Nothing was loaded.");
    }

    /// <summary>The safetensors dtype name of <typeparamref name="T"/> ("F32", "F64").</summary>
    public static string ElementTypeOf<T>() => SafeTensorsFormat.TypeOf<T>() is { } type ? SafeTensorsFormat.Name(type) : typeof(T).Name;

    /// <summary>Every stochastic layer's <see cref="IStochasticLayer.Draws"/>, by layer name.</summary>
    public static Dictionary<string, long> Draws<T>(Model<T> model) where T : unmanaged, IFloatingPointIeee754<T> =>
        model.Layers.Where(l => l.Layer is IStochasticLayer).ToDictionary(l => l.Name, l => ((IStochasticLayer)l.Layer).Draws);

    /// <summary>The saved counters paired with the model's layers, checked, to be set once the weights are in.</summary>
    public static List<(IStochasticLayer Layer, long Draws)> StageDraws<T>(Model<T> model, Dictionary<string, long> draws, string file)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var staged = new List<(IStochasticLayer, long)>();
        foreach (var (name, count) in draws)
        {
            var layer = model.Layers.FirstOrDefault(l => l.Name == name).Layer as IStochasticLayer;
            if (layer is null || count < 0)
                throw new InvalidDataException($"'{file}': metadata '{ModelCheckpoint.DrawsKey}' has {count} draws for '{name}', which is not a dropout layer of the model. Nothing was loaded.");
            staged.Add((layer, count));
        }
        return staged;
    }

    /// <summary>The file's layers and cells must be the model's: same names in order, same cell and equations.</summary>
    public static void RequireSameCells<T>(CheckpointConfig config, Model<T> model, string file) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var fileLayers = string.Join(", ", config.Model.Layers.Select(l => l.Name));
        var modelLayers = string.Join(", ", model.Layers.Select(l => l.Name));
        if (fileLayers != modelLayers)
            throw new InvalidDataException($"'{file}' has the layers ({fileLayers}) but the model has ({modelLayers}). Nothing was loaded.");
        var cells = Cells(model).ToDictionary(c => c.Layer, c => c.Info);
        foreach (var layer in config.Model.Layers)
        {
            var saved = config.Cells.FirstOrDefault(c => c.Layer == layer.Name);
            cells.TryGetValue(layer.Name, out var own);
            if (saved?.Cell != own?.Name)
                throw new InvalidDataException($"'{file}': layer '{layer.Name}' has the cell {Quote(saved?.Cell)} in the file but {Quote(own?.Name)} in the model. Nothing was loaded.");
            if (saved is not null && saved.EquationsHash != own!.EquationsHash)
                throw new InvalidDataException($"'{file}': the file's cell '{saved.Cell}' (layer '{layer.Name}') has other equations than the model's " +
                                               $"(equations hash {saved.EquationsHash} in the file, {own.EquationsHash} in the model). Nothing was loaded.");
        }
    }

    /// <summary>Every tensor of the file is the model's or the optimizer's: another one means the file is not this model's.</summary>
    public static void RequireNoOtherTensors<T>(Model<T> model, SafeTensorsReader reader) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var known = PyTorchStateDict.Tensors(model).Select(t => t.Name).ToHashSet();
        var other = reader.Tensors.Select(t => t.Name)
            .FirstOrDefault(n => !known.Contains(n) && !n.StartsWith(OptimizerState<T>.Prefix, StringComparison.Ordinal));
        if (other is not null)
            throw new InvalidDataException($"'{reader.FileName}' has a tensor '{other}' that the model does not have. Nothing was loaded.");
    }

    /// <summary>The optimizer must update this model's own tensors (same names, same memory), or its state would not resume it.</summary>
    public static void RequireOptimizerOf<T>(Model<T> model, Optimizer<T> optimizer) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var own = model.Parameters().ToDictionary(p => p.Name, p => p.Values);
        var stranger = optimizer.Parameters.Entries.FirstOrDefault(e => !own.TryGetValue(e.Name, out var values) || !values.Equals(e.Values));
        if (stranger is not null)
            throw new ArgumentException($"The optimizer updates '{stranger.Name}', which is not a parameter of this model; build it over model.Parameters().", nameof(optimizer));
    }

    /// <summary>The file's tensors and metadata in memory, every tensor converted to <typeparamref name="T"/>.</summary>
    public static SafeTensorsReader Converted<T>(SafeTensorsReader file) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var writer = new SafeTensorsWriter { Checksums = false };   // the reads below verified the file's checksums
        foreach (var (key, value) in file.Metadata) writer.AddMetadata(key, value);
        foreach (var tensor in file.Tensors)
        {
            var values = file.Read<double>(tensor.Name, out var shape);
            writer.Add<T>(tensor.Name, values.Select(T.CreateTruncating).ToArray(), shape);
        }
        return SafeTensorsReader.FromBytes(writer.ToBytes(), file.FileName);
    }

    private static IEnumerable<(string Layer, CellInfo Info)> Cells<T>(Model<T> model) where T : unmanaged, IFloatingPointIeee754<T> =>
        model.Layers.Where(l => l.Layer is IRecurrentLayer<T>).Select(l => (l.Name, ((IRecurrentLayer<T>)l.Layer).Accept(new CellOf<T>())));

    private static string Quote(string? cell) => cell is null ? "none" : $"'{cell}'";
}
