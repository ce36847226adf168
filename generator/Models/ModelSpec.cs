using RnnGen.Generator.Model;

namespace RnnGen.Generator.Models
{
    internal enum LayerKind { Embedding, Recurrent, Dense }

    /// <summary>One [Layer] member: how to call it and the prefix of its checkpoint names.</summary>
    internal sealed record LayerSpec(string Member, LayerKind Kind, string Prefix);

    /// <summary>An annotated model class as plain data: its layers in the order data flows through them.</summary>
    internal sealed record ModelSpec(string? Namespace, EquatableArray<ContainingType> Containers, string TypeName, string TypeKeyword,
        string ElementType, EquatableArray<LayerSpec> Layers);
}
