using RnnGen.Tests.Cells;
using RnnGen.Tests.Kernels;
using RnnGen.Tests.Support;

namespace RnnGen.Tests.Layers;

/// <summary>With two threads a large batch's per-step generated passes run in two halves of the rows, each a view with the
/// whole batch's strides: outputs, products' gradients, input and state gradients equal the one-thread run bit for bit,
/// and the vector and scalar gradients (the second half's summed aside) to rounding. Batches are past the split
/// threshold (B·H ≥ 2¹⁴), odd and even, with ragged lengths; the cells cover stage operands and their carry (a
/// multi-stage GRU), masks of every kind, scalar parameters and row statistics.</summary>
[Collection(nameof(GemmThreadingTests))]
public class StepHalvesTests
{
    private const int Input = 8, Hidden = 256, Steps = 4;

    [Theory]
    [InlineData(64)]
    [InlineData(65)]
    public void Lstm(int batch) => Compare<RnnGen.Lstm>(batch);

    [Fact] public void MultiStageGru() => Compare<ResetBeforeGru>(65);
    [Fact] public void EveryKindOfMask() => Compare<RandomZooCell>(64, new Dictionary<string, double> { ["p_h"] = 0.4 }, new MaskDraw(Seed: 5, Counter: 1));
    [Fact] public void ScalarParameters() => Compare<ScalarCell>(65);
    [Fact] public void RowStatisticsAfterAStageProduct() => Compare<StagedReductionCell>(64);

    private static void Compare<TCell>(int batch, IReadOnlyDictionary<string, double>? rates = null, MaskDraw? draw = null) where TCell : IRecurrentCell
    {
        var one = GemmThreadCount.With(1, () => Run<TCell>(batch, rates, draw));
        var two = GemmThreadCount.With(2, () => Run<TCell>(batch, rates, draw));
        Assert.Equal(one.Output, two.Output);
        Assert.Equal(one.Inference, two.Inference);
        Assert.Equal(one.DInput, two.DInput);
        Assert.Equal(one.DInitial, two.DInitial);
        Assert.Equal(one.Matrices, two.Matrices);
        Assert.True(Finite.RelativeError(two.VectorsAndScalars, one.VectorsAndScalars) <= 1e-13);
    }

    private static Result Run<TCell>(int batch, IReadOnlyDictionary<string, double>? rates, MaskDraw? draw) where TCell : IRecurrentCell
    {
        var random = new Random(7);
        var parameters = new CellParameters<double>(TCell.Info, Input, Hidden);
        parameters.InitializeUniform(random);
        var gradients = new CellParameters<double>(TCell.Info, Input, Hidden);
        var sequence = new CellSequence<TCell, double>(parameters, batch, Steps, rates);
        var lengths = Enumerable.Range(0, batch).Select(b => 1 + b % Steps).ToArray();
        var input = Values(random, batch * Steps * Input);
        var initial = Values(random, TCell.Info.States.Count * batch * Hidden);
        var (shape, outputShape) = (new SequenceShape(batch, Steps, Input), new SequenceShape(batch, Steps, Hidden));
        var output = new double[batch * Steps * Hidden];
        sequence.Forward(input, shape, initial, output, outputShape, default, lengths, masks: draw);
        var (dInput, dInitial) = (new double[input.Length], new double[initial.Length]);
        sequence.Backward(Values(random, output.Length), Values(random, initial.Length), gradients, dInput, dInitial);
        var inference = new double[output.Length];
        sequence.CreateInferenceSession().Forward(input, shape, initial, inference, outputShape, default, lengths);
        Assert.Contains(gradients.Vectors, v => v != 0);
        return new(output, inference, dInput, dInitial, gradients.Groups.SelectMany(g => g).ToArray(), [.. gradients.Vectors, .. gradients.Scalars]);
    }

    private static double[] Values(Random random, int count) => Enumerable.Range(0, count).Select(_ => random.NextDouble() - 0.5).ToArray();

    private sealed record Result(double[] Output, double[] Inference, double[] DInput, double[] DInitial, double[] Matrices, double[] VectorsAndScalars);
}
