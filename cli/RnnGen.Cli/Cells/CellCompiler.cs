using System.Diagnostics.CodeAnalysis;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using RnnGen.Generator;

namespace RnnGen.Cli.Cells;

/// <summary>
/// Compiles cell equations typed on the command line with the same source generator a build runs (Roslyn in-process,
/// emitted to memory), loads the cell and registers it with <see cref="RecurrentCells"/> under <see cref="TypeName"/>.
/// </summary>
internal static class CellCompiler
{
    public const string TypeName = "CustomCell";
    private const string Prefix = "[global::RnnGen.RecurrentCell(\"\"\"\n";
    private const string Suffix = "\n\"\"\")]\npublic partial struct " + TypeName + ";\n";
    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Preview);

    // One compilation per text: loading a checkpoint and then training it must not load two types named CustomCell.
    private static readonly Dictionary<string, ResolvedCell> Compiled = new(StringComparer.Ordinal);

    [RequiresDynamicCode("Compiles and loads an assembly at run time.")]
    [RequiresUnreferencedCode("Loads an assembly at run time and instantiates generic code over its cell.")]
    [RequiresAssemblyFiles("References the framework and runtime assemblies by their files.")]
    public static ResolvedCell Compile(string equations, string source)
    {
        if (Compiled.TryGetValue(equations, out var cell)) return cell;
        return Compiled[equations] = CompileNew(equations, source);
    }

    [RequiresDynamicCode("Compiles and loads an assembly at run time.")]
    [RequiresUnreferencedCode("Loads an assembly at run time and instantiates generic code over its cell.")]
    [RequiresAssemblyFiles("References the framework and runtime assemblies by their files.")]
    private static ResolvedCell CompileNew(string equations, string source)
    {
        var text = equations.Trim();
        if (text.Contains("\"\"\"", StringComparison.Ordinal)) throw new CliException($"{source}: a cell cannot contain \"\"\".");
        var compilation = CSharpCompilation.Create("RnnGen.CustomCell." + Guid.NewGuid().ToString("N"),
            [CSharpSyntaxTree.ParseText(Prefix + text + Suffix, ParseOptions)],
            References(), new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, optimizationLevel: OptimizationLevel.Release));
        CSharpGeneratorDriver.Create([new RecurrentCellGenerator().AsSourceGenerator()], parseOptions: ParseOptions).RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        Report(diagnostics, text, source);
        using var image = new MemoryStream();
        var emitted = output.Emit(image);
        Report(emitted.Diagnostics, text, source);
        image.Position = 0;
        return Register(AssemblyLoadContext.Default.LoadFromStream(image).GetType(TypeName)!);
    }

    [RequiresDynamicCode("Instantiates generic code over a type loaded at run time.")]
    [RequiresUnreferencedCode("Finds generic methods by name.")]
    private static ResolvedCell Register(Type cell)
    {
        typeof(RecurrentCells).GetMethod(nameof(RecurrentCells.Register))!.MakeGenericMethod(cell).Invoke(null, null);
        return (ResolvedCell)typeof(ResolvedCell).GetMethod(nameof(ResolvedCell.Of))!.MakeGenericMethod(cell).Invoke(null, null)!;
    }

    /// <summary>Errors as a compiler prints them, with a caret under the offending part of the equations; then stops.</summary>
    private static void Report(IEnumerable<Diagnostic> diagnostics, string text, string source)
    {
        var errors = diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (errors.Count == 0) return;
        var lines = text.Split('\n');
        foreach (var error in errors)
        {
            var offset = Math.Clamp(error.Location.SourceSpan.Start - Prefix.Length, 0, text.Length);
            var line = text[..offset].Count(c => c == '\n');
            var column = offset - (text.LastIndexOf('\n', Math.Max(offset - 1, 0)) + 1);
            if (offset == 0) column = 0;
            var width = Math.Clamp(error.Location.SourceSpan.Length, 1, Math.Max(1, lines[line].Length - column));
            Console.Error.WriteLine($"{source}({line + 1},{column + 1}): error {error.Id}: {error.GetMessage()}");
            Console.Error.WriteLine("    " + lines[line].TrimEnd('\r'));
            Console.Error.WriteLine("    " + new string(' ', column) + new string('^', width));
        }
        throw new CliException($"{source}: the cell has {errors.Count} error(s).");
    }

    [RequiresAssemblyFiles("References the framework and runtime assemblies by their files.")]
    private static MetadataReference[] References()
    {
        var trusted = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        var framework = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        return trusted.Where(p => Path.GetDirectoryName(p) == framework)
            .Append(typeof(CellInfo).Assembly.Location)
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToArray();
    }
}
