using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using RnnGen.CodeFixes;

namespace RnnGen.Tests.Generator;

/// <summary>"Make 'X' partial" turns RNN011 and RNN019 sources into ones the generators accept, touching nothing else.</summary>
public class MakePartialCodeFixTests
{
    public static TheoryData<string, string, string, string> Cases => new()
    {
        {
            "RNN011", "Make 'Rnn' partial",
            """
            using RnnGen;

            [RecurrentCell("h' = tanh(W x + U h + b)")]
            public struct Rnn;
            """,
            """
            using RnnGen;

            [RecurrentCell("h' = tanh(W x + U h + b)")]
            public partial struct Rnn;
            """
        },
        {
            // No modifiers and a comment: 'partial' takes the keyword's indentation.
            "RNN011", "Make 'Rnn' partial",
            """
            using RnnGen;

            public static class Cells
            {
                // the cell
                [RecurrentCell("h' = tanh(W x + U h + b)")]
                struct Rnn;
            }
            """,
            """
            using RnnGen;

            public static partial class Cells
            {
                // the cell
                [RecurrentCell("h' = tanh(W x + U h + b)")]
                partial struct Rnn;
            }
            """
        },
        {
            "RNN019", "Make 'Regressor' partial",
            """
            using RnnGen;

            [RecurrentModel]
            public sealed class Regressor
            {
                [Layer] RecurrentLayer<Lstm, float> rnn = new(4, 8, maxBatch: 2, maxSteps: 3);
            }
            """,
            """
            using RnnGen;

            [RecurrentModel]
            public sealed partial class Regressor
            {
                [Layer] RecurrentLayer<Lstm, float> rnn = new(4, 8, maxBatch: 2, maxSteps: 3);
            }
            """
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task TheFixAddsPartialAndTheGeneratorsThenReportNothing(string id, string title, string source, string expected)
    {
        var (action, fixedSource) = await ApplySingleFix(source, id);

        Assert.Equal(title, action.Title);
        Assert.Equal(expected, fixedSource);
        var run = GeneratorHarness.RunBoth(fixedSource);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.OutputProblems);
    }

    /// <summary>Reports the diagnostic with the generators, asks the fix for its one action and applies it in a workspace.</summary>
    private static async Task<(CodeAction Action, string Source)> ApplySingleFix(string source, string id)
    {
        var diagnostic = Assert.Single(GeneratorHarness.RunBoth(source).GeneratorDiagnostics);
        Assert.Equal(id, diagnostic.Id);

        using var workspace = new AdhocWorkspace();
        var document = workspace.AddProject("Cells", LanguageNames.CSharp)
            .WithParseOptions(GeneratorHarness.ParseOptions)
            .WithMetadataReferences(GeneratorHarness.References)
            .AddDocument("Source0.cs", source);
        var actions = new List<CodeAction>();
        var fix = new MakePartialCodeFix();
        Assert.Contains(id, fix.FixableDiagnosticIds);
        await fix.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None));

        var action = Assert.Single(actions);
        var operation = Assert.Single((await action.GetOperationsAsync(CancellationToken.None)).OfType<ApplyChangesOperation>());
        var text = await operation.ChangedSolution.GetDocument(document.Id)!.GetTextAsync();
        return (action, text.ToString());
    }
}
