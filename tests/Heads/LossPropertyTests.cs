using RnnGen.Tests.Support;

namespace RnnGen.Tests.Heads;

/// <summary>What every loss must do: exact gradients, masks, the Sum/Mean relation, in-place and loss-only calls.</summary>
public class LossPropertyTests
{
    // A padded batch: rows 1 and 4 are padding; row 2 has half weight and row 5 double weight.
    private static readonly double[] s_mask = [1, 0, 0.5, 1, 0, 2];
    private static readonly int[] s_masked = [1, 4], s_unmasked = [0, 2, 3, 5];

    public static TheoryData<string, Reduction, bool> Cases()
    {
        var data = new TheoryData<string, Reduction, bool>();
        foreach (var kind in new[] { LossCase.Softmax, LossCase.Binary, LossCase.Squared })
            foreach (var reduction in new[] { Reduction.Sum, Reduction.Mean })
                foreach (var masked in new[] { false, true })
                    data.Add(kind, reduction, masked);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void GradientMatchesFiniteDifferences(string kind, Reduction reduction, bool masked)
    {
        var loss = LossCase.Create(kind);
        var mask = masked ? s_mask : [];
        var gradient = new double[loss.Input.Length];
        var value = loss.Run(gradient, mask, reduction);
        Assert.True(double.IsFinite(value) && value > 0);
        var numeric = Finite.Gradient(loss.Input, () => loss.Run(default, mask, reduction));
        DenseTests.AssertClose(gradient, numeric, $"{kind} {reduction}");
    }

    [Theory]
    [InlineData(LossCase.Softmax)]
    [InlineData(LossCase.Binary)]
    [InlineData(LossCase.Squared)]
    public void MaskedRowsContributeNothing(string kind)
    {
        foreach (var reduction in new[] { Reduction.Sum, Reduction.Mean })
        {
            var loss = LossCase.Create(kind);
            var gradient = new double[loss.Input.Length];
            var before = loss.Run(gradient, s_mask, reduction);
            foreach (var row in s_masked) loss.Spoil(row);
            var spoiled = new double[gradient.Length];
            Array.Fill(spoiled, 42.0);
            var after = loss.Run(spoiled, s_mask, reduction);

            Assert.Equal(before, after);
            Assert.Equal(gradient, spoiled);
            foreach (var row in s_masked)
                Assert.All(spoiled.AsSpan(row * loss.Width, loss.Width).ToArray(), v => Assert.Equal(0.0, v));

            // A padded batch equals the batch without its padding: the masked rows are not in the Mean's denominator either.
            var compact = loss.Select(s_unmasked);
            var compactGradient = new double[compact.Input.Length];
            var weights = s_unmasked.Select(r => s_mask[r]).ToArray();
            Assert.Equal(compact.Run(compactGradient, weights, reduction), after, 1e-13);
            var kept = s_unmasked.SelectMany(r => spoiled.Skip(r * loss.Width).Take(loss.Width)).ToArray();
            Assert.Equal(compactGradient, kept, (a, b) => Math.Abs(a - b) < 1e-15);
        }
    }

    [Theory]
    [InlineData(LossCase.Softmax)]
    [InlineData(LossCase.Binary)]
    [InlineData(LossCase.Squared)]
    public void SumIsMeanTimesTheUnmaskedCount(string kind)
    {
        var loss = LossCase.Create(kind);
        foreach (var (mask, rows) in new[] { (Array.Empty<double>(), loss.Rows), (s_mask, s_unmasked.Length) })
        {
            var count = rows * loss.PerRow;
            var sumGradient = new double[loss.Input.Length];
            var meanGradient = new double[loss.Input.Length];
            var sum = loss.Run(sumGradient, mask, Reduction.Sum);
            var mean = loss.Run(meanGradient, mask, Reduction.Mean);
            Assert.Equal(sum, mean * count, 1e-12);
            Assert.Equal(sumGradient, meanGradient.Select(v => v * count), (a, b) => Math.Abs(a - b) < 1e-14);
        }
        // Without a mask, the loss is the sum of the per-row losses (seed 000: a sequence's loss is the sum of its step losses).
        var total = Enumerable.Range(0, loss.Rows).Sum(r => loss.Select([r]).Run(default, [], Reduction.Sum));
        Assert.Equal(total, loss.Run(default, [], Reduction.Sum), 1e-12);
    }

    [Theory]
    [InlineData(LossCase.Softmax)]
    [InlineData(LossCase.Binary)]
    [InlineData(LossCase.Squared)]
    public void EverythingMaskedIsZero(string kind)
    {
        var loss = LossCase.Create(kind);
        foreach (var reduction in new[] { Reduction.Sum, Reduction.Mean })
        {
            var gradient = Enumerable.Repeat(5.0, loss.Input.Length).ToArray();
            Assert.Equal(0.0, loss.Run(gradient, new double[loss.Rows], reduction));
            Assert.All(gradient, v => Assert.Equal(0.0, v));
        }
    }

    [Theory]
    [InlineData(LossCase.Softmax)]
    [InlineData(LossCase.Binary)]
    [InlineData(LossCase.Squared)]
    public void LossOnlyAndInPlaceAgreeWithTheFusedCall(string kind)
    {
        var loss = LossCase.Create(kind);
        var gradient = new double[loss.Input.Length];
        var value = loss.Run(gradient, s_mask, Reduction.Mean);
        Assert.Equal(value, loss.Run(default, s_mask, Reduction.Mean), 1e-14);
        // The gradient may overwrite the input it is taken with respect to.
        var inPlace = loss.Input.ToArray();
        Assert.Equal(value, loss.Run(inPlace, inPlace, s_mask, Reduction.Mean), 1e-14);
        Assert.Equal(gradient, inPlace, (a, b) => Math.Abs(a - b) < 1e-15);
    }

    [Theory]
    [InlineData(LossCase.Softmax)]
    [InlineData(LossCase.Binary)]
    [InlineData(LossCase.Squared)]
    public void FloatAgreesWithDouble(string kind)
    {
        var loss = LossCase.Create(kind, rows: 9, width: 7, seed: 3);
        var mask = new double[] { 1, 1, 0, 1, 0.25, 1, 1, 0, 1 };
        var gradient = new double[loss.Input.Length];
        var expected = loss.Run(gradient, mask, Reduction.Mean);
        float[] input = F(loss.Input), gradientF = new float[input.Length], maskF = F(mask);
        var actual = kind switch
        {
            LossCase.Softmax => SoftmaxCrossEntropy.Compute<float>(input, loss.Classes, loss.Width, gradientF, maskF),
            LossCase.Binary => SigmoidBinaryCrossEntropy.Compute<float>(input, F(loss.Targets), loss.Width, gradientF, maskF),
            _ => MeanSquaredError.Compute<float>(input, F(loss.Targets), loss.Width, gradientF, maskF),
        };
        Assert.Equal(expected, actual, Math.Abs(expected) * 1e-5);
        for (var i = 0; i < gradient.Length; i++) Assert.Equal(gradient[i], gradientF[i], 1e-6);
    }

    private static float[] F(double[] values) => values.Select(v => (float)v).ToArray();
}
