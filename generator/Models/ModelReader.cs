using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RnnGen.Generator.Model;
using RnnGen.Generator.Parsing;

namespace RnnGen.Generator.Models
{
    /// <summary>Syntax → model spec: finds the [Layer] members in declaration order and checks them through the layer
    /// protocol only: a member is a layer when its type implements RnnGen.ILayer&lt;T&gt;, and reads tokens (so must come
    /// first) when it implements RnnGen.ITokenLayer&lt;T&gt;. No layer type is named here.</summary>
    internal static class ModelReader
    {
        private const string LayerInterface = "RnnGen.ILayer`1";
        private const string TokenLayerInterface = "RnnGen.ITokenLayer`1";

        /// <summary>The ILayer&lt;T&gt; (or ITokenLayer&lt;T&gt;) the type is or implements, or null.</summary>
        private static INamedTypeSymbol? Implemented(ITypeSymbol type, string metadataName)
        {
            static bool Is(INamedTypeSymbol candidate, string name) =>
                candidate.OriginalDefinition.ContainingNamespace?.ToDisplayString() + "." + candidate.OriginalDefinition.MetadataName == name;
            if (type is INamedTypeSymbol named && Is(named, metadataName)) return named;
            return type.AllInterfaces.FirstOrDefault(i => Is(i, metadataName));
        }

        public static ReadResult<ModelSpec> Read(GeneratorAttributeSyntaxContext context, CancellationToken token)
        {
            var type = (TypeDeclarationSyntax)context.TargetNode;
            var symbol = (INamedTypeSymbol)context.TargetSymbol;
            var site = new TypeSite(TargetType.HintName(symbol, ".Model.g.cs"), symbol.Name, LocationInfo.From(type.Identifier.GetLocation()));
            var diagnostics = new List<DiagnosticInfo>();
            ReadResult<ModelSpec> Fail() => new(site, null, diagnostics.ToEquatableArray());
            void Report(DiagnosticDescriptor descriptor, Location location, params string[] arguments) =>
                diagnostics.Add(new DiagnosticInfo(descriptor, LocationInfo.From(location), arguments.ToEquatableArray()));

            try
            {
                if (TargetType.NotPartial(type) is { } declaration)
                {
                    Report(DiagnosticDescriptors.ModelNotPartial, declaration.Identifier.GetLocation(), declaration.Identifier.Text);
                    return Fail();
                }

                var layers = new List<(LayerSpec Spec, ITypeSymbol Element, bool Tokens, Location Location)>();
                var members = symbol.GetMembers()
                    .Where(m => m is IFieldSymbol or IPropertySymbol && m.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "RnnGen.LayerAttribute"))
                    .OrderBy(m => m.Locations[0].SourceTree?.FilePath)
                    .ThenBy(m => m.Locations[0].SourceSpan.Start);
                foreach (var member in members)
                {
                    token.ThrowIfCancellationRequested();
                    var memberType = member is IFieldSymbol field ? field.Type : ((IPropertySymbol)member).Type;
                    var layer = Implemented(memberType, LayerInterface);
                    if (layer is null)
                    {
                        Report(DiagnosticDescriptors.NotALayer, member.Locations[0], member.Name, memberType.ToDisplayString());
                        continue;
                    }
                    layers.Add((new LayerSpec(member.Name, member.Name.TrimStart('_')), layer.TypeArguments[0],
                        Implemented(memberType, TokenLayerInterface) is not null, member.Locations[0]));
                }
                if (diagnostics.Count > 0) return Fail();
                if (layers.Count == 0)
                {
                    Report(DiagnosticDescriptors.NoLayers, type.Identifier.GetLocation(), symbol.Name);
                    return Fail();
                }
                for (var i = 1; i < layers.Count; i++)
                {
                    if (layers[i].Tokens)
                        Report(DiagnosticDescriptors.LayerOrder, layers[i].Location, layers[i].Spec.Member, layers[i - 1].Spec.Member,
                            "it reads token ids (ITokenLayer), so it can only be the first layer");
                    else if (!SymbolEqualityComparer.Default.Equals(layers[i].Element, layers[0].Element))
                        Report(DiagnosticDescriptors.LayerOrder, layers[i].Location, layers[i].Spec.Member, layers[i - 1].Spec.Member,
                            $"it computes in {layers[i].Element.ToDisplayString()} but the model computes in {layers[0].Element.ToDisplayString()}");
                }
                if (diagnostics.Count > 0) return Fail();

                var spec = new ModelSpec(TargetType.Namespace(symbol), TargetType.Containers(type), type.Identifier.Text, TargetType.Keyword(type),
                    layers[0].Element.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
                    layers.Select(l => l.Spec).ToEquatableArray());
                return new ReadResult<ModelSpec>(site, spec, diagnostics.ToEquatableArray());
            }
            catch (System.Exception exception) when (exception is not System.OperationCanceledException)
            {
                Report(DiagnosticDescriptors.InternalError, type.Identifier.GetLocation(), symbol.Name, exception.GetType().Name + ": " + exception.Message);
                return Fail();
            }
        }
    }
}
