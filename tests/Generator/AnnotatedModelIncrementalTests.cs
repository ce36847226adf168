using Microsoft.CodeAnalysis;
using RnnGen.Generator;

namespace RnnGen.Tests.Generator;

/// <summary>
/// The [RecurrentModel] generator caches like the cell generator: lines inserted above its models re-run neither the
/// spec nor the emission step, while the diagnostics of a broken model still move with the text.
/// </summary>
public class AnnotatedModelIncrementalTests
{
    private static readonly string[] TrackedSteps = { RecurrentModelGenerator.SpecStep, RecurrentModelGenerator.SourceStep };

    private const string Models = """
        using RnnGen;

        namespace Probe;

        [RecurrentModel]
        public partial class Tagger
        {
            [Layer] private readonly Embedding<float> _embedding = new(10, 4, 1);
            [Layer] private readonly Dense<float> _head = new(4, 3, 2);
        }

        // A broken model: its diagnostic must follow the edit.
        [RecurrentModel]
        public partial class Broken
        {
            [Layer] private readonly int _notALayer = 0;
        }
        """;

    private static (GeneratorRun First, GeneratorRun Second) RunWithLinesAbove(int lines)
    {
        var first = GeneratorHarness.CreateCompilation(Models);
        var run1 = GeneratorHarness.Run(GeneratorHarness.CreateDriver(new RecurrentModelGenerator()), first);
        var run2 = GeneratorHarness.Run(run1.Driver, GeneratorHarness.InsertLinesAbove(first, lines));
        run2.AssertGeneratorDidNotThrow();
        return (run1, run2);
    }

    [Fact]
    public void EditingAboveTheModels_ReEmitsNothing()
    {
        var (run1, run2) = RunWithLinesAbove(2);
        Assert.Single(run1.GeneratedSources);
        Assert.Equal(run1.GeneratedSources.Single().SourceText.ToString(), run2.GeneratedSources.Single().SourceText.ToString());
        var outputs = run2.StepOutputs(TrackedSteps);
        foreach (var name in TrackedSteps) Assert.Equal(2, outputs.Count(o => o.Step == name));
        Assert.All(outputs, o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
            $"{o.Step} produced an output with reason {o.Reason}"));
    }

    [Fact]
    public void EditingAboveTheModels_MovesTheDiagnostics()
    {
        var (run1, run2) = RunWithLinesAbove(2);
        var before = Assert.Single(run1.GeneratorDiagnostics);
        var after = Assert.Single(run2.GeneratorDiagnostics);
        Assert.Equal("RNN020", after.Id);
        Assert.Equal(before.Location.GetLineSpan().StartLinePosition.Line + 2, after.Location.GetLineSpan().StartLinePosition.Line);
        var text = run2.Input.SyntaxTrees.Single().ToString();
        Assert.Equal("_notALayer", text.Substring(after.Location.SourceSpan.Start, after.Location.SourceSpan.Length));
    }
}
