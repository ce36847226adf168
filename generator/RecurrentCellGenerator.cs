using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RnnGen.Generator.Differentiation;
using RnnGen.Generator.Emit;
using RnnGen.Generator.Model;
using RnnGen.Generator.Parsing;

namespace RnnGen.Generator
{
    /// <summary>
    /// [RecurrentCell("equations")] on a partial type → forward and backward kernels for that cell.
    /// Pipeline: parse → model (equatable, cached) → differentiate → emit. Diagnostics travel as data and are
    /// reported in the output step; nothing here throws.
    /// </summary>
    [Generator(LanguageNames.CSharp)]
    public sealed class RecurrentCellGenerator : IIncrementalGenerator
    {
        public const string AttributeName = "RnnGen.RecurrentCellAttribute";
        public const string ModelStep = "RecurrentCellModels";
        public const string SourceStep = "RecurrentCellSources";

        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            var models = context.SyntaxProvider
                .ForAttributeWithMetadataName(AttributeName,
                    static (node, _) => node is TypeDeclarationSyntax,
                    static (syntax, token) => CellReader.Read(syntax, token))
                .WithTrackingName(ModelStep);

            var sources = models
                .Select(static (result, _) => Generate(result))
                .WithTrackingName(SourceStep);

            context.RegisterSourceOutput(sources, static (output, cell) =>
            {
                foreach (var diagnostic in cell.Diagnostics) output.ReportDiagnostic(diagnostic.ToDiagnostic());
                if (cell.Source is not null) output.AddSource(cell.HintName, cell.Source);
            });
        }

        private static GeneratedCell Generate(CellResult result)
        {
            if (result.Model is null) return new GeneratedCell(result.HintName, null, result.Diagnostics);
            try
            {
                var plan = Differentiator.Plan(result.Model);
                return new GeneratedCell(result.HintName, CellEmitter.Emit(result.Model, plan), result.Diagnostics);
            }
            catch (System.Exception exception) when (exception is not System.OperationCanceledException)
            {
                var error = new DiagnosticInfo(DiagnosticDescriptors.InternalError, result.TypeLocation,
                    new[] { result.Model.TypeName, exception.GetType().Name + ": " + exception.Message }.ToEquatableArray());
                return new GeneratedCell(result.HintName, null, new[] { error }.ToEquatableArray());
            }
        }

        private sealed record GeneratedCell(string HintName, string? Source, EquatableArray<DiagnosticInfo> Diagnostics);
    }
}
