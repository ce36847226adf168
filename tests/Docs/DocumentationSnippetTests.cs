using RnnGen.Tests.Support;

namespace RnnGen.Tests.Docs;

/// <summary>Every C# block of README.md and docs/*.md compiles (custom cells included) and, unless marked
/// compile-only, runs (conventions in <see cref="Snippets"/>), so the documentation stays true as the API changes.</summary>
public class DocumentationSnippetTests
{
    private static readonly string Root = Path.GetDirectoryName(RepositoryFiles.Folder("runtime"))!;

    private static IEnumerable<string> Pages() =>
        new[] { Path.Combine(Root, "README.md") }.Concat(Directory.GetFiles(Path.Combine(Root, "docs"), "*.md").Order(StringComparer.Ordinal));

    public static TheoryData<string, int> Blocks()
    {
        var blocks = new TheoryData<string, int>();
        foreach (var page in Pages())
            foreach (var snippet in Snippets.Read(page)) blocks.Add(Path.GetRelativePath(Root, page), snippet.Line);
        return blocks;
    }

    [Theory]
    [MemberData(nameof(Blocks))]
    public void CompilesAndRuns(string page, int line)
    {
        var snippet = Snippets.Read(Path.Combine(Root, page)).Single(s => s.Line == line);
        var compilation = Snippets.Compile(snippet);
        var errors = Snippets.Errors(compilation);
        Assert.True(errors.Count == 0, $"{snippet} does not compile:\n{string.Join('\n', errors)}");
        if (snippet.Runs) Snippets.Run(snippet, compilation, TimeSpan.FromSeconds(60));
    }

    [Fact]
    public void AnErrorPointsAtItsMarkdownLine()
    {
        string[] markdown = ["# Title", "<!-- snippet: run", "var x = 1;", "-->", "```csharp", "var y = x + \"\";", "int z = y;", "```"];
        var snippet = Snippets.Parse(markdown, "doc.md").Single();
        var error = Assert.Single(Snippets.Errors(Snippets.Compile(snippet)));
        Assert.Equal(7, error.Location.GetMappedLineSpan().StartLinePosition.Line + 1);
        Assert.Equal("doc.md", error.Location.GetMappedLineSpan().Path);
    }

    [Fact]
    public void ARunThatThrowsFailsNamingTheSnippet()
    {
        string[] markdown = ["```csharp", "throw new InvalidOperationException(\"boom\");", "```"];
        var snippet = Snippets.Parse(markdown, "doc.md").Single();
        var error = Assert.Throws<InvalidOperationException>(() => Snippets.Run(snippet, Snippets.Compile(snippet), TimeSpan.FromSeconds(30)));
        Assert.Equal("doc.md line 2 threw InvalidOperationException: boom", error.Message);
    }
}
