using BenchmarkDotNet.Attributes;
using RnnGen.Bench.Runners;
using RnnGen.Kernels;

namespace RnnGen.Bench;

/// <summary>The serving case: batch 1, inference, I = H, 100 steps, LSTM and GRU, one thread. At H = 512 the LSTM's
/// recurrent weights (4 MB fp32) no longer fit one core's L2, so each step streams them from L3.</summary>
public class StreamingBenchmarks
{
    [ParamsSource(nameof(Sizes))]
    public string Size { get; set; } = "";

    [Params(CellKind.Lstm, CellKind.Gru)]
    public CellKind Cell { get; set; }

    [Params(Impl.Ours, Impl.Torch)]
    public Impl Impl { get; set; }

    public static IEnumerable<string> Sizes => Grid.Quick ? ["1x32x32x10"] : ["1x256x256x100", "1x512x512x100", "1x1024x1024x100"];

    private IRunner? _runner;

    [GlobalSetup]
    public void Setup()
    {
        Gemm.MaxThreads = 1;
        _runner = RunnerFactory.Create(Impl, Cell, Shape.Parse(Size));
    }

    [Benchmark]
    public void Inference() => _runner!.Inference();

    [GlobalCleanup]
    public void Cleanup() => _runner?.Dispose();
}
