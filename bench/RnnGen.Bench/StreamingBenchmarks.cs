using BenchmarkDotNet.Attributes;
using RnnGen.Bench.Runners;
using RnnGen.Kernels;

namespace RnnGen.Bench;

/// <summary>The serving case: batch 1, inference, I = H, 100 steps, LSTM and GRU, on 1 and 2 threads (Gemm.MaxThreads and
/// torch.set_num_threads). At H = 512 the LSTM's recurrent weights (4 MB fp32) no longer fit one core's L2, so each step
/// streams them from L3; with 2 threads each core keeps reading its own half of them (ResidentProduct).</summary>
public abstract class StreamingRows
{
    [ParamsSource(nameof(Sizes))]
    public string Size { get; set; } = "";

    [Params(CellKind.Lstm, CellKind.Gru)]
    public CellKind Cell { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    public static IEnumerable<string> Sizes => Grid.Quick ? ["1x32x32x10"] : ["1x256x256x100", "1x512x512x100", "1x1024x1024x100"];

    private IRunner? _runner;

    /// <summary>The implementation this row times, built for <see cref="Cell"/> and <see cref="Size"/>.</summary>
    protected abstract IRunner CreateRunner(Shape shape);

    [GlobalSetup]
    public void Setup()
    {
        Gemm.MaxThreads = Threads;
        _runner = CreateRunner(Shape.Parse(Size));
        Warmup.Run(_runner.Inference);
    }

    [Benchmark]
    public void Inference() => _runner!.Inference();

    [GlobalCleanup]
    public void Cleanup() => _runner?.Dispose();
}

/// <summary>RnnGen (a CellSequence) beside TorchSharp.</summary>
public class StreamingBenchmarks : StreamingRows
{
    [Params(Impl.Ours, Impl.Torch)]
    public Impl Impl { get; set; }

    protected override IRunner CreateRunner(Shape shape) => RunnerFactory.Create(Impl, Cell, shape, Threads, warm: false);
}

/// <summary>The same rows through an inference session (RecurrentLayer.CreateInferenceSession), its recurrent weights in
/// fp32 or bfloat16 (RecurrentOptions.InferenceRecurrentWeights).</summary>
public class StreamingSessionBenchmarks : StreamingRows
{
    [Params(RecurrentWeightFormat.Full, RecurrentWeightFormat.BFloat16)]
    public RecurrentWeightFormat Weights { get; set; }

    protected override IRunner CreateRunner(Shape shape) => Cell == CellKind.Lstm
        ? new SessionRunner<Lstm>(Cell, shape, Weights)
        : new SessionRunner<Gru>(Cell, shape, Weights);
}
