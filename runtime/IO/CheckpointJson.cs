using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace RnnGen.IO;

/// <summary>The "rnngen.config" metadata of a checkpoint: what <see cref="Model{T}.Create"/> needs, and each recurrent
/// layer's cell with the hash of its equations (<see cref="CellInfo.EquationsHash"/>).</summary>
internal sealed record CheckpointConfig(int Version, string ElementType, ModelConfig Model, IReadOnlyList<CheckpointCell> Cells);

/// <summary>The cell of one recurrent layer, by layer name.</summary>
internal sealed record CheckpointCell(string Layer, string Cell, string EquationsHash);

/// <summary>The version field alone, read before the rest so a newer file is named as such rather than as corrupt.</summary>
internal sealed record CheckpointVersion(int Version);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CheckpointConfig))]
[JsonSerializable(typeof(CheckpointVersion))]
[JsonSerializable(typeof(TrainingPosition))]
[JsonSerializable(typeof(Dictionary<string, long>))]
[JsonSerializable(typeof(RecurrentConfig))]
[JsonSerializable(typeof(DenseConfig))]
[JsonSerializable(typeof(EmbeddingConfig))]
[JsonSerializable(typeof(DropoutConfig))]
[JsonSerializable(typeof(LastStepConfig))]
internal sealed partial class CheckpointJsonContext : JsonSerializerContext;

/// <summary>
/// The JSON of checkpoint metadata, source-generated (no reflection: NativeAOT- and trim-safe). A
/// <see cref="LayerConfig"/> is written with its kind as the "kind" discriminator ("recurrent", "dense", …); that list
/// lives here, the one place that must know every kind a checkpoint can describe.
/// </summary>
internal static class CheckpointJson
{
    private static readonly (Type Type, string Kind)[] Kinds =
    [
        (typeof(RecurrentConfig), "recurrent"), (typeof(DenseConfig), "dense"), (typeof(EmbeddingConfig), "embedding"),
        (typeof(DropoutConfig), "dropout"), (typeof(LastStepConfig), "last_step"),
    ];

    private static readonly JsonSerializerOptions Options = new(CheckpointJsonContext.Default.Options)
    {
        TypeInfoResolver = CheckpointJsonContext.Default.WithAddedModifier(Polymorphic),
    };

    /// <summary>Whether a checkpoint can describe a layer of this config type (the built-in kinds).</summary>
    public static bool Describes(LayerConfig config) => Kinds.Any(k => k.Type == config.GetType());

    public static string Write<TValue>(TValue value) => JsonSerializer.Serialize(value, Info<TValue>());

    /// <exception cref="JsonException">Not JSON of this type.</exception>
    public static TValue Read<TValue>(string json) =>
        JsonSerializer.Deserialize(json, Info<TValue>()) ?? throw new JsonException("the value is null");

    private static JsonTypeInfo<TValue> Info<TValue>() => (JsonTypeInfo<TValue>)Options.GetTypeInfo(typeof(TValue));

    /// <summary>LayerConfig by its kind; the records' own Kind property is left out, the discriminator says it.</summary>
    private static void Polymorphic(JsonTypeInfo info)
    {
        if (info.Type == typeof(LayerConfig))
        {
            info.PolymorphismOptions = new JsonPolymorphismOptions { TypeDiscriminatorPropertyName = "kind" };
            foreach (var (type, kind) in Kinds) info.PolymorphismOptions.DerivedTypes.Add(new JsonDerivedType(type, kind));
        }
        else if (info.Type.IsSubclassOf(typeof(LayerConfig)))
        {
            var kind = info.Properties.FirstOrDefault(p => p.Name == "kind");
            if (kind is not null) info.Properties.Remove(kind);
        }
    }
}
