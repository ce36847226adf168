using System.Numerics;
using System.Reflection;
using RnnGen.Tests.Cells;
using RnnGen.Tests.Kernels;
using RnnGen.Tests.Support;

namespace RnnGen.Tests.Layers;

/// <summary>
/// Scan cells infer without a tape: a forward that does not record — an inference session, or a trainable sequence's
/// Forward that does not record (a layer not training) — runs the generated InferCoefficients and, for output-map states,
/// Infer. Its outputs and final states are the recording forward's bit for bit, in float and double, over ragged lengths in
/// both directions, with the scan chunked in time (H = 11 on two threads) or split by lanes (H = 64); a Backward after it
/// gives the recording gradients bit for bit; it writes no tape; in steady state it allocates nothing.
/// MinGru and MinLstm need no pass after the scan; QrnnCell's h' = o ⊙ c' is an output map, computed by Infer after it.
/// MaxThreads is process-wide, so these run in the threading tests' collection.
/// </summary>
[Collection(nameof(GemmThreadingTests))]
public class ScanInferenceTests
{
    private const int Batch = 3, Steps = 9, InputSize = 5;
    private static readonly int[] Lengths = [Steps, 2, 6];

    public static TheoryData<Type, Type, int, int> Cases => new()
    {
        { typeof(RnnGen.MinGru), typeof(float), 1, 11 },
        { typeof(RnnGen.MinGru), typeof(double), 2, 11 },
        { typeof(RnnGen.MinGru), typeof(float), 2, 64 },
        { typeof(RnnGen.MinLstm), typeof(double), 1, 64 },
        { typeof(RnnGen.MinLstm), typeof(float), 2, 11 },
        { typeof(QrnnCell), typeof(float), 2, 11 },
        { typeof(QrnnCell), typeof(double), 1, 11 },
        { typeof(QrnnCell), typeof(double), 2, 64 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardThatDoesNotRecordGivesTheRecordingOutputsBitForBit(Type cell, Type number, int threads, int hidden) =>
        Invoke(nameof(CompareForward), cell, number, threads, hidden);

    private static void CompareForward<TCell, T>(int threads, int hidden) where TCell : IRecurrentCell where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.True(TCell.Info.Schedule.IsScan);
        var parameters = Parameters<TCell, T>(hidden);
        var (input, initial, _, _) = Data<T>(TCell.Info, hidden);
        var recording = new CellSequence<TCell, T>(parameters, Batch, Steps);
        var notRecording = new CellSequence<TCell, T>(parameters, Batch, Steps);
        var session = recording.CreateInferenceSession();
        GemmThreadCount.With(threads, () =>
        {
            foreach (var reverse in new[] { false, true })
            {
                var expected = Forward(recording, record: true, input, initial, hidden, reverse);
                Assert.Contains(expected.Output, v => v != T.Zero);
                foreach (var (name, actual) in new[] { ("not recording", notRecording), ("inference session", session) })
                {
                    var (output, final) = Forward(actual, record: false, input, initial, hidden, reverse);
                    Assert.True(expected.Output.AsSpan().SequenceEqual(output), $"{name}: the output differs (reverse {reverse})");
                    Assert.True(expected.Final.AsSpan().SequenceEqual(final), $"{name}: the final states differ (reverse {reverse})");
                }
            }
            return 0;
        });
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void BackwardAfterAForwardThatDidNotRecordGivesTheRecordingGradientsBitForBit(Type cell, Type number, int threads, int hidden) =>
        Invoke(nameof(CompareGradients), cell, number, threads, hidden);

    private static void CompareGradients<TCell, T>(int threads, int hidden) where TCell : IRecurrentCell where T : unmanaged, IFloatingPointIeee754<T>
    {
        var parameters = Parameters<TCell, T>(hidden);
        var (input, initial, dOutput, dFinal) = Data<T>(TCell.Info, hidden);
        GemmThreadCount.With(threads, () =>
        {
            foreach (var reverse in new[] { false, true })
            {
                var expected = ForwardBackward(new CellSequence<TCell, T>(parameters, Batch, Steps), record: true, input, initial, dOutput, dFinal, hidden, reverse);
                var actual = ForwardBackward(new CellSequence<TCell, T>(parameters, Batch, Steps), record: false, input, initial, dOutput, dFinal, hidden, reverse);
                Assert.Equal(expected.Select(e => e.Name), actual.Select(a => a.Name));
                for (var i = 0; i < expected.Count; i++)
                {
                    Assert.True(expected[i].Values.Length == 0 || expected[i].Values.Any(v => v != T.Zero), $"{expected[i].Name}: all zero, the comparison would be vacuous");
                    Assert.True(expected[i].Values.AsSpan().SequenceEqual(actual[i].Values), $"{expected[i].Name} differs (reverse {reverse})");
                }
            }
            return 0;
        });
    }

    /// <summary>A trainable sequence's Forward that does not record leaves its tape as it was; the Backward after it
    /// recomputes the recording forward, which fills it. An inference session has no tape at all.</summary>
    [Theory]
    [InlineData(typeof(RnnGen.MinGru))]
    [InlineData(typeof(QrnnCell))]
    public void ForwardThatDoesNotRecordWritesNoTape(Type cell) => Invoke(nameof(NoTape), cell, typeof(double), 1, 11);

    private static void NoTape<TCell, T>(int threads, int hidden) where TCell : IRecurrentCell where T : unmanaged, IFloatingPointIeee754<T>
    {
        var parameters = Parameters<TCell, T>(hidden);
        var (input, initial, dOutput, dFinal) = Data<T>(TCell.Info, hidden);
        var sequence = new CellSequence<TCell, T>(parameters, Batch, Steps);
        var tape = Tape(sequence);
        Assert.Equal((long)Batch * Steps * TCell.Info.TapeWidth * hidden, tape.Length);
        Array.Fill(tape, T.NaN);
        Forward(sequence, record: false, input, initial, hidden, reverse: false);
        Assert.All(tape, v => Assert.True(T.IsNaN(v)));
        sequence.Backward(dOutput, dFinal, new CellParameters<T>(TCell.Info, InputSize, hidden), default, default);
        Assert.DoesNotContain(tape, T.IsNaN);
        Assert.Empty(Tape(sequence.CreateInferenceSession()));
    }

    /// <summary>In steady state an inference session's Forward allocates nothing, nor does a trainable sequence's Forward
    /// that does not record, nor a Backward after it (the recompute runs in the workspace).</summary>
    [Theory]
    [InlineData(typeof(RnnGen.MinGru), 1)]
    [InlineData(typeof(RnnGen.MinLstm), 2)]
    [InlineData(typeof(QrnnCell), 2)]
    public void ForwardThatDoesNotRecordAllocatesNothing(Type cell, int threads) => Invoke(nameof(AllocationFree), cell, typeof(float), threads, 64);

    private static void AllocationFree<TCell, T>(int threads, int hidden) where TCell : IRecurrentCell where T : unmanaged, IFloatingPointIeee754<T>
    {
        var parameters = Parameters<TCell, T>(hidden);
        var (input, initial, dOutput, dFinal) = Data<T>(TCell.Info, hidden);
        var sequence = new CellSequence<TCell, T>(parameters, Batch, Steps);
        var session = sequence.CreateInferenceSession();
        var gradients = new CellParameters<T>(TCell.Info, InputSize, hidden);
        var (output, final) = (new T[Batch * Steps * hidden], new T[initial.Length]);
        var (inputShape, outputShape) = (new SequenceShape(Batch, Steps, InputSize), new SequenceShape(Batch, Steps, hidden));
        GemmThreadCount.With(threads, () =>
        {
            Assert.Equal(0, Allocations.Measure(() => session.Forward(input, inputShape, initial, output, outputShape, final, Lengths, reverse: true)));
            Assert.Equal(0, Allocations.Measure(() =>
            {
                sequence.Forward(input, inputShape, initial, output, outputShape, final, Lengths, reverse: true, masks: null, record: false);
                sequence.Backward(dOutput, dFinal, gradients, default, default);
            }));
            return 0;
        });
        Assert.Contains(output, v => v != T.Zero);
    }

    private static CellParameters<T> Parameters<TCell, T>(int hidden) where TCell : IRecurrentCell where T : unmanaged, IFloatingPointIeee754<T>
    {
        var parameters = new CellParameters<T>(TCell.Info, InputSize, hidden);
        parameters.InitializeUniform(new Random(4));
        return parameters;
    }

    /// <summary>Input, initial states, d(output) and d(final states), random.</summary>
    private static (T[] Input, T[] Initial, T[] DOutput, T[] DFinal) Data<T>(CellInfo cell, int hidden) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(8);
        T[] Values(int length) => Finite.Random(random, length).Select(T.CreateTruncating).ToArray();
        var states = cell.States.Count * Batch * hidden;
        return (Values(Batch * Steps * InputSize), Values(states), Values(Batch * Steps * hidden), Values(states));
    }

    private static (T[] Output, T[] Final) Forward<TCell, T>(CellSequence<TCell, T> sequence, bool record, T[] input, T[] initial, int hidden, bool reverse)
        where TCell : IRecurrentCell where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (output, final) = (new T[Batch * Steps * hidden], new T[initial.Length]);
        sequence.Forward(input, new SequenceShape(Batch, Steps, InputSize), initial, output, new SequenceShape(Batch, Steps, hidden), final,
            Lengths, reverse, masks: null, record);
        return (output, final);
    }

    /// <summary>One Forward (recording or not), then one Backward: every result by name.</summary>
    private static List<(string Name, T[] Values)> ForwardBackward<TCell, T>(CellSequence<TCell, T> sequence, bool record, T[] input, T[] initial,
        T[] dOutput, T[] dFinal, int hidden, bool reverse) where TCell : IRecurrentCell where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (output, final) = Forward(sequence, record, input, initial, hidden, reverse);
        var gradients = new CellParameters<T>(TCell.Info, InputSize, hidden);
        var (dInput, dInitial) = (new T[input.Length], new T[initial.Length]);
        sequence.Backward(dOutput, dFinal, gradients, dInput, dInitial);
        var results = new List<(string, T[])> { ("output", output), ("final states", final), ("input gradient", dInput), ("initial-state gradient", dInitial),
            ("state gradient norms", sequence.StateGradientNorms.ToArray()) };
        results.AddRange(gradients.Tensors().Select(t => (t.Name, t.Values.ToArray())));
        return results;
    }

    /// <summary>The sequence's tape (private state: what a forward that does not record must not write).</summary>
    private static T[] Tape<TCell, T>(CellSequence<TCell, T> sequence) where TCell : IRecurrentCell where T : unmanaged, IFloatingPointIeee754<T> =>
        (T[])typeof(CellSequence<TCell, T>).GetField("_tape", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(sequence)!;

    private static void Invoke(string method, Type cell, Type number, int threads, int hidden)
    {
        var generic = typeof(ScanInferenceTests).GetMethod(method, BindingFlags.NonPublic | BindingFlags.Static)!;
        try { generic.MakeGenericMethod(cell, number).Invoke(null, [threads, hidden]); }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
        }
    }
}
