using BenchmarkDotNet.Attributes;
using RnnGen.Bench.Runners;
using RnnGen.Kernels;

namespace RnnGen.Bench;

/// <summary>
/// The main grid: LSTM, GRU and SimpleRNN (tanh), inference and train step, float32, one thread,
/// for ours, the naive reference and TorchSharp. Size is B×I×H×T.
/// </summary>
public class RnnBenchmarks
{
    [ParamsSource(nameof(Sizes))]
    public string Size { get; set; } = "";

    [ParamsAllValues]
    public CellKind Cell { get; set; }

    [ParamsAllValues]
    public Impl Impl { get; set; }

    public static IEnumerable<string> Sizes => Grid.Main;

    private IRunner? _runner;

    [GlobalSetup]
    public void Setup()
    {
        Gemm.MaxThreads = 1;
        _runner = RunnerFactory.Create(Impl, Cell, Shape.Parse(Size));
    }

    [Benchmark]
    public void Inference() => _runner!.Inference();

    [Benchmark]
    public void Train() => _runner!.Train();

    [GlobalCleanup]
    public void Cleanup() => _runner?.Dispose();
}

/// <summary>The peephole LSTM, declared only in the cell language (<see cref="PeepholeLstm"/>), against the built-in LSTM.</summary>
public class PeepholeBenchmarks
{
    public enum Variant { BuiltInLstm, PeepholeLstm }

    [ParamsSource(nameof(Sizes))]
    public string Size { get; set; } = "";

    [ParamsAllValues]
    public Variant Cell { get; set; }

    public static IEnumerable<string> Sizes => Grid.Peephole;

    private IRunner? _runner;

    [GlobalSetup]
    public void Setup()
    {
        Gemm.MaxThreads = 1;
        var shape = Shape.Parse(Size);
        _runner = Cell == Variant.PeepholeLstm
            ? new OursRunner<PeepholeLstm>(CellKind.Lstm, shape)
            : new OursRunner<Lstm>(CellKind.Lstm, shape);
        Warmup.Run(_runner.Train);
    }

    [Benchmark]
    public void Train() => _runner!.Train();

    [GlobalCleanup]
    public void Cleanup() => _runner?.Dispose();
}

/// <summary>LSTM train step with two threads (ours: Gemm.MaxThreads = 2; TorchSharp: set_num_threads(2)).
/// The one-thread numbers are the main grid's.</summary>
public class ThreadBenchmarks
{
    public const int Threads = 2;

    [ParamsSource(nameof(Sizes))]
    public string Size { get; set; } = "";

    [Params(Impl.Ours, Impl.Torch)]
    public Impl Impl { get; set; }

    public static IEnumerable<string> Sizes => Grid.Threads;

    private IRunner? _runner;

    [GlobalSetup]
    public void Setup()
    {
        Gemm.MaxThreads = Threads;
        _runner = RunnerFactory.Create(Impl, CellKind.Lstm, Shape.Parse(Size), Threads);
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
