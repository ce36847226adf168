using RnnGen.Tests.Kernels;
using RnnGen.Tests.Support;

namespace RnnGen.Tests.Layers;

/// <summary>With two threads a large batch's layout copies (input in, outputs and input gradients out, the scan's output
/// gradients in) split into two halves of the sequences: everything equals the one-thread run. Sizes are past the split
/// threshold (B·T·width ≥ 2²⁰); lengths are ragged and time-major layouts strided, so every row kind is moved.</summary>
[Collection(nameof(GemmThreadingTests))]
public class BatchThreadsTests
{
    private const int Batch = 8, Steps = 256, Size = 512;
    private static readonly int[] Lengths = [256, 3, 200, 256, 17, 256, 128, 255];

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void Lstm(bool reverse, bool timeMajor) => Compare<RnnGen.Lstm>(reverse, timeMajor);

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public void ScanScheduleMinGru(bool reverse, bool timeMajor) => Compare<RnnGen.MinGru>(reverse, timeMajor);

    private static void Compare<TCell>(bool reverse, bool timeMajor) where TCell : IRecurrentCell
    {
        var one = GemmThreadCount.With(1, () => Run<TCell>(reverse, timeMajor));
        var two = GemmThreadCount.With(2, () => Run<TCell>(reverse, timeMajor));
        Assert.Equal(one.Output, two.Output);
        Assert.Equal(one.DInput, two.DInput);
        Assert.True(Finite.RelativeError(two.Gradients.Select(v => (double)v).ToArray(), one.Gradients.Select(v => (double)v).ToArray()) <= 1e-6);
    }

    private static (float[] Output, float[] DInput, float[] Gradients) Run<TCell>(bool reverse, bool timeMajor) where TCell : IRecurrentCell
    {
        var random = new Random(3);
        var parameters = new CellParameters<float>(TCell.Info, Size, Size);
        parameters.InitializeUniform(random);
        var gradients = new CellParameters<float>(TCell.Info, Size, Size);
        var sequence = new CellSequence<TCell, float>(parameters, Batch, Steps);
        var shape = new SequenceShape(Batch, Steps, Size, timeMajor);
        var input = Enumerable.Range(0, Batch * Steps * Size).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var output = new float[input.Length];
        sequence.Forward(input, shape, default, output, shape, default, Lengths, reverse);
        var dOutput = Enumerable.Range(0, output.Length).Select(i => (float)Math.Sin(i)).ToArray();
        var dInput = new float[input.Length];
        sequence.Backward(dOutput, default, gradients, dInput, default);
        Assert.Contains(output, v => v != 0);
        Assert.Contains(dInput, v => v != 0);
        return (output, dInput, gradients.Groups.SelectMany(g => g).Concat(gradients.Vectors).ToArray());
    }
}
