using RnnGen.Kernels;
using RnnGen.Tests.Kernels;
using RnnGen.Tests.Support;

namespace RnnGen.Tests.Layers;

/// <summary>
/// A bidirectional layer with two threads runs its directions at once: everything it computes must equal the one-thread
/// run (forward bit for bit, gradients to rounding: the reverse direction's input gradient is added after, not during).
/// MaxThreads is process-wide, so these run in the threading tests' collection.
/// </summary>
[Collection(nameof(GemmThreadingTests))]
public class DirectionThreadsTests
{
    [Fact]
    public void StackedLstmTimeMajorRagged() => Compare<RnnGen.Lstm>(
        new RecurrentOptions { NumLayers = 2, Bidirectional = true, Merge = BidirectionalMerge.Multiply, Dropout = 0.25 }, [9, 3, 12, 7]);

    [Fact]
    public void GruFinalOutputBatchFirst() => Compare<RnnGen.Gru>(
        new RecurrentOptions { Bidirectional = true, Merge = BidirectionalMerge.Average, BatchFirst = true, ReturnSequences = false }, [12, 1, 5, 12]);

    [Fact]
    public void ProjectedLstm() => Compare<RnnGen.Lstmp>(
        new RecurrentOptions { NumLayers = 2, Bidirectional = true, ProjectionSize = 6, BatchFirst = true }, null);

    [Fact]
    public void ScanScheduleMinGru() => Compare<RnnGen.MinGru>(
        new RecurrentOptions { NumLayers = 2, Bidirectional = true, Merge = BidirectionalMerge.Sum }, [4, 12, 8, 2]);

    [Fact]
    public void CellMasksDrawnPerDirection() => Compare<RnnGen.Tests.Cells.ZoneoutLstm>(
        new RecurrentOptions { Bidirectional = true, BatchFirst = true }, [12, 6, 9, 11]);

    [Fact]
    public void TwoThreads_AllocateNothingPerCall()
    {
        var (layer, input, dOutput, _) = Build<RnnGen.Lstm>(new RecurrentOptions { NumLayers = 2, Bidirectional = true });
        var dInput = new double[input.Length];
        var bytes = GemmThreadCount.With(2, () =>
        {
            void Step()
            {
                layer.Forward(input, Batch, Steps, training: true);
                layer.Backward(dOutput, default, dInput, default);
            }
            for (var i = 0; i < 20; i++) Step();
            // Every thread's allocations (the reverse direction runs on a worker), best of twenty one-step windows: the
            // runner's own threads may allocate now and then (more often on a busy machine, where a step takes longer),
            // an allocation of ours shows in every window.
            var least = long.MaxValue;
            for (var window = 0; window < 20; window++)
            {
                var before = GC.GetTotalAllocatedBytes(precise: true);
                Step();
                least = Math.Min(least, GC.GetTotalAllocatedBytes(precise: true) - before);
            }
            return least;
        });
        Assert.Equal(0, bytes);
    }

    private const int Batch = 4, Steps = 12, InputSize = 5, Hidden = 24;

    private static void Compare<TCell>(RecurrentOptions options, int[]? lengths) where TCell : IRecurrentCell
    {
        var one = GemmThreadCount.With(1, () => Run<TCell>(options, lengths));
        var two = GemmThreadCount.With(2, () => Run<TCell>(options, lengths));
        for (var i = 0; i < one.Count; i++)
        {
            var (name, expected) = one[i];
            var actual = two[i].Values;
            Assert.True(expected.Any(v => v != 0), $"{name}: all zero, the comparison would be vacuous");
            // The scan schedule splits its steps by MaxThreads, which reorders sums; the sequential schedule does not.
            if (name is "output" or "final states" && !TCell.Info.Schedule.IsScan) Assert.Equal(expected, actual);
            else Assert.True(Finite.RelativeError(actual, expected) <= 1e-13, $"{name}: {Finite.RelativeError(actual, expected):E2}");
        }
    }

    /// <summary>One training Forward and Backward with initial states, returning every result by name.</summary>
    private static List<(string Name, double[] Values)> Run<TCell>(RecurrentOptions options, int[]? lengths) where TCell : IRecurrentCell
    {
        var (layer, input, dOutput, random) = Build<TCell>(options);
        var initial = Finite.Random(random, layer.StatesLength(Batch), 0.5);
        layer.Forward(input, Batch, Steps, lengths, initial, training: true);
        var results = new List<(string, double[])> { ("output", layer.Output.ToArray()), ("final states", layer.FinalStates.ToArray()) };
        var dFinal = Finite.Random(random, initial.Length);
        var (dInput, dInitial) = (new double[input.Length], new double[initial.Length]);
        layer.Backward(dOutput.AsSpan(0, layer.Output.Length), dFinal, dInput, dInitial);
        results.Add(("input gradient", dInput));
        results.Add(("initial-state gradient", dInitial));
        results.AddRange(RandomLayers.Gradients(layer));
        return results;
    }

    private static (RecurrentLayer<TCell, double> Layer, double[] Input, double[] DOutput, Random Random) Build<TCell>(RecurrentOptions options)
        where TCell : IRecurrentCell => RandomLayers.Build<TCell>(InputSize, Hidden, Batch, Steps, options);

}
