using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RnnGen.Generator.Model;
using RnnGen.Generator.Models;

namespace RnnGen.Generator
{
    /// <summary>
    /// [RecurrentModel] on a partial class → Forward/Backward/Parameters wiring of its [Layer] members, in declaration
    /// order. Pipeline: read (equatable spec, cached) → emit; diagnostics travel as data; nothing here throws.
    /// </summary>
    [Generator(LanguageNames.CSharp)]
    public sealed class RecurrentModelGenerator : IIncrementalGenerator
    {
        public const string AttributeName = "RnnGen.RecurrentModelAttribute";

        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            var models = context.SyntaxProvider
                .ForAttributeWithMetadataName(AttributeName,
                    static (node, _) => node is ClassDeclarationSyntax,
                    static (syntax, token) => ModelReader.Read(syntax, token))
                .WithTrackingName("RecurrentModelSpecs");

            context.RegisterSourceOutput(models, static (output, model) =>
            {
                foreach (var diagnostic in model.Diagnostics) output.ReportDiagnostic(diagnostic.ToDiagnostic());
                if (model.Spec is null) return;
                string source;
                try
                {
                    source = ModelEmitter.Emit(model.Spec);
                }
                catch (System.Exception exception)
                {
                    output.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InternalError, null, model.Spec.TypeName, exception.Message));
                    return;
                }
                output.AddSource(model.HintName, source);
            });
        }
    }
}
