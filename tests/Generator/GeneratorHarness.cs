using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using RnnGen.Generator;

namespace RnnGen.Tests.Generator;

/// <summary>What one run of the generators produced (diagnostics and sources of all of them).</summary>
internal sealed record GeneratorRun(
    GeneratorDriver Driver,
    CSharpCompilation Input,
    Compilation Output,
    GeneratorDriverRunResult Result,
    ImmutableArray<Diagnostic> GeneratorDiagnostics,
    ImmutableArray<GeneratedSourceResult> GeneratedSources)
{
    /// <summary>Diagnostics of the compilation after the generated sources were added (warnings and errors only).</summary>
    public IReadOnlyList<Diagnostic> OutputProblems =>
        Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();

    /// <summary>The generator must never throw, neither out of the driver nor into an RNN013 "internal error".</summary>
    /// <summary>Every output of the named tracked steps (of the first generator), with the reason it was produced.</summary>
    public List<(string Step, IncrementalStepRunReason Reason)> StepOutputs(params string[] stepNames)
    {
        var steps = Result.Results[0].TrackedSteps;
        var outputs = new List<(string, IncrementalStepRunReason)>();
        foreach (var name in stepNames)
        {
            Assert.True(steps.ContainsKey(name), $"step '{name}' was not tracked; tracked: {string.Join(", ", steps.Keys)}");
            foreach (var step in steps[name])
                foreach (var output in step.Outputs)
                    outputs.Add((name, output.Reason));
        }
        return outputs;
    }

    public void AssertGeneratorDidNotThrow()
    {
        foreach (var result in Result.Results)
            Assert.True(result.Exception is null, $"the generator threw: {result.Exception}");
        var internalErrors = GeneratorDiagnostics.Where(d => d.Id == "RNN013").ToList();
        Assert.True(internalErrors.Count == 0, "internal generator error: " + string.Join("; ", internalErrors));
    }

    /// <summary>The cell was accepted without a diagnostic (notes of severity Info aside, such as RNN040's schedule
    /// note) and its generated code compiles.</summary>
    public void AssertCompiles()
    {
        Assert.Empty(GeneratorDiagnostics.Where(d => d.Severity > DiagnosticSeverity.Info));
        Assert.NotEmpty(GeneratedSources);
        var errors = OutputProblems.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors.Take(5)));
    }
}

/// <summary>
/// Runs <see cref="RecurrentCellGenerator"/> (or another generator) over C# source text, the way the compiler does, with step tracking on
/// so the incremental tests can inspect why each pipeline output was produced.
/// </summary>
internal static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Preview);

    private static readonly CSharpCompilationOptions CompilationOptions =
        new(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: true);

    /// <summary>The framework's reference set (the test host's trusted platform assemblies) plus the RnnGen runtime.</summary>
    public static readonly IReadOnlyList<MetadataReference> References = BuildReferences();

    private static IReadOnlyList<MetadataReference> BuildReferences()
    {
        var frameworkDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var trusted = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        var paths = trusted
            .Where(p => string.Equals(Path.GetDirectoryName(p), frameworkDirectory, StringComparison.OrdinalIgnoreCase))
            .Append(typeof(RnnGen.CellInfo).Assembly.Location)
            .Append(typeof(System.Numerics.Tensors.Tensor).Assembly.Location)   // a package the runtime's API exposes
            .Distinct(StringComparer.OrdinalIgnoreCase);
        return paths.Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToList();
    }

    /// <summary>A file declaring one cell, TestCell, with <paramref name="equations"/> in a raw string and named options after it.</summary>
    public static string CellSource(string equations, string options = "") =>
        "using RnnGen;\n\nnamespace Probe;\n\n[RecurrentCell(\"\"\"\n" + equations + "\n\"\"\"" + options + ")]\npublic partial struct TestCell;\n";

    public static CSharpCompilation CreateCompilation(params string[] sources) =>
        CSharpCompilation.Create("GeneratorTestAssembly_" + Guid.NewGuid().ToString("N"),
            sources.Select((s, i) => Parse(s, $"Source{i}.cs")), References, CompilationOptions);

    /// <summary>The compilation with <paramref name="lines"/> comment lines inserted at the top of its only tree.</summary>
    public static CSharpCompilation InsertLinesAbove(CSharpCompilation compilation, int lines)
    {
        var tree = compilation.SyntaxTrees.Single();
        var text = string.Concat(Enumerable.Repeat("// a line above\n", lines)) + tree;
        return compilation.ReplaceSyntaxTree(tree, Parse(text, tree.FilePath));
    }

    public static SyntaxTree Parse(string source, string path) =>
        CSharpSyntaxTree.ParseText(source, ParseOptions, path);

    public static GeneratorDriver CreateDriver() => CreateDriver(new RecurrentCellGenerator());

    public static GeneratorDriver CreateDriver(params IIncrementalGenerator[] generators) =>
        CSharpGeneratorDriver.Create(
            generators.Select(g => g.AsSourceGenerator()),
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs a fresh driver over <paramref name="sources"/>.</summary>
    public static GeneratorRun Run(params string[] sources) => Run(CreateDriver(), CreateCompilation(sources));

    /// <summary>Runs the cell and the model generator together over <paramref name="sources"/>, as a build does.</summary>
    public static GeneratorRun RunBoth(params string[] sources) =>
        Run(CreateDriver(new RecurrentCellGenerator(), new RecurrentModelGenerator()), CreateCompilation(sources));

    /// <summary>Runs <paramref name="driver"/> (possibly holding a previous run's state) over <paramref name="compilation"/>.</summary>
    public static GeneratorRun Run(GeneratorDriver driver, CSharpCompilation compilation)
    {
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        var result = driver.GetRunResult();
        return new GeneratorRun(driver, compilation, output, result, result.Diagnostics,
            result.Results.SelectMany(r => r.GeneratedSources).ToImmutableArray());
    }
}
