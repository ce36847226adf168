using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using RnnGen.Generator;

namespace RnnGen.Tests.Generator;

/// <summary>
/// The generator's pipeline must cache: an edit that does not touch a cell must not re-derive or re-emit it
/// (every output of the model and source steps Cached or Unchanged), while editing the equations must.
/// </summary>
public class IncrementalTests
{
    private static readonly string[] TrackedSteps = { RecurrentCellGenerator.ModelStep, RecurrentCellGenerator.SourceStep };

    private const string Cells = """"
        using RnnGen;

        namespace Probe;

        [RecurrentCell("""
            z  = sigmoid(W_z x + U_z h + b_z)
            r  = sigmoid(W_r x + U_r h + b_r)
            n  = tanh(W_n x + U_n (r * h) + b_n)
            h' = (1 - z) * h + z * n
            """)]
        public partial struct Gru;

        [RecurrentCell("h' = tanh(W x + U h + b)")]
        public partial struct Elman;

        // A broken cell: its diagnostics must be cached too.
        [RecurrentCell("h' = sigmod(W x + U h + b)")]
        public partial struct Broken;
        """";

    private const string Other = """
        namespace Probe;

        public static class Helpers
        {
            public static int Answer() => 42;
        }
        """;

    /// <summary>Runs the driver over the first compilation, then over the edited one, and returns both runs.</summary>
    private static (GeneratorRun First, GeneratorRun Second) RunBoth(CSharpCompilation first, Func<CSharpCompilation, CSharpCompilation> edit)
    {
        var run1 = GeneratorHarness.Run(GeneratorHarness.CreateDriver(), first);
        run1.AssertGeneratorDidNotThrow();
        Assert.Equal(2, run1.GeneratedSources.Length);
        Assert.Single(run1.GeneratorDiagnostics);
        var run2 = GeneratorHarness.Run(run1.Driver, edit(first));
        run2.AssertGeneratorDidNotThrow();
        // Cached outputs are replayed: same sources.
        Assert.Equal(run1.GeneratedSources.Select(s => s.SourceText.ToString()), run2.GeneratedSources.Select(s => s.SourceText.ToString()));
        return (run1, run2);
    }

    /// <summary>As <see cref="RunBoth"/>, for edits that move no diagnostic: they are replayed unchanged.</summary>
    private static GeneratorRun RunTwice(CSharpCompilation first, Func<CSharpCompilation, CSharpCompilation> edit)
    {
        var (run1, run2) = RunBoth(first, edit);
        Assert.Equal(run1.GeneratorDiagnostics.Select(d => d.ToString()), run2.GeneratorDiagnostics.Select(d => d.ToString()));
        return run2;
    }

    private static void AssertAllCached(GeneratorRun run)
    {
        var outputs = run.StepOutputs(TrackedSteps);
        Assert.Equal(3, outputs.Count(o => o.Step == RecurrentCellGenerator.ModelStep));
        Assert.Equal(3, outputs.Count(o => o.Step == RecurrentCellGenerator.SourceStep));
        Assert.All(outputs, o => Assert.True(
            o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
            $"{o.Step} produced an output with reason {o.Reason}"));
    }

    [Fact]
    public void AddingAnUnrelatedTree_ReusesEveryCell()
    {
        var run = RunTwice(GeneratorHarness.CreateCompilation(Cells),
            c => c.AddSyntaxTrees(GeneratorHarness.Parse(Other, "Other.cs")));
        AssertAllCached(run);
    }

    [Fact]
    public void EditingAMethodInAnotherTree_ReusesEveryCell()
    {
        var run = RunTwice(GeneratorHarness.CreateCompilation(Cells, Other), c =>
        {
            var tree = c.SyntaxTrees.Single(t => t.ToString().Contains("Answer"));
            var edited = GeneratorHarness.Parse(tree.ToString().Replace("=> 42;", "=> 6 * 7;"), tree.FilePath);
            return c.ReplaceSyntaxTree(tree, edited);
        });
        AssertAllCached(run);
    }

    [Fact]
    public void EditingAMethodBelowTheCellsInTheSameTree_ReEmitsNothing()
    {
        // The tree is re-read, so the model step runs again, but its result is equal: nothing downstream re-runs.
        var source = Cells + "\npublic static class Tail { public static int Value() => 1; }\n";
        var run = RunTwice(GeneratorHarness.CreateCompilation(source), c =>
        {
            var tree = c.SyntaxTrees.Single();
            return c.ReplaceSyntaxTree(tree, GeneratorHarness.Parse(tree.ToString().Replace("=> 1;", "=> 2;"), tree.FilePath));
        });
        AssertAllCached(run);
    }

    [Fact]
    public void EditingAboveTheCellsInTheSameTree_ReEmitsNothing()
    {
        // Every cell moves down: the cached models and sources hold no locations, so they compare equal.
        var (_, run) = RunBoth(GeneratorHarness.CreateCompilation(Cells), c => GeneratorHarness.InsertLinesAbove(c, 3));
        AssertAllCached(run);
    }

    [Fact]
    public void EditingAboveTheCellsInTheSameTree_MovesTheDiagnostics()
    {
        var (run1, run2) = RunBoth(GeneratorHarness.CreateCompilation(Cells), c => GeneratorHarness.InsertLinesAbove(c, 3));
        var before = Assert.Single(run1.GeneratorDiagnostics).Location.GetLineSpan();
        var after = Assert.Single(run2.GeneratorDiagnostics);
        Assert.Equal("RNN002", after.Id);
        Assert.Equal(before.StartLinePosition.Line + 3, after.Location.GetLineSpan().StartLinePosition.Line);
        Assert.Equal(before.StartLinePosition.Character, after.Location.GetLineSpan().StartLinePosition.Character);
        var text = run2.Input.SyntaxTrees.Single().ToString();
        Assert.Equal("sigmod", text.Substring(after.Location.SourceSpan.Start, after.Location.SourceSpan.Length));
    }

    [Fact]
    public void EditingTheEquations_ProducesModifiedOutputForThatCell()
    {
        var run1 = GeneratorHarness.Run(GeneratorHarness.CreateDriver(), GeneratorHarness.CreateCompilation(Cells, Other));
        var tree = run1.Input.SyntaxTrees.Single(t => t.ToString().Contains("Elman"));
        var edited = run1.Input.ReplaceSyntaxTree(tree,
            GeneratorHarness.Parse(tree.ToString().Replace("h' = tanh(W x + U h + b)", "h' = relu(W x + U h + b)"), tree.FilePath));
        var run2 = GeneratorHarness.Run(run1.Driver, edited);
        run2.AssertGeneratorDidNotThrow();

        var outputs = run2.StepOutputs(TrackedSteps);
        // Exactly the edited cell is re-derived and re-emitted; the others in the same tree stay as they were.
        Assert.Equal(1, outputs.Count(o => o.Step == RecurrentCellGenerator.ModelStep && o.Reason == IncrementalStepRunReason.Modified));
        Assert.Equal(1, outputs.Count(o => o.Step == RecurrentCellGenerator.SourceStep && o.Reason == IncrementalStepRunReason.Modified));
        Assert.All(outputs.Where(o => o.Reason != IncrementalStepRunReason.Modified),
            o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{o.Step}: {o.Reason}"));
        Assert.Contains(run2.GeneratedSources, s => s.SourceText.ToString().Contains("CellMath.Relu"));
    }

    [Fact]
    public void FixingABrokenCell_ProducesItsSource()
    {
        var run1 = GeneratorHarness.Run(GeneratorHarness.CreateDriver(), GeneratorHarness.CreateCompilation(Cells));
        Assert.Contains(run1.GeneratorDiagnostics, d => d.Id == "RNN002");
        var tree = run1.Input.SyntaxTrees.Single();
        var fixedCompilation = run1.Input.ReplaceSyntaxTree(tree,
            GeneratorHarness.Parse(tree.ToString().Replace("sigmod", "sigmoid"), tree.FilePath));
        var run2 = GeneratorHarness.Run(run1.Driver, fixedCompilation);
        run2.AssertGeneratorDidNotThrow();
        Assert.Empty(run2.GeneratorDiagnostics);
        Assert.Equal(3, run2.GeneratedSources.Length);
        Assert.Empty(run2.OutputProblems);
    }
}
