using RnnGen.Generator.Model;

namespace RnnGen.Generator.Models
{
    /// <summary>One [Layer] member: the member to read and the layer name that prefixes its parameters.</summary>
    internal sealed record LayerSpec(string Member, string Name);

    /// <summary>An annotated model class as plain data: its layers in the order data flows through them.</summary>
    internal sealed record ModelSpec(string? Namespace, EquatableArray<ContainingType> Containers, string TypeName, string TypeKeyword,
        string ElementType, EquatableArray<LayerSpec> Layers);
}
