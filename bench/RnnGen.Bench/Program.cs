using System.Text.Json;
using System.Text.Json.Serialization;
using BenchmarkDotNet.Running;
using RnnGen.Bench;
using RnnGen.Bench.Report;

namespace RnnGen.Bench
{
    /// <summary>
    /// RnnGen.Bench: ours vs a naive C# reference vs TorchSharp.
    ///   (no flag)        the full run: cross-check, naive time probe, all benchmarks, then bench/RESULTS.md + results.png
    ///   --quick          CI: every implementation once at the smallest size (Dry job); report into the quick artifacts
    ///   --report [DIR]   only regenerate bench/RESULTS.md and bench/results.png from DIR (default: the full run's results)
    ///   --no-verify      skip the cross-check
    /// Other arguments go to BenchmarkDotNet (e.g. --filter '*Peephole*'); without --filter every benchmark runs.
    /// </summary>
    public static class Program
    {
        public const string ProbeTorchFlag = "--probe-torch";

        public static int Main(string[] args) => Run(args);

        internal static readonly JsonSerializerOptions Json = new()
        {
            WriteIndented = true,
            Converters = { new JsonStringEnumConverter() },
        };

        public static int Run(string[] args)
        {
            var rest = args.ToList();
            bool Take(string flag) => rest.Remove(flag);
            if (Take(ProbeTorchFlag)) return Probes.ProbeTorchInProcess();

            var paths = BenchPaths.Find();
            if (Take("--report"))
            {
                var from = rest.FirstOrDefault(a => !a.StartsWith('-')) ?? paths.FullResults;
                return ReportWriter.Write(from, paths.ResultsMarkdown, paths.ResultsChart, Console.Out) ? 0 : 1;
            }
            var quick = Take("--quick");
            // "--job dry" is BenchmarkDotNet's own spelling of the same thing; map it to quick mode.
            var jobIndex = rest.FindIndex(a => a == "--job");
            if (jobIndex >= 0 && jobIndex + 1 < rest.Count && rest[jobIndex + 1].Equals("dry", StringComparison.OrdinalIgnoreCase))
            {
                rest.RemoveRange(jobIndex, 2);
                quick = true;
            }
            var verify = !Take("--no-verify");
            if (quick) Environment.SetEnvironmentVariable(Grid.QuickVariable, "1"); // inherited by the benchmark processes
            if (!rest.Contains("--filter")) rest.AddRange(["--filter", "*"]);

            var machine = MachineInfo.Read();
            var load = RunInfo.LoadAverage();
            Console.WriteLine($"Machine: {machine}; load average {load}");
            if (!quick && double.TryParse(load.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture, out var busy) && busy > 0.8)
                Console.WriteLine($"Warning: the machine is busy (load {load}); the timings will be noisy. The report records the load.");
            var torchReason = Probes.TorchUnavailableReason();
            Console.WriteLine(torchReason is null ? "TorchSharp: available (libtorch loaded, 1 thread)" : $"TorchSharp unavailable: {torchReason}");

            var checks = verify ? Probes.CrossCheck(torchReason is null, Console.Out) : [];
            var skipped = Probes.NaiveOverLimit(Grid.Main, Console.Out);

            var artifacts = quick ? paths.QuickArtifacts : paths.FullArtifacts;
            var results = Path.Combine(artifacts, "results");
            Directory.CreateDirectory(results);
            var job = quick ? BenchConfig.QuickJob : BenchConfig.FullJob;
            double? peak = quick ? null : Probes.FmaPeakGflops();
            if (peak is double measured) Console.WriteLine($"One core's fp32 FMA throughput: {measured:0} GFLOP/s");
            var info = new RunInfo(DateTimeOffset.Now, quick, BenchConfig.Describe(job), machine, torchReason is null,
                torchReason ?? "available", skipped, checks, load, FmaPeakGflops: peak);
            var infoPath = Path.Combine(results, RunInfo.FileName);
            File.WriteAllText(infoPath, JsonSerializer.Serialize(info, Json));

            var summaries = BenchmarkSwitcher
                .FromTypes([typeof(RnnBenchmarks), typeof(PeepholeBenchmarks), typeof(ThreadBenchmarks), typeof(EndToEndBenchmarks), typeof(StreamingBenchmarks), typeof(StreamingSessionBenchmarks), typeof(BuiltInCellBenchmarks), typeof(ScanBenchmarks), typeof(LongSequenceBenchmarks), typeof(LayerNormBenchmarks), typeof(BidirectionalBenchmarks)])
                .Run([.. rest], BenchConfig.Create(quick, artifacts, info))
                .ToList();
            File.WriteAllText(infoPath, JsonSerializer.Serialize(info with { LoadAtEnd = RunInfo.LoadAverage() }, Json));
            var failed = summaries.SelectMany(s => s.Reports).Count(r => !r.Success)
                + summaries.Count(s => s.HasCriticalValidationErrors);

            var reportOk = quick
                ? ReportWriter.Write(results, Path.Combine(artifacts, "RESULTS.md"), Path.Combine(artifacts, "results.png"), Console.Out)
                : ReportWriter.Write(results, paths.ResultsMarkdown, paths.ResultsChart, Console.Out);
            foreach (var note in skipped)
                Console.WriteLine($"Note: naive {note.Cell} {note.Mode} at {note.Size} was skipped (≈ {note.EstimatedSeconds:F1} s per call).");
            if (torchReason is not null) Console.WriteLine($"Note: TorchSharp unavailable: {torchReason}");
            var mismatches = checks.Count(c => !c.Passed);
            Console.WriteLine($"{summaries.Sum(s => s.Reports.Length) - failed} benchmark cases ran, {failed} failed, {mismatches} cross-check mismatches.");
            return failed == 0 && mismatches == 0 && reportOk ? 0 : 1;
        }
    }

    /// <summary>Where things go: bench/ found from the build output (or the working directory) by RnnGen.sln.</summary>
    public sealed record BenchPaths(string Bench)
    {
        public string FullArtifacts => Path.Combine(Bench, "BenchmarkDotNet.Artifacts");
        public string FullResults => Path.Combine(FullArtifacts, "results");
        public string QuickArtifacts => Path.Combine(FullArtifacts, "quick");
        public string ResultsMarkdown => Path.Combine(Bench, "RESULTS.md");
        public string ResultsChart => Path.Combine(Bench, "results.png");

        public static BenchPaths Find()
        {
            foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
            {
                for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                    if (File.Exists(Path.Combine(dir.FullName, "RnnGen.sln")) && Directory.Exists(Path.Combine(dir.FullName, "bench")))
                        return new BenchPaths(Path.Combine(dir.FullName, "bench"));
            }
            return new BenchPaths(Directory.GetCurrentDirectory());
        }
    }
}
