using RnnGen.Bench.Runners;
using BenchmarkDotNet.Attributes;
using RnnGen.Kernels;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RnnGen.Bench;

/// <summary>
/// A bidirectional LSTM layer (batch-first, concatenated outputs), train step and inference, with 1 and 2 threads:
/// with two, RnnGen runs the two directions at once, one per core; PyTorch gets the same thread count.
/// </summary>
public class BidirectionalBenchmarks
{
    [ParamsSource(nameof(Sizes))]
    public string Size { get; set; } = "";

    [Params(1, 2)]
    public int Threads { get; set; }

    [Params(Impl.Ours, Impl.Torch)]
    public Impl Impl { get; set; }

    public static IEnumerable<string> Sizes => Grid.Quick ? ["2x8x8x5"] : ["32x64x128x50", "32x256x256x50"];

    private Action? _train, _infer;
    private IDisposable? _resources;

    [GlobalSetup]
    public void Setup()
    {
        Gemm.MaxThreads = Threads;
        var shape = Shape.Parse(Size);
        var input = TorchWeights.Input01(shape);
        if (Impl == Impl.Ours) Ours(shape, input);
        else Torch(shape, input);
        Warmup.Run(_infer!);
        Warmup.Run(_train!);
    }

    [Benchmark]
    public void Train() => _train!();

    [Benchmark]
    public void Inference() => _infer!();

    [GlobalCleanup]
    public void Cleanup()
    {
        _resources?.Dispose();
        Gemm.MaxThreads = 1;
    }

    private void Ours(Shape shape, float[] input)
    {
        var layer = new RecurrentLayer<Lstm, float>(shape.Input, shape.Hidden, shape.Batch, shape.Steps,
            new RecurrentOptions { Bidirectional = true, BatchFirst = true });
        var dOutput = new float[shape.Batch * shape.Steps * layer.OutputSize];
        Array.Fill(dOutput, 1f); // d sum(output) / d output
        var dInput = new float[input.Length];
        _infer = () => layer.Forward(input, shape.Batch, shape.Steps);
        _train = () =>
        {
            layer.Forward(input, shape.Batch, shape.Steps, training: true);
            layer.Backward(dOutput, default, dInput, default);
        };
    }

    private void Torch(Shape shape, float[] values)
    {
        TorchSharp.torch.set_num_threads(Threads);
        var lstm = nn.LSTM(shape.Input, shape.Hidden, batchFirst: true, bidirectional: true);
        var input = tensor(values, [shape.Batch, shape.Steps, shape.Input]).requires_grad_(true);
        _infer = () =>
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            lstm.forward(input, null);
        };
        _train = () =>
        {
            using var scope = NewDisposeScope();
            lstm.forward(input, null).Item1.sum().backward();
        };
        _resources = lstm;
    }
}
