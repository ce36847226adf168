using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RnnGen.Generator;
using RnnGen.Tests.Generator;

namespace RnnGen.Tests.Docs;

/// <summary>
/// One ```csharp block of a Markdown file. <paramref name="Setup"/> is C# from the directive comment before it
/// (<see cref="Snippets"/>), compiled in front of the block but not shown by Markdown viewers.
/// </summary>
internal sealed record Snippet(string File, int Line, string Code, string Setup, int SetupLine, bool Runs)
{
    public override string ToString() => $"{Path.GetFileName(File)} line {Line}";
}

/// <summary>
/// Extracts, compiles and runs the C# snippets of a Markdown file. Conventions:
/// <list type="bullet">
/// <item>every ```csharp block is a program's top-level code (statements, then types such as a [RecurrentCell]
/// partial struct), compiled with the SDK's implicit usings, against the runtime, with the RnnGen generators; then run;</item>
/// <item><c>&lt;!-- snippet: compile-only --&gt;</c> on the line before the fence: compiled, not run (it needs files);</item>
/// <item>lines after the mode, up to <c>--&gt;</c>, are hidden setup: C# compiled in front of the block (its usings
/// hoisted), to declare what a block uses without showing it, e.g. <c>&lt;!-- snippet: run</c>, <c>var input = new float[8];</c>,
/// <c>--&gt;</c> (the closing <c>--&gt;</c> alone on the line before the fence).</item>
/// </list>
/// Errors point at README lines (the generated program carries #line directives).
/// </summary>
internal static class Snippets
{
    private const string Directive = "<!-- snippet:";

    /// <summary>The RnnGen.Onnx package, which docs/onnx.md uses beside the runtime.</summary>
    private static readonly MetadataReference OnnxPackage = MetadataReference.CreateFromFile(typeof(RnnGen.Onnx.OnnxExport).Assembly.Location);

    private static readonly string ImplicitUsings = string.Concat(
        new[] { "System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Net.Http", "System.Threading", "System.Threading.Tasks" }
            .Select(n => $"global using {n};\n"));

    public static IReadOnlyList<Snippet> Read(string markdownFile) => Parse(File.ReadAllLines(markdownFile), markdownFile);

    /// <summary>The csharp blocks of <paramref name="lines"/>; line numbers are 1-based.</summary>
    public static IReadOnlyList<Snippet> Parse(IReadOnlyList<string> lines, string file)
    {
        var snippets = new List<Snippet>();
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i].Trim() != "```csharp") continue;
            var end = i + 1;
            while (end < lines.Count && lines[end].Trim() != "```") end++;
            if (end == lines.Count) throw new InvalidDataException($"{file} line {i + 1}: the csharp block is never closed.");
            var (runs, setup, setupLine) = ReadDirective(lines, i, file);
            snippets.Add(new Snippet(file, i + 2, string.Join('\n', lines.Skip(i + 1).Take(end - i - 1)), setup, setupLine, runs));
            i = end;
        }
        return snippets;
    }

    /// <summary>The directive comment ending on the line before the fence at <paramref name="fence"/>, if any.</summary>
    private static (bool Runs, string Setup, int SetupLine) ReadDirective(IReadOnlyList<string> lines, int fence, string file)
    {
        if (fence == 0 || !lines[fence - 1].TrimEnd().EndsWith("-->", StringComparison.Ordinal)) return (true, "", 0);
        var start = fence - 1;
        while (start > 0 && !lines[start].Contains("<!--", StringComparison.Ordinal)) start--;
        var opening = lines[start].Trim();
        if (!opening.StartsWith(Directive, StringComparison.Ordinal)) return (true, "", 0);
        var mode = opening[Directive.Length..].Replace("-->", "").Trim();
        var runs = mode switch
        {
            "run" => true,
            "compile-only" => false,
            _ => throw new InvalidDataException($"{file} line {start + 1}: unknown snippet mode '{mode}'; use 'run' or 'compile-only'."),
        };
        if (start < fence - 1 && lines[fence - 1].Trim() != "-->")
            throw new InvalidDataException($"{file} line {fence}: a snippet's setup ends with '-->' on a line of its own.");
        var setup = string.Join('\n', lines.Skip(start + 1).Take(fence - 2 - start));
        return (runs, setup, start + 2);
    }

    /// <summary>The snippet as a program, with the RnnGen generators' output added.</summary>
    public static Compilation Compile(Snippet snippet)
    {
        var parts = new[] { Parse(snippet.Setup, snippet.SetupLine, snippet.File), Parse(snippet.Code, snippet.Line, snippet.File) };
        var usings = parts.SelectMany(p => p.Usings);
        var members = parts.SelectMany(p => p.Members).ToList();
        var program = string.Concat(usings.Concat(members.Select(m => m.Text)));
        var kind = members.Any(m => m.IsStatement) ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary;
        var compilation = CSharpCompilation.Create("Snippet_" + Guid.NewGuid().ToString("N"),
            [GeneratorHarness.Parse(ImplicitUsings, "ImplicitUsings.cs"), GeneratorHarness.Parse(program, snippet.File)],
            [.. GeneratorHarness.References, OnnxPackage],
            new CSharpCompilationOptions(kind, nullableContextOptions: NullableContextOptions.Enable, optimizationLevel: OptimizationLevel.Release));
        var generators = new[] { new RecurrentCellGenerator().AsSourceGenerator(), new RecurrentModelGenerator().AsSourceGenerator() };
        CSharpGeneratorDriver.Create(generators, parseOptions: GeneratorHarness.ParseOptions)
            .RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        return output;
    }

    public static IReadOnlyList<Diagnostic> Errors(Compilation compilation) =>
        compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();

    /// <summary>A part's usings and its members (statements and types, in order), each behind a #line pointing at the file.</summary>
    private static (IEnumerable<string> Usings, IEnumerable<(string Text, bool IsStatement)> Members) Parse(string code, int firstLine, string file)
    {
        var unit = (CompilationUnitSyntax)GeneratorHarness.Parse(code, file).GetRoot();
        string At(SyntaxNode node) =>
            $"#line {firstLine + node.GetLocation().GetLineSpan().StartLinePosition.Line} \"{file}\"\n{node}\n";
        return (unit.Usings.Select(At), unit.Members.Select(m => (At(m), m is GlobalStatementSyntax)));
    }

    /// <summary>
    /// Emits the compilation, loads it into a collectible context and runs its entry point (if it has one) on a worker
    /// thread; an exception or a run longer than <paramref name="timeout"/> fails, naming the snippet.
    /// </summary>
    public static void Run(Snippet snippet, Compilation compilation, TimeSpan timeout)
    {
        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        if (!emitted.Success) throw new InvalidOperationException($"{snippet}: emit failed: {string.Join('\n', emitted.Diagnostics)}");
        image.Position = 0;
        var context = new AssemblyLoadContext(compilation.AssemblyName, isCollectible: true);
        try
        {
            var entry = context.LoadFromStream(image).EntryPoint;
            if (entry is null) return;
            object?[] arguments = entry.GetParameters().Length == 0 ? [] : [Array.Empty<string>()];
            var run = Task.Run(() => entry.Invoke(null, arguments));
            if (!run.Wait(timeout)) throw new TimeoutException($"{snippet}: still running after {timeout.TotalSeconds} s.");
        }
        catch (AggregateException e) when (e.InnerException is TargetInvocationException { InnerException: { } thrown })
        {
            throw new InvalidOperationException($"{snippet} threw {thrown.GetType().Name}: {thrown.Message}", thrown);
        }
        finally
        {
            context.Unload();
        }
    }
}
