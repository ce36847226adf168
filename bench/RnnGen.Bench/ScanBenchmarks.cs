using BenchmarkDotNet.Attributes;
using RnnGen.Bench.Runners;
using RnnGen.Kernels;

namespace RnnGen.Bench;

/// <summary>
/// Parallel in time (issue 14, docs/parallel-scan.md): a MinGru train step with the scan schedule against the built-in
/// Gru at the same size, against TorchSharp's minGRU written as the paper's log-space reference, and with two threads.
/// </summary>
public class ScanBenchmarks
{
    public enum Row { MinGru1Thread, MinGru2Threads, Gru1Thread, TorchMinGru1Thread }

    [ParamsSource(nameof(Sizes))]
    public string Size { get; set; } = "";

    [ParamsAllValues]
    public Row Variant { get; set; }

    public static IEnumerable<string> Sizes => Grid.Scan;

    private IRunner? _runner;

    [GlobalSetup]
    public void Setup()
    {
        var shape = Shape.Parse(Size);
        Gemm.MaxThreads = Variant == Row.MinGru2Threads ? 2 : 1;
        _runner = Variant switch
        {
            Row.Gru1Thread => new OursRunner<Gru>(CellKind.Gru, shape),
            Row.TorchMinGru1Thread => new TorchMinGruRunner(shape),
            _ => new OursMinGruRunner(shape),
        };
        Warmup.Run(_runner.Train);
    }

    [Benchmark]
    public void Train() => _runner!.Train();

    [GlobalCleanup]
    public void Cleanup()
    {
        _runner?.Dispose();
        Gemm.MaxThreads = 1;
    }
}

/// <summary>A long sequence, B = 1, T = 100,000: a MinGru train step within its workspace formula (asserted in setup:
/// the process's managed heap grows by at most the formula plus the GEMM's packing buffers).</summary>
public class LongSequenceBenchmarks
{
    [ParamsSource(nameof(Sizes))]
    public string Size { get; set; } = "";

    public static IEnumerable<string> Sizes => Grid.LongSequence;

    private OursMinGruRunner? _runner;

    [GlobalSetup]
    public void Setup()
    {
        Gemm.MaxThreads = 1;
        var before = GC.GetTotalAllocatedBytes(precise: true);
        _runner = new OursMinGruRunner(Shape.Parse(Size));
        _runner.Train();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        var shape = Shape.Parse(Size);
        // Beyond the workspace: the runner's own input, output and gradient arrays and the parameters (twice).
        long runnerArrays = sizeof(float) * ((long)shape.Batch * shape.Steps * (2L * shape.Input + 2L * shape.Hidden)
            + 2L * MinGru.Info.InputWidth * shape.Hidden * (shape.Input + 1));
        Console.WriteLine($"// workspace formula {_runner.WorkspaceBytes:N0} bytes; allocated {allocated:N0} bytes (runner arrays {runnerArrays:N0})");
        if (allocated > _runner.WorkspaceBytes + runnerArrays + (8 << 20))
            throw new InvalidOperationException($"MinGru at {Size} allocated {allocated:N0} bytes, more than its workspace formula {_runner.WorkspaceBytes:N0} + {runnerArrays:N0} + 8 MiB.");
    }

    [Benchmark]
    public void Train() => _runner!.Train();

    [GlobalCleanup]
    public void Cleanup() => _runner?.Dispose();
}
