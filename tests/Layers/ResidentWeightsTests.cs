using System.Numerics.Tensors;
using System.Runtime.Intrinsics.X86;
using RnnGen.Kernels;
using RnnGen.Tests.Kernels;
using RnnGen.Tests.Support;
using Xunit;

namespace RnnGen.Tests.Layers;

/// <summary>Inference sessions with the recurrent product split across threads (weights resident per core) and with
/// <see cref="RecurrentWeightFormat.BFloat16"/> weights. MaxThreads is process-wide: runs with the other threading tests.</summary>
[Collection(nameof(GemmThreadingTests))]
public class ResidentWeightsTests
{
    private const int Steps = 50;

    /// <summary>The documented bound (docs/performance.md): bf16 weights move an LSTM's outputs (|y| &lt; 1) by at most this
    /// much against fp32 at H = 256..1024, T = 100, PyTorch's init; measured 2–5·10⁻⁴.</summary>
    private const float BFloat16Bound = 2e-3f;

    private static float[] Input(int batch, int size)
    {
        var random = new Random(11);
        return Enumerable.Range(0, batch * Steps * size).Select(_ => (float)random.NextDouble()).ToArray();
    }

    private static RecurrentLayer<TCell, float> Layer<TCell>(int hidden, int batch, RecurrentWeightFormat format = RecurrentWeightFormat.Full)
        where TCell : IRecurrentCell =>
        new(hidden, hidden, batch, Steps, new RecurrentOptions { BatchFirst = true, Seed = 4, InferenceRecurrentWeights = format });

    private static float[] Run<TCell>(RecurrentLayer<TCell, float> layer, int threads, float[] input, int batch) where TCell : IRecurrentCell
        => GemmThreadCount.With<float[]>(threads, () =>
        {
            layer.Forward(input, batch, Steps);
            return [.. layer.Output, .. layer.FinalStates];
        });

    /// <summary>LSTM: one fused state product; GRU (reset-after): a fused and a separate one, each large enough to split
    /// (≥ 2¹⁸ multiply-adds per step) at B = 3, H = 448, where the GRU's slices are uneven (4 + 3 and 2 + 1.5 slice units).</summary>
    [Theory]
    [InlineData(1, 512)]
    [InlineData(3, 448)]
    public void TwoThreadsGiveTheOneThreadOutputsBitForBit(int batch, int hidden)
    {
        var input = Input(batch, hidden);
        var lstm = Layer<RnnGen.Lstm>(hidden, batch).CreateInferenceSession();
        Assert.Equal(Run(lstm, 1, input, batch), Run(lstm, 2, input, batch));
        var gru = Layer<RnnGen.Gru>(hidden, batch).CreateInferenceSession();
        Assert.Equal(Run(gru, 1, input, batch), Run(gru, 2, input, batch));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void BFloat16OutputsStayWithinTheDocumentedBound(int threads)
    {
        if (!Avx512F.IsSupported) return;   // bfloat16 weights need AVX-512 (this machine has it)
        const int hidden = 256, batch = 1;
        var input = Input(batch, hidden);
        var full = Run(Layer<RnnGen.Lstm>(hidden, batch).CreateInferenceSession(), 1, input, batch);
        var half = Run(Layer<RnnGen.Lstm>(hidden, batch, RecurrentWeightFormat.BFloat16).CreateInferenceSession(), threads, input, batch);
        var error = Math.Abs(TensorPrimitives.MaxMagnitude(Difference(full, half)));
        Assert.InRange(error, 1e-6f, BFloat16Bound);   // above 0: the weights really are rounded
    }

    private static float[] Difference(float[] a, float[] b)
    {
        var d = new float[a.Length];
        TensorPrimitives.Subtract(a, b, d);
        return d;
    }

    /// <summary>The layer that trains ignores the option (full precision); its sessions see every change of the weights.</summary>
    [Fact]
    public void BFloat16IsForSessionsOnlyAndFollowsTheWeights()
    {
        if (!Avx512F.IsSupported) return;
        const int hidden = 64, batch = 2;
        var input = Input(batch, hidden);
        var layer = Layer<RnnGen.Lstm>(hidden, batch, RecurrentWeightFormat.BFloat16);
        Assert.Equal(Run(Layer<RnnGen.Lstm>(hidden, batch), 1, input, batch), Run(layer, 1, input, batch));

        var session = layer.CreateInferenceSession();
        var before = Run(session, 1, input, batch);
        foreach (var group in layer.Parameters(0).Groups)
            TensorPrimitives.Multiply(group, 0.5f, group);
        var after = Run(session, 1, input, batch);
        Assert.NotEqual(before, after);
        Assert.Equal(Run(layer.CreateInferenceSession(), 1, input, batch), after);
    }

    [Fact]
    public void BFloat16NeedsAFloatLayer()
    {
        var error = Assert.Throws<ArgumentException>(() => new RecurrentLayer<RnnGen.Lstm, double>(4, 8,
            new RecurrentOptions { InferenceRecurrentWeights = RecurrentWeightFormat.BFloat16 }));
        Assert.Contains("float", error.Message);
    }

    [Theory]
    [InlineData(RecurrentWeightFormat.Full)]
    [InlineData(RecurrentWeightFormat.BFloat16)]
    public void TwoThreadSessionsAllocateNothing(RecurrentWeightFormat format)
    {
        if (format == RecurrentWeightFormat.BFloat16 && !Avx512F.IsSupported) return;
        const int hidden = 512, batch = 1;   // large enough to split
        var input = Input(batch, hidden);
        var session = Layer<RnnGen.Lstm>(hidden, batch, format).CreateInferenceSession();
        Assert.Equal(0, GemmThreadCount.With(2, () => Allocations.Measure(() => session.Forward(input, batch, Steps))));
    }
}
