using RnnGen.Tests.Support;

namespace RnnGen.Tests.Docs;

/// <summary>Every C# block of README.md compiles (custom cells included) and, unless marked compile-only, runs
/// (conventions in <see cref="Snippets"/>), so the README stays true as the API changes.</summary>
public class ReadmeSnippetTests
{
    private static readonly string Readme = Path.Combine(Path.GetDirectoryName(RepositoryFiles.Folder("runtime"))!, "README.md");

    public static TheoryData<int> Lines => new(Snippets.Read(Readme).Select(s => s.Line));

    [Theory]
    [MemberData(nameof(Lines))]
    public void CompilesAndRuns(int line)
    {
        var snippet = Snippets.Read(Readme).Single(s => s.Line == line);
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
