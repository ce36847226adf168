namespace RnnGen.Tests.Layers;

/// <summary>The documented workspace formulas match what construction really allocates.</summary>
public class WorkspaceEstimateTests
{
    public static TheoryData<string> Cases => ["lstm 1x1", "gru 2x2 dropout", "lstm backwards", "gru sum final", "session"];

    [Theory]
    [MemberData(nameof(Cases))]
    public void RecurrentLayerEstimateMatchesTheAllocation(string name)
    {
        var (estimate, actual) = name switch
        {
            "lstm 1x1" => Measure(() => RecurrentLayer<RnnGen.Lstm, float>.WorkspaceBytes(16, 64, 32, 50),
                () => new RecurrentLayer<RnnGen.Lstm, float>(16, 64, 32, 50)),
            "gru 2x2 dropout" => Measure(() => RecurrentLayer<RnnGen.Gru, double>.WorkspaceBytes(8, 32, 16, 40, Options2x2),
                () => new RecurrentLayer<RnnGen.Gru, double>(8, 32, 16, 40, Options2x2)),
            "lstm backwards" => Measure(() => RecurrentLayer<RnnGen.Lstm, float>.WorkspaceBytes(12, 48, 20, 30, Backwards),
                () => new RecurrentLayer<RnnGen.Lstm, float>(12, 48, 20, 30, Backwards)),
            "gru sum final" => Measure(() => RecurrentLayer<RnnGen.Gru, float>.WorkspaceBytes(12, 48, 20, 30, SumFinal),
                () => new RecurrentLayer<RnnGen.Gru, float>(12, 48, 20, 30, SumFinal)),
            _ => MeasureSession(),
        };
        Report(name, estimate, actual);
    }

    [Fact]
    public void CellSequenceDenseAndEmbeddingEstimatesMatchTheAllocation()
    {
        var parameters = new CellParameters<float>(RnnGen.ResetBeforeGru.Info, 10, 40);
        var sequence = Measure(() => CellSequence<RnnGen.ResetBeforeGru, float>.WorkspaceBytes(10, 40, 24, 35),
            () => new CellSequence<RnnGen.ResetBeforeGru, float>(parameters, 24, 35));
        Report("cell sequence", sequence.Estimate, sequence.Actual);
        var dense = Measure(() => Dense<float>.WorkspaceBytes(64, 100, 2000, Activation.Tanh), () => new Dense<float>(64, 100, 2000, Activation.Tanh));
        Report("dense", dense.Estimate, dense.Actual);
        var embedding = Measure(() => Embedding<double>.WorkspaceBytes(500, 32, 2000), () => new Embedding<double>(500, 32, 2000));
        Report("embedding", embedding.Estimate, embedding.Actual);
    }

    private static readonly RecurrentOptions Options2x2 = new() { NumLayers = 2, Bidirectional = true, Dropout = 0.2 };
    private static readonly RecurrentOptions Backwards = new() { GoBackwards = true, Stateful = true };
    private static readonly RecurrentOptions SumFinal = new() { Bidirectional = true, Merge = BidirectionalMerge.Sum, ReturnSequences = false };

    private static (long Estimate, long Actual) MeasureSession()
    {
        var layer = new RecurrentLayer<RnnGen.Lstm, float>(16, 64, 32, 50, Options2x2);
        return Measure(() => RecurrentLayer<RnnGen.Lstm, float>.WorkspaceBytes(16, 64, 32, 50, Options2x2, inferenceSession: true),
            () => layer.CreateInferenceSession());
    }

    private static (long Estimate, long Actual) Measure(Func<long> estimate, Func<object> construct)
    {
        var bytes = estimate();
        var before = GC.GetAllocatedBytesForCurrentThread();
        GC.KeepAlive(construct());
        return (bytes, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>The formulas leave out object and array headers and small bookkeeping: a few kilobytes at most.</summary>
    private static void Report(string name, long estimate, long actual)
    {
        Console.WriteLine($"workspace {name}: estimate {estimate:N0} bytes, allocated {actual:N0} bytes ({(actual - estimate) / (double)estimate:P2})");
        Assert.InRange(actual - estimate, 0, 16 * 1024 + estimate / 100);
    }
}
