using System.Globalization;
using System.Text;
using System.Text.Json;

namespace RnnGen.Bench.Report;

/// <summary>
/// Turns BenchmarkDotNet's results folder (the brief JSON exporter's files plus rnngen-run-info.json) into
/// bench/RESULTS.md and the ratio chart bench/results.png.
/// </summary>
public static class ReportWriter
{
    /// <summary>One core's fp32 FMA peak on the reference machine (design.md §5).</summary>
    public const double PeakGflops = 250;

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private static readonly string[] Modes = ["Train", "Inference"];

    public static bool Write(string results, string markdownPath, string chartPath, TextWriter log)
    {
        if (!Directory.Exists(results))
        {
            log.WriteLine($"Report: no results folder {results}; run the benchmarks first.");
            return false;
        }
        var all = Measurement.Load(results);
        if (all.Count == 0)
        {
            log.WriteLine($"Report: no *-report-brief.json with measurements in {results}.");
            return false;
        }
        var infoPath = Path.Combine(results, RunInfo.FileName);
        var info = File.Exists(infoPath) ? JsonSerializer.Deserialize<RunInfo>(File.ReadAllText(infoPath), Program.Json) : null;

        var grid = all.Where(m => m.Type == nameof(RnnBenchmarks)).ToList();
        var peephole = all.Where(m => m.Type == nameof(PeepholeBenchmarks)).ToList();
        var threads = all.Where(m => m.Type == nameof(ThreadBenchmarks)).ToList();
        var scan = all.Where(m => m.Type is nameof(ScanBenchmarks) or nameof(LongSequenceBenchmarks)).ToList();
        var sizes = Grid.Full.Concat(grid.Select(m => m["Size"])).Distinct()
            .Where(s => grid.Any(m => m["Size"] == s)).ToList();

        double? Time(string cell, string size, string mode, string impl) =>
            grid.FirstOrDefault(m => m["Cell"] == cell && m["Size"] == size && m.Method == mode && m["Impl"] == impl)?.MedianMs;
        double? Ratio(string cell, string size, string mode) =>
            Time(cell, size, mode, "Torch") is double t && Time(cell, size, mode, "Ours") is double o ? t / o : null;

        var md = new StringBuilder();
        var chartName = Path.GetFileName(chartPath);
        md.AppendLine("# RnnGen benchmarks: generated kernels vs a naive C# reference vs PyTorch (TorchSharp)");
        md.AppendLine();
        md.AppendLine("Regenerate this page from the last run's BenchmarkDotNet output with");
        md.AppendLine("`dotnet run -c Release --project bench/RnnGen.Bench -- --report`; run everything again with");
        md.AppendLine("`dotnet run -c Release --project bench/RnnGen.Bench` (see bench/README.md). Do not edit by hand.");
        md.AppendLine();
        WriteMachine(md, info, all);
        WriteTargets(md, grid, peephole, threads, Time, Ratio);
        RoundTwoTargetsSection.Write(md, all);

        md.AppendLine("## TorchSharp time ÷ our time");
        md.AppendLine();
        md.AppendLine("Above 1 RnnGen is faster. Single thread, float32, median of the measured iterations.");
        md.AppendLine();
        md.AppendLine($"![TorchSharp time / RnnGen time]({chartName})");
        md.AppendLine();
        var cells = Enum.GetNames<CellKind>();
        md.AppendLine("| B, I, H, T | " + string.Join(" | ", cells.SelectMany(c => Modes.Select(m => $"{Label(c)} {ModeLabel(m)}"))) + " |");
        md.AppendLine("|---|" + string.Concat(Enumerable.Repeat("---:|", cells.Length * Modes.Length)));
        foreach (var size in sizes)
            md.AppendLine($"| {Tuple(size)} | " + string.Join(" | ", cells.SelectMany(c => Modes.Select(m => Format(Ratio(c, size, m), "0.00")))) + " |");
        md.AppendLine();

        md.AppendLine("## Every measurement");
        md.AppendLine();
        md.AppendLine("Time is the median per call. GFLOP/s counts 2·B·T·(I+H)·G·H per inference call and 3× that per train step");
        md.AppendLine($"(G = 4 LSTM, 3 GRU, 1 RNN; elementwise work not counted); % peak is of one core's {PeakGflops:0} GFLOP/s.");
        md.AppendLine("\"TorchSharp ÷ this\" is TorchSharp's time over this row's time. Allocated is managed bytes per call after");
        md.AppendLine("warm-up (BenchmarkDotNet's MemoryDiagnoser; libtorch's native allocations are not visible to it).");
        md.AppendLine();
        foreach (var cell in cells)
        {
            md.AppendLine($"### {Label(cell)}");
            md.AppendLine();
            md.AppendLine("| B, I, H, T | mode | implementation | time (ms) | GFLOP/s | % peak | TorchSharp ÷ this | allocated |");
            md.AppendLine("|---|---|---|---:|---:|---:|---:|---:|");
            foreach (var size in sizes)
                foreach (var mode in Modes)
                    foreach (var impl in Enum.GetNames<Impl>())
                    {
                        var m = grid.FirstOrDefault(x => x["Cell"] == cell && x["Size"] == size && x.Method == mode && x["Impl"] == impl);
                        var shape = Shape.Parse(size);
                        if (m is null)
                        {
                            md.AppendLine($"| {Tuple(size)} | {ModeLabel(mode)} | {ImplLabel(impl)} | {Missing(info, cell, size, mode, impl)} | | | | |");
                            continue;
                        }
                        var gflops = shape.Flops(Enum.Parse<CellKind>(cell), mode == "Train") / (m.MedianNs * 1e-9) / 1e9;
                        var vsTorch = Time(cell, size, mode, "Torch") is double t ? t / m.MedianMs : (double?)null;
                        md.AppendLine($"| {Tuple(size)} | {ModeLabel(mode)} | {ImplLabel(impl)} | {Ms(m.MedianMs)} | {gflops.ToString("0.0", Inv)} | " +
                            $"{(gflops / PeakGflops * 100).ToString("0", Inv)} % | {Format(vsTorch, "0.00")} | {Bytes(m.BytesAllocated)} |");
                    }
            md.AppendLine();
        }

        WritePeephole(md, peephole);
        WriteThreads(md, threads, Time);
        WriteScan(md, scan);
        EndToEndSection.Write(md, all);
        BidirectionalSection.Write(md, all);
        CellRowsSection.Write(md, all);
        WriteNotes(md, info, all);
        AppendHandMeasured(md, markdownPath);

        File.WriteAllText(markdownPath, md.ToString());
        var subtitle = info is null ? "" : $"{info.Machine.Cpu}, 1 thread, float32";
        var series = cells.SelectMany(c => Modes.Select(m => new Chart.Series($"{Label(c)} {ModeLabel(m)}",
            sizes.Select(s => Ratio(c, s, m)).ToList()))).ToList();
        if (series.Any(s => s.Ratios.Any(r => r is not null)))
            Chart.Write(chartPath, sizes.Select(s => s).ToList(), series, subtitle);
        else
            log.WriteLine("Report: no TorchSharp and RnnGen pair to chart; the chart was not written.");
        log.WriteLine($"Report: {all.Count} measurements from {results} -> {markdownPath}, {chartPath}");
        return true;
    }

    private static void WriteMachine(StringBuilder md, RunInfo? info, List<Measurement> all)
    {
        md.AppendLine("## Machine and run");
        md.AppendLine();
        if (info is not null)
        {
            md.AppendLine($"- CPU: **{info.Machine.Cpu}** (/proc/cpuinfo model name), {info.Machine.Cores} cores, {info.Machine.Vectors}");
            md.AppendLine($"- Runtime: {info.Machine.DotNet} on {info.Machine.Os}; BenchmarkDotNet 0.15.8; TorchSharp-cpu 0.107.0 (libtorch 2.10)");
            md.AppendLine($"- Run started {info.Started.ToString("yyyy-MM-dd HH:mm zzz", Inv)}; job: {info.Job}{(info.Quick ? " — **quick mode: times are single cold calls, not measurements**" : "")}");
            md.AppendLine($"- Load average (1, 5, 15 min) at the start {info.LoadAtStart}, at the end {info.LoadAtEnd ?? "?"} (2 cores: near 0 means a quiet machine)");
            if (info.FmaPeakGflops is double peak)
                md.AppendLine($"- One core's fp32 FMA throughput, measured at the start (12 independent Vector512 chains): **{peak.ToString("0", Inv)} GFLOP/s**; " +
                    $"\"% peak\" below is of the nominal {PeakGflops:0} GFLOP/s the targets were set with (of the measured one: × {(PeakGflops / peak).ToString("0.00", Inv)})");
            md.AppendLine($"- TorchSharp: {(info.TorchAvailable ? "loaded, `torch.set_num_threads(1)` (2 in the two-thread table)" : "**unavailable: " + info.TorchStatus + "**")}");
        }
        else
            md.AppendLine($"- (no {RunInfo.FileName} in the results folder: machine unknown)");
        md.AppendLine($"- Single thread unless said: RnnGen `Gemm.MaxThreads = 1`; {all.Count} benchmark cases in this report");
        md.AppendLine();
    }

    private static void WriteTargets(StringBuilder md, List<Measurement> grid, List<Measurement> peephole, List<Measurement> threads,
        Func<string, string, string, string, double?> time, Func<string, string, string, double?> ratio)
    {
        md.AppendLine("## Targets of issue 5");
        md.AppendLine();
        md.AppendLine("| target | measured | met |");
        md.AppendLine("|---|---|---|");
        var cells = Enum.GetNames<CellKind>();
        foreach (var (size, goal) in new[] { ("1x32x32x100", 3.0), ("8x64x64x100", 3.0), ("32x64x128x50", 1.0), ("32x256x256x50", 1.0), ("64x512x512x50", 0.9) })
        {
            var found = cells.Select(c => (c, r: ratio(c, size, "Train"))).Where(x => x.r is not null).ToList();
            if (found.Count == 0) continue;
            var text = string.Join(", ", found.Select(x => $"{Label(x.c)} {x.r!.Value.ToString("0.00", Inv)}"));
            md.AppendLine($"| TorchSharp ÷ ours ≥ {goal:0.0} at {Tuple(size)}, train | {text} | {Verdict(found.All(x => x.r >= goal), found.Count(x => x.r >= goal), found.Count)} |");
        }
        if (time("Lstm", "64x512x512x50", "Train", "Ours") is double lstm)
        {
            var gflops = Shape.Parse("64x512x512x50").Flops(CellKind.Lstm, true) / (lstm * 1e-3) / 1e9;
            md.AppendLine($"| our LSTM train ≥ 125 GFLOP/s at (64, 512, 512, 50) | {gflops.ToString("0", Inv)} GFLOP/s ({Ms(lstm)} ms) | {Verdict(gflops >= 125)} |");
        }
        foreach (var size in peephole.Select(m => m["Size"]).Distinct())
        {
            var p = peephole.FirstOrDefault(m => m["Size"] == size && m["Cell"] == nameof(PeepholeBenchmarks.Variant.PeepholeLstm));
            var b = peephole.FirstOrDefault(m => m["Size"] == size && m["Cell"] == nameof(PeepholeBenchmarks.Variant.BuiltInLstm));
            if (p is null || b is null) continue;
            var r = p.MedianNs / b.MedianNs;
            md.AppendLine($"| peephole LSTM (declared in bench/) ≤ 1.15 × built-in LSTM at {Tuple(size)}, train | {r.ToString("0.00", Inv)} × | {Verdict(r <= 1.15)} |");
        }
        var ours = grid.Where(m => m["Impl"] == "Ours" && m.BytesAllocated is not null).ToList();
        if (ours.Count > 0)
        {
            var allocating = ours.Where(m => m.BytesAllocated > 0).ToList();
            var text = allocating.Count == 0
                ? $"0 B in all {ours.Count} cases"
                : $"{allocating.Count} of {ours.Count} cases allocate: " + string.Join(", ", allocating.Take(6).Select(m => $"{m["Cell"]} {m.Method} {m["Size"]} {Bytes(m.BytesAllocated)}"));
            md.AppendLine($"| 0 bytes allocated per inference call and train step (ours, after warm-up) | {text} | {Verdict(allocating.Count == 0)} |");
        }
        var two = threads.FirstOrDefault(m => m["Impl"] == "Ours");
        if (two is not null && time("Lstm", two["Size"], "Train", "Ours") is double one)
        {
            var speedup = one / two.MedianMs;
            md.AppendLine($"| two threads ≥ 1.6 × one thread, LSTM train at {Tuple(two["Size"])} | {speedup.ToString("0.00", Inv)} × ({Ms(one)} → {Ms(two.MedianMs)} ms) | {Verdict(speedup >= 1.6)} |");
        }
        md.AppendLine();
    }

    private static void WritePeephole(StringBuilder md, List<Measurement> peephole)
    {
        if (peephole.Count == 0) return;
        md.AppendLine("## A cell declared only in the language: peephole LSTM vs built-in LSTM (train step, ours)");
        md.AppendLine();
        md.AppendLine("The peephole LSTM (`bench/RnnGen.Bench/PeepholeLstm.cs`) adds p ⊙ c terms to three gates; its output gate");
        md.AppendLine("reads the new cell state c'. GFLOP/s counts the same matrix work as the LSTM.");
        md.AppendLine();
        md.AppendLine("| B, I, H, T | built-in LSTM (ms) | peephole LSTM (ms) | peephole ÷ built-in | peephole GFLOP/s | allocated |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (var size in peephole.Select(m => m["Size"]).Distinct())
        {
            var p = peephole.FirstOrDefault(m => m["Size"] == size && m["Cell"] == nameof(PeepholeBenchmarks.Variant.PeepholeLstm));
            var b = peephole.FirstOrDefault(m => m["Size"] == size && m["Cell"] == nameof(PeepholeBenchmarks.Variant.BuiltInLstm));
            var gflops = p is null ? null : (double?)(Shape.Parse(size).Flops(CellKind.Lstm, true) / (p.MedianNs * 1e-9) / 1e9);
            md.AppendLine($"| {Tuple(size)} | {Ms(b?.MedianMs)} | {Ms(p?.MedianMs)} | {Format(p is not null && b is not null ? p.MedianNs / b.MedianNs : null, "0.00")} | " +
                $"{Format(gflops, "0.0")} | {Bytes(p?.BytesAllocated)} |");
        }
        md.AppendLine();
    }

    private static void WriteThreads(StringBuilder md, List<Measurement> threads, Func<string, string, string, string, double?> time)
    {
        if (threads.Count == 0) return;
        md.AppendLine($"## Two threads: LSTM train step");
        md.AppendLine();
        md.AppendLine("RnnGen with `Gemm.MaxThreads = 2`, TorchSharp with `torch.set_num_threads(2)`; the one-thread times are the main grid's.");
        md.AppendLine("% peak is of one core.");
        md.AppendLine();
        md.AppendLine("| B, I, H, T | implementation | 1 thread (ms) | 2 threads (ms) | speed-up | GFLOP/s (2 threads) | % of one core |");
        md.AppendLine("|---|---|---:|---:|---:|---:|---:|");
        foreach (var m in threads)
        {
            var one = time("Lstm", m["Size"], "Train", m["Impl"]);
            var gflops = Shape.Parse(m["Size"]).Flops(CellKind.Lstm, true) / (m.MedianNs * 1e-9) / 1e9;
            md.AppendLine($"| {Tuple(m["Size"])} | {ImplLabel(m["Impl"])} | {Ms(one)} | {Ms(m.MedianMs)} | {Format(one / m.MedianMs, "0.00")} | " +
                $"{gflops.ToString("0", Inv)} | {(gflops / PeakGflops * 100).ToString("0", Inv)} % |");
        }
        md.AppendLine();
    }

    private static void WriteScan(StringBuilder md, List<Measurement> scan)
    {
        if (scan.Count == 0) return;
        md.AppendLine("## Parallel in time: MinGru with the scan schedule (train step)");
        md.AppendLine();
        md.AppendLine("[docs/parallel-scan.md](../docs/parallel-scan.md). MinGru against the built-in Gru at the same size, against TorchSharp's");
        md.AppendLine("minGRU written as the paper's log-space reference (`cumsum`/`logcumsumexp`), and with `Gemm.MaxThreads = 2`;");
        md.AppendLine("the long-sequence row checks its memory against the workspace formula before it is timed.");
        md.AppendLine();
        md.AppendLine("| B, I, H, T | row | median (ms) | ÷ MinGru, 1 thread |");
        md.AppendLine("|---|---|---:|---:|");
        foreach (var m in scan)
        {
            var row = m.Type == nameof(LongSequenceBenchmarks) ? "MinGru, long sequence" : m["Variant"];
            var mine = scan.FirstOrDefault(o => o["Size"] == m["Size"] && o.Type == nameof(ScanBenchmarks) && o["Variant"] == nameof(ScanBenchmarks.Row.MinGru1Thread));
            md.AppendLine($"| {Tuple(m["Size"])} | {row} | {Ms(m.MedianMs)} | {Format(mine is null ? null : m.MedianNs / mine.MedianNs, "0.00")} |");
        }
        md.AppendLine();
    }

    /// <summary>Sections measured outside BenchmarkDotNet (NativeAOT publish timings, bench/NativeAot.md next to
    /// RESULTS.md): copied in verbatim so regenerating the page keeps them.</summary>
    private static void AppendHandMeasured(StringBuilder md, string markdownPath)
    {
        var path = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(markdownPath))!, "NativeAot.md");
        if (!File.Exists(path))
            return;
        md.AppendLine();
        md.Append(File.ReadAllText(path));
    }

    private static void WriteNotes(StringBuilder md, RunInfo? info, List<Measurement> all)
    {
        md.AppendLine("## Notes");
        md.AppendLine();
        md.AppendLine("- Same function everywhere: the three implementations load one set of weights in PyTorch's layout");
        md.AppendLine("  (`bench/RnnGen.Bench/Weights.cs`), start from zero states, and a train step is forward + backward of");
        md.AppendLine("  sum(output) giving every weight gradient and the input gradient (TorchSharp: `input.requires_grad`).");
        if (info is { CrossChecks.Count: > 0 })
        {
            var worst = info.CrossChecks.Max(c => c.Worst);
            var bad = info.CrossChecks.Where(c => !c.Passed).ToList();
            md.AppendLine($"- Cross-check before the run (B, I, H, T = 3, 7, 5, 6; output, input gradient, weight gradients vs the naive");
            md.AppendLine($"  reference): largest relative difference {worst.ToString("0.0E0", Inv)} over {info.CrossChecks.Count} comparisons" +
                (bad.Count == 0 ? $", all within {CrossCheck.Tolerance:0E0}." : $"; **mismatch**: {string.Join(", ", bad.Select(b => $"{b.Cell} {b.Impl}"))}."));
        }
        md.AppendLine("- The naive reference (`bench/RnnGen.Bench/Naive/`) is per-sequence, per-step scalar loops: matrix–vector");
        md.AppendLine("  dot products, MathF.Exp/Tanh, per-step outer-product weight updates — what hand-written C# would be.");
        if (info is { NaiveSkipped.Count: > 0 })
        {
            md.AppendLine($"- Naive cases skipped because one call takes over {Probes.NaiveLimitSeconds:0} s (timed over 2 steps, scaled to T; the");
            md.AppendLine("  naive cost is linear in T):");
            foreach (var s in info.NaiveSkipped)
                md.AppendLine($"  {Label(s.Cell.ToString())} {ModeLabel(s.Mode)} at {Tuple(s.Size)} ≈ {s.EstimatedSeconds.ToString("0.0", Inv)} s;");
        }
        if (info is { TorchAvailable: false })
            md.AppendLine($"- TorchSharp unavailable: {info.TorchStatus}");
        md.AppendLine("- TorchSharp's allocated bytes are only its managed tensor wrappers; its native memory is not counted.");
        md.AppendLine("- The MemoryDiagnoser counts the whole process's allocations (GC.GetTotalAllocatedBytes): a long call with few");
        md.AppendLine("  invocations per iteration can pick up the runtime's own background allocations (tiered JIT), tens to a few");
        md.AppendLine("  thousand bytes per call that the benchmarked code did not make. Re-run one case with `--filter` to tell them apart.");
        md.AppendLine($"- Raw data: BenchmarkDotNet's `*-report-brief.json`, `*-report.csv` and `{RunInfo.FileName}` in");
        md.AppendLine("  `bench/BenchmarkDotNet.Artifacts/results/` (not committed).");
    }

    private static string Missing(RunInfo? info, string cell, string size, string mode, string impl)
    {
        if (impl == "Naive" && info?.NaiveSkipped.FirstOrDefault(s => s.Cell.ToString() == cell && s.Size == size && s.Mode == mode) is { } skip)
            return $"skipped (≈ {skip.EstimatedSeconds.ToString("0.0", Inv)} s per call)";
        if (impl == "Torch" && info is { TorchAvailable: false }) return "unavailable";
        return "not run";
    }

    internal static string Verdict(bool met) => met ? "yes" : "**no**";
    private static string Verdict(bool met, int passed, int total) => met ? "yes" : $"**no** ({passed} of {total})";
    private static string Label(string cell) => cell switch { "Lstm" => "LSTM", "Gru" => "GRU", "Rnn" => "RNN", _ => cell };
    private static string ModeLabel(string mode) => mode == "Train" ? "train" : "infer";
    private static string ImplLabel(string impl) => impl switch { "Ours" => "**RnnGen**", "Naive" => "naive C#", "Torch" => "TorchSharp", _ => impl };
    private static string Tuple(string size) => Shape.Parse(size).Tuple.Trim('(', ')');
    internal static string Format(double? v, string format) => v is double d && !double.IsNaN(d) ? d.ToString(format, Inv) : "–";

    private static string Ms(double? ms) => ms switch
    {
        null => "–",
        < 1 => ms.Value.ToString("0.000", Inv),
        < 100 => ms.Value.ToString("0.00", Inv),
        _ => ms.Value.ToString("0.0", Inv),
    };

    private static string Bytes(long? bytes) => bytes switch
    {
        null => "–",
        < 10_000 => $"{bytes} B",
        _ => $"{bytes / 1024.0:0.#} KiB",
    };
}
