using BenchmarkDotNet.Attributes;
using RnnGen.Bench.Runners;
using RnnGen.Kernels;

namespace RnnGen.Bench;

/// <summary>The layer-normalized LSTM (declared in the cell language, <see cref="LayerNormLstm"/>) beside the plain
/// LSTM and beside the same cell composed from TorchSharp ops in a step loop; train step, float32, one thread.</summary>
public class LayerNormBenchmarks
{
    public enum Variant { Lstm, LayerNormLstm, TorchLayerNormLstm }

    [ParamsSource(nameof(Sizes))]
    public string Size { get; set; } = "";

    [ParamsAllValues]
    public Variant Cell { get; set; }

    public static IEnumerable<string> Sizes => Grid.LayerNorm;

    private IRunner? _runner;

    [GlobalSetup]
    public void Setup()
    {
        Gemm.MaxThreads = 1;
        var shape = Shape.Parse(Size);
        _runner = Cell switch
        {
            Variant.Lstm => new OursRunner<Lstm>(CellKind.Lstm, shape),
            Variant.LayerNormLstm => new OursRunner<LayerNormLstm>(CellKind.Lstm, shape),
            _ => new TorchLayerNormLstmRunner(shape),
        };
        Warmup.Run(_runner.Train);
    }

    [Benchmark]
    public void Train() => _runner!.Train();

    [GlobalCleanup]
    public void Cleanup() => _runner?.Dispose();
}
