using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using RnnGen.Generator;

namespace RnnGen.Tests.Generator.Fuzz;

/// <summary>What the generator made of one fuzz input: accepted (source generated) or not, its diagnostic IDs,
/// and the problems that fail the test (RNN013, compile errors in its generated code, a time-out, a throw).</summary>
internal sealed record CellOutcome(FuzzCase Case, bool Accepted, IReadOnlyList<string> DiagnosticIds, IReadOnlyList<string> Problems);

/// <summary>
/// Runs many fuzz inputs through one <see cref="CSharpGeneratorDriver"/> and one compilation — each input its own
/// partial struct F{i} — and attributes every diagnostic back to its input by source span or generated file name.
/// A driver exception cannot be attributed, so that batch is rerun one input at a time. Generated code already
/// compiled in an earlier batch (up to its comments, strings and type name: <see cref="CompiledCode"/>) is not compiled again.
/// </summary>
internal sealed class FuzzBatch
{
    private readonly CompiledCode _compiled = new();

    /// <summary>Deep nesting recurses deeply in the generator and in Roslyn: a large stack turns a would-be stack
    /// overflow (which kills the test host) into a slow or failing input.</summary>
    private const int StackBytes = 256 * 1024 * 1024;

    public IReadOnlyList<CellOutcome> Run(IReadOnlyList<FuzzCase> cases, TimeSpan limit)
    {
        IReadOnlyList<CellOutcome>? outcomes = null;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try { outcomes = RunHere(cases); }
            catch (Exception exception) { error = exception; }
        }, StackBytes) { IsBackground = true, Name = "fuzz batch" };
        thread.Start();
        // A hung thread is abandoned (it is a background thread): the inputs fail with a time-out instead of hanging CI.
        if (!thread.Join(limit)) return Single(cases, limit, $"timed out after {limit.TotalSeconds:0} s");
        return error is null ? outcomes! : Single(cases, limit, "threw: " + error);
    }

    /// <summary>Reruns each input alone to find which one failed the batch; a lone input fails with <paramref name="problem"/>.</summary>
    private IReadOnlyList<CellOutcome> Single(IReadOnlyList<FuzzCase> cases, TimeSpan limit, string problem) =>
        cases.Count == 1
            ? [new CellOutcome(cases[0], false, [], [problem])]
            : cases.SelectMany(c => Run([c], limit)).ToList();

    /// <summary>The outcome of every input; throws when the generator threw out of the driver.</summary>
    private IReadOnlyList<CellOutcome> RunHere(IReadOnlyList<FuzzCase> cases)
    {
        var source = new StringBuilder("using RnnGen;\n\nnamespace Fuzz;\n\n");
        var spans = new List<TextSpan>();
        for (var i = 0; i < cases.Count; i++)
        {
            var start = source.Length;
            source.Append(cases[i].Declaration(TypeName(i)));
            spans.Add(TextSpan.FromBounds(start, source.Length));
        }
        // The lanes already keep the cores busy: one thread per compilation spares the switching between them.
        var input = GeneratorHarness.CreateCompilation(source.ToString());
        input = input.WithOptions(input.Options.WithConcurrentBuild(false));
        GeneratorDriver driver = CSharpGeneratorDriver.Create([new RecurrentCellGenerator().AsSourceGenerator()], parseOptions: GeneratorHarness.ParseOptions);
        driver = driver.RunGeneratorsAndUpdateCompilation(input, out var output, out _);
        var result = driver.GetRunResult().Results.Single();
        if (result.Exception is not null) throw new InvalidOperationException("the generator threw out of the driver", result.Exception);

        var cells = cases.Select(c => new CellRecord(c)).ToList();
        // Generator diagnostics are rebuilt from cached data: their location names the file by path, with no tree.
        var inputPath = input.SyntaxTrees[0].FilePath;
        int CellOf(Location location) => location.GetLineSpan().Path == inputPath
            ? spans.FindIndex(s => s.Contains(location.SourceSpan.Start))
            : IndexOfFile(location.GetLineSpan().Path);

        var shapes = new Dictionary<string, int>(); // each new shape, and the cell compiled for it
        foreach (var generated in result.GeneratedSources)
        {
            var index = IndexOfFile(generated.HintName);
            cells[index].Accepted = true;
            if (CompiledCode.Shape(generated.SyntaxTree, TypeName(index)) is { } shape && (_compiled.Contains(shape) || !shapes.TryAdd(shape, index)))
                output = output.RemoveSyntaxTrees(generated.SyntaxTree);
        }
        foreach (var diagnostic in result.Diagnostics)
        {
            var cell = cells[CellOf(diagnostic.Location)];
            cell.Ids.Add(diagnostic.Id);
            if (diagnostic.Id == "RNN013") cell.Problems.Add("RNN013: " + diagnostic.GetMessage());
        }
        foreach (var error in output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error))
        {
            var index = CellOf(error.Location);
            if (index < 0) throw new InvalidOperationException("an error outside every cell: " + error);
            var cell = cells[index];
            if (cell.Accepted) cell.Problems.Add("compile error in accepted cell: " + Describe(error));
            else cell.Ids.Add("C# " + error.Id);
        }
        _compiled.Add(shapes.Where(p => cells[p.Value].Problems.Count == 0).Select(p => p.Key));
        return cells.Select(c => new CellOutcome(c.Case, c.Accepted, c.Ids, c.Problems)).ToList();
    }

    private static string TypeName(int index) => "F" + index;

    /// <summary>The cell of a generated file: the hint name is "Fuzz.F{i}.g.cs" (the path may have folders in front).</summary>
    private static int IndexOfFile(string? path)
    {
        var name = Path.GetFileName(path ?? "");
        const string prefix = "Fuzz.F", suffix = ".g.cs";
        if (!name.StartsWith(prefix, StringComparison.Ordinal) || !name.EndsWith(suffix, StringComparison.Ordinal))
            return -1;
        return int.Parse(name[prefix.Length..^suffix.Length], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The error with the generated line it points at, so the report shows the broken code.</summary>
    private static string Describe(Diagnostic error)
    {
        var line = error.Location.SourceTree is { } tree
            ? tree.GetText().Lines[error.Location.GetLineSpan().StartLinePosition.Line].ToString().Trim()
            : "";
        return $"{error} | line: {(line.Length > 300 ? line[..300] + "…" : line)}";
    }

    private sealed class CellRecord(FuzzCase fuzzCase)
    {
        public FuzzCase Case { get; } = fuzzCase;
        public bool Accepted { get; set; }
        public List<string> Ids { get; } = [];
        public List<string> Problems { get; } = [];
    }
}
