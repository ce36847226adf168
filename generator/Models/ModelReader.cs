using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Models
{
    /// <summary>Syntax → model spec: finds the [Layer] members in declaration order, checks their types and order.</summary>
    internal static class ModelReader
    {
        private static readonly Dictionary<string, LayerKind> LayerTypes = new()
        {
            ["RnnGen.Embedding`1"] = LayerKind.Embedding,
            ["RnnGen.RecurrentLayer`2"] = LayerKind.Recurrent,
            ["RnnGen.Dense`1"] = LayerKind.Dense,
        };

        public static ModelResult Read(GeneratorAttributeSyntaxContext context, CancellationToken token)
        {
            var type = (TypeDeclarationSyntax)context.TargetNode;
            var symbol = (INamedTypeSymbol)context.TargetSymbol;
            var hintName = symbol.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat).Replace("global::", "").Replace('<', '_').Replace('>', '_') + ".Model.g.cs";
            var diagnostics = new List<DiagnosticInfo>();
            ModelResult Fail() => new(hintName, null, diagnostics.ToEquatableArray());
            void Report(DiagnosticDescriptor descriptor, Location location, params string[] arguments) =>
                diagnostics.Add(new DiagnosticInfo(descriptor, LocationInfo.From(location), arguments.ToEquatableArray()));

            try
            {
                foreach (var declaration in new[] { type }.Concat(type.Ancestors().OfType<TypeDeclarationSyntax>()))
                    if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                    {
                        Report(DiagnosticDescriptors.ModelNotPartial, declaration.Identifier.GetLocation(), declaration.Identifier.Text);
                        return Fail();
                    }

                var layers = new List<(LayerSpec Spec, ITypeSymbol Element, Location Location)>();
                var members = symbol.GetMembers()
                    .Where(m => m is IFieldSymbol or IPropertySymbol && m.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "RnnGen.LayerAttribute"))
                    .OrderBy(m => m.Locations[0].SourceTree?.FilePath)
                    .ThenBy(m => m.Locations[0].SourceSpan.Start);
                foreach (var member in members)
                {
                    token.ThrowIfCancellationRequested();
                    var memberType = member is IFieldSymbol field ? field.Type : ((IPropertySymbol)member).Type;
                    var named = memberType as INamedTypeSymbol;
                    var metadataName = named is null ? "" : named.OriginalDefinition.ContainingNamespace.ToDisplayString() + "." + named.OriginalDefinition.MetadataName;
                    if (named is null || !LayerTypes.TryGetValue(metadataName, out var kind))
                    {
                        Report(DiagnosticDescriptors.NotALayer, member.Locations[0], member.Name, memberType.ToDisplayString());
                        continue;
                    }
                    layers.Add((new LayerSpec(member.Name, kind, member.Name.TrimStart('_') + "."), named.TypeArguments.Last(), member.Locations[0]));
                }
                if (diagnostics.Count > 0) return Fail();
                if (layers.Count == 0)
                {
                    Report(DiagnosticDescriptors.NoLayers, type.Identifier.GetLocation(), symbol.Name);
                    return Fail();
                }
                for (var i = 1; i < layers.Count; i++)
                {
                    if (layers[i].Spec.Kind == LayerKind.Embedding)
                        Report(DiagnosticDescriptors.LayerOrder, layers[i].Location, layers[i].Spec.Member, layers[i - 1].Spec.Member,
                            "an Embedding reads token ids, so it can only be the first layer");
                    else if (!SymbolEqualityComparer.Default.Equals(layers[i].Element, layers[0].Element))
                        Report(DiagnosticDescriptors.LayerOrder, layers[i].Location, layers[i].Spec.Member, layers[i - 1].Spec.Member,
                            $"it computes in {layers[i].Element.ToDisplayString()} but the model computes in {layers[0].Element.ToDisplayString()}");
                }
                if (diagnostics.Count > 0) return Fail();

                var spec = new ModelSpec(
                    symbol.ContainingNamespace.IsGlobalNamespace ? null : symbol.ContainingNamespace.ToDisplayString(),
                    type.Ancestors().OfType<TypeDeclarationSyntax>().Reverse().Select(t => new ContainingType(t is StructDeclarationSyntax ? "struct" : "class", t.Identifier.Text)).ToEquatableArray(),
                    type.Identifier.Text, type is RecordDeclarationSyntax ? "record" : "class",
                    layers[0].Element.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
                    layers.Select(l => l.Spec).ToEquatableArray());
                return new ModelResult(hintName, spec, diagnostics.ToEquatableArray());
            }
            catch (System.Exception exception) when (exception is not System.OperationCanceledException)
            {
                Report(DiagnosticDescriptors.InternalError, type.Identifier.GetLocation(), symbol.Name, exception.GetType().Name + ": " + exception.Message);
                return Fail();
            }
        }
    }
}
