using RnnGen.Cli.Cells;
using RnnGen.Cli.Training;
using RnnGen.Data;
using RnnGen.IO;
using RnnGen.Training;

namespace RnnGen.Cli.Checkpoints;

/// <summary>A checkpoint as `train` writes it: the model, optimizer, vocabulary, position and the run's settings.</summary>
internal static class RunCheckpoint
{
    // The settings must be read before ModelCheckpoint.Load, which needs a custom cell registered; it stores a caller's
    // metadata under "user.".
    private const string StoredSettingsKey = "user." + TrainSettings.MetadataKey;

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

    /// <summary>Loads a checkpoint of `train`; its cell is registered first (a custom one compiled from the stored equations).</summary>
    public static (LoadedCheckpoint<float> Checkpoint, TrainSettings Settings, Vocabulary Vocabulary) Load(string path)
    {
        if (!File.Exists(path)) throw new CliException($"no checkpoint '{path}'.");
        TrainSettings settings;
        using (var reader = SafeTensorsReader.Open(path))
            settings = reader.Metadata.TryGetValue(StoredSettingsKey, out var json)
                ? TrainSettings.FromJson(json, path)
                : throw new CliException($"'{path}' is not a checkpoint of `rnngen train` (no training settings in it).");
        CellCatalog.Resolve(settings.Cell);
        var loaded = ModelCheckpoint.Load<float>(path);
        return (loaded, settings, loaded.Vocabulary ?? throw new CliException($"'{path}' holds no vocabulary."));
    }
}
