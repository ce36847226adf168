namespace RnnGen.Tests.Layers;

/// <summary>A workspace too large for the limit is refused before anything large is allocated, with its estimate.</summary>
public class WorkspaceLimitTests
{
    [Fact]
    public void AnOversizeLayerFailsFastWithTheEstimate()
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<InsufficientMemoryException>(() => new RecurrentLayer<RnnGen.Lstm, float>(8, 32, 1 << 20, 1 << 20));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, "nothing large may be allocated before the check");
        Assert.Contains("maxBatch 1048576", error.Message);
        Assert.Contains("maxSteps 1048576", error.Message);
        Assert.Contains("bytes", error.Message);
    }

    [Fact]
    public void AnOversizeCellSequenceFailsFastWithTheEstimate()
    {
        var parameters = new CellParameters<float>(RnnGen.Gru.Info, 8, 32);
        var error = Assert.Throws<InsufficientMemoryException>(() => new CellSequence<RnnGen.Gru, float>(parameters, 1 << 20, 1 << 20));
        Assert.Contains("maxSteps 1048576", error.Message);
    }

    [Fact]
    public void SizesWhoseProductOverflowsAreRefused()
    {
        var error = Assert.Throws<InsufficientMemoryException>(() =>
            new RecurrentLayer<RnnGen.Lstm, double>(int.MaxValue, int.MaxValue, int.MaxValue, int.MaxValue));
        Assert.Contains("bytes", error.Message);
    }

    [Fact]
    public void TheLayersOwnCeilingOverridesTheProcessDefault()
    {
        var options = new RecurrentOptions { MaxWorkspaceBytes = 1 << 20 };
        var estimate = RecurrentLayer<RnnGen.Gru, float>.WorkspaceBytes(8, 64, 32, 100, options);
        var error = Assert.Throws<InsufficientMemoryException>(() => new RecurrentLayer<RnnGen.Gru, float>(8, 64, 32, 100, options));
        Assert.Contains($"{estimate:N0} bytes", error.Message);
        Assert.Contains($"{1 << 20:N0} bytes", error.Message);
        Console.WriteLine(error.Message);
        Assert.Equal(32, new RecurrentLayer<RnnGen.Gru, float>(8, 64, 32, 100, options with { MaxWorkspaceBytes = estimate }).MaxBatch);
    }
}
