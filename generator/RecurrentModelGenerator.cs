using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RnnGen.Generator.Models;

namespace RnnGen.Generator
{
    /// <summary>
    /// [RecurrentModel] on a partial class → Forward/Backward/Parameters wiring of its [Layer] members, in declaration
    /// order. Pipeline: read → spec (equatable, location-free, cached) → emit; the diagnostics travel apart as data
    /// (see <see cref="GeneratorPipeline"/>). Nothing here throws.
    /// </summary>
    [Generator(LanguageNames.CSharp)]
    public sealed class RecurrentModelGenerator : IIncrementalGenerator
    {
        public const string AttributeName = "RnnGen.RecurrentModelAttribute";
        public const string SpecStep = "RecurrentModelSpecs";
        public const string SourceStep = "RecurrentModelSources";

        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            var reads = context.SyntaxProvider.ForAttributeWithMetadataName(AttributeName,
                static (node, _) => node is ClassDeclarationSyntax,
                static (syntax, token) => ModelReader.Read(syntax, token));
            GeneratorPipeline.Register(context, reads, ModelEmitter.Emit, SpecStep, SourceStep);
        }
    }
}
