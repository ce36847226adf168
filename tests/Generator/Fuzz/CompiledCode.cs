using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace RnnGen.Tests.Generator.Fuzz;

/// <summary>
/// The generated code already compiled, up to what cannot change whether it compiles: comments and whitespace, the
/// contents of string literals and the cell's type name. Most mutations change only the equation text, which the
/// generated code holds in a string and in comments: such code needs parsing, not compiling again.
/// </summary>
internal sealed class CompiledCode
{
    private readonly HashSet<string> _shapes = [];

    /// <summary>The shape of the code; null when it has a syntax error, so a remark that spilled out of its comment
    /// is always compiled and fails its cell.</summary>
    public static string? Shape(SyntaxTree tree, string typeName)
    {
        if (tree.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error)) return null;
        var shape = new StringBuilder();
        // Directives are tokens too (descendIntoTrivia): a #if written by a spilled remark changes the shape.
        foreach (var token in tree.GetRoot().DescendantTokens(descendIntoTrivia: true))
            shape.Append(token.IsKind(SyntaxKind.StringLiteralToken) ? "\"\"" : token.Text == typeName ? "T" : token.Text).Append(' ');
        return shape.ToString();
    }

    public bool Contains(string shape)
    {
        lock (_shapes) return _shapes.Contains(shape);
    }

    /// <summary>Remembers shapes that compiled without error. Only those: code with an error must fail every cell that
    /// makes it, and a batch that timed out or threw is rerun one input at a time, compiling its code again.</summary>
    public void Add(IEnumerable<string> shapes)
    {
        lock (_shapes) _shapes.UnionWith(shapes);
    }
}
