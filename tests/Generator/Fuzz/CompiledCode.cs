using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace RnnGen.Tests.Generator.Fuzz;

/// <summary>
/// The generated code already compiled, up to what cannot change whether it compiles: comments and whitespace, the
/// contents of string literals and the cell's type name. Most mutations change only the equation text, which the
/// generated code holds in a string and in comments: such code needs parsing, not compiling again. Code with a
/// syntax error is never called known, so a remark that spilled out of its comment still fails its cell.
/// </summary>
internal sealed class CompiledCode
{
    private readonly HashSet<string> _shapes = [];

    /// <summary>Whether code of this shape is new (and now known); locked because batches run in parallel.</summary>
    public bool IsNew(SyntaxTree tree, string typeName)
    {
        if (tree.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error)) return true;
        var shape = new StringBuilder();
        // Directives are tokens too (descendIntoTrivia): a #if written by a spilled remark changes the shape.
        foreach (var token in tree.GetRoot().DescendantTokens(descendIntoTrivia: true))
            shape.Append(token.IsKind(SyntaxKind.StringLiteralToken) ? "\"\"" : token.Text == typeName ? "T" : token.Text).Append(' ');
        lock (_shapes) return _shapes.Add(shape.ToString());
    }
}
