using RnnGen.Tests.Support;

namespace RnnGen.Tests.Layers;

/// <summary>Each option of the layer changes what it computes, exactly as PyTorch or Keras define it.</summary>
public class RecurrentLayerTests
{
    private const int Batch = 2, Steps = 5, InputSize = 3, Hidden = 4;

    private static double[] Input(int seed = 1) => Finite.Random(new Random(seed), Batch * Steps * InputSize);

    /// <summary>Runs one direction's cell alone over batch-first input, for reference.</summary>
    private static (double[] Output, double[] Final) RunCell(CellParameters<double> parameters, double[] input, int inputSize,
        int[]? lengths = null, bool reverse = false, double[]? initial = null)
    {
        var sequence = new CellSequence<RnnGen.Lstm, double>(parameters, Batch, Steps);
        var output = new double[Batch * Steps * Hidden];
        var final = new double[2 * Batch * Hidden];
        sequence.Forward(input, new SequenceShape(Batch, Steps, inputSize), initial, output, new SequenceShape(Batch, Steps, Hidden), final, lengths, reverse);
        return (output, final);
    }

    private static RecurrentLayer<RnnGen.Lstm, double> Layer(RecurrentOptions options) =>
        new(InputSize, Hidden, Batch, Steps, options with { BatchFirst = true, Seed = 3 });

    [Fact]
    public void BidirectionalConcatenatesTheReverseDirection()
    {
        var layer = Layer(new RecurrentOptions { Bidirectional = true });
        var input = Input();
        layer.Forward(input, Batch, Steps);
        var forward = RunCell(layer.Parameters(0, 0), input, InputSize);
        var reverse = RunCell(layer.Parameters(0, 1), input, InputSize, reverse: true);
        var output = layer.Output.ToArray();
        Assert.Equal(Batch * Steps * 2 * Hidden, output.Length);
        for (var row = 0; row < Batch * Steps; row++)
            for (var j = 0; j < Hidden; j++)
            {
                Assert.Equal(forward.Output[row * Hidden + j], output[row * 2 * Hidden + j], 14);
                Assert.Equal(reverse.Output[row * Hidden + j], output[row * 2 * Hidden + Hidden + j], 14);
            }
    }

    [Theory]
    [InlineData(BidirectionalMerge.Sum)]
    [InlineData(BidirectionalMerge.Multiply)]
    [InlineData(BidirectionalMerge.Average)]
    public void MergeModesCombineTheDirections(BidirectionalMerge merge)
    {
        var concat = Layer(new RecurrentOptions { Bidirectional = true });
        var merged = Layer(new RecurrentOptions { Bidirectional = true, Merge = merge });
        var input = Input();
        concat.Forward(input, Batch, Steps);
        merged.Forward(input, Batch, Steps);
        var both = concat.Output.ToArray();
        var output = merged.Output.ToArray();
        Assert.Equal(Batch * Steps * Hidden, output.Length);
        for (var row = 0; row < Batch * Steps; row++)
            for (var j = 0; j < Hidden; j++)
            {
                double f = both[row * 2 * Hidden + j], r = both[row * 2 * Hidden + Hidden + j];
                var expected = merge switch { BidirectionalMerge.Sum => f + r, BidirectionalMerge.Multiply => f * r, _ => (f + r) / 2 };
                Assert.Equal(expected, output[row * Hidden + j], 14);
            }
    }

    [Fact]
    public void StackedLayersFeedEachOther()
    {
        var layer = Layer(new RecurrentOptions { NumLayers = 2 });
        var input = Input();
        layer.Forward(input, Batch, Steps);
        var first = RunCell(layer.Parameters(0), input, InputSize);
        var second = RunCell(layer.Parameters(1), first.Output, Hidden);
        Assert.Equal(second.Output, layer.Output.ToArray());
        // h_n holds both layers' final h, then c_n both layers' final c: [states, layers, batch, hidden].
        var final = layer.FinalStates.ToArray();
        Assert.Equal(first.Final.AsSpan(0, Batch * Hidden).ToArray(), final.AsSpan(0, Batch * Hidden).ToArray());
        Assert.Equal(second.Final.AsSpan(0, Batch * Hidden).ToArray(), final.AsSpan(Batch * Hidden, Batch * Hidden).ToArray());
        Assert.Equal(first.Final.AsSpan(Batch * Hidden, Batch * Hidden).ToArray(), final.AsSpan(2 * Batch * Hidden, Batch * Hidden).ToArray());
    }

    [Fact]
    public void TimeMajorIsTheTransposeOfBatchFirst()
    {
        var batchFirst = Layer(new RecurrentOptions());
        var timeMajor = new RecurrentLayer<RnnGen.Lstm, double>(InputSize, Hidden, Batch, Steps, new RecurrentOptions { Seed = 3 });
        var input = Input();
        var transposed = new double[input.Length];
        for (var b = 0; b < Batch; b++)
            for (var t = 0; t < Steps; t++)
                input.AsSpan((b * Steps + t) * InputSize, InputSize).CopyTo(transposed.AsSpan((t * Batch + b) * InputSize));
        batchFirst.Forward(input, Batch, Steps);
        timeMajor.Forward(transposed, Batch, Steps);
        var a = batchFirst.Output.ToArray();
        var c = timeMajor.Output.ToArray();
        for (var b = 0; b < Batch; b++)
            for (var t = 0; t < Steps; t++)
                Assert.Equal(a.AsSpan((b * Steps + t) * Hidden, Hidden).ToArray(), c.AsSpan((t * Batch + b) * Hidden, Hidden).ToArray());
    }

    [Fact]
    public void VariableLengthsZeroThePaddingAndEndEachDirectionAtItsOwnEnd()
    {
        var layer = Layer(new RecurrentOptions { Bidirectional = true });
        var input = Input();
        int[] lengths = { 5, 3 };
        layer.Forward(input, Batch, Steps, lengths);
        var reverse = RunCell(layer.Parameters(0, 1), input, InputSize, lengths, reverse: true);
        var output = layer.Output.ToArray();
        for (var t = 3; t < Steps; t++) Assert.All(output.AsSpan((1 * Steps + t) * 2 * Hidden, 2 * Hidden).ToArray(), v => Assert.Equal(0.0, v));
        // The reverse direction of sequence 1 starts at its own last step (t = 2), not at the padding.
        Assert.Equal(reverse.Output.AsSpan((1 * Steps + 2) * Hidden, Hidden).ToArray(), output.AsSpan((1 * Steps + 2) * 2 * Hidden + Hidden, Hidden).ToArray());
        Assert.NotEqual(0.0, output[(1 * Steps + 2) * 2 * Hidden + Hidden]);
    }

    [Fact]
    public void WithoutReturnSequencesTheOutputIsEachDirectionsFinalState()
    {
        var layer = Layer(new RecurrentOptions { Bidirectional = true, ReturnSequences = false });
        var input = Input();
        layer.Forward(input, Batch, Steps, new[] { 5, 2 });
        var output = layer.Output.ToArray();
        var final = layer.FinalStates.ToArray();   // h_n: [2 directions, batch, hidden] first
        Assert.Equal(Batch * 2 * Hidden, output.Length);
        for (var b = 0; b < Batch; b++)
        {
            Assert.Equal(final.AsSpan(b * Hidden, Hidden).ToArray(), output.AsSpan(b * 2 * Hidden, Hidden).ToArray());
            Assert.Equal(final.AsSpan((Batch + b) * Hidden, Hidden).ToArray(), output.AsSpan(b * 2 * Hidden + Hidden, Hidden).ToArray());
        }
    }

    [Fact]
    public void ReturnStateOffHidesTheStates()
    {
        var layer = Layer(new RecurrentOptions { ReturnState = false });
        layer.Forward(Input(), Batch, Steps);
        Assert.True(layer.FinalStates.IsEmpty);
        var on = Layer(new RecurrentOptions());
        on.Forward(Input(), Batch, Steps);
        Assert.Equal(2 * Batch * Hidden, on.FinalStates.Length);
    }

    [Fact]
    public void GoBackwardsReadsTheReversedSequenceAndOutputsInProcessingOrder()
    {
        var layer = Layer(new RecurrentOptions { GoBackwards = true });
        var input = Input();
        layer.Forward(input, Batch, Steps);
        var reversed = new double[input.Length];
        for (var b = 0; b < Batch; b++)
            for (var t = 0; t < Steps; t++)
                input.AsSpan((b * Steps + Steps - 1 - t) * InputSize, InputSize).CopyTo(reversed.AsSpan((b * Steps + t) * InputSize));
        Assert.Equal(RunCell(layer.Parameters(0), reversed, InputSize).Output, layer.Output.ToArray());
    }

    [Fact]
    public void StatefulLayersCarryTheirStatesUntilReset()
    {
        var layer = Layer(new RecurrentOptions { Stateful = true });
        var input = Input();
        layer.Forward(input, Batch, Steps);
        var first = layer.FinalStates.ToArray();
        layer.Forward(input, Batch, Steps);
        Assert.Equal(RunCell(layer.Parameters(0), input, InputSize, initial: first).Output, layer.Output.ToArray());
        layer.ResetStates();
        layer.Forward(input, Batch, Steps);
        Assert.Equal(first, layer.FinalStates.ToArray());
        var error = Assert.Throws<ArgumentException>(() => layer.Forward(input.AsSpan(0, Steps * InputSize), 1, Steps));
        Assert.Contains("ResetStates", error.Message);
    }

    [Fact]
    public void DropoutActsOnlyWhenTrainingAndIsSeeded()
    {
        var options = new RecurrentOptions { NumLayers = 2, Dropout = 0.5 };
        var input = Input();
        var a = Layer(options);
        var b = Layer(options);
        var plain = Layer(options with { Dropout = 0 });
        a.Forward(input, Batch, Steps, training: true);
        b.Forward(input, Batch, Steps, training: true);
        plain.Forward(input, Batch, Steps);
        Assert.Equal(a.Output.ToArray(), b.Output.ToArray());          // same seed, same masks
        Assert.NotEqual(plain.Output.ToArray(), a.Output.ToArray());   // dropout changed the second layer's input
        a.Forward(input, Batch, Steps, training: false);
        Assert.Equal(plain.Output.ToArray(), a.Output.ToArray());      // inference ignores dropout
    }

    [Fact]
    public void DropoutGradientsFlowThroughTheMask()
    {
        var options = new RecurrentOptions { NumLayers = 2, Dropout = 0.4, BatchFirst = true, Seed = 7 };
        var input = Input();
        double Loss(double[] x)
        {
            var fresh = new RecurrentLayer<RnnGen.Lstm, double>(InputSize, Hidden, Batch, Steps, options);
            fresh.Forward(x, Batch, Steps, training: true);
            var sum = 0.0;
            foreach (var v in fresh.Output) sum += v;
            return sum;
        }
        var layer = new RecurrentLayer<RnnGen.Lstm, double>(InputSize, Hidden, Batch, Steps, options);
        layer.Forward(input, Batch, Steps, training: true);
        var dInput = new double[input.Length];
        layer.Backward(Enumerable.Repeat(1.0, layer.Output.Length).ToArray(), default, dInput, default);
        var numeric = Finite.Gradient(input, () => Loss(input));
        Assert.True(Finite.RelativeError(dInput, numeric) <= 1e-6);
    }

    [Fact]
    public void BiasOffHoldsBiasesAtZero()
    {
        var layer = Layer(new RecurrentOptions { Bias = false });
        Assert.All(layer.Parameters(0).Vectors, v => Assert.Equal(0.0, v));
        var withBias = Layer(new RecurrentOptions());
        Assert.Contains(withBias.Parameters(0).Vectors, v => v != 0);
        layer.Forward(Input(), Batch, Steps);
        layer.Backward(Enumerable.Repeat(1.0, layer.Output.Length).ToArray(), default, default, default);
        Assert.All(layer.Gradients(0).Vectors, v => Assert.Equal(0.0, v));
        Assert.Contains(layer.Gradients(0).Groups[0], v => v != 0);
    }

    [Fact]
    public void BadInputNamesTheArgument()
    {
        var layer = Layer(new RecurrentOptions { NumLayers = 2 });
        Assert.Equal("input", Assert.Throws<ArgumentException>(() => layer.Forward(new double[7], Batch, Steps)).ParamName);
        var h0 = Assert.Throws<ArgumentException>(() => layer.Forward(Input(), Batch, Steps, initialStates: new double[3]));
        Assert.Equal("initialStates", h0.ParamName);
        Assert.Contains("layers·directions 2", h0.Message);
        Assert.Equal("lengths", Assert.Throws<ArgumentOutOfRangeException>(() => layer.Forward(Input(), Batch, Steps, new[] { 6, 1 })).ParamName);
        Assert.Equal("lengths", Assert.Throws<ArgumentOutOfRangeException>(() => layer.Forward(Input(), Batch, Steps, new[] { 0, 1 })).ParamName);
        Assert.Equal("batch", Assert.Throws<ArgumentOutOfRangeException>(() => layer.Forward(Array.Empty<double>(), 0, Steps)).ParamName);
        Assert.Throws<ArgumentException>(() => new RecurrentLayer<RnnGen.Lstm, double>(3, 4, 2, 5, new RecurrentOptions { Merge = BidirectionalMerge.Sum }));
        Assert.Throws<ArgumentException>(() => new RecurrentLayer<RnnGen.Lstm, double>(3, 4, 2, 5, new RecurrentOptions { Bidirectional = true, GoBackwards = true }));
    }
}
