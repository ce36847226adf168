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

    /// <summary>docs/memory.md's worked example, so the page cannot drift from the code.</summary>
    [Fact]
    public void TheDocumentedExampleIsWhatTheFormulaGives()
    {
        var options = new RecurrentOptions { NumLayers = 2, Bidirectional = true };
        Assert.Equal(65_526_592, RecurrentLayer<RnnGen.Lstm, float>.WorkspaceBytes(8, 32, 64, 100, options));
        Assert.Equal(26_889_024, RecurrentLayer<RnnGen.Lstm, float>.WorkspaceBytes(8, 32, 64, 100, options, inferenceSession: true));
        Assert.Equal(12_763_792, CellSequence<RnnGen.Lstm, float>.WorkspaceBytes(8, 32, 64, 100));
        var page = File.ReadAllText(Path.Combine(RnnGen.Tests.Support.RepositoryFiles.Folder("docs"), "memory.md"));
        Assert.Contains("65,526,592 bytes", page);
        Assert.Contains("26,889,024 bytes", page);
        Assert.Contains("12,763,792 bytes", page);
    }

    [Fact]
    public void CellSequenceDenseAndEmbeddingEstimatesMatchTheAllocation()
    {
        var parameters = new CellParameters<float>(RnnGen.ResetBeforeGru.Info, 10, 40);
        var sequence = Measure(() => CellSequence<RnnGen.ResetBeforeGru, float>.WorkspaceBytes(10, 40, 24, 35),
            () => new CellSequence<RnnGen.ResetBeforeGru, float>(parameters, 24, 35));
        Report("cell sequence", sequence.Estimate, sequence.Actual);
        var recorded = new CellSequence<RnnGen.ResetBeforeGru, float>(parameters, 24, 35);
        var session = Measure(() => CellSequence<RnnGen.ResetBeforeGru, float>.WorkspaceBytes(10, 40, 24, 35, backward: false),
            () => recorded.CreateInferenceSession());
        Report("cell sequence session", session.Estimate, session.Actual);
        var dense = Measure(() => Dense<float>.WorkspaceBytes(64, 100, 2000, Activation.Tanh), () => new Dense<float>(64, 100, 2000, Activation.Tanh));
        Report("dense", dense.Estimate, dense.Actual);
        var embedding = Measure(() => Embedding<double>.WorkspaceBytes(500, 32, 2000), () => new Embedding<double>(500, 32, 2000));
        Report("embedding", embedding.Estimate, embedding.Actual);
    }

    /// <summary>docs/parallel-scan.md: a scan cell's workspace is the sequential formula plus
    /// sizeof(T)·[3·S·(T + 1)·B·H + 8·S·B·H + 8·V·H + C·T·B·H]; written out here from the cell's widths.</summary>
    [Theory]
    [InlineData(1, 100_000, 256)]
    [InlineData(16, 1024, 512)]
    public void ScanCellWorkspaceIsTheDocumentedFormula(int batch, int steps, int hidden)
    {
        const int input = 8;
        var cell = RnnGen.MinGru.Info;
        long rows = (long)batch * steps, s = cell.States.Count, v = cell.Vectors.Count, x = cell.InputWidth, w = cell.TapeWidth, c = cell.CarryWidth;
        var sequential = sizeof(float) * (rows * (2 * input + (2 * x + w) * hidden) + s * (steps + 1L) * batch * hidden + batch * (3 * s + c) * (long)hidden + steps) + sizeof(int) * batch;
        var scan = sizeof(float) * (3 * s * (steps + 1L) * batch * hidden + 8 * s * (long)batch * hidden + 8 * v * (long)hidden + c * rows * hidden);
        Assert.Equal(sequential + scan, CellSequence<RnnGen.MinGru, float>.WorkspaceBytes(input, hidden, batch, steps));
    }

    /// <summary>docs/parallel-scan.md: a forward-only scan sequence keeps no tape: the forward-only sequential formula with
    /// W₁ = 0 (docs/memory.md), s·[R·(I + X·H) + S·(T + 1)·B·H + T] + 4·B, plus the scan's s·[S·(T + 1)·B·H + 8·S·B·H], and
    /// another S·(T + 1)·B·H for a cell with output-map states (QrnnCell); written out here from the cells' widths, and
    /// what an inference session allocates.</summary>
    [Theory]
    [InlineData(1, 100_000, 256)]
    [InlineData(16, 1024, 512)]
    public void ForwardOnlyScanWorkspaceIsTheDocumentedFormula(int batch, int steps, int hidden)
    {
        const int input = 8;
        long Formula(CellInfo cell)
        {
            long rows = (long)batch * steps, s = cell.States.Count, block = (long)batch * hidden, outputMaps = cell.Schedule.ScannedStates.Contains(false) ? 1 : 0;
            var sequential = sizeof(float) * (rows * (input + cell.InputWidth * hidden) + s * (steps + 1L) * block + steps) + sizeof(int) * batch;
            return sequential + sizeof(float) * ((1 + outputMaps) * s * (steps + 1L) * block + 8 * s * block);
        }
        var minGru = CellSequence<RnnGen.MinGru, float>.WorkspaceBytes(input, hidden, batch, steps, backward: false);
        Assert.Equal(Formula(RnnGen.MinGru.Info), minGru);
        Assert.Equal(Formula(RnnGen.Tests.Cells.QrnnCell.Info), CellSequence<RnnGen.Tests.Cells.QrnnCell, float>.WorkspaceBytes(input, hidden, batch, steps, backward: false));
        // Against training: the tape R·W·H, the backward buffers and two of the scan's three state-sized buffers are gone.
        Assert.True(minGru < CellSequence<RnnGen.MinGru, float>.WorkspaceBytes(input, hidden, batch, steps) / 2);
    }

    /// <summary>docs/parallel-scan.md's forward-only example, so the page cannot drift from the code.</summary>
    [Fact]
    public void TheDocumentedForwardOnlyScanExampleIsWhatTheFormulaGives()
    {
        Assert.Equal(512_410_244, CellSequence<RnnGen.MinGru, float>.WorkspaceBytes(256, 256, 1, 100_000, backward: false));
        var page = File.ReadAllText(Path.Combine(RnnGen.Tests.Support.RepositoryFiles.Folder("docs"), "parallel-scan.md"));
        Assert.Contains("512,410,244 bytes", page);
    }

    [Theory]
    [InlineData(typeof(RnnGen.MinGru))]
    [InlineData(typeof(RnnGen.Tests.Cells.QrnnCell))]
    public void ForwardOnlyScanSequenceAllocatesTheEstimate(Type cell)
    {
        var method = typeof(WorkspaceEstimateTests).GetMethod(nameof(MeasureScanSession), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!;
        var (estimate, actual) = ((long, long))method.MakeGenericMethod(cell).Invoke(null, null)!;
        Report(cell.Name + " session", estimate, actual);
    }

    private static (long Estimate, long Actual) MeasureScanSession<TCell>() where TCell : IRecurrentCell
    {
        var recorded = new CellSequence<TCell, float>(new CellParameters<float>(TCell.Info, 10, 40), 24, 35);
        return Measure(() => CellSequence<TCell, float>.WorkspaceBytes(10, 40, 24, 35, backward: false), () => recorded.CreateInferenceSession());
    }

    /// <summary>A long sequence (B = 1, H = 256) trains within the formula: construction allocates what it says, and a
    /// training step after it allocates at most the GEMM's packing buffers.</summary>
    [Fact]
    public void LongScanSequenceTrainsWithinTheFormula()
    {
        const int input = 8, hidden = 256, steps = 20_000;
        var parameters = new CellParameters<float>(RnnGen.MinGru.Info, input, hidden);
        CellSequence<RnnGen.MinGru, float>? sequence = null;
        var construction = Measure(() => CellSequence<RnnGen.MinGru, float>.WorkspaceBytes(input, hidden, 1, steps),
            () => sequence = new CellSequence<RnnGen.MinGru, float>(parameters, 1, steps));
        Report("scan sequence", construction.Estimate, construction.Actual);
        var x = new float[steps * input];
        var output = new float[steps * hidden];
        var gradients = new CellParameters<float>(parameters.Cell, input, hidden);
        var before = GC.GetAllocatedBytesForCurrentThread();
        sequence!.Forward(x, 1, steps, default, output, default);
        sequence.Backward(output, default, gradients, default, default);
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 4 << 20);
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
        // Once first: the first construction of a type in the process also allocates its statics and the runtime's
        // one-time data (up to ~100 KB, depending on which tests ran before), which is not workspace.
        GC.KeepAlive(construct());
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
