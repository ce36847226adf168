using System.Globalization;
using System.Text;

namespace RnnGen.Bench.Report;

/// <summary>RESULTS.md's sections for the end-to-end char-LM step and the batch-1 streaming rows.</summary>
internal static class EndToEndSection
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static void Write(StringBuilder md, List<Measurement> all)
    {
        WriteCharLm(md, all.Where(m => m.Type == nameof(EndToEndBenchmarks)).ToList());
        WriteStreaming(md, all.Where(m => m.Type == nameof(StreamingBenchmarks)).ToList(),
            all.Where(m => m.Type == nameof(StreamingSessionBenchmarks)).ToList());
    }

    private static void WriteCharLm(StringBuilder md, List<Measurement> rows)
    {
        if (rows.Count == 0) return;
        md.AppendLine("## End to end: char-level LM training step");
        md.AppendLine();
        md.AppendLine($"Embedding({EndToEndBenchmarks.Vocabulary}, {EndToEndBenchmarks.EmbeddingSize}) → {EndToEndBenchmarks.Layers} × LSTM {EndToEndBenchmarks.Hidden} → Dense → softmax cross-entropy → Adam, " +
            $"B = {EndToEndBenchmarks.Batch}, T = {EndToEndBenchmarks.Steps}, float32, one thread (quick mode shrinks B and T).");
        md.AppendLine();
        md.AppendLine("| implementation | ms per step | tokens/s |");
        md.AppendLine("|---|---:|---:|");
        var tokens = EndToEndBenchmarks.Batch * EndToEndBenchmarks.Steps;
        foreach (var m in rows)
            md.AppendLine($"| {m["Impl"]} | {m.MedianMs.ToString("0.00", Inv)} | {(tokens / (m.MedianNs * 1e-9)).ToString("N0", Inv)} |");
        if (Median(rows, "Torch") is double torch && Median(rows, "Ours") is double ours)
            md.AppendLine().AppendLine($"RnnGen ÷ TorchSharp tokens/s: **{(torch / ours).ToString("0.00", Inv)}×**.");
        md.AppendLine();
    }

    private static void WriteStreaming(StringBuilder md, List<Measurement> rows, List<Measurement> sessions)
    {
        if (rows.Count == 0 && sessions.Count == 0) return;
        md.AppendLine("## Batch 1 streaming inference (100 steps, I = H)");
        md.AppendLine();
        md.AppendLine("RnnGen: a CellSequence; session fp32 / bf16: an inference session with RecurrentOptions.InferenceRecurrentWeights");
        md.AppendLine("Full / BFloat16. Threads: Gemm.MaxThreads and torch.set_num_threads.");
        md.AppendLine();
        md.AppendLine("| cell | B, I, H, T | threads | RnnGen (ms) | session fp32 (ms) | session bf16 (ms) | TorchSharp (ms) | TorchSharp ÷ RnnGen | µs per step (RnnGen) |");
        md.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var group in rows.Concat(sessions).GroupBy(m => (Cell: m["Cell"], Size: m["Size"], Threads: m["Threads"])))
        {
            double? Time(string key, string value) => group.FirstOrDefault(m => m[key] == value)?.MedianMs;
            var (ours, torch) = (Time("Impl", "Ours"), Time("Impl", "Torch"));
            var shape = Shape.Parse(group.Key.Size);
            md.AppendLine($"| {group.Key.Cell} | {shape.Tuple.Trim('(', ')')} | {group.Key.Threads} | {ReportWriter.Format(ours, "0.000")} | " +
                $"{ReportWriter.Format(Time("Weights", "Full"), "0.000")} | {ReportWriter.Format(Time("Weights", "BFloat16"), "0.000")} | " +
                $"{ReportWriter.Format(torch, "0.000")} | {ReportWriter.Format(torch / ours, "0.00")} | {ReportWriter.Format(ours * 1000 / shape.Steps, "0.0")} |");
        }
        md.AppendLine();
    }

    private static double? Median(List<Measurement> rows, string impl) => rows.FirstOrDefault(m => m["Impl"] == impl)?.MedianNs;
}
