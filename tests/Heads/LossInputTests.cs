namespace RnnGen.Tests.Heads;

/// <summary>Bad shapes, targets and masks fail with the argument's name and the expected and actual values.</summary>
public class LossInputTests
{
    private static readonly double[] s_logits = new double[3 * 4];
    private static readonly int[] s_classes = [0, 3, 1];

    [Fact]
    public void CrossEntropyShapes()
    {
        var e = Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.Compute<double>(new double[11], s_classes, 4, default));
        Assert.Equal("logits", e.ParamName);
        Assert.Contains("12", e.Message);
        Assert.Contains("11", e.Message);
        e = Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.Compute<double>(s_logits, s_classes, 4, new double[13]));
        Assert.Equal("gradient", e.ParamName);
        Assert.Contains("12", e.Message);
        Assert.Contains("13", e.Message);
        e = Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.Compute<double>(s_logits, s_classes, 4, default, new double[2]));
        Assert.Equal("mask", e.ParamName);
        Assert.Contains("(3)", e.Message);
        Assert.Contains("2", e.Message);
        Assert.Equal("classes", Assert.Throws<ArgumentOutOfRangeException>(() => SoftmaxCrossEntropy.Compute<double>(s_logits, s_classes, 0, default)).ParamName);
        Assert.Equal("reduction", Assert.Throws<ArgumentOutOfRangeException>(() => SoftmaxCrossEntropy.Compute<double>(s_logits, s_classes, 4, default, default, (Reduction)7)).ParamName);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(-1)]
    public void CrossEntropyTargetOutOfRangeNamesRowAndValue(int target)
    {
        var gradient = Enumerable.Repeat(3.0, 12).ToArray();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => SoftmaxCrossEntropy.Compute<double>(s_logits, new[] { 0, 1, target }, 4, gradient));
        Assert.Equal("targets", e.ParamName);
        Assert.Contains($"targets[2] = {target}", e.Message);
        Assert.Contains("[0, 4)", e.Message);
        Assert.All(gradient, v => Assert.Equal(3.0, v)); // checked before anything is written
        // A padded row may hold any target (PyTorch's ignore_index −100, say).
        SoftmaxCrossEntropy.Compute<double>(s_logits, new[] { 0, 1, target }, 4, gradient, new double[] { 1, 1, 0 });
    }

    [Fact]
    public void MaskWeightsMustBeFiniteAndNonNegative()
    {
        foreach (var bad in new[] { -0.5, double.NaN, double.PositiveInfinity })
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => MeanSquaredError.Compute<double>(new double[3], new double[3], 1, default, new[] { 1, bad, 1 }));
            Assert.Equal("mask", e.ParamName);
            Assert.Contains("mask[1]", e.Message);
        }
    }

    [Fact]
    public void SoftmaxShapes()
    {
        var e = Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.Softmax<double>(new double[10], 4, new double[10]));
        Assert.Equal("logits", e.ParamName);
        Assert.Contains("10", e.Message);
        e = Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.Softmax<double>(new double[8], 4, new double[9]));
        Assert.Equal("probabilities", e.ParamName);
        Assert.Contains("8", e.Message);
        Assert.Contains("9", e.Message);
    }

    [Fact]
    public void BinaryCrossEntropyShapesAndTargets()
    {
        var e = Assert.Throws<ArgumentException>(() => SigmoidBinaryCrossEntropy.Compute<double>(new double[7], new double[7], 2, default));
        Assert.Equal("logits", e.ParamName);
        Assert.Contains("7", e.Message);
        e = Assert.Throws<ArgumentException>(() => SigmoidBinaryCrossEntropy.Compute<double>(new double[6], new double[4], 2, default));
        Assert.Equal("targets", e.ParamName);
        Assert.Contains("6", e.Message);
        Assert.Contains("4", e.Message);
        e = Assert.Throws<ArgumentException>(() => SigmoidBinaryCrossEntropy.Compute<double>(new double[6], new double[6], 2, new double[5]));
        Assert.Equal("gradient", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => SigmoidBinaryCrossEntropy.Compute<double>(new double[6], new double[6], 2, default, new double[6]));
        Assert.Equal("mask", e.ParamName);
        Assert.Contains("(3)", e.Message);

        var range = Assert.Throws<ArgumentOutOfRangeException>(() =>
            SigmoidBinaryCrossEntropy.Compute<double>(new double[6], new[] { 0, 1, 0.5, 0, 1.5, 1 }, 3, default));
        Assert.Equal("targets", range.ParamName);
        Assert.Contains("targets[1, 1] = 1.5", range.Message);
        Assert.Contains("[0, 1]", range.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => SigmoidBinaryCrossEntropy.Compute<float>(new float[2], new[] { float.NaN, 0 }, 2, default));
    }

    [Fact]
    public void MeanSquaredErrorShapes()
    {
        var e = Assert.Throws<ArgumentException>(() => MeanSquaredError.Compute<float>(new float[6], new float[5], 3, default));
        Assert.Equal("targets", e.ParamName);
        Assert.Contains("6", e.Message);
        Assert.Contains("5", e.Message);
        e = Assert.Throws<ArgumentException>(() => MeanSquaredError.Compute<float>(new float[5], new float[5], 3, default));
        Assert.Equal("predictions", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => MeanSquaredError.Compute<float>(new float[6], new float[6], 3, new float[3]));
        Assert.Equal("gradient", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => MeanSquaredError.Compute<float>(new float[6], new float[6], 3, default, new float[3]));
        Assert.Equal("mask", e.ParamName);
        Assert.Contains("(2)", e.Message);
        Assert.Equal("features", Assert.Throws<ArgumentOutOfRangeException>(() => MeanSquaredError.Compute<float>(new float[6], new float[6], -1, default)).ParamName);
    }
}
