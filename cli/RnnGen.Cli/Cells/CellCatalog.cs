namespace RnnGen.Cli.Cells;

/// <summary>What `--cell` names: a built-in cell by its short name, or equations compiled at run time.</summary>
internal static class CellCatalog
{
    private static readonly Dictionary<string, CellInfo> BuiltIn = new(StringComparer.OrdinalIgnoreCase)
    {
        ["lstm"] = Lstm.Info,
        ["gru"] = Gru.Info,
        ["rnn"] = SimpleRnnTanh.Info,
        ["rnn-relu"] = SimpleRnnRelu.Info,
        ["reset-before-gru"] = ResetBeforeGru.Info,
    };

    public static IEnumerable<string> BuiltInNames => BuiltIn.Keys;

    /// <summary>The cell `--cell`/`--cell-file` name: a short name or equations (a file's are read, so a checkpoint needs no file).</summary>
    public static string Text(string? cell, string? cellFile)
    {
        if (cellFile is null) return cell ?? "lstm";
        if (cell is not null) throw new CliException("give --cell or --cell-file, not both.");
        return File.Exists(cellFile) ? File.ReadAllText(cellFile) : throw new CliException($"no cell file '{cellFile}'.");
    }

    /// <summary>The cell's metadata, registered with <see cref="RecurrentCells"/>; equations (text with '=') are compiled.</summary>
    public static CellInfo Resolve(string cell) =>
        cell.Contains('=') ? CellCompiler.Compile(cell, "cell")
        : BuiltIn.TryGetValue(cell, out var info) ? info
        : throw new CliException($"unknown cell '{cell}'; use one of {string.Join(", ", BuiltIn.Keys)}, or equations such as \"h' = tanh(W x + U h + b)\".");
}
