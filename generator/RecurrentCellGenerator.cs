using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RnnGen.Generator.Differentiation;
using RnnGen.Generator.Emit;
using RnnGen.Generator.Parsing;

namespace RnnGen.Generator
{
    /// <summary>
    /// [RecurrentCell("equations")] on a partial type → forward and backward kernels for that cell.
    /// Pipeline: parse → model (equatable, location-free, cached) → differentiate and emit; the diagnostics travel
    /// apart as data (see <see cref="GeneratorPipeline"/>). Nothing here throws.
    /// </summary>
    [Generator(LanguageNames.CSharp)]
    public sealed class RecurrentCellGenerator : IIncrementalGenerator
    {
        public const string AttributeName = "RnnGen.RecurrentCellAttribute";
        public const string ModelStep = "RecurrentCellModels";
        public const string SourceStep = "RecurrentCellSources";

        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            var reads = context.SyntaxProvider.ForAttributeWithMetadataName(AttributeName,
                static (node, _) => node is TypeDeclarationSyntax,
                static (syntax, token) => CellReader.Read(syntax, token));
            GeneratorPipeline.Register(context, reads, static model => CellEmitter.Emit(model, Differentiator.Plan(model)), ModelStep, SourceStep);
        }
    }
}
