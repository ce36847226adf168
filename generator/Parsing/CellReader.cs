using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Parsing
{
    /// <summary>The outcome of reading one [RecurrentCell] type: a model, or the diagnostics that prevent one.</summary>
    internal sealed record CellResult(string HintName, CellModel? Model, EquatableArray<DiagnosticInfo> Diagnostics, LocationInfo TypeLocation);

    /// <summary>
    /// Syntax → model: checks the attributed type, reads the equation text and options, parses the equations and
    /// builds the equation graph. Diagnostics found in the text are mapped to their position in the string literal.
    /// </summary>
    internal static class CellReader
    {
        public static CellResult Read(GeneratorAttributeSyntaxContext context, CancellationToken token)
        {
            var type = (TypeDeclarationSyntax)context.TargetNode;
            var symbol = (INamedTypeSymbol)context.TargetSymbol;
            var typeLocation = LocationInfo.From(type.Identifier.GetLocation());
            var hintName = symbol.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat).Replace("global::", "").Replace('<', '_').Replace('>', '_') + ".g.cs";
            var diagnostics = new List<DiagnosticInfo>();
            CellResult Fail() => new(hintName, null, diagnostics.ToEquatableArray(), typeLocation);
            void Report(DiagnosticDescriptor descriptor, LocationInfo location, params string[] arguments) =>
                diagnostics.Add(new DiagnosticInfo(descriptor, location, arguments.ToEquatableArray()));

            try
            {
                var unsupported = UnsupportedReason(type, symbol);
                if (unsupported is not null)
                {
                    Report(DiagnosticDescriptors.UnsupportedType, typeLocation, symbol.Name, unsupported);
                    return Fail();
                }
                foreach (var declaration in new[] { type }.Concat(type.Ancestors().OfType<TypeDeclarationSyntax>()))
                    if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                    {
                        Report(DiagnosticDescriptors.NotPartial, LocationInfo.From(declaration.Identifier.GetLocation()), declaration.Identifier.Text);
                        return Fail();
                    }

                var attributeSyntax = (AttributeSyntax?)context.Attributes[0].ApplicationSyntaxReference?.GetSyntax(token);
                var argument = attributeSyntax?.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals is null);
                var attributeLocation = LocationInfo.From((argument ?? (SyntaxNode?)attributeSyntax ?? type).GetLocation());
                // An invalid option is reported on its own named argument (Hidden = …, Output = …) when written.
                LocationInfo OptionLocation(string name) =>
                    attributeSyntax?.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == name) is { } option
                        ? LocationInfo.From(option.GetLocation())
                        : attributeLocation;
                var text = argument is null ? null : EquationText.Read(argument.Expression, context.SemanticModel, token);
                if (text is null)
                {
                    Report(DiagnosticDescriptors.NotConstant, attributeLocation);
                    return Fail();
                }

                var attribute = context.Attributes[0];
                var hidden = NamedInt(attribute, "Hidden");
                var output = attribute.NamedArguments.FirstOrDefault(a => a.Key == "Output").Value.Value as string;
                if (hidden < 0)
                {
                    Report(DiagnosticDescriptors.InvalidOption, OptionLocation("Hidden"), $"Hidden = {hidden} is not a size; use a positive number or leave it out");
                    return Fail();
                }

                var cell = new CellDeclaration(
                    symbol.ContainingNamespace.IsGlobalNamespace ? null : symbol.ContainingNamespace.ToDisplayString(),
                    type.Ancestors().OfType<TypeDeclarationSyntax>().Reverse().Select(t => new ContainingType(Keyword(t), t.Identifier.Text)).ToEquatableArray(),
                    type.Identifier.Text, Keyword(type), hidden, output);

                var textDiagnostics = new List<TextDiagnostic>();
                var syntax = EquationParser.Parse(text.Text, textDiagnostics);
                var model = textDiagnostics.Count == 0 ? CellModelBuilder.Build(cell, text.Text, syntax, textDiagnostics) : null;
                if (model is not null && Emit.HiddenLimit.Problem(model) is { } tooLarge)
                    Report(DiagnosticDescriptors.InvalidOption, OptionLocation("Hidden"), tooLarge);
                var tree = type.SyntaxTree;
                foreach (var problem in textDiagnostics)
                {
                    // Option problems have no place in the text: point at the option (the model only checks Output).
                    var location = problem.Descriptor == DiagnosticDescriptors.InvalidOption
                        ? OptionLocation("Output")
                        : LocationInfo.From(Location.Create(tree, text.Map(problem.Start, problem.End)));
                    Report(problem.Descriptor, location, problem.Arguments);
                }
                return new CellResult(hintName, diagnostics.Count == 0 ? model : null, diagnostics.ToEquatableArray(), typeLocation);
            }
            catch (System.Exception exception) when (exception is not System.OperationCanceledException)
            {
                Report(DiagnosticDescriptors.InternalError, typeLocation, symbol.Name, exception.GetType().Name + ": " + exception.Message);
                return Fail();
            }
        }

        private static int NamedInt(AttributeData attribute, string name) =>
            attribute.NamedArguments.FirstOrDefault(a => a.Key == name).Value.Value is int value ? value : 0;

        private static string? UnsupportedReason(TypeDeclarationSyntax type, INamedTypeSymbol symbol)
        {
            if (type is InterfaceDeclarationSyntax) return "an interface has no code to generate; use a partial struct";
            if (type is RecordDeclarationSyntax) return "records are not supported; use a partial struct";
            if (symbol.IsStatic) return "a static class cannot implement the cell interface; use a partial struct";
            if (symbol.IsGenericType || symbol.ContainingType?.IsGenericType == true) return "generic types are not supported; the cell is generic over T through its methods";
            return null;
        }

        private static string Keyword(TypeDeclarationSyntax type) => type switch
        {
            StructDeclarationSyntax => "struct",
            ClassDeclarationSyntax => "class",
            InterfaceDeclarationSyntax => "interface",
            RecordDeclarationSyntax record => record.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) ? "record struct" : "record",
            _ => type.Keyword.Text,
        };
    }
}
