using RnnGen.Tests.Cells;

namespace RnnGen.Tests.Layers;

/// <summary>
/// The masks of dropout, dropout_seq, zoneout and dropconnect, read through probe cells whose output is the mask: seeded
/// by the draw, fresh per step or constant over a sequence (a batch, for DropConnect) as declared, at their rate, the same
/// in backward, and at inference replaced by their expectation.
/// </summary>
public class RandomMaskTests
{
    private const int Steps = 50, Hidden = 64;
    private const double Rate = 0.25;
    private static readonly MaskDraw Draw = new(Seed: 1, Counter: 0);

    [Theory]
    [InlineData(MaskKind.Dropout)]
    [InlineData(MaskKind.Sequence)]
    [InlineData(MaskKind.Zoneout)]
    public void TheSameDrawGivesTheSameMasksAndAnyOtherSeedCounterOrStreamOthers(MaskKind kind)
    {
        var masks = Masks(kind, Draw);
        Assert.Equal(masks, Masks(kind, Draw));
        Assert.NotEqual(masks, Masks(kind, Draw with { Seed = 2 }));
        Assert.NotEqual(masks, Masks(kind, Draw with { Counter = 1 }));
        Assert.NotEqual(masks, Masks(kind, Draw with { Stream = 1 }));
    }

    [Fact]
    public void DropoutAndZoneoutMasksAreFreshEachStep()
    {
        foreach (var kind in new[] { MaskKind.Dropout, MaskKind.Zoneout })
        {
            var masks = Masks(kind, Draw, batch: 3);
            for (var b = 0; b < 3; b++)
                for (var t = 1; t < Steps; t++)
                    Assert.False(Row(masks, b, t).SequenceEqual(Row(masks, b, t - 1)), $"{kind}: row {b} has the mask of step {t - 1} at step {t}");
        }
    }

    [Fact]
    public void SequenceMasksAreConstantOverTimeAndDifferBetweenSequences()
    {
        var masks = Masks(MaskKind.Sequence, Draw, batch: 3);
        for (var b = 0; b < 3; b++)
        {
            for (var t = 1; t < Steps; t++) Assert.True(Row(masks, b, t).SequenceEqual(Row(masks, b, 0)), $"row {b} changed its mask at step {t}");
            Assert.False(Row(masks, b, 0).SequenceEqual(Row(masks, (b + 1) % 3, 0)));
        }
    }

    /// <summary>Each element is kept (dropout: scaled by 1/(1 − p)) or dropped; the kept share is within 5 standard
    /// deviations of its probability (dropout 1 − p, zoneout's keep-the-previous-value p).</summary>
    [Theory]
    [InlineData(MaskKind.Dropout, 4, 1 - Rate, 1 / (1 - Rate))]
    [InlineData(MaskKind.Sequence, 64, 1 - Rate, 1 / (1 - Rate))]
    [InlineData(MaskKind.Zoneout, 4, Rate, 1.0)]
    public void MasksTakeTwoValuesAndKeepAtTheirRate(MaskKind kind, int batch, double keep, double kept)
    {
        var masks = Masks(kind, Draw, batch);
        Assert.All(masks, m => Assert.True(m == 0 || Math.Abs(m - kept) < 1e-12, $"mask value {m}"));
        // A sequence mask repeats over time: count its first step only.
        var independent = kind == MaskKind.Sequence ? Enumerable.Range(0, batch).SelectMany(b => Row(masks, b, 0).ToArray()).ToArray() : masks;
        var share = independent.Count(m => m != 0) / (double)independent.Length;
        var bound = 5 * Math.Sqrt(keep * (1 - keep) / independent.Length);
        Assert.True(Math.Abs(share - keep) <= bound, $"{kind}: kept {share:F4}, expected {keep} ± {bound:F4}");
    }

    [Fact]
    public void AtInferenceDropoutIsTheIdentityAndZoneoutItsExpectation()
    {
        Assert.All(Run<DropoutProbe>(null, 2), v => Assert.Equal(1.0, v));
        Assert.All(Run<SequenceProbe>(null, 2), v => Assert.Equal(1.0, v));
        // h' = p·h + (1 − p)·(1 − h) from h = 0.
        var zoneout = Run<ZoneoutProbe>(null, 2);
        double h = 0;
        for (var t = 0; t < Steps; t++)
        {
            h = Rate * h + (1 - Rate) * (1 - h);
            for (var b = 0; b < 2; b++) Assert.All(Row(zoneout, b, t).ToArray(), v => Assert.Equal(h, v, 1e-12));
        }
    }

    /// <summary>h' = dropout(one, p) with one = 1: d(Σ R ⊙ h')/d(one) = Σ over rows and steps of R ⊙ mask, which only the
    /// forward's own masks give.</summary>
    [Fact]
    public void BackwardMultipliesByTheForwardMasks()
    {
        const int batch = 3;
        var (sequence, output) = Probe<DropoutProbe>(Draw, batch);
        var weights = Support.Finite.Random(new Random(5), output.Length);
        var gradients = new CellParameters<double>(DropoutProbe.Info, 1, Hidden);
        sequence.Backward(weights, default, gradients, default, default);
        var expected = new double[Hidden];
        for (var i = 0; i < output.Length; i++) expected[i % Hidden] += weights[i] * output[i];
        Assert.Equal(expected, gradients.Vectors, (a, b) => Math.Abs(a - b) < 1e-12);
    }

    /// <summary>DropConnect probe: from h = e_(b mod H) and U = 1, step 0 of row b is column b mod H of U ⊙ M, so the masked
    /// matrix is read whole from each half of the batch; step 1 must apply the same matrix again.</summary>
    [Fact]
    public void DropConnectDrawsOneMatrixForTheWholeBatchAndEveryStep()
    {
        var (matrix, output) = ConnectProbe(Draw);
        Assert.Equal(matrix, ConnectProbe(Draw).Matrix);
        Assert.NotEqual(matrix, ConnectProbe(Draw with { Counter = 1 }).Matrix);
        Assert.All(matrix, m => Assert.True(m == 0 || Math.Abs(m - 1 / (1 - Rate)) < 1e-12, $"masked weight {m}"));
        var share = matrix.Count(m => m != 0) / (double)matrix.Length;
        Assert.True(Math.Abs(share - (1 - Rate)) <= 5 * Math.Sqrt(Rate * (1 - Rate) / matrix.Length), $"kept {share:F4}");
        for (var b = 0; b < 2 * Hidden; b++)
            for (var i = 0; i < Hidden; i++)
            {
                Assert.Equal(matrix[i * Hidden + b % Hidden], output[(b * 2) * Hidden + i]);   // the same matrix for every row
                var next = 0.0;
                for (var k = 0; k < Hidden; k++) next += matrix[i * Hidden + k] * output[(b * 2) * Hidden + k];
                Assert.Equal(next, output[(b * 2 + 1) * Hidden + i], 1e-9);   // and for the next step
            }
        Assert.All(ConnectProbe(null).Matrix, m => Assert.Equal(1.0, m));   // inference: the plain weights
    }

    /// <summary>The DropConnect probe over two steps from one-hot states: the masked matrix [H, H] and the outputs [2H, 2, H].</summary>
    private static (double[] Matrix, double[] Output) ConnectProbe(MaskDraw? draw)
    {
        const int batch = 2 * Hidden, steps = 2;
        var parameters = new CellParameters<double>(DropConnectProbe.Info, 1, Hidden);
        parameters.Groups[0].AsSpan().Fill(1);
        var initial = new double[batch * Hidden];
        for (var b = 0; b < batch; b++) initial[b * Hidden + b % Hidden] = 1;
        var output = new double[batch * steps * Hidden];
        new CellSequence<DropConnectProbe, double>(parameters, batch, steps).Forward(new double[batch * steps], new SequenceShape(batch, steps, 1),
            initial, output, new SequenceShape(batch, steps, Hidden), default, masks: draw);
        var matrix = new double[Hidden * Hidden];
        for (var b = 0; b < Hidden; b++)
            for (var i = 0; i < Hidden; i++) matrix[i * Hidden + b] = output[(b * steps) * Hidden + i];
        return (matrix, output);
    }

    private static double[] Masks(MaskKind kind, MaskDraw draw, int batch = 4) => kind switch
    {
        MaskKind.Dropout => Run<DropoutProbe>(draw, batch),
        MaskKind.Sequence => Run<SequenceProbe>(draw, batch),
        _ => ZoneoutMasks(Run<ZoneoutProbe>(draw, batch), batch),
    };

    /// <summary>The zoneout probe's masks from its states: 1 where a unit kept its value, 0 where it flipped.</summary>
    private static double[] ZoneoutMasks(double[] states, int batch)
    {
        var masks = new double[states.Length];
        for (var b = 0; b < batch; b++)
            for (var t = 0; t < Steps; t++)
                for (var j = 0; j < Hidden; j++)
                {
                    var at = (b * Steps + t) * Hidden + j;
                    var previous = t == 0 ? 0 : states[at - Hidden];
                    masks[at] = 1 - Math.Abs(states[at] - previous);
                }
        return masks;
    }

    private static double[] Run<TCell>(MaskDraw? draw, int batch) where TCell : IRecurrentCell => Probe<TCell>(draw, batch).Output;

    /// <summary>A probe run over [batch, steps] with its vector <c>one</c> at 1: the outputs, [batch, steps, hidden].</summary>
    private static (CellSequence<TCell, double> Sequence, double[] Output) Probe<TCell>(MaskDraw? draw, int batch) where TCell : IRecurrentCell
    {
        var parameters = new CellParameters<double>(TCell.Info, 1, Hidden);
        parameters.Vectors.AsSpan().Fill(1);
        var sequence = new CellSequence<TCell, double>(parameters, batch, Steps);
        var output = new double[batch * Steps * Hidden];
        sequence.Forward(new double[batch * Steps], new SequenceShape(batch, Steps, 1), default, output,
            new SequenceShape(batch, Steps, Hidden), default, masks: draw);
        return (sequence, output);
    }

    private static ReadOnlySpan<double> Row(double[] output, int b, int t) => output.AsSpan((b * Steps + t) * Hidden, Hidden);
}
