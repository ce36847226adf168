using RnnGen.Cli.Cells;
using RnnGen.Cli.Training;
using RnnGen.Data;
using RnnGen.Training;

namespace RnnGen.Cli.Checkpoints;

/// <summary>A checkpoint as `train` writes it: the model, optimizer, vocabulary, position and the run's settings.</summary>
internal static class RunCheckpoint
{
    public static void Save(string path, Model<float> model, Optimizer<float> optimizer, Vocabulary vocabulary, TrainSettings settings, TrainingPosition position)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        ModelCheckpoint.Save(path, model, new CheckpointContents<float>
        {
            Optimizer = optimizer,
            Vocabulary = vocabulary,
            Position = position,
            Metadata = new Dictionary<string, string> { [TrainSettings.MetadataKey] = settings.ToJson() },
        });
    }

    /// <summary>The model of any checkpoint: one of `train` as <see cref="Load"/>, any other as ModelCheckpoint.Load (float32, converted if need be).</summary>
    public static Model<float> LoadModel(string path)
    {
        if (!File.Exists(path)) throw new CliException($"no checkpoint '{path}'.");
        return ModelCheckpoint.ReadMetadata(path).ContainsKey(TrainSettings.MetadataKey)
            ? Load(path).Checkpoint.Model
            : ModelCheckpoint.Load<float>(path, convertElementType: true).Model;
    }

    /// <summary>Loads a checkpoint of `train`; its cell is registered first (a custom one compiled from the stored equations).</summary>
    public static (LoadedCheckpoint<float> Checkpoint, TrainSettings Settings, Vocabulary Vocabulary) Load(string path)
    {
        if (!File.Exists(path)) throw new CliException($"no checkpoint '{path}'.");
        // The settings name the cell, which must be registered before ModelCheckpoint.Load can rebuild the model.
        var settings = ModelCheckpoint.ReadMetadata(path).TryGetValue(TrainSettings.MetadataKey, out var json)
            ? TrainSettings.FromJson(json, path)
            : throw new CliException($"'{path}' is not a checkpoint of `rnngen train` (no training settings in it).");
        CellCatalog.Resolve(settings.Cell);
        var loaded = ModelCheckpoint.Load<float>(path);
        return (loaded, settings, loaded.Vocabulary ?? throw new CliException($"'{path}' holds no vocabulary."));
    }
}
