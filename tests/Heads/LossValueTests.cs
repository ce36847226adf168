namespace RnnGen.Tests.Heads;

/// <summary>Losses against values worked out by hand (PyTorch's formulas), and with logits far outside exp's range.</summary>
public class LossValueTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(10)]
    public void CrossEntropyOfUniformLogitsIsLogC(int classes)
    {
        var logits = Enumerable.Repeat(0.3, 3 * classes).ToArray();
        var gradient = new double[logits.Length];
        Assert.Equal(Math.Log(classes), SoftmaxCrossEntropy.Compute<double>(logits, new[] { 0, classes - 1, 1 }, classes, gradient), 1e-15);
        // Even at 1e4 in float, where exp itself overflows.
        var huge = Enumerable.Repeat(1e4f, 2 * classes).ToArray();
        Assert.Equal(MathF.Log(classes), SoftmaxCrossEntropy.Compute<float>(huge, new[] { 1, 0 }, classes, new float[huge.Length]), 1e-6f);
    }

    [Fact]
    public void CrossEntropyKnownValues()
    {
        // log(e + e² + e³) − 1, and for [0.5, −1, 2] with target 2: logsumexp − 2.
        double[] logits = [1, 2, 3, 0.5, -1, 2];
        var gradient = new double[6];
        var sum = SoftmaxCrossEntropy.Compute<double>(logits, new[] { 0, 2 }, 3, gradient, reduction: Reduction.Sum);
        Assert.Equal(2.40760596444438 + 0.24131129665715711, sum, 1e-14);
        double[] softmax = [0.09003057317038046, 0.24472847105479764, 0.6652409557748219, 0.1752903921400367, 0.03911257327068745, 0.7855970345892758];
        double[] expected = [softmax[0] - 1, softmax[1], softmax[2], softmax[3], softmax[4], softmax[5] - 1];
        Assert.Equal(expected, gradient, (a, b) => Math.Abs(a - b) < 1e-15);

        var probabilities = new double[6];
        SoftmaxCrossEntropy.Softmax<double>(logits, 3, probabilities);
        Assert.Equal(softmax, probabilities, (a, b) => Math.Abs(a - b) < 1e-15);

        // Mean is the average over the two rows; PyTorch's default.
        Assert.Equal(sum / 2, SoftmaxCrossEntropy.Compute<double>(logits, new[] { 0, 2 }, 3, default), 1e-15);
    }

    [Fact]
    public void CrossEntropyIsStableForHugeLogits()
    {
        foreach (var scale in new[] { 1e4, 1e30, 1e300 })
        {
            double[] logits = [scale, -scale, 0, -scale, scale, scale];
            var gradient = new double[6];
            var loss = SoftmaxCrossEntropy.Compute<double>(logits, new[] { 0, 0 }, 3, gradient, reduction: Reduction.Sum);
            // Row 0: the target dominates, loss 0. Row 1: target at −s, two at +s: loss 2s + log 2.
            Assert.Equal(2 * scale + Math.Log(2), loss, scale * 1e-15);
            Assert.Equal(new[] { 0, 0, 0, -1, 0.5, 0.5 }, gradient, (a, b) => Math.Abs(a - b) < 1e-15);
        }
        float[] f = [1e4f, -1e4f, 0, -1e4f, 1e4f, 0];
        var g = new float[6];
        var lossF = SoftmaxCrossEntropy.Compute<float>(f, new[] { 0, 1 }, 3, g);
        Assert.True(float.IsFinite(lossF));
        Assert.Equal(0f, lossF, 1e-6f);
        Assert.All(g, v => Assert.True(float.IsFinite(v)));
        Assert.Equal(2e4f, SoftmaxCrossEntropy.Compute<float>(f, new[] { 1, 0 }, 3, g), 1e-2f);
        var p = new float[6];
        SoftmaxCrossEntropy.Softmax<float>(f, 3, p);
        Assert.Equal(new float[] { 1, 0, 0, 0, 1, 0 }, p);
    }

    [Fact]
    public void BinaryCrossEntropyKnownValues()
    {
        // Elementwise: z = 0 → log 2 whatever y; z = 2, y = 1 → log(1 + e⁻²); z = −3, y = 0.25 → 0.75 + log(1 + e⁻³).
        double[] logits = [0, 2, -3, 0];
        double[] targets = [0.7, 1, 0.25, 0];
        var gradient = new double[4];
        var sum = SigmoidBinaryCrossEntropy.Compute<double>(logits, targets, 2, gradient, reduction: Reduction.Sum);
        Assert.Equal(2 * 0.6931471805599453 + 0.1269280110429725 + 0.798587351573742, sum, 1e-14);
        double[] expected = [0.5 - 0.7, 1 / (1 + Math.Exp(-2)) - 1, 1 / (1 + Math.Exp(3)) - 0.25, 0.5];
        Assert.Equal(expected, gradient, (a, b) => Math.Abs(a - b) < 1e-15);
        // Mean over all four elements, like nn.BCEWithLogitsLoss.
        Assert.Equal(sum / 4, SigmoidBinaryCrossEntropy.Compute<double>(logits, targets, 2, default), 1e-15);
    }

    [Fact]
    public void BinaryCrossEntropyMatchesTheTextbookFormula()
    {
        var random = new Random(8);
        var logits = Enumerable.Range(0, 40).Select(_ => random.NextDouble() * 10 - 5).ToArray();
        var targets = Enumerable.Range(0, 40).Select(_ => random.NextDouble()).ToArray();
        double expected = 0;
        for (var i = 0; i < 40; i++)
        {
            var s = 1 / (1 + Math.Exp(-logits[i]));
            expected -= targets[i] * Math.Log(s) + (1 - targets[i]) * Math.Log(1 - s);
        }
        Assert.Equal(expected, SigmoidBinaryCrossEntropy.Compute<double>(logits, targets, 8, default, reduction: Reduction.Sum), 1e-12);
    }

    [Fact]
    public void BinaryCrossEntropyIsStableForHugeLogits()
    {
        double[] logits = [1e4, -1e4, 1e4, -1e4, 800, -800];
        double[] targets = [1, 0, 0, 1, 0.5, 0.5];
        var gradient = new double[6];
        var loss = SigmoidBinaryCrossEntropy.Compute<double>(logits, targets, 6, gradient, reduction: Reduction.Sum);
        Assert.Equal(2e4 + 800, loss, 1e-9);
        Assert.Equal(new[] { 0, 0, 1, -1, 0.5, -0.5 }, gradient);

        float[] f = [1e4f, -1e4f, 1e4f, -1e4f, 100, -100];
        var g = new float[6];
        var lossF = SigmoidBinaryCrossEntropy.Compute<float>(f, new float[] { 1, 0, 0, 1, 0.5f, 0.5f }, 6, g, reduction: Reduction.Sum);
        Assert.Equal(2e4f + 100, lossF, 1e-2f);
        Assert.Equal(new float[] { 0, 0, 1, -1, 0.5f, -0.5f }, g);
    }

    [Fact]
    public void MeanSquaredErrorKnownValues()
    {
        double[] predictions = [1, 2, 3, 0, 0, 0];
        double[] targets = [1, 0, 5, 0.5, -0.5, 1];
        var gradient = new double[6];
        Assert.Equal(8 + 1.5, MeanSquaredError.Compute<double>(predictions, targets, 3, gradient, reduction: Reduction.Sum));
        Assert.Equal(new double[] { 0, 4, -4, -1, 1, -2 }, gradient);
        // Mean over rows·K, as nn.MSELoss; the second row masked leaves 8 / 3.
        Assert.Equal(9.5 / 6, MeanSquaredError.Compute<double>(predictions, targets, 3, gradient), 1e-15);
        Assert.Equal(8.0 / 3, MeanSquaredError.Compute<double>(predictions, targets, 3, gradient, new double[] { 1, 0 }), 1e-15);
        Assert.Equal(new double[] { 0, 4.0 / 3, -4.0 / 3, 0, 0, 0 }, gradient, (a, b) => Math.Abs(a - b) < 1e-15);
    }
}
