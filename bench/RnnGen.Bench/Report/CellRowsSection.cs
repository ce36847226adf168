using System.Globalization;
using System.Text;

namespace RnnGen.Bench.Report;

/// <summary>RESULTS.md's sections for the cells compared with the built-in LSTM at one size (BuiltInCellBenchmarks,
/// LayerNormBenchmarks): each row's time and its ratio to the LSTM's, measured in the same run.</summary>
internal static class CellRowsSection
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static void Write(StringBuilder md, List<Measurement> all)
    {
        Write(md, all.Where(m => m.Type == nameof(BuiltInCellBenchmarks)).ToList(), "Built-in cells: train step beside the LSTM",
            "IndRnn, Mgu, SLstm, MinLstm, LayerNormGru and Lstmp (P = H/2); float32, one thread.");
        Write(md, all.Where(m => m.Type == nameof(LayerNormBenchmarks)).ToList(), "LayerNorm-LSTM: train step beside the LSTM",
            "RnnGen's LayerNormLstm against the plain LSTM and a TorchSharp step loop of the same cell; float32, one thread.");
    }

    private static void Write(StringBuilder md, List<Measurement> rows, string title, string what)
    {
        if (rows.Count == 0) return;
        md.AppendLine($"## {title}").AppendLine().AppendLine(what).AppendLine();
        md.AppendLine("| B, I, H, T | cell | ms | ÷ LSTM |");
        md.AppendLine("|---|---|---:|---:|");
        foreach (var size in rows.GroupBy(m => m["Size"]))
        {
            var lstm = size.FirstOrDefault(m => m["Cell"] == "Lstm")?.MedianMs;
            foreach (var m in size)
                md.AppendLine($"| {Shape.Parse(size.Key).Tuple.Trim('(', ')')} | {m["Cell"]} | {m.MedianMs.ToString("0.00", Inv)} | " +
                    $"{ReportWriter.Format(m.MedianMs / lstm, "0.00")} |");
        }
        md.AppendLine();
    }
}
