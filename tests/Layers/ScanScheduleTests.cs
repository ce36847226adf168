using RnnGen.Kernels;
using RnnGen.Tests.Cells;
using RnnGen.Tests.Kernels;
using RnnGen.Tests.Support;

namespace RnnGen.Tests.Layers;

/// <summary>
/// The scan schedule against the sequential schedule of the same cell (CellSequence's internal sequential switch), in
/// double: outputs, final states, every parameter gradient, the input and initial-state gradients and the gradient norms
/// agree to 1e-12, with variable lengths, reverse processing, two stacked layers and one or two threads.
/// </summary>
[Collection(nameof(GemmThreadingTests))]
public class ScanScheduleTests
{
    private const double Tolerance = 1e-12;

    [Fact]
    public void GeneratorChoosesTheScanForAffineCells()
    {
        Assert.Equal(ScheduleKind.Scan, MinGru.Info.Schedule.Kind);
        Assert.Equal(ScheduleKind.Scan, MinLstm.Info.Schedule.Kind);
        Assert.Equal(ScheduleKind.Scan, RealLinearRecurrence.Info.Schedule.Kind);
        // QRNN: states (c, h); the scan runs c, h' = o ⊙ c' is computed after it.
        Assert.Equal(["c", "h"], QrnnCell.Info.States);
        Assert.Equal([true, false], QrnnCell.Info.Schedule.ScannedStates);
        Assert.Equal(ScheduleKind.Sequential, Lstm.Info.Schedule.Kind);
        Assert.Equal(ScheduleKind.Sequential, ResetBeforeGru.Info.Schedule.Kind);
    }

    [Fact]
    public void CoefficientPassGivesAAndBAndTheStateFreeTape()
    {
        // MinGru: h' = (1 - z) * h + z * ht, so a = 1 - z, b = z * ht; its tape (z, ht) reads no state.
        Assert.True(MinGru.Info.Schedule.TapeFromCoefficients);
        Assert.False(QrnnCell.Info.Schedule.TapeFromCoefficients);   // h' is computed after the scan
        const int rows = 3, hidden = 5;
        var random = new Random(5);
        var zx = Finite.Random(random, rows * 2 * hidden);
        var vectors = Finite.Random(random, 2 * hidden);
        var (a, b, tape) = (new double[rows * hidden], new double[rows * hidden], new double[rows * 2 * hidden]);
        MinGru.Coefficients(new CellScanStep<double>(rows, hidden, zx, vectors, a, b, rows * hidden, tape));
        for (var r = 0; r < rows; r++)
            for (var j = 0; j < hidden; j++)
            {
                var z = 1 / (1 + Math.Exp(-(zx[r * 2 * hidden + j] + vectors[j])));
                var ht = zx[r * 2 * hidden + hidden + j] + vectors[hidden + j];
                Assert.Equal(1 - z, a[r * hidden + j], 1e-14);
                Assert.Equal(z * ht, b[r * hidden + j], 1e-14);
            }
        Assert.Throws<NotSupportedException>(() => CallCoefficients<Lstm>(record: true));
    }

    private static void CallCoefficients<TCell>(bool record) where TCell : IRecurrentCell
    {
        var step = new CellScanStep<double>(1, 1, default, default, default, default, 1, default);
        if (record) TCell.Coefficients(step);
        else TCell.InferCoefficients(step);
    }

    /// <summary>The inference coefficient pass writes Coefficients' a and b bit for bit, handed no tape (H = 37: the 512-bit,
    /// Vector and scalar columns); a sequential cell has none.</summary>
    [Fact]
    public void InferenceCoefficientPassGivesTheSameAAndBWithoutATape()
    {
        SameCoefficients<MinGru>();
        SameCoefficients<MinLstm>();
        SameCoefficients<QrnnCell>();
        Assert.Throws<NotSupportedException>(() => CallCoefficients<Lstm>(record: false));
    }

    private static void SameCoefficients<TCell>() where TCell : IRecurrentCell
    {
        const int rows = 4, hidden = 37;
        var info = TCell.Info;
        var random = new Random(6);
        var zx = Finite.Random(random, rows * info.InputWidth * hidden).Select(v => (float)v).ToArray();
        var vectors = Finite.Random(random, info.Vectors.Count * hidden).Select(v => (float)v).ToArray();
        var stride = rows * hidden;
        (float[] A, float[] B) Run(bool record)
        {
            var (a, b) = (new float[info.States.Count * stride], new float[info.States.Count * stride]);
            var step = new CellScanStep<float>(rows, hidden, zx, vectors, a, b, stride, record ? new float[rows * info.TapeWidth * hidden] : default);
            if (record) TCell.Coefficients(step);
            else TCell.InferCoefficients(step);
            return (a, b);
        }
        var (recorded, inferred) = (Run(record: true), Run(record: false));
        Assert.Contains(recorded.A, v => v != 0);
        Assert.Contains(recorded.B, v => v != 0);
        Assert.Equal(recorded.A, inferred.A);
        Assert.Equal(recorded.B, inferred.B);
    }

    [Fact]
    public void SequentialCellsNameTheTermAndItsLine()
    {
        Assert.Equal("sequential: in line 1 (i  = sigmoid(W_i x + U_i h + b_i)), 'U_i h' blocks the scan: a matrix multiplies the previous state, so each step needs the one before",
            Lstm.Info.Schedule.Explanation);
        Assert.Equal("sequential: in line 1 (h' = tanh(W x + u * h + b)), 'tanh(W x + u * h + b)' blocks the scan: a nonlinear function of the previous state",
            IndRnnTanh.Info.Schedule.Explanation);
        Assert.Equal("scan: c' = a ⊙ c + b over all steps at once; then h' from the new states", QrnnCell.Info.Schedule.Explanation);
    }

    // Hidden 11: the scan chunked in time with two threads; hidden 64 (192 lanes): split by lanes.
    public static TheoryData<string, int[]?, bool, int, int> Cases => new()
    {
        { nameof(MinGru), null, false, 1, 11 },
        { nameof(MinGru), [7, 3, 1], true, 2, 11 },
        { nameof(MinGru), [7, 3, 1], true, 2, 64 },
        { nameof(MinLstm), [2, 7, 5], false, 2, 11 },
        { nameof(MinLstm), null, false, 2, 64 },
        { nameof(MinLstm), null, true, 1, 11 },
        { nameof(QrnnCell), [7, 3, 1], true, 2, 11 },
        { nameof(QrnnCell), [4, 7, 6], false, 1, 11 },
        { nameof(QrnnCell), [4, 7, 6], false, 2, 64 },
        { nameof(RealLinearRecurrence), null, false, 2, 11 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesTheSequentialSchedule(string cell, int[]? lengths, bool reverse, int threads, int hidden)
    {
        switch (cell)
        {
            case nameof(MinGru): Compare<MinGru>(lengths, reverse, threads, hidden); break;
            case nameof(MinLstm): Compare<MinLstm>(lengths, reverse, threads, hidden); break;
            case nameof(QrnnCell): Compare<QrnnCell>(lengths, reverse, threads, hidden); break;
            default: Compare<RealLinearRecurrence>(lengths, reverse, threads, hidden); break;
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void StackedLayersMatchTheSequentialSchedule(int threads)
    {
        const int batch = 3, steps = 9, input = 4, hidden = 7;
        var random = new Random(5);
        var lower = Run.Parameters<QrnnCell>(random, input, hidden);
        var upper = Run.Parameters<MinLstm>(random, hidden, hidden);
        var x = Finite.Random(random, batch * steps * input);
        var dOutput = Finite.Random(random, batch * steps * hidden);
        int[] lengths = [9, 4, 6];
        (double[] Output, double[] DInput, double[] DLower, double[] DUpper) Stack(bool sequential)
        {
            var a = new CellSequence<QrnnCell, double>(lower, batch, steps, true, long.MaxValue, sequential: sequential);
            var b = new CellSequence<MinLstm, double>(upper, batch, steps, true, long.MaxValue, sequential: sequential);
            var middle = new double[batch * steps * hidden];
            var output = new double[batch * steps * hidden];
            a.Forward(x, new SequenceShape(batch, steps, input), default, middle, new SequenceShape(batch, steps, hidden), default, lengths, reverse: true);
            b.Forward(middle, new SequenceShape(batch, steps, hidden), default, output, new SequenceShape(batch, steps, hidden), default, lengths);
            var (gLower, gUpper) = (new CellParameters<double>(QrnnCell.Info, input, hidden), new CellParameters<double>(MinLstm.Info, hidden, hidden));
            var (dMiddle, dInput) = (new double[middle.Length], new double[x.Length]);
            b.Backward(dOutput, default, gUpper, dMiddle, default);
            a.Backward(dMiddle, default, gLower, dInput, default);
            return (output, dInput, Run.Flatten(gLower), Run.Flatten(gUpper));
        }
        var (scan, sequential) = GemmThreadCount.With(threads, () => (Stack(false), Stack(true)));
        AssertClose("output", sequential.Output, scan.Output);
        AssertClose("input gradient", sequential.DInput, scan.DInput);
        AssertClose("lower layer gradients", sequential.DLower, scan.DLower);
        AssertClose("upper layer gradients", sequential.DUpper, scan.DUpper);
    }

    [Fact]
    public void TrainingStepsAllocateNothingAfterWarmUp()
    {
        const int batch = 4, steps = 64, input = 8, hidden = 16;
        var random = new Random(2);
        var parameters = Run.Parameters<QrnnCell>(random, input, hidden);
        var gradients = new CellParameters<double>(QrnnCell.Info, input, hidden);
        var sequence = new CellSequence<QrnnCell, double>(parameters, batch, steps);
        var x = Finite.Random(random, batch * steps * input);
        var output = new double[batch * steps * hidden];
        var dInput = new double[x.Length];
        var dInitial = new double[2 * batch * hidden];
        int[] lengths = [64, 30, 12, 63];
        var bytes = GemmThreadCount.With(2, () => Allocations.Measure(() =>
        {
            sequence.Forward(x, new SequenceShape(batch, steps, input), default, output, new SequenceShape(batch, steps, hidden), default, lengths, reverse: true);
            sequence.Backward(output, default, gradients, dInput, dInitial);
        }));
        Assert.Equal(0, bytes);
    }

    [Theory]
    [InlineData(false, 1, false)]
    [InlineData(false, 3, false)]
    [InlineData(true, 4, false)]
    [InlineData(true, 7, false)]
    [InlineData(false, 3, true)]
    [InlineData(true, 4, true)]
    public unsafe void ChunkedScanMatchesTheRecurrence(bool reverse, int chunks, bool byLanes)
    {
        const int steps = 11, lanes = 5, states = 2;
        var random = new Random(9);
        var a = Finite.Random(random, states * steps * lanes);
        var x = Finite.Random(random, states * steps * lanes);
        var boundary = Finite.Random(random, states * lanes);
        var expected = (double[])x.Clone();
        for (var s = 0; s < states; s++)
            for (var k = 0; k < steps; k++)
            {
                int t = reverse ? steps - 1 - k : k, before = reverse ? t + 1 : t - 1;
                for (var l = 0; l < lanes; l++)
                {
                    var previous = k == 0 ? boundary[s * lanes + l] : expected[(s * steps + before) * lanes + l];
                    expected[(s * steps + t) * lanes + l] += a[(s * steps + t) * lanes + l] * previous;
                }
            }
        var products = new double[chunks * states * lanes];
        var scanned = new[] { true, true };
        fixed (double* pa = a, px = x, pb = boundary, pp = products)
        fixed (bool* ps = scanned)
        {
            var time = new TimeChunks(steps, chunks, reverse);
            var job = new LinearScan<double>.Job
            {
                X = new Blocks<double>(px, steps * lanes, lanes, states, time),
                A = new Blocks<double>(pa, steps * lanes, lanes, states, time),
                Boundary = pb, BoundaryPitch = lanes, Products = pp, Scanned = ps, States = states, Lanes = lanes, Chunks = time,
            };
            if (byLanes)
            {
                job.Chunks = new TimeChunks(steps, 1, reverse);
                for (var share = 0; share < 3; share++) LinearScan<double>.ByLanes(job, share, 3);
            }
            else
            {
                for (var c = 0; c < time.Count; c++) LinearScan<double>.Local(job, c);
                LinearScan<double>.Carry(job);
                for (var share = 0; share < 3; share++) LinearScan<double>.FixUp(job, share, 3);
            }
        }
        AssertClose("scan", expected, x);
    }

    private static void Compare<TCell>(int[]? lengths, bool reverse, int threads, int hidden) where TCell : IRecurrentCell
    {
        var (scan, sequential) = GemmThreadCount.With(threads, () => (Run.Sequence<TCell>(lengths, reverse, false, hidden), Run.Sequence<TCell>(lengths, reverse, true, hidden)));
        AssertClose("output", sequential.Output, scan.Output);
        AssertClose("final states", sequential.Final, scan.Final);
        AssertClose("parameter gradients", sequential.Gradients, scan.Gradients);
        AssertClose("input gradient", sequential.DInput, scan.DInput);
        AssertClose("initial-state gradient", sequential.DInitial, scan.DInitial);
        AssertClose("state gradient norms", sequential.Norms, scan.Norms);
    }


    private static void AssertClose(string what, double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        Assert.True(expected.Any(v => v != 0), $"{what}: all zero, the comparison would be vacuous");
        for (var i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= Tolerance * Math.Max(1, Math.Abs(expected[i])),
                $"{what}[{i}]: sequential {expected[i]:R}, scan {actual[i]:R}");
    }

    /// <summary>One forward and backward of a cell in double with fixed random data; everything it computes.</summary>
    private static class Run
    {
        public sealed record Result(double[] Output, double[] Final, double[] Gradients, double[] DInput, double[] DInitial, double[] Norms);

        public static CellParameters<double> Parameters<TCell>(Random random, int input, int hidden) where TCell : IRecurrentCell
        {
            var parameters = new CellParameters<double>(TCell.Info, input, hidden);
            foreach (var array in parameters.Groups.Append(parameters.Vectors))
                Finite.Random(random, array.Length, 0.6).CopyTo(array, 0);
            return parameters;
        }

        public static double[] Flatten(CellParameters<double> parameters) => [.. parameters.Groups.SelectMany(g => g), .. parameters.Vectors];

        public static Result Sequence<TCell>(int[]? lengths, bool reverse, bool sequential, int hidden) where TCell : IRecurrentCell
        {
            const int batch = 3, steps = 7, input = 5;
            var random = new Random(77);
            var cell = TCell.Info;
            var parameters = Parameters<TCell>(random, input, hidden);
            var states = cell.States.Count * batch * hidden;
            var x = Finite.Random(random, batch * steps * input);
            var initial = Finite.Random(random, states, 0.5);
            var dOutput = Finite.Random(random, batch * steps * hidden);
            var dFinal = Finite.Random(random, states);
            var sequence = new CellSequence<TCell, double>(parameters, batch, steps, true, long.MaxValue, sequential: sequential);
            var (output, final) = (new double[dOutput.Length], new double[states]);
            sequence.Forward(x, new SequenceShape(batch, steps, input), initial, output, new SequenceShape(batch, steps, hidden), final, lengths, reverse);
            var gradients = new CellParameters<double>(cell, input, hidden);
            var (dInput, dInitial) = (new double[x.Length], new double[states]);
            sequence.Backward(dOutput, dFinal, gradients, dInput, dInitial);
            return new Result(output, final, Flatten(gradients), dInput, dInitial, sequence.StateGradientNorms.ToArray());
        }
    }
}
