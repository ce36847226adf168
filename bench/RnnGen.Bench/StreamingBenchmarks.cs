using BenchmarkDotNet.Attributes;
using RnnGen.Bench.Runners;
using RnnGen.Kernels;

namespace RnnGen.Bench;

/// <summary>The serving case: batch 1, inference, I = H, 100 steps, LSTM and GRU, on 1 and 2 threads (Gemm.MaxThreads and
/// torch.set_num_threads). At H = 512 the LSTM's recurrent weights (4 MB fp32) no longer fit one core's L2, so each step
/// streams them from L3; with 2 threads each core keeps its half of them (ResidentProduct).</summary>
public class StreamingBenchmarks
{
    [ParamsSource(nameof(Sizes))]
    public string Size { get; set; } = "";

    [Params(CellKind.Lstm, CellKind.Gru)]
    public CellKind Cell { get; set; }

    [Params(Impl.Ours, Impl.Torch)]
    public Impl Impl { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    public static IEnumerable<string> Sizes => Grid.Quick ? ["1x32x32x10"] : ["1x256x256x100", "1x512x512x100", "1x1024x1024x100"];

    private IRunner? _runner;

    [GlobalSetup]
    public void Setup()
    {
        Gemm.MaxThreads = Threads;
        _runner = RunnerFactory.Create(Impl, Cell, Shape.Parse(Size), Threads);
    }

    [Benchmark]
    public void Inference() => _runner!.Inference();

    [GlobalCleanup]
    public void Cleanup() => _runner?.Dispose();
}

/// <summary>The same rows through an inference session (RecurrentLayer.CreateInferenceSession), its recurrent weights in
/// fp32 or bfloat16 (RecurrentOptions.InferenceRecurrentWeights): the bf16 rows beside the fp32 ones and TorchSharp's.</summary>
public class StreamingSessionBenchmarks
{
    [ParamsSource(nameof(Sizes))]
    public string Size { get; set; } = "";

    [Params(CellKind.Lstm, CellKind.Gru)]
    public CellKind Cell { get; set; }

    [Params(RecurrentWeightFormat.Full, RecurrentWeightFormat.BFloat16)]
    public RecurrentWeightFormat Weights { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    public static IEnumerable<string> Sizes => StreamingBenchmarks.Sizes;

    private IRunner? _runner;

    [GlobalSetup]
    public void Setup()
    {
        Gemm.MaxThreads = Threads;
        _runner = Cell == CellKind.Lstm
            ? new SessionRunner<Lstm>(Cell, Shape.Parse(Size), Weights)
            : new SessionRunner<Gru>(Cell, Shape.Parse(Size), Weights);
    }

    [Benchmark]
    public void Inference() => _runner!.Inference();

    [GlobalCleanup]
    public void Cleanup() => _runner?.Dispose();
}
