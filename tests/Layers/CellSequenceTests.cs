using RnnGen.Tests.Cells;
using RnnGen.Tests.Support;
using RnnGen.Samples;

namespace RnnGen.Tests.Layers;

public class CellSequenceTests
{
    /// <summary>Float kernels (8 lanes, vector exp/tanh) track the double kernels over a long sequence.</summary>
    [Theory]
    [InlineData(typeof(RnnGen.Lstm))]
    [InlineData(typeof(RnnGen.Gru))]
    [InlineData(typeof(RnnGen.ResetBeforeGru))]
    [InlineData(typeof(SimpleRnnTanh))]
    [InlineData(typeof(PeepholeLstm))]
    [InlineData(typeof(StabilizerCell))]
    public void FloatForwardMatchesDoubleOver100Steps(Type cellType)
    {
        var method = typeof(CellSequenceTests).GetMethod(nameof(FloatVersusDouble), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!;
        var error = (double)method.MakeGenericMethod(cellType).Invoke(null, null)!;
        Assert.True(error <= 1e-5, $"max |float − double| = {error:E2}");
        Assert.True(error > 0, "float and double agree exactly: the float path was not exercised");
    }

    private static double FloatVersusDouble<TCell>() where TCell : IRecurrentCell
    {
        const int batch = 4, steps = 100, inputSize = 13, hidden = 37;
        var random = new Random(7);
        var p64 = new CellParameters<double>(TCell.Info, inputSize, hidden);
        p64.InitializeUniform(random);
        var p32 = new CellParameters<float>(TCell.Info, inputSize, hidden);
        for (var g = 0; g < p64.Groups.Length; g++)
            for (var i = 0; i < p64.Groups[g].Length; i++) p32.Groups[g][i] = (float)p64.Groups[g][i];
        for (var i = 0; i < p64.Vectors.Length; i++) p32.Vectors[i] = (float)p64.Vectors[i];
        // Round the inputs to float first so both runs see identical inputs and weights.
        for (var g = 0; g < p64.Groups.Length; g++)
            for (var i = 0; i < p64.Groups[g].Length; i++) p64.Groups[g][i] = p32.Groups[g][i];
        for (var i = 0; i < p64.Vectors.Length; i++) p64.Vectors[i] = p32.Vectors[i];
        var x32 = Finite.Random(random, batch * steps * inputSize).Select(v => (float)v).ToArray();
        var x64 = x32.Select(v => (double)v).ToArray();

        var out64 = new double[batch * steps * hidden];
        var out32 = new float[out64.Length];
        new CellSequence<TCell, double>(p64, batch, steps).Forward(x64, batch, steps, default, out64, default);
        new CellSequence<TCell, float>(p32, batch, steps).Forward(x32, batch, steps, default, out32, default);
        double max = 0;
        for (var i = 0; i < out64.Length; i++) max = Math.Max(max, Math.Abs(out64[i] - out32[i]));
        return max;
    }

    /// <summary>A ragged batch gives each sequence exactly what a run of its own length gives: PyTorch's packed semantics.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RaggedBatchMatchesSequencesRunAlone(bool reverse)
    {
        const int batch = 3, steps = 6, inputSize = 5, hidden = 7;
        int[] lengths = { 6, 2, 4 };
        var random = new Random(11);
        var parameters = new CellParameters<double>(RnnGen.Lstm.Info, inputSize, hidden);
        parameters.InitializeUniform(random);
        var input = Finite.Random(random, batch * steps * inputSize);
        var initial = Finite.Random(random, 2 * batch * hidden);
        var output = new double[batch * steps * hidden];
        var final = new double[2 * batch * hidden];
        var sequence = new CellSequence<RnnGen.Lstm, double>(parameters, batch, steps);
        var shape = new SequenceShape(batch, steps, inputSize);
        sequence.Forward(input, shape, initial, output, new SequenceShape(batch, steps, hidden), final, lengths, reverse);

        for (var b = 0; b < batch; b++)
        {
            var n = lengths[b];
            var alone = new double[n * hidden];
            var aloneFinal = new double[2 * hidden];
            var aloneInitial = new[] { initial.AsSpan(b * hidden, hidden).ToArray(), initial.AsSpan((batch + b) * hidden, hidden).ToArray() }.SelectMany(a => a).ToArray();
            var aloneInput = input.AsSpan(b * steps * inputSize, n * inputSize).ToArray();
            if (reverse) aloneInput = Enumerable.Range(0, n).Reverse().SelectMany(t => aloneInput.AsSpan(t * inputSize, inputSize).ToArray()).ToArray();
            sequence.Forward(aloneInput, 1, n, aloneInitial, alone, aloneFinal);
            for (var position = 0; position < steps; position++)
                for (var j = 0; j < hidden; j++)
                {
                    var expected = position >= n ? 0 : alone[(reverse ? n - 1 - position : position) * hidden + j];
                    Assert.Equal(expected, output[(b * steps + position) * hidden + j], 12);
                }
            for (var s = 0; s < 2; s++)
                for (var j = 0; j < hidden; j++)
                    Assert.Equal(aloneFinal[s * hidden + j], final[(s * batch + b) * hidden + j], 12);
        }
    }

    [Fact]
    public void LengthsOutsideOneToStepsAreRejected()
    {
        var sequence = NewLstm(out _);
        var shape = new SequenceShape(2, 3, 5);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            sequence.Forward(new float[30], shape, default, new float[36], new SequenceShape(2, 3, 6), default, new[] { 3, 4 }));
        Assert.Equal("lengths", error.ParamName);
        Assert.Contains("between 1 and the number of steps, 3", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            sequence.Forward(new float[30], shape, default, new float[36], new SequenceShape(2, 3, 6), default, new[] { 0, 3 }));
        Assert.Equal("lengths", Assert.Throws<ArgumentException>(() =>
            sequence.Forward(new float[30], shape, default, new float[36], new SequenceShape(2, 3, 6), default, new[] { 3 })).ParamName);
    }

    /// <summary>A cell specialized for its hidden size computes what the general kernels compute, in float and double
    /// (to rounding: a row's tail may fall to a different lane width).</summary>
    [Fact]
    public void FixedSizeKernelsMatchTheGeneralOnes()
    {
        Compare<float>();
        Compare<double>();
        static void Compare<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            const int batch = 3, steps = 4, inputSize = 5, hidden = 20;
            var general = new CellParameters<T>(RnnGen.Lstm.Info, inputSize, hidden);
            general.InitializeUniform(new Random(2));
            var fixedSize = new CellParameters<T>(FixedSizeLstm.Info, inputSize, hidden);
            for (var g = 0; g < general.Groups.Length; g++) general.Groups[g].CopyTo(fixedSize.Groups[g], 0);
            general.Vectors.CopyTo(fixedSize.Vectors, 0);
            var input = Finite.Random(new Random(3), batch * steps * inputSize).Select(v => T.CreateTruncating(v)).ToArray();
            var a = new T[batch * steps * hidden];
            var b = new T[a.Length];
            new CellSequence<RnnGen.Lstm, T>(general, batch, steps).Forward(input, batch, steps, default, a, default);
            new CellSequence<FixedSizeLstm, T>(fixedSize, batch, steps).Forward(input, batch, steps, default, b, default);
            var tolerance = typeof(T) == typeof(float) ? 1e-6 : 1e-14;
            for (var i = 0; i < a.Length; i++) Assert.True(Math.Abs(double.CreateTruncating(a[i] - b[i])) <= tolerance, $"element {i}: {a[i]} vs {b[i]}");
        }
    }

    /// <summary>After warm-up, a forward + backward pass allocates nothing.</summary>
    [Fact]
    public void ForwardAndBackwardAllocateNothingAfterWarmUp()
    {
        AssertNoAllocation<RnnGen.Lstm>();
        AssertNoAllocation<RnnGen.Gru>();
        AssertNoAllocation<RnnGen.ResetBeforeGru>();
        AssertNoAllocation<RnnGen.Lstmp>(projection: 12);
        AssertNoAllocation<RnnGen.LayerNormLstm>();
        AssertNoAllocation<RnnGen.SLstm>();
    }

    private static void AssertNoAllocation<TCell>(int projection = 0) where TCell : IRecurrentCell
    {
        const int batch = 8, steps = 20, inputSize = 16, hidden = 32;
        var parameters = new CellParameters<float>(TCell.Info, inputSize, hidden, projection);
        parameters.InitializeUniform(new Random(3));
        var gradients = new CellParameters<float>(TCell.Info, inputSize, hidden, projection);
        var sequence = new CellSequence<TCell, float>(parameters, batch, steps);
        var input = new float[batch * steps * inputSize];
        var output = new float[batch * steps * (projection > 0 ? projection : hidden)];
        var dOutput = Enumerable.Repeat(0.1f, output.Length).ToArray();
        var dInput = new float[input.Length];
        void Step()
        {
            sequence.Forward(input, batch, steps, default, output, default);
            sequence.Backward(dOutput, default, gradients, dInput, default);
        }
        Assert.Equal(0, Allocations.Measure(Step));
    }

    private static CellSequence<RnnGen.Lstm, float> NewLstm(out CellParameters<float> parameters, int maxBatch = 3, int maxSteps = 4)
    {
        parameters = new CellParameters<float>(RnnGen.Lstm.Info, 5, 6);
        return new CellSequence<RnnGen.Lstm, float>(parameters, maxBatch, maxSteps);
    }

    [Fact]
    public void WrongInputWidthNamesTheArgumentAndBothShapes()
    {
        var sequence = NewLstm(out _);
        var error = Assert.Throws<ArgumentException>(() =>
            sequence.Forward(new float[2 * 3 * 4], 2, 3, default, new float[2 * 3 * 6], default));
        Assert.Equal("input", error.ParamName);
        Assert.Contains("30", error.Message);  // expected 2·3·5
        Assert.Contains("24", error.Message);  // actual
        Assert.Contains("features 5", error.Message);
    }

    [Fact]
    public void InitialStatesWithTheWrongBatchAreRejected()
    {
        var sequence = NewLstm(out _);
        var error = Assert.Throws<ArgumentException>(() =>
            sequence.Forward(new float[2 * 3 * 5], 2, 3, new float[2 * 3 * 6], new float[2 * 3 * 6], default));
        Assert.Equal("initialStates", error.ParamName);
        Assert.Contains("24", error.Message);  // expected: 2 states · batch 2 · hidden 6
        Assert.Contains("36", error.Message);  // actual: a batch of 3
    }

    [Fact]
    public void ZeroLengthSequencesAreRejected()
    {
        var sequence = NewLstm(out _);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            sequence.Forward(Array.Empty<float>(), 2, 0, default, Array.Empty<float>(), default));
        Assert.Equal("steps", error.ParamName);
        Assert.Contains("at least one step", error.Message);
    }

    [Fact]
    public void BatchesAndStepsBeyondTheHintGrowTheWorkspaceOnce()
    {
        // maxBatch 3, maxSteps 4 are hints (issue 9): a batch of 4 and then 5 steps grow the workspace instead of throwing.
        var sequence = NewLstm(out var parameters);
        var large = new CellSequence<RnnGen.Lstm, float>(parameters, 4, 5);
        var input = new float[4 * 5 * 5];
        for (var i = 0; i < input.Length; i++) input[i] = (i % 7 - 3) / 5f;
        sequence.Forward(input.AsSpan(0, 4 * 2 * 5), 4, 2, default, new float[4 * 2 * 6], default);
        Assert.Equal((4, 4), (sequence.MaxBatch, sequence.MaxSteps));
        var (grown, expected) = (new float[4 * 5 * 6], new float[4 * 5 * 6]);
        sequence.Forward(input, 4, 5, default, grown, default);
        large.Forward(input, 4, 5, default, expected, default);
        Assert.Equal((4, 5), (sequence.MaxBatch, sequence.MaxSteps));
        Assert.Equal(expected, grown);
        Assert.Equal("batch", Assert.Throws<ArgumentOutOfRangeException>(() =>
            sequence.Forward(default, 0, 2, default, default, default)).ParamName);
    }

    [Fact]
    public void MismatchedOutputAndGradientSpansAreRejected()
    {
        var sequence = NewLstm(out var parameters);
        Assert.Equal("output", Assert.Throws<ArgumentException>(() =>
            sequence.Forward(new float[2 * 3 * 5], 2, 3, default, new float[2 * 3 * 6 - 1], default)).ParamName);
        Assert.Throws<InvalidOperationException>(() =>
            sequence.Backward(default, default, new CellParameters<float>(RnnGen.Lstm.Info, 5, 6), default, default));
        sequence.Forward(new float[2 * 3 * 5], 2, 3, default, new float[2 * 3 * 6], default);
        var gradients = new CellParameters<float>(RnnGen.Lstm.Info, 5, 6);
        Assert.Equal("dOutput", Assert.Throws<ArgumentException>(() =>
            sequence.Backward(new float[7], default, gradients, default, default)).ParamName);
        Assert.Equal("dInput", Assert.Throws<ArgumentException>(() =>
            sequence.Backward(default, default, gradients, new float[3], default)).ParamName);
        Assert.Equal("gradients", Assert.Throws<ArgumentException>(() =>
            sequence.Backward(default, default, new CellParameters<float>(RnnGen.Lstm.Info, 4, 6), default, default)).ParamName);
        Assert.Same(parameters.Cell, gradients.Cell);
    }

    [Fact]
    public void KernelsRejectShortBuffersWithAnArgumentException()
    {
        // Called directly (bypassing CellSequence), a generated kernel validates before touching memory.
        var error = Assert.Throws<ArgumentException>(() =>
            RnnGen.Lstm.Forward(0, new CellForwardStep<float>(2, 8, new float[2 * 4 * 8 - 1], new float[2 * 4 * 8], default,
                new float[4 * 8], new float[2 * 2 * 8], new float[2 * 2 * 8], 16, default, 0, new float[2 * 5 * 8])));
        Assert.Equal("Zx", error.ParamName);
        Assert.Contains("63", error.Message);
        Assert.Contains("64", error.Message);
    }

    /// <summary>A step that views some rows of a larger batch gives the batch's strides; strides that would overlap the
    /// blocks, or buffers too short for them, are rejected by name before the kernel runs.</summary>
    [Fact]
    public void KernelsRejectOverlappingOrShortStrides()
    {
        const int batch = 2, h = 8, rows = batch * h;
        var stride = Assert.Throws<ArgumentException>(() => RnnGen.Lstm.Backward(0, new CellBackwardStep<float>(batch, h, new float[4 * h],
            new float[2 * rows], new float[2 * rows], rows, default, 0, new float[5 * rows], default,
            new float[2 * rows], new float[2 * rows], new float[4 * rows], default, default, default, new float[4 * h], gradientStride: rows - 1)));
        Assert.Equal("GradientStride", stride.ParamName);
        // ZoneoutLstm has two masks: with the stride of a batch twice this size they need 3 blocks, and hold 2.
        var masks = Assert.Throws<ArgumentException>(() => ZoneoutLstm.Forward(0, new CellForwardStep<float>(batch, h, new float[4 * rows],
            default, default, new float[4 * h], new float[2 * rows], new float[2 * rows], rows, default, 0, new float[8 * rows],
            new float[2 * rows], default, maskStride: 2 * rows)));
        Assert.Equal("Masks", masks.ParamName);
        Assert.Contains($"{3 * rows}", masks.Message);
    }

    [Fact]
    public void FixedSizeCellsRejectOtherHiddenSizes()
    {
        var error = Assert.Throws<ArgumentException>(() => new CellParameters<float>(FixedSizeRnn.Info, 3, 8));
        Assert.Contains("6", error.Message);
        Assert.Contains("8", error.Message);
    }

    [Fact]
    public void MetadataDescribesTheLstmAsPyTorchLaysItOut()
    {
        var info = RnnGen.Lstm.Info;
        Assert.Equal(new[] { "h", "c" }, info.States);
        Assert.Equal(0, info.OutputState);
        Assert.Equal(new[] { "W_i", "W_f", "W_g", "W_o" }, info.Groups[0].Matrices);
        Assert.Equal(OperandKind.Input, info.Groups[0].Kind);
        Assert.Equal(new[] { "U_i", "U_f", "U_g", "U_o" }, info.Groups[1].Matrices);
        Assert.Equal(new[] { "b_i", "b_f", "b_g", "b_o" }, info.Vectors);
        Assert.Equal(1, info.StageCount);
        Assert.Equal(2, RnnGen.ResetBeforeGru.Info.StageCount);
        Assert.Equal(3, ThreeStageCell.Info.StageCount);
        // 2·H·(4·I + 4·H) multiply–adds per row plus the elementwise work.
        Assert.Equal(2.0 * 10 * (4 * 3 + 4 * 10) * 2 + info.ElementwiseOps * 10 * 2, info.ForwardFlops(3, 10, 2));
    }
}

public class StateGradientNormTests
{
    /// <summary>With the loss on the last step only, ∂L/∂h_{T−1} is that step's output gradient, and the norms further back
    /// show the seed's vanishing gradient: a small-weight tanh RNN forgets fast, an LSTM with forget bias 1 much less.</summary>
    [Fact]
    public void NormsShowVanishingGradientsForAnyCell()
    {
        const int batch = 2, steps = 30, hidden = 8;
        double Ratio<TCell>(double weightScale, Action<CellParameters<double>>? adjust = null) where TCell : IRecurrentCell
        {
            var parameters = new CellParameters<double>(TCell.Info, 3, hidden);
            var random = new Random(1);
            foreach (var array in parameters.Groups.Append(parameters.Vectors))
                for (var i = 0; i < array.Length; i++) array[i] = (random.NextDouble() * 2 - 1) * weightScale;
            adjust?.Invoke(parameters);
            var sequence = new CellSequence<TCell, double>(parameters, batch, steps);
            var input = RnnGen.Tests.Support.Finite.Random(random, batch * steps * 3);
            var output = new double[batch * steps * hidden];
            sequence.Forward(input, batch, steps, default, output, default);
            var dOutput = new double[output.Length];
            for (var b = 0; b < batch; b++) dOutput[(b * steps + steps - 1) * hidden] = 1;   // L = Σ_b h_{T−1}[b, 0]
            sequence.Backward(dOutput, default, new CellParameters<double>(TCell.Info, 3, hidden), default, default);
            var norms = sequence.StateGradientNorms;
            Assert.Equal(steps, norms.Length);
            Assert.Equal(Math.Sqrt(batch), norms[steps - 1], 12);
            return norms[0] / norms[steps - 1];
        }
        var rnn = Ratio<SimpleRnnTanh>(0.3);
        var lstm = Ratio<RnnGen.Lstm>(0.3, p => p["b_f"].Values.Span.Fill(3));
        Assert.True(rnn < 1e-6, $"tanh RNN keeps {rnn:E2} of the gradient over 30 steps");
        Assert.True(lstm > 1e3 * rnn, $"LSTM keeps {lstm:E2}, tanh RNN {rnn:E2}");
    }
}
