using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Parsing
{
    /// <summary>The attributed type as both readers (cells and models) need it: its file name, its partial check, where it is nested.</summary>
    internal static class TargetType
    {
        public static string HintName(INamedTypeSymbol symbol, string suffix) =>
            symbol.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat).Replace("global::", "").Replace('<', '_').Replace('>', '_') + suffix;

        /// <summary>The type itself or a containing type declared without 'partial' (so the generator cannot add to it), else null.</summary>
        public static TypeDeclarationSyntax? NotPartial(TypeDeclarationSyntax type) =>
            new[] { type }.Concat(type.Ancestors().OfType<TypeDeclarationSyntax>())
                .FirstOrDefault(declaration => !declaration.Modifiers.Any(SyntaxKind.PartialKeyword));

        public static string? Namespace(INamedTypeSymbol symbol) =>
            symbol.ContainingNamespace.IsGlobalNamespace ? null : symbol.ContainingNamespace.ToDisplayString();

        /// <summary>The containing types, outermost first, as the generated partial declarations must repeat them.</summary>
        public static EquatableArray<ContainingType> Containers(TypeDeclarationSyntax type) =>
            type.Ancestors().OfType<TypeDeclarationSyntax>().Reverse().Select(t => new ContainingType(Keyword(t), t.Identifier.Text)).ToEquatableArray();

        public static string Keyword(TypeDeclarationSyntax type) => type switch
        {
            StructDeclarationSyntax => "struct",
            ClassDeclarationSyntax => "class",
            InterfaceDeclarationSyntax => "interface",
            RecordDeclarationSyntax record => record.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) ? "record struct" : "record",
            _ => type.Keyword.Text,
        };
    }
}
