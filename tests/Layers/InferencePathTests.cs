using RnnGen.Tests.Cells;
using RnnGen.Tests.Support;
using RnnGen.Samples;

namespace RnnGen.Tests.Layers;

/// <summary>
/// The inference path: a forward-only sequence (<see cref="CellSequence{TCell, T}.CreateInferenceSession"/>, and every
/// sequence of a layer's inference session) runs the cells' Infer passes, which store nothing for backward. It computes
/// exactly what the recorded Forward computes, allocates nothing in steady state, and its workspace drops the tape and
/// all but one step of the stage operands. A trainable sequence runs them too in a Forward that does not record (a layer
/// not training); a Backward after it recomputes the recording passes, and gives exactly the recorded Forward's gradients.
/// </summary>
public class InferencePathTests
{
    private const int Batch = 3, Steps = 7, InputSize = 5, Hidden = 37, Projection = 5;

    /// <summary>Every built-in cell, and custom cells with several stages, masks (read at their expectation), row
    /// statistics, scalars, a compile-time hidden size, a carry track and a peephole.</summary>
    public static TheoryData<Type> Cells => new()
    {
        typeof(RnnGen.SimpleRnnTanh), typeof(RnnGen.SimpleRnnRelu), typeof(RnnGen.Lstm), typeof(RnnGen.Gru), typeof(RnnGen.ResetBeforeGru),
        typeof(RnnGen.Lstmp), typeof(RnnGen.IndRnn), typeof(RnnGen.Mgu), typeof(RnnGen.MinGru), typeof(RnnGen.MinLstm), typeof(RnnGen.SLstm),
        typeof(RnnGen.LayerNormLstm), typeof(RnnGen.LayerNormGru),
        typeof(ThreeStageCell), typeof(ReductionCell), typeof(StagedReductionCell), typeof(ScalarCell), typeof(FixedSizeLayerNormRnn),
        typeof(RandomZooCell), typeof(ZoneoutLstm), typeof(WeightDropLstm), typeof(RecurrentDropoutLstm), typeof(CarryTrackRnn), typeof(PeepholeLstm),
        typeof(QrnnCell), typeof(RealLinearRecurrence),
    };

    [Theory]
    [MemberData(nameof(Cells))]
    public void InferenceSessionGivesTheRecordedForwardsOutputsBitForBit(Type cell) => Run(nameof(CompareWithRecorded), cell);

    private static void CompareWithRecorded<TCell>() where TCell : IRecurrentCell
    {
        var (parameters, rates) = Setup<TCell>();
        var recorded = new CellSequence<TCell, double>(parameters, Batch, Steps, rates);
        var inference = recorded.CreateInferenceSession();
        Assert.True(inference.IsInferenceSession);
        Assert.False(recorded.IsInferenceSession);
        Assert.Equal(recorded.Rates, inference.Rates);

        var random = new Random(5);
        var input = Finite.Random(random, Batch * Steps * InputSize);
        var initial = Finite.Random(random, StatesLength(TCell.Info));
        int[] lengths = [Steps, 2, 5];
        foreach (var reverse in new[] { false, true })
        {
            var (output, final) = Run(recorded, input, initial, lengths, reverse);
            var (inferred, inferredFinal) = Run(inference, input, initial, lengths, reverse);
            Assert.Contains(output, v => v != 0);
            Assert.Equal(output, inferred);
            Assert.Equal(final, inferredFinal);
        }
    }

    /// <summary>Cells of one and several stages, a projected state, masks and a dropconnect matrix at their expectations,
    /// scan cells (QrnnCell with an output-map state) and row statistics: a Forward that does not record gives the recorded Forward's outputs, and a Backward
    /// after it — twice, with retainGraph — its gradients, bit for bit, over ragged lengths in both directions.</summary>
    [Theory]
    [InlineData(typeof(RnnGen.Lstm))]
    [InlineData(typeof(RnnGen.Gru))]
    [InlineData(typeof(RnnGen.ResetBeforeGru))]
    [InlineData(typeof(RnnGen.Lstmp))]
    [InlineData(typeof(RnnGen.MinGru))]
    [InlineData(typeof(RnnGen.MinLstm))]
    [InlineData(typeof(QrnnCell))]
    [InlineData(typeof(RnnGen.LayerNormLstm))]
    [InlineData(typeof(ThreeStageCell))]
    [InlineData(typeof(StagedReductionCell))]
    [InlineData(typeof(RandomZooCell))]
    [InlineData(typeof(ZoneoutLstm))]
    [InlineData(typeof(WeightDropLstm))]
    [InlineData(typeof(RecurrentDropoutLstm))]
    public void BackwardAfterAForwardThatDidNotRecordGivesTheRecordedGradientsBitForBit(Type cell) => Run(nameof(CompareReplayed), cell);

    private static void CompareReplayed<TCell>() where TCell : IRecurrentCell
    {
        var (parameters, rates) = Setup<TCell>();
        var recording = new CellSequence<TCell, double>(parameters, Batch, Steps, rates);
        var replaying = new CellSequence<TCell, double>(parameters, Batch, Steps, rates);
        var random = new Random(8);
        var input = Finite.Random(random, Batch * Steps * InputSize);
        var initial = Finite.Random(random, StatesLength(TCell.Info));
        var dOutput = Finite.Random(random, Batch * Steps * OutputWidth(TCell.Info));
        var dFinal = Finite.Random(random, initial.Length);
        int[] lengths = [Steps, 2, 5];
        foreach (var reverse in new[] { false, true })
        {
            var expected = ForwardBackwardTwice(recording, record: true, input, initial, lengths, reverse, dOutput, dFinal);
            var actual = ForwardBackwardTwice(replaying, record: false, input, initial, lengths, reverse, dOutput, dFinal);
            for (var i = 0; i < expected.Count; i++)
            {
                Assert.Equal(expected[i].Name, actual[i].Name);
                Assert.True(expected[i].Values.Length == 0 || expected[i].Values.Any(v => v != 0), $"{expected[i].Name}: all zero, the comparison would be vacuous");
                Assert.True(expected[i].Values.AsSpan().SequenceEqual(actual[i].Values), $"{expected[i].Name} differs (reverse {reverse})");
            }
        }
    }

    /// <summary>One Forward (recording or not), then two Backwards (the first retaining the graph): every result by name.</summary>
    private static List<(string Name, double[] Values)> ForwardBackwardTwice<TCell>(CellSequence<TCell, double> sequence, bool record,
        double[] input, double[] initial, int[] lengths, bool reverse, double[] dOutput, double[] dFinal) where TCell : IRecurrentCell
    {
        var width = OutputWidth(TCell.Info);
        var (output, final) = (new double[Batch * Steps * width], new double[initial.Length]);
        sequence.Forward(input, new SequenceShape(Batch, Steps, InputSize), initial, output, new SequenceShape(Batch, Steps, width), final,
            lengths, reverse, masks: null, record);
        var results = new List<(string, double[])> { ("output", output), ("final states", final) };
        var gradients = new CellParameters<double>(TCell.Info, InputSize, HiddenOf(TCell.Info), sequence.Parameters.ProjectionSize);
        for (var pass = 1; pass <= 2; pass++)
        {
            var (dInput, dInitial) = (new double[input.Length], new double[initial.Length]);
            sequence.Backward(dOutput, dFinal, gradients, dInput, dInitial, retainGraph: pass == 1);
            results.Add(($"pass {pass}: input gradient", dInput));
            results.Add(($"pass {pass}: initial-state gradient", dInitial));
            results.Add(($"pass {pass}: state gradient norms", sequence.StateGradientNorms.ToArray()));
            results.AddRange(gradients.Tensors().Select(t => ($"pass {pass}: {t.Name}", t.Values.ToArray())));
        }
        return results;
    }

    /// <summary>A multi-stage cell (its stages hand values on through one step of tape), a layer-norm cell (row statistics)
    /// and the LSTM allocate nothing per Forward of an inference session.</summary>
    [Theory]
    [InlineData(typeof(RnnGen.Lstm))]
    [InlineData(typeof(RnnGen.ResetBeforeGru))]
    [InlineData(typeof(RnnGen.LayerNormLstm))]
    [InlineData(typeof(ThreeStageCell))]
    public void InferenceForwardAllocatesNothing(Type cell) => Run(nameof(AllocationFree), cell);

    private static void AllocationFree<TCell>() where TCell : IRecurrentCell
    {
        var (parameters, rates) = Setup<TCell>();
        var inference = new CellSequence<TCell, double>(parameters, Batch, Steps, rates).CreateInferenceSession();
        var input = Finite.Random(new Random(6), Batch * Steps * InputSize);
        var output = new double[Batch * Steps * OutputWidth(TCell.Info)];
        Assert.Equal(0, Allocations.Measure(() => inference.Forward(input, Batch, Steps, default, output, default)));
        Assert.Contains(output, v => v != 0);
    }

    /// <summary>docs/memory.md's forward-only formula, s·[R·(I + X·H) + S·(T + 1)·B·H + B·(Y + Z + O + M + W₁)·H + T] + 4·B
    /// with W₁ = W for a multi-stage cell (one step of the values its stages hand on) and 0 for a one-stage cell, written
    /// out from the cells' widths: the tape and all but one step of the operands are gone.</summary>
    [Fact]
    public void ForwardOnlyWorkspaceIsTheDocumentedFormulaWithoutTheTape()
    {
        const int input = 16, hidden = 64, batch = 32, steps = 50;
        long ForwardOnly(CellInfo cell)
        {
            long rows = (long)batch * steps, s = cell.States.Count, tape = cell.StageCount > 1 ? cell.TapeWidth : 0;
            var perStep = cell.RecurrentWidth + cell.StageWidth + cell.OperandStages.Count + cell.Masks.Count + tape;
            return sizeof(float) * (rows * (input + cell.InputWidth * hidden) + s * (steps + 1L) * batch * hidden + (long)batch * perStep * hidden + steps)
                + sizeof(int) * batch;
        }
        var lstm = CellSequence<RnnGen.Lstm, float>.WorkspaceBytes(input, hidden, batch, steps, backward: false);
        var resetBefore = CellSequence<RnnGen.ResetBeforeGru, float>.WorkspaceBytes(input, hidden, batch, steps, backward: false);
        Assert.Equal(ForwardOnly(RnnGen.Lstm.Info), lstm);
        Assert.Equal(ForwardOnly(RnnGen.ResetBeforeGru.Info), resetBefore);

        Assert.True(lstm < CellSequence<RnnGen.Lstm, float>.WorkspaceBytes(input, hidden, batch, steps) / 2);
    }

    [Fact]
    public void AnInferenceSessionCannotGoBackward()
    {
        var (parameters, _) = Setup<RnnGen.Gru>();
        var inference = new CellSequence<RnnGen.Gru, double>(parameters, Batch, Steps).CreateInferenceSession();
        var output = new double[Batch * Steps * Hidden];
        inference.Forward(new double[Batch * Steps * InputSize], Batch, Steps, default, output, default);
        var error = Assert.Throws<InvalidOperationException>(() =>
            inference.Backward(output, default, new CellParameters<double>(RnnGen.Gru.Info, InputSize, Hidden), default, default));
        Assert.Contains("inference session", error.Message);
    }

    /// <summary>Random weights (the declared initializers first) and, for a cell with named rates, each at 0.3.</summary>
    private static (CellParameters<double> Parameters, Dictionary<string, double> Rates) Setup<TCell>() where TCell : IRecurrentCell
    {
        var cell = TCell.Info;
        var parameters = new CellParameters<double>(cell, InputSize, HiddenOf(cell), cell.Projection is null ? 0 : Projection);
        parameters.InitializeUniform(new Random(4));
        var rates = cell.Masks.Concat(cell.Connections).Where(m => m.RateName.Length > 0).Select(m => m.RateName).Distinct().ToDictionary(n => n, _ => 0.3);
        return (parameters, rates);
    }

    private static int HiddenOf(CellInfo cell) => cell.Hidden != 0 ? cell.Hidden : Hidden;

    private static int OutputWidth(CellInfo cell) => cell.Projection?.State == cell.OutputState ? Projection : HiddenOf(cell);

    private static int StatesLength(CellInfo cell) =>
        Batch * Enumerable.Range(0, cell.States.Count).Sum(s => cell.Projection?.State == s ? Projection : HiddenOf(cell));

    private static (double[] Output, double[] Final) Run<TCell>(CellSequence<TCell, double> sequence, double[] input, double[] initial,
        int[] lengths, bool reverse) where TCell : IRecurrentCell
    {
        var width = OutputWidth(TCell.Info);
        var output = new double[Batch * Steps * width];
        var final = new double[initial.Length];
        sequence.Forward(input, new SequenceShape(Batch, Steps, InputSize), initial, output, new SequenceShape(Batch, Steps, width), final, lengths, reverse);
        return (output, final);
    }

    private static void Run(string method, Type cell)
    {
        var generic = typeof(InferencePathTests).GetMethod(method, System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!;
        try { generic.MakeGenericMethod(cell).Invoke(null, null); }
        catch (System.Reflection.TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
        }
    }
}
