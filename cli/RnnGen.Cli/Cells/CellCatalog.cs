using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace RnnGen.Cli.Cells;

/// <summary>What a command runs with a cell's concrete type (a generic visitor: no reflection, so NativeAOT-safe).</summary>
internal interface ICellFunction<out TResult>
{
    TResult Run<TCell>() where TCell : IRecurrentCell;
}

/// <summary>A cell the commands can use: its metadata, and a way to run code with its type.</summary>
internal abstract record ResolvedCell(CellInfo Info)
{
    public static ResolvedCell Of<TCell>() where TCell : IRecurrentCell => new Typed<TCell>();

    public abstract TResult Accept<TResult>(ICellFunction<TResult> function);

    private sealed record Typed<TCell>() : ResolvedCell(TCell.Info) where TCell : IRecurrentCell
    {
        public override TResult Accept<TResult>(ICellFunction<TResult> function) => function.Run<TCell>();
    }
}

/// <summary>What `--cell` names: a built-in cell by its short name, or equations compiled at run time.</summary>
internal static class CellCatalog
{
    private static readonly Dictionary<string, Func<ResolvedCell>> BuiltIn = new(StringComparer.OrdinalIgnoreCase)
    {
        ["lstm"] = ResolvedCell.Of<Lstm>,
        ["gru"] = ResolvedCell.Of<Gru>,
        ["rnn"] = ResolvedCell.Of<SimpleRnnTanh>,
        ["rnn-relu"] = ResolvedCell.Of<SimpleRnnRelu>,
        ["reset-before-gru"] = ResolvedCell.Of<ResetBeforeGru>,
        ["indrnn"] = ResolvedCell.Of<IndRnn>,
        ["mgu"] = ResolvedCell.Of<Mgu>,
        ["slstm"] = ResolvedCell.Of<SLstm>,
        ["mingru"] = ResolvedCell.Of<MinGru>,
        ["minlstm"] = ResolvedCell.Of<MinLstm>,
    };

    public static IEnumerable<string> BuiltInNames => BuiltIn.Keys;

    /// <summary>The cell `--cell`/`--cell-file` name: a short name or equations (a file's are read, so a checkpoint needs no file).</summary>
    public static string Text(string? cell, string? cellFile)
    {
        if (cellFile is null) return cell ?? "lstm";
        if (cell is not null) throw new CliException("give --cell or --cell-file, not both.");
        return File.Exists(cellFile) ? File.ReadAllText(cellFile) : throw new CliException($"no cell file '{cellFile}'.");
    }

    /// <summary>A built-in cell by name, or equations (text with '=') compiled and registered.</summary>
    public static ResolvedCell Resolve(string cell) =>
        cell.Contains('=') ? Compile(cell)
        : BuiltIn.TryGetValue(cell, out var create) ? create()
        : throw new CliException($"unknown cell '{cell}'; use one of {string.Join(", ", BuiltIn.Keys)}, or equations such as \"h' = tanh(W x + U h + b)\".");

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Reached only where dynamic code is supported: the JIT build, which is not trimmed.")]
    [UnconditionalSuppressMessage("SingleFile", "IL3002", Justification = "Reached only in the JIT build, which is not a single file.")]
    private static ResolvedCell Compile(string equations) =>
        RuntimeFeature.IsDynamicCodeSupported
            ? CellCompiler.Compile(equations, "cell")
            : throw new CliException("custom cells from the command line need the JIT build (this one is NativeAOT).");
}
