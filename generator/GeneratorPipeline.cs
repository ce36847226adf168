using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using RnnGen.Generator.Model;

namespace RnnGen.Generator
{
    /// <summary>
    /// The incremental pipeline both generators share: read → model → source, with the diagnostics split off.
    /// The model and source steps hold no locations, so an edit that only moves lines (above the type, in the same file)
    /// leaves them Unchanged/Cached and nothing is re-derived or re-emitted; the diagnostics, which do move, are reported
    /// from the read step. An emission failure finds its type's location by hint name, only when there is one.
    /// </summary>
    internal static class GeneratorPipeline
    {
        private sealed record ModelInput<TModel>(string HintName, TModel? Model) where TModel : class, IEquatable<TModel>;

        private sealed record GeneratedSource(string HintName, string? Source, string? Failure);

        public static void Register<TModel>(IncrementalGeneratorInitializationContext context, IncrementalValuesProvider<ReadResult<TModel>> reads,
            Func<TModel, string> emit, string modelStep, string sourceStep)
            where TModel : class, IEquatable<TModel>
        {
            var sources = reads
                .Select(static (read, _) => new ModelInput<TModel>(read.Site.HintName, read.Model))
                .WithTrackingName(modelStep)
                .Select((input, _) => Generate(input, emit))
                .WithTrackingName(sourceStep);

            context.RegisterSourceOutput(reads.Select(static (read, _) => read.Diagnostics), static (output, diagnostics) =>
            {
                foreach (var diagnostic in diagnostics) output.ReportDiagnostic(diagnostic.ToDiagnostic());
            });
            context.RegisterSourceOutput(sources, static (output, generated) =>
            {
                if (generated.Source is not null) output.AddSource(generated.HintName, generated.Source);
            });
            var failures = sources.Where(static generated => generated.Failure is not null).Combine(reads.Select(static (read, _) => read.Site).Collect());
            context.RegisterSourceOutput(failures, static (output, failure) =>
            {
                var site = failure.Right.FirstOrDefault(s => s.HintName == failure.Left.HintName);
                var arguments = new[] { site?.TypeName ?? failure.Left.HintName, failure.Left.Failure! }.ToEquatableArray();
                output.ReportDiagnostic(new DiagnosticInfo(DiagnosticDescriptors.InternalError, site?.Location, arguments).ToDiagnostic());
            });
        }

        private static GeneratedSource Generate<TModel>(ModelInput<TModel> input, Func<TModel, string> emit) where TModel : class, IEquatable<TModel>
        {
            if (input.Model is null) return new GeneratedSource(input.HintName, null, null);
            try
            {
                return new GeneratedSource(input.HintName, emit(input.Model), null);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                return new GeneratedSource(input.HintName, null, exception.GetType().Name + ": " + exception.Message);
            }
        }
    }
}
