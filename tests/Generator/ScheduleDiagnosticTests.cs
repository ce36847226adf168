using Microsoft.CodeAnalysis;

namespace RnnGen.Tests.Generator;

/// <summary>
/// RNN040 speaks (as Info) only for a cell one term away from the scan, at the equation holding the term; RNN041, off by
/// default, states every cell's schedule once turned on; cells with U h and scannable cells compile silently by default.
/// </summary>
public class ScheduleDiagnosticTests
{
    [Fact]
    public void ElementwiseButNonlinearRecurrenceNamesTheTermAndPointsAtItsEquation()
    {
        var source = GeneratorHarness.CellSource("    a  = sigmoid(W_a x + b_a)\n    h' = a * h + relu(W x) * max(h, q)");
        var run = GeneratorHarness.Run(source);
        var diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("RNN040", diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Info, diagnostic.Severity);
        Assert.Contains("in line 2", diagnostic.GetMessage());
        Assert.Contains("'max(h, q)' blocks the scan: a nonlinear function of the previous state", diagnostic.GetMessage());
        Assert.Equal("h' = a * h + relu(W x) * max(h, q)", source.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length));
    }

    [Theory]
    [InlineData("h' = h * h + W x", "'h * h' blocks the scan: it multiplies two values that depend on the previous state")]
    [InlineData("h' = W x / (1 + h)", "'W x / (1 + h)' blocks the scan: it divides by a value that depends on the previous state")]
    [InlineData("c' = c + W x\n    h' = h + c", "'c' blocks the scan: the update reads the previous value of another state")]
    // Features the scan's coefficient passes do not run yet: the cell stays sequential, and the note says why.
    [InlineData("z  = sigmoid(W_z x + b_z)\n    h' = (1 - z) * h + z * dropout(W x, 0.25)", "in line 2 (h' = (1 - z) * h + z * dropout(W x, 0.25)), 'a training-time mask' blocks the scan: the scan schedule does not run this feature yet")]
    [InlineData("alpha : scalar\n    h' = alpha * h + W x", "'scalar alpha' blocks the scan")]
    [InlineData("h' = 0.5 * h + (W x - mean(W x))", "'a row statistic' blocks the scan")]
    public void EachKindOfBlockingTermIsNamed(string equations, string expected)
    {
        var diagnostic = Assert.Single(GeneratorHarness.Run(GeneratorHarness.CellSource("    " + equations)).GeneratorDiagnostics);
        Assert.Equal("RNN040", diagnostic.Id);
        Assert.Contains(expected, diagnostic.GetMessage());
    }

    [Theory]
    [InlineData("    z  = sigmoid(W_z x + U_z h + b_z)\n    h' = (1 - z) * h + z * tanh(W x + U h)")]
    [InlineData("    z  = sigmoid(W_z x + b_z)\n    h' = (1 - z) * h + z * (W x + b)")]
    public void SequentialByDesignAndScannableCellsAreSilentByDefault(string equations) =>
        Assert.Empty(GeneratorHarness.Run(GeneratorHarness.CellSource(equations)).GeneratorDiagnostics);

    [Theory]
    [InlineData("    z  = sigmoid(W_z x + b_z)\n    h' = (1 - z) * h + z * (W x + b)", "Cell 'TestCell' runs scan: h' = a ⊙ h + b over all steps at once")]
    [InlineData("    f  = sigmoid(W_f x + U_f h + b_f)\n    h' = f * h + W x", "Cell 'TestCell' runs sequential: in line 1 (f  = sigmoid(W_f x + U_f h + b_f)), 'U_f h' blocks the scan")]
    public void TheOptInNoteStatesEveryCellsSchedule(string equations, string expected)
    {
        var compilation = GeneratorHarness.CreateCompilation(GeneratorHarness.CellSource(equations));
        compilation = compilation.WithOptions(compilation.Options.WithSpecificDiagnosticOptions([new("RNN041", ReportDiagnostic.Info)]));
        var run = GeneratorHarness.Run(GeneratorHarness.CreateDriver(), compilation);
        var note = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "RNN041");
        Assert.StartsWith(expected, note.GetMessage());
    }
}
