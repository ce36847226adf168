using System.Numerics;
using System.Text;
using RnnGen.Data;
using RnnGen.IO;
using RnnGen.Training;

namespace RnnGen;

/// <summary>What a checkpoint stores beside the model (<see cref="ModelCheckpoint.Save{T}"/>); every part is optional.</summary>
/// <remarks>Thread safety: immutable; the optimizer is read when saving, so do not step it meanwhile.</remarks>
public sealed record CheckpointContents<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Its full state (moments, step count, learning rate, hyper-parameters), to resume training exactly.</summary>
    public Optimizer<T>? Optimizer { get; init; }

    /// <summary>The tokens the model's ids stand for.</summary>
    public Vocabulary? Vocabulary { get; init; }

    /// <summary>Where training stands (the next batch); its Step must equal the optimizer's step count.</summary>
    public TrainingPosition? Position { get; init; }

    /// <summary>The caller's own strings (e.g. a command line's options), returned by <see cref="LoadedCheckpoint{T}.Metadata"/>.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
}

/// <summary>
/// Self-describing checkpoints: one safetensors file holds a model's tensors under PyTorch's names with real shapes
/// (so the file is also a PyTorch state dict), its config as JSON (layers, sizes, cells with the hash of their
/// equations), the dropout counters, and optionally a vocabulary, the optimizer state and the training position.
/// <see cref="Load{T}(string, bool)"/> rebuilds the model from the file alone. Keys: docs/model-api.md, "Checkpoints".
/// </summary>
/// <remarks>Thread safety: thread-safe; saving reads the model and optimizer, so do not train them meanwhile.</remarks>
public static class ModelCheckpoint
{
    internal const string ConfigKey = "rnngen.config", DrawsKey = "rnngen.draws", PositionKey = "rnngen.position",
        VocabularyKey = "rnngen.vocabulary", UserPrefix = "user.";

    /// <summary>The version of the layout this RnnGen writes and reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>Saves atomically (a killed save leaves the old file whole), with a checksum per tensor.</summary>
    /// <exception cref="ArgumentException">The optimizer does not update this model, or the position's step is not the optimizer's.</exception>
    /// <exception cref="NotSupportedException">A layer's config is a custom kind that a checkpoint cannot describe.</exception>
    public static void Save<T>(string path, Model<T> model, CheckpointContents<T>? contents = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(model);
        Writer(model, contents ?? new CheckpointContents<T>()).Save(path);
    }

    /// <summary>Rebuilds the model from the file's config and loads its weights; custom cells must be registered first
    /// (<see cref="RecurrentCells.Register{TCell}"/>). A float file loads into Load&lt;double&gt; (and back) only with
    /// <paramref name="convertElementType"/>.</summary>
    /// <exception cref="InvalidDataException">No RnnGen config, a corrupt or newer one, an unregistered cell or one with other
    /// equations, another element type, or a missing or misshapen tensor: the message names it.</exception>
    public static LoadedCheckpoint<T> Load<T>(string path, bool convertElementType = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var file = SafeTensorsReader.Open(path);
        var config = ReadConfig(file);
        foreach (var cell in config.Cells) RequireRegistered(cell, file.FileName);
        return Fill(file, config, Build<T>(config, file.FileName), convertElementType);
    }

    /// <summary>The caller's metadata (<see cref="CheckpointContents{T}.Metadata"/>) without loading the model: what a
    /// tool needs before <see cref="Load{T}(string, bool)"/>, such as which custom cell to register.</summary>
    /// <exception cref="InvalidDataException">The file is not a safetensors file, or its metadata fails its checksum.</exception>
    public static IReadOnlyDictionary<string, string> ReadMetadata(string path)
    {
        using var file = SafeTensorsReader.Open(path);
        if (file.Metadata.ContainsKey(ConfigKey)) CheckpointLayout.RequireIntactMetadata(file);
        return UserMetadata(file);
    }

    /// <summary>Loads the file's weights into <paramref name="model"/>, all or nothing, after checking that its layers have
    /// the file's names and cells; a tensor of another shape is named with both shapes.</summary>
    public static LoadedCheckpoint<T> Load<T>(string path, Model<T> model, bool convertElementType = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        using var file = SafeTensorsReader.Open(path);
        var config = ReadConfig(file);
        CheckpointLayout.RequireSameCells(config, model, file.FileName);
        return Fill(file, config, model, convertElementType);
    }

    private static SafeTensorsWriter Writer<T>(Model<T> model, CheckpointContents<T> contents) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "pt",   // what PyTorch's save_file writes; tools that check it accept the file
            [ConfigKey] = CheckpointJson.Write(CheckpointLayout.Describe(model)),
            [DrawsKey] = CheckpointJson.Write(CheckpointLayout.Draws(model)),
        };
        if (contents.Vocabulary is { } vocabulary) metadata[VocabularyKey] = Encoding.UTF8.GetString(vocabulary.ToJson());
        if (contents.Position is { } position)
        {
            if (contents.Optimizer is { } o && o.StepCount != position.Step)
                throw new ArgumentException($"contents.Position is at step {position.Step} but the optimizer has taken {o.StepCount} steps.", nameof(contents));
            metadata[PositionKey] = CheckpointJson.Write(position);
        }
        foreach (var (key, value) in contents.Metadata ?? new Dictionary<string, string>()) metadata[UserPrefix + key] = value;
        if (contents.Optimizer is { } optimizer) CheckpointLayout.RequireOptimizerOf(model, optimizer);
        var state = contents.Optimizer?.ExportState();

        var writer = new SafeTensorsWriter();
        foreach (var (key, value) in metadata) writer.AddMetadata(key, value);
        writer.AddMetadata(CheckpointLayout.MetadataChecksumKey, CheckpointLayout.MetadataChecksum(state is null ? metadata : metadata.Concat(state.Metadata)));
        foreach (var (name, values, shape) in PyTorchStateDict.Tensors(model)) writer.Add<T>(name, values, shape);
        if (state is not null) writer.AddOptimizerState(state);
        return writer;
    }

    /// <summary>Weights, dropout counters and the rest into an already-checked model; the model changes only when all is read.</summary>
    private static LoadedCheckpoint<T> Fill<T>(SafeTensorsReader file, CheckpointConfig config, Model<T> model, bool convert)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var converted = CheckpointLayout.ElementTypeOf<T>() == config.ElementType ? null
            : convert ? CheckpointLayout.Converted<T>(file)
            : throw new InvalidDataException($"'{file.FileName}' holds {config.ElementType} weights, but they were loaded as {typeof(T).Name}; pass convertElementType: true to convert them. Nothing was loaded.");
        var tensors = converted ?? file;
        CheckpointLayout.RequireNoOtherTensors(model, tensors);
        var draws = CheckpointLayout.StageDraws(model, Read<Dictionary<string, long>>(file, DrawsKey) ?? [], file.FileName);
        var vocabulary = file.Metadata.TryGetValue(VocabularyKey, out var words)
            ? Vocabulary.FromJson(Encoding.UTF8.GetBytes(words), $"'{file.FileName}' metadata '{VocabularyKey}'") : null;
        TrainingPosition? position = file.Metadata.ContainsKey(PositionKey) ? Read<TrainingPosition>(file, PositionKey) : null;
        var optimizer = file.Metadata.ContainsKey(OptimizerState<T>.TypeKey) ? tensors.ReadOptimizerState<T>() : null;
        PyTorchStateDict.Import(model, tensors, strict: false);
        foreach (var (layer, count) in draws) layer.Draws = count;
        return new LoadedCheckpoint<T>(model, vocabulary, position, optimizer, UserMetadata(file));
    }

    private static Dictionary<string, string> UserMetadata(SafeTensorsReader file) =>
        file.Metadata.Where(m => m.Key.StartsWith(UserPrefix, StringComparison.Ordinal))
            .ToDictionary(m => m.Key[UserPrefix.Length..], m => m.Value);

    /// <summary>The config, or the one reason it cannot be read: missing (a plain PyTorch file), newer, or corrupt.</summary>
    private static CheckpointConfig ReadConfig(SafeTensorsReader file)
    {
        if (!file.Metadata.TryGetValue(ConfigKey, out var json))
            throw new InvalidDataException($"'{file.FileName}' has no RnnGen model config (metadata '{ConfigKey}'); load its weights into a model you build with PyTorchStateDict.Load.");
        CheckpointLayout.RequireIntactMetadata(file);
        var version = Parse<CheckpointVersion>(json, file.FileName, ConfigKey).Version;
        if (version != FormatVersion)
            throw new InvalidDataException($"'{file.FileName}' is a checkpoint of format version {version}; this RnnGen reads version {FormatVersion}" +
                                           (version > FormatVersion ? " (the file is newer: update RnnGen)." : "."));
        var config = Parse<CheckpointConfig>(json, file.FileName, ConfigKey);
        if (config.Model?.Layers is not { Count: > 0 } layers || layers.Any(l => l?.Name is null || l.Config is null) || config.Cells is null || config.ElementType is null)
            throw new InvalidDataException($"'{file.FileName}': the RnnGen config (metadata '{ConfigKey}') lacks its model, a layer's name or config, its cells or its element type.");
        var recurrent = layers.Where(l => l.Config is RecurrentConfig).Select(l => (l.Name, ((RecurrentConfig)l.Config).Cell));
        if (!recurrent.SequenceEqual(config.Cells.Select(c => (c.Layer, c.Cell))))
            throw new InvalidDataException($"'{file.FileName}': the RnnGen config (metadata '{ConfigKey}') lists other cells than its recurrent layers use.");
        return config;
    }

    private static Model<T> Build<T>(CheckpointConfig config, string file) where T : unmanaged, IFloatingPointIeee754<T>
    {
        try
        {
            return Model<T>.Create(config.Model);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"'{file}': the RnnGen config (metadata '{ConfigKey}') describes no valid model: {e.Message}", e);
        }
    }

    private static TValue? Read<TValue>(SafeTensorsReader file, string key) =>
        file.Metadata.TryGetValue(key, out var json) ? Parse<TValue>(json, file.FileName, key) : default;

    private static TValue Parse<TValue>(string json, string file, string key)
    {
        try
        {
            return CheckpointJson.Read<TValue>(json);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or NotSupportedException or ArgumentException)
        {
            throw new InvalidDataException($"'{file}': metadata '{key}' is not valid: {e.Message}", e);
        }
    }

    private static void RequireRegistered(CheckpointCell cell, string file)
    {
        var registered = RecurrentCells.Find(cell.Cell)
            ?? throw new InvalidDataException($"'{file}': layer '{cell.Layer}' uses the cell '{cell.Cell}', which is not registered; call RecurrentCells.Register<{cell.Cell}>() before loading.");
        if (registered.EquationsHash != cell.EquationsHash)
            throw new InvalidDataException($"'{file}': the file's cell '{cell.Cell}' (layer '{cell.Layer}') has other equations than the registered one " +
                                           $"(equations hash {cell.EquationsHash} in the file, {registered.EquationsHash} registered). Nothing was loaded.");
    }
}
