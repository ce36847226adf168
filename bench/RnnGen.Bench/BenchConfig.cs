using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Csv;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Perfolizer.Horology;

namespace RnnGen.Bench;

public static class BenchConfig
{
    /// <summary>
    /// The full run: a short job (8 warm-up and 9 measured iterations of ≥ 250 ms) to keep the grid near 10 minutes.
    /// The warm-up is long enough that even a 60 ms call has been called past tiered compilation's threshold (30 calls)
    /// before measuring, so the JIT's own allocations do not show up as the benchmark's.
    /// </summary>
    public static Job FullJob => Job.Default.WithId("Short")
        .WithLaunchCount(1).WithWarmupCount(8).WithIterationCount(9)
        .WithIterationTime(TimeInterval.FromMilliseconds(250));

    /// <summary>CI's quick mode: BenchmarkDotNet's Dry job, each case run once.</summary>
    public static Job QuickJob => Job.Dry;

    public static string Describe(Job job) => job == Job.Dry || job.Id == Job.Dry.Id
        ? "Dry (1 cold-start iteration per case: proves it runs, measures nothing)"
        : "1 launch, 8 warm-up and 9 measured iterations of ≥ 250 ms each; the median is reported";

    public static IConfig Create(bool quick, string artifacts, RunInfo info) => ManualConfig.CreateEmpty()
        .AddJob(quick ? QuickJob : FullJob)
        .AddColumnProvider(DefaultColumnProviders.Instance)
        .AddColumn(StatisticColumn.Median)
        .AddDiagnoser(MemoryDiagnoser.Default)
        .AddLogger(ConsoleLogger.Default)
        .AddExporter(JsonExporter.Brief, CsvExporter.Default, MarkdownExporter.GitHub)
        .AddFilter(new SimpleFilter(benchmark => Included(benchmark, info)))
        .WithSummaryStyle(SummaryStyle.Default.WithTimeUnit(TimeUnit.Millisecond))
        .WithArtifactsPath(artifacts)
        .WithOptions(ConfigOptions.DisableLogFile);

    /// <summary>Leaves out TorchSharp when libtorch does not load, and the naive cases over the time limit.</summary>
    private static bool Included(BenchmarkCase benchmark, RunInfo info)
    {
        object? Param(string name) => benchmark.Parameters.Items.FirstOrDefault(p => p.Name == name)?.Value;
        if (Param("Variant") is ScanBenchmarks.Row.TorchMinGru1Thread || Param("Cell") is LayerNormBenchmarks.Variant.TorchLayerNormLstm)
            return info.TorchAvailable;
        if (Param("Impl") is not Impl impl) return true;
        if (impl == Impl.Torch) return info.TorchAvailable;
        if (impl == Impl.Naive && Param("Cell") is CellKind cell && Param("Size") is string size)
        {
            var mode = benchmark.Descriptor.WorkloadMethod.Name;
            return !info.NaiveSkipped.Any(s => s.Cell == cell && s.Size == size && s.Mode == mode);
        }
        return true;
    }
}
