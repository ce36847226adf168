using System.Reflection;
using RnnGen.Tests.Kernels;
using RnnGen.Tests.Support;

namespace RnnGen.Tests.Layers;

/// <summary>
/// A layer's Forward with training: false saves nothing for backward, and a Backward after it stays legal (PyTorch's eval
/// mode): it recomputes the forward first. Its outputs and gradients must be bit for bit those of Forward(training: true)
/// — equal here because the layers have no dropout — on one thread and with the two directions on two.
/// MaxThreads is process-wide, so these run in the threading tests' collection.
/// </summary>
[Collection(nameof(GemmThreadingTests))]
public class EvalModeBackwardTests
{
    private const int Batch = 4, Steps = 9, InputSize = 5, Hidden = 24;

    [Fact]
    public void StackedBidirectionalLstmTimeMajorRagged() => Compare<RnnGen.Lstm>(
        new RecurrentOptions { NumLayers = 2, Bidirectional = true, Merge = BidirectionalMerge.Multiply }, [9, 3, 7, 1]);

    [Fact]
    public void BidirectionalGruFinalOutput() => Compare<RnnGen.Gru>(
        new RecurrentOptions { Bidirectional = true, BatchFirst = true, ReturnSequences = false }, [2, 9, 5, 9]);

    [Fact]
    public void ResetBeforeGruGoingBackwards() => Compare<RnnGen.ResetBeforeGru>(
        new RecurrentOptions { GoBackwards = true, BatchFirst = true }, [6, 9, 1, 4]);

    [Fact]
    public void BidirectionalProjectedLstm() => Compare<RnnGen.Lstmp>(
        new RecurrentOptions { NumLayers = 2, Bidirectional = true, ProjectionSize = 6, BatchFirst = true }, [9, 4, 8, 2]);

    [Fact]
    public void BidirectionalScanCell() => Compare<RnnGen.MinGru>(
        new RecurrentOptions { NumLayers = 2, Bidirectional = true, Merge = BidirectionalMerge.Sum }, [4, 9, 8, 2]);

    /// <summary>The non-training Forward leaves the tape as it was (nothing saved), and Backward fills it.</summary>
    [Fact]
    public void ForwardThatIsNotTrainingWritesNoTape()
    {
        var (layer, input, dOutput, _) = Build<RnnGen.Lstm>(new RecurrentOptions());
        var tape = Tape(layer);
        Array.Fill(tape, double.NaN);
        layer.Forward(input, Batch, Steps, training: false);
        Assert.All(tape, v => Assert.True(double.IsNaN(v)));
        Assert.Contains(layer.Output.ToArray(), v => v != 0);
        layer.Backward(dOutput, default, default, default);
        Assert.DoesNotContain(tape.Take(Batch * Steps * RnnGen.Lstm.Info.TapeWidth * Hidden), double.IsNaN);
    }

    /// <summary>In steady state a trainable layer's non-training Forward allocates nothing, nor does a Backward after it
    /// (the recompute runs in the workspace).</summary>
    [Theory]
    [InlineData(typeof(RnnGen.Lstm))]
    [InlineData(typeof(RnnGen.ResetBeforeGru))]
    public void ForwardThatIsNotTrainingAllocatesNothing(Type cell)
    {
        var method = typeof(EvalModeBackwardTests).GetMethod(nameof(AllocationFree), BindingFlags.NonPublic | BindingFlags.Static)!;
        try { method.MakeGenericMethod(cell).Invoke(null, null); }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
        }
    }

    private static void AllocationFree<TCell>() where TCell : IRecurrentCell
    {
        var (layer, input, dOutput, _) = Build<TCell>(new RecurrentOptions { Bidirectional = true });
        int[] lengths = [9, 3, 7, 1];
        var dInput = new double[input.Length];
        Assert.Equal(0, GemmThreadCount.With(1, () => Allocations.Measure(() => layer.Forward(input, Batch, Steps, lengths, training: false))));
        Assert.Equal(0, GemmThreadCount.With(1, () => Allocations.Measure(() =>
        {
            layer.Forward(input, Batch, Steps, lengths, training: false);
            layer.Backward(dOutput, default, dInput, default);
        })));
        Assert.Contains(dInput, v => v != 0);
    }

    private static void Compare<TCell>(RecurrentOptions options, int[] lengths) where TCell : IRecurrentCell
    {
        foreach (var threads in new[] { 1, 2 })
        {
            var expected = GemmThreadCount.With(threads, () => Run<TCell>(options, lengths, training: true));
            var actual = GemmThreadCount.With(threads, () => Run<TCell>(options, lengths, training: false));
            for (var i = 0; i < expected.Count; i++)
            {
                var (name, values) = expected[i];
                Assert.Equal(name, actual[i].Name);
                Assert.True(values.Any(v => v != 0), $"{name}: all zero, the comparison would be vacuous");
                Assert.True(values.AsSpan().SequenceEqual(actual[i].Values), $"{name} differs ({threads} thread(s))");
            }
        }
    }

    /// <summary>One Forward with initial states, then two Backwards (the first retaining the graph): every result by name.</summary>
    private static List<(string Name, double[] Values)> Run<TCell>(RecurrentOptions options, int[] lengths, bool training) where TCell : IRecurrentCell
    {
        var (layer, input, dOutput, random) = Build<TCell>(options);
        var initial = Finite.Random(random, layer.StatesLength(Batch), 0.5);
        layer.Forward(input, Batch, Steps, lengths, initial, training);
        var results = new List<(string, double[])> { ("output", layer.Output.ToArray()), ("final states", layer.FinalStates.ToArray()) };
        var dFinal = Finite.Random(random, initial.Length);
        for (var pass = 1; pass <= 2; pass++)
        {
            var (dInput, dInitial) = (new double[input.Length], new double[initial.Length]);
            layer.Backward(dOutput.AsSpan(0, layer.Output.Length), dFinal, dInput, dInitial, retainGraph: pass == 1);
            results.Add(($"pass {pass}: input gradient", dInput));
            results.Add(($"pass {pass}: initial-state gradient", dInitial));
            results.AddRange(RandomLayers.Gradients(layer, $"pass {pass}: "));
        }
        return results;
    }

    private static (RecurrentLayer<TCell, double> Layer, double[] Input, double[] DOutput, Random Random) Build<TCell>(RecurrentOptions options)
        where TCell : IRecurrentCell => RandomLayers.Build<TCell>(InputSize, Hidden, Batch, Steps, options);

    /// <summary>The tape buffer of the layer's only sequence (private state: what the non-training Forward must not write).</summary>
    private static double[] Tape<TCell>(RecurrentLayer<TCell, double> layer) where TCell : IRecurrentCell
    {
        var sequences = (CellSequence<TCell, double>[])typeof(RecurrentLayer<TCell, double>)
            .GetField("_sequences", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(layer)!;
        return (double[])typeof(CellSequence<TCell, double>).GetField("_tape", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(sequences.Single())!;
    }
}
