using System.Reflection;
using System.Xml.Linq;
using Microsoft.CodeAnalysis;
using RnnGen.Generator;
using RnnGen.Tests.Generator;
using RnnGen.Tests.Support;

namespace RnnGen.Tests.Docs;

/// <summary>
/// Every diagnostic links to its page docs/diagnostics/RNNxxx.md, and the pages stay true: each ```csharp block under
/// "## Wrong" reports that ID, each under "## Fixed" compiles with no diagnostic at all (cell and model generators run).
/// A note that is off by default (RNN041) has "## Example" blocks instead, run with the note turned on: each reports it.
/// </summary>
public class DiagnosticDocsTests
{
    // RNN013 reports a generator bug: no source is known to produce it, so its page has no examples.
    private const string WithoutExamples = "RNN013";

    private static readonly string Repository = Path.GetDirectoryName(RepositoryFiles.Folder("runtime"))!;
    private static readonly string Pages = Path.Combine(Repository, "docs", "diagnostics");

    private static IEnumerable<DiagnosticDescriptor> Descriptors => typeof(DiagnosticDescriptors)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (DiagnosticDescriptor)f.GetValue(null)!);

    public static TheoryData<string> Ids => new(Descriptors.Select(d => d.Id));

    [Theory]
    [MemberData(nameof(Ids))]
    public void HelpLinkIsThePageInTheRepository(string id)
    {
        var projectUrl = XDocument.Load(Path.Combine(Repository, "Directory.Build.props")).Descendants("PackageProjectUrl").Single().Value;
        Assert.Equal($"{projectUrl}/blob/main/docs/diagnostics/{id}.md", Descriptors.Single(d => d.Id == id).HelpLinkUri);
        Assert.True(File.Exists(Page(id)), $"{Page(id)} is missing");
    }

    [Fact]
    public void EveryPageBelongsToADiagnostic() =>
        Assert.Equal(Descriptors.Select(d => d.Id + ".md").Order(), Directory.GetFiles(Pages).Select(Path.GetFileName).Order());

    [Theory]
    [MemberData(nameof(Ids))]
    public void WrongExamplesReportTheIdAndFixedExamplesNothing(string id)
    {
        var examples = Examples(Page(id));
        var optIn = !Descriptors.Single(d => d.Id == id).IsEnabledByDefault;
        Assert.Equal(id != WithoutExamples, optIn ? examples.Count > 0 && examples.All(e => e.Wrong) : examples.Any(e => e.Wrong) && examples.Any(e => !e.Wrong));
        foreach (var (snippet, wrong) in examples)
        {
            var compilation = GeneratorHarness.CreateCompilation(snippet.Code);
            if (optIn) compilation = compilation.WithOptions(compilation.Options.WithSpecificDiagnosticOptions([new(id, ReportDiagnostic.Info)]));
            var run = GeneratorHarness.Run(GeneratorHarness.CreateDriver(new RecurrentCellGenerator(), new RecurrentModelGenerator()), compilation);
            run.AssertGeneratorDidNotThrow();
            if (wrong)
                Assert.True(run.GeneratorDiagnostics.Any(d => d.Id == id), $"{snippet}: no {id}, got [{string.Join("; ", run.GeneratorDiagnostics)}]");
            else
                Assert.True(run.GeneratorDiagnostics.IsEmpty && run.OutputProblems.Count == 0,
                    $"{snippet}: {string.Join("; ", run.GeneratorDiagnostics.Concat(run.OutputProblems))}");
        }
    }

    private static string Page(string id) => Path.Combine(Pages, id + ".md");

    /// <summary>The csharp blocks of a page under a "## Wrong", "## Example" (both report the ID) or "## Fixed" heading.</summary>
    private static List<(Snippet Snippet, bool Wrong)> Examples(string page)
    {
        var lines = File.ReadAllLines(page);
        string HeadingAbove(Snippet s) => lines.Take(s.Line - 2).LastOrDefault(l => l.StartsWith("## ", StringComparison.Ordinal)) ?? "";
        return Snippets.Parse(lines, page)
            .Select(s => (Snippet: s, Heading: HeadingAbove(s)))
            .Where(e => e.Heading is "## Wrong" or "## Example" or "## Fixed")
            .Select(e => (e.Snippet, e.Heading != "## Fixed"))
            .ToList();
    }
}
