using System.Text.Json;
using System.Text.Json.Serialization;

namespace RnnGen.Cli.Training;

/// <summary>Everything `train` was asked for; stored in the checkpoint so `--resume` continues with the same settings.</summary>
internal sealed record TrainSettings
{
    public const string MetadataKey = "rnngen.cli.train";

    public string? Text { get; init; }
    public string Level { get; init; } = TextCorpus.CharLevel;
    /// <summary>A built-in cell's short name, or the equations of a custom cell.</summary>
    public string Cell { get; init; } = "lstm";
    public int Hidden { get; init; } = 128;
    public int Layers { get; init; } = 1;
    public int Embedding { get; init; } = 32;
    public double Dropout { get; init; }
    /// <summary>Total optimizer steps; 0 until resolved from <see cref="Epochs"/> or the default.</summary>
    public long Steps { get; init; }
    public int Epochs { get; init; }
    public int Batch { get; init; } = 32;
    public int SeqLen { get; init; } = 64;
    public string Optimizer { get; init; } = "adam";
    public double LearningRate { get; init; } = 0.005;
    public string Schedule { get; init; } = "constant";
    public double? Clip { get; init; } = 5;
    public int Seed { get; init; } = 1;
    public string Out { get; init; } = "rnngen-run/model.safetensors";
    public int CheckpointEvery { get; init; }

    public const long DefaultSteps = 1200;

    public long TotalSteps(int batchesPerEpoch) => Steps > 0 ? Steps : Epochs > 0 ? (long)Epochs * batchesPerEpoch : DefaultSteps;

    public string ToJson() => JsonSerializer.Serialize(this, TrainSettingsJson.Default.TrainSettings);

    public static TrainSettings FromJson(string json, string source) =>
        JsonSerializer.Deserialize(json, TrainSettingsJson.Default.TrainSettings) ?? throw new CliException($"'{source}' has empty training settings.");

    /// <summary>The loss-curve PNG beside the checkpoint.</summary>
    public string PlotPath => Path.ChangeExtension(Out, ".loss.png");
}

/// <summary>Source-generated serialization of <see cref="TrainSettings"/>: no reflection, so NativeAOT-safe.</summary>
[JsonSerializable(typeof(TrainSettings))]
internal sealed partial class TrainSettingsJson : JsonSerializerContext;
