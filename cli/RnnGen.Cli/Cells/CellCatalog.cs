using System.Reflection;

namespace RnnGen.Cli.Cells;

/// <summary>A cell the commands can use: its metadata and its generated type (registered with <see cref="RecurrentCells"/>).</summary>
internal sealed record ResolvedCell(CellInfo Info, Type Type)
{
    public static ResolvedCell Of(Type cell) =>
        new((CellInfo)cell.GetProperty(nameof(IRecurrentCell.Info), BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!, cell);

    /// <summary>Calls a generic method of <paramref name="owner"/> with this cell as its type argument.</summary>
    public TResult Invoke<TResult>(Type owner, string method, params object[] arguments) =>
        (TResult)owner.GetMethod(method, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(Type).Invoke(null, arguments)!;
}

/// <summary>What `--cell` names: a built-in cell by its short name, or equations compiled at run time.</summary>
internal static class CellCatalog
{
    private static readonly Dictionary<string, Type> BuiltIn = new(StringComparer.OrdinalIgnoreCase)
    {
        ["lstm"] = typeof(Lstm),
        ["gru"] = typeof(Gru),
        ["rnn"] = typeof(SimpleRnnTanh),
        ["rnn-relu"] = typeof(SimpleRnnRelu),
        ["reset-before-gru"] = typeof(ResetBeforeGru),
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
        cell.Contains('=') ? CellCompiler.Compile(cell, "cell")
        : BuiltIn.TryGetValue(cell, out var type) ? ResolvedCell.Of(type)
        : throw new CliException($"unknown cell '{cell}'; use one of {string.Join(", ", BuiltIn.Keys)}, or equations such as \"h' = tanh(W x + U h + b)\".");
}
