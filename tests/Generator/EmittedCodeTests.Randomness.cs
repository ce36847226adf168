namespace RnnGen.Tests.Generator;

public partial class EmittedCodeTests
{
    /// <summary>A mask is a load from the step's mask buffer, read by the forward line and by its adjoint alike, and the cell's
    /// Info lists it; a dropconnect product is the plain product (the runtime masks the matrix) and is listed too.</summary>
    [Fact]
    public void MasksAreLoadsReadByForwardAndBackward()
    {
        var run = GeneratorHarness.Run(GeneratorHarness.CellSource("""
            n  = tanh(W x + dropconnect(U h, 0.5) + b)
            h' = zoneout(h, dropout(n, rate_n), 0.1)
            """));
        run.AssertGeneratorDidNotThrow();
        var code = Assert.Single(run.GeneratedSources).SourceText.ToString();
        System.IO.File.WriteAllText("/tmp/random-cell.g.cs", code);
    }
}
