using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using RnnGen.Data;
using RnnGen.IO;
using RnnGen.Training;

namespace RnnGen.Cli.Checkpoints;

// A stand-in with the exact call shape of the runtime's self-describing checkpoints (ModelCheckpoint, being written in
// parallel). When they land: delete this file and replace `using RnnGen.Cli.Checkpoints;` by the runtime's namespace.

internal readonly record struct TrainingPosition(int Epoch, int Batch, long Step);

internal sealed record CheckpointContents<T> where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
{
    public Optimizer<T>? Optimizer { get; init; }
    public Vocabulary? Vocabulary { get; init; }
    public TrainingPosition? Position { get; init; }
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
}

internal sealed class LoadedCheckpoint<T>(Model<T> model, Vocabulary? vocabulary, TrainingPosition? position,
    OptimizerState<T>? optimizer, IReadOnlyDictionary<string, string> metadata) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
{
    public Model<T> Model { get; } = model;
    public Vocabulary? Vocabulary { get; } = vocabulary;
    public TrainingPosition? Position { get; } = position;
    public bool HasOptimizerState => optimizer is not null;
    public IReadOnlyDictionary<string, string> Metadata { get; } = metadata;

    public void RestoreOptimizer(Optimizer<T> o) =>
        o.ImportState(optimizer ?? throw new InvalidOperationException("The checkpoint holds no optimizer state."));
}

internal static class ModelCheckpoint
{
    private const string ModelKey = "rnngen.model", VocabularyKey = "rnngen.vocabulary", PositionKey = "rnngen.position";

    // LayerConfig has no [JsonPolymorphic] yet: name its derived records here, keyed by their Kind.
    private static readonly JsonSerializerOptions Json = new()
    {
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { AddLayerKinds } },
    };

    public static void Save<T>(string path, Model<T> model, CheckpointContents<T>? contents = null)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var writer = new SafeTensorsWriter();
        writer.AddMetadata(ModelKey, JsonSerializer.Serialize(model.Config, Json));
        if (contents?.Vocabulary is { } vocabulary) writer.AddMetadata(VocabularyKey, Encoding.UTF8.GetString(vocabulary.ToJson()));
        if (contents?.Position is { } p) writer.AddMetadata(PositionKey, string.Create(CultureInfo.InvariantCulture, $"{p.Epoch},{p.Batch},{p.Step}"));
        foreach (var (key, value) in contents?.Metadata ?? new Dictionary<string, string>()) writer.AddMetadata(key, value);
        foreach (var parameter in model.Parameters()) writer.Add<T>(parameter.Name, parameter.Values.Span, parameter.Shape.ToArray());
        if (contents?.Optimizer is { } optimizer) writer.AddOptimizerState(optimizer.ExportState());
        writer.Save(path);
    }

    public static LoadedCheckpoint<T> Load<T>(string path) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        using var reader = SafeTensorsReader.Open(path);
        var metadata = reader.Metadata;
        if (!metadata.TryGetValue(ModelKey, out var config))
            throw new InvalidDataException($"'{path}' is a safetensors file but not an RnnGen checkpoint (no '{ModelKey}' metadata).");
        var model = Model<T>.Create(JsonSerializer.Deserialize<ModelConfig>(config, Json)
            ?? throw new InvalidDataException($"'{path}' has an empty '{ModelKey}' entry."));
        Checkpoint.Load(model.Parameters(), reader);
        var vocabulary = metadata.TryGetValue(VocabularyKey, out var v) ? Vocabulary.FromJson(Encoding.UTF8.GetBytes(v), path) : null;
        var optimizer = metadata.ContainsKey(OptimizerState<T>.TypeKey) ? reader.ReadOptimizerState<T>() : null;
        return new LoadedCheckpoint<T>(model, vocabulary, ParsePosition(metadata), optimizer, metadata);
    }

    private static TrainingPosition? ParsePosition(IReadOnlyDictionary<string, string> metadata)
    {
        if (!metadata.TryGetValue(PositionKey, out var text)) return null;
        var parts = text.Split(',');
        return new TrainingPosition(int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture),
            long.Parse(parts[2], CultureInfo.InvariantCulture));
    }

    private static void AddLayerKinds(JsonTypeInfo info)
    {
        if (info.Type != typeof(LayerConfig)) return;
        info.PolymorphismOptions = new JsonPolymorphismOptions { TypeDiscriminatorPropertyName = "$kind" };
        foreach (var type in new[] { typeof(RecurrentConfig), typeof(EmbeddingConfig), typeof(DenseConfig), typeof(DropoutConfig), typeof(LastStepConfig) })
            info.PolymorphismOptions.DerivedTypes.Add(new JsonDerivedType(type, type.Name));
    }
}
