using System.Text;

namespace RnnGen.Bench.Report;

/// <summary>RESULTS.md's section for BidirectionalBenchmarks: each implementation's 1- and 2-thread times and the speed-up
/// two threads give it, beside the other implementation's, measured in the same run.</summary>
internal static class BidirectionalSection
{
    public static void Write(StringBuilder md, List<Measurement> all)
    {
        var rows = all.Where(m => m.Type == nameof(BidirectionalBenchmarks)).ToList();
        if (rows.Count == 0) return;
        md.AppendLine("## Bidirectional LSTM: one thread and two");
        md.AppendLine();
        md.AppendLine("A bidirectional LSTM layer, batch-first, float32; with two threads RnnGen runs the two directions at once.");
        md.AppendLine();
        md.AppendLine("| B, I, H, T | pass | impl | 1 thread (ms) | 2 threads (ms) | speed-up | TorchSharp ÷ RnnGen (2 threads) |");
        md.AppendLine("|---|---|---|---:|---:|---:|---:|");
        foreach (var group in rows.GroupBy(m => (Size: m["Size"], m.Method)))
            foreach (var impl in new[] { "Ours", "Torch" })
            {
                double? Time(string implName, string threads) =>
                    group.FirstOrDefault(m => m["Impl"] == implName && m["Threads"] == threads)?.MedianMs;
                var (one, two) = (Time(impl, "1"), Time(impl, "2"));
                var ratio = impl == "Ours" ? ReportWriter.Format(Time("Torch", "2") / two, "0.00") : "";
                md.AppendLine($"| {Shape.Parse(group.Key.Size).Tuple.Trim('(', ')')} | {group.Key.Method} | {(impl == "Ours" ? "RnnGen" : "TorchSharp")} | " +
                    $"{ReportWriter.Format(one, "0.00")} | {ReportWriter.Format(two, "0.00")} | {ReportWriter.Format(one / two, "0.00")} | {ratio} |");
            }
        md.AppendLine();
    }
}
