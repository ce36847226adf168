using System.Text.Json;

namespace RnnGen.Bench.Report;

/// <summary>One benchmark case as BenchmarkDotNet's brief JSON exporter wrote it. Times in nanoseconds.</summary>
public sealed record Measurement(
    string Type, string Method, IReadOnlyDictionary<string, string> Parameters,
    double MedianNs, double MeanNs, double StdDevNs, int Samples, long? BytesAllocated)
{
    public string this[string parameter] => Parameters.TryGetValue(parameter, out var v) ? v : "";
    public double MedianMs => MedianNs / 1e6;

    /// <summary>Reads every *-report-brief.json in a results folder.</summary>
    public static List<Measurement> Load(string folder)
    {
        var all = new List<Measurement>();
        foreach (var file in Directory.EnumerateFiles(folder, "*-report-brief.json").Order(StringComparer.Ordinal))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            if (!doc.RootElement.TryGetProperty("Benchmarks", out var benchmarks)) continue;
            foreach (var b in benchmarks.EnumerateArray())
            {
                // A case that failed has no statistics; it is left out (and said so by the count in the report).
                if (!b.TryGetProperty("Statistics", out var stats) || stats.ValueKind != JsonValueKind.Object) continue;
                long? bytes = b.TryGetProperty("Memory", out var memory) && memory.ValueKind == JsonValueKind.Object
                    && memory.TryGetProperty("BytesAllocatedPerOperation", out var bpo) && bpo.ValueKind == JsonValueKind.Number
                    ? bpo.GetInt64() : null;
                all.Add(new Measurement(
                    Text(b, "Type"), Text(b, "Method"), ParseParameters(Text(b, "Parameters")),
                    Number(stats, "Median"), Number(stats, "Mean"), Number(stats, "StandardDeviation"),
                    (int)Number(stats, "N"), bytes));
            }
        }
        return all;
    }

    /// <summary>"Size=1x32x32x100&amp;Cell=Lstm&amp;Impl=Ours" → a dictionary.</summary>
    private static Dictionary<string, string> ParseParameters(string text) =>
        text.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1].Trim('"'));

    private static string Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : "";

    // BenchmarkDotNet writes NaN statistics as empty strings.
    private static double Number(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : double.NaN;
}
