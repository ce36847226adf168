using BenchmarkDotNet.Attributes;
using RnnGen.Bench.Runners;
using RnnGen.Kernels;

namespace RnnGen.Bench;

/// <summary>The built-in cells without a PyTorch module to compare with (IndRnn, Mgu, SLstm, MinLstm, LayerNormGru) and
/// Lstmp (P = H/2; nn.LSTM's proj_size, which TorchSharp does not expose), train step, float32, one thread, beside the
/// built-in LSTM at the same size. MinGru and LayerNormLstm have their own comparisons (ScanBenchmarks, LayerNormBenchmarks).</summary>
public class BuiltInCellBenchmarks
{
    public enum Variant { Lstm, IndRnn, Mgu, SLstm, Lstmp, MinLstm, LayerNormGru }

    [ParamsSource(nameof(Sizes))]
    public string Size { get; set; } = "";

    [ParamsAllValues]
    public Variant Cell { get; set; }

    public static IEnumerable<string> Sizes => Grid.Quick ? ["1x32x32x100"] : ["32x256x256x50"];

    private Action? _train;

    [GlobalSetup]
    public void Setup()
    {
        Gemm.MaxThreads = 1;
        var shape = Shape.Parse(Size);
        _train = Cell switch
        {
            Variant.Lstm => new CellTrainRunner<Lstm>(shape).Train,
            Variant.IndRnn => new CellTrainRunner<IndRnn>(shape).Train,
            Variant.Mgu => new CellTrainRunner<Mgu>(shape).Train,
            Variant.SLstm => new CellTrainRunner<SLstm>(shape).Train,
            Variant.MinLstm => new CellTrainRunner<MinLstm>(shape).Train,
            Variant.LayerNormGru => new CellTrainRunner<LayerNormGru>(shape).Train,
            _ => new CellTrainRunner<Lstmp>(shape, projection: shape.Hidden / 2).Train,
        };
        Warmup.Run(_train);
    }

    [Benchmark]
    public void Train() => _train!();
}
