using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace RnnGen.Tests.Generator;

/// <summary>RNN026 (a reduction of a value that is one number per row) and RNN027 (a declaration that does not fit
/// the equations, or is malformed: RNN001), each on the token inside the string, with its message.</summary>
public class DeclarationAndReductionDiagnosticTests
{
    private static string Cell(params string[] lines) => DiagnosticTests.Cell(lines);

    private static Diagnostic Single(string source, string id, string covered)
    {
        var run = GeneratorHarness.Run(source);
        run.AssertGeneratorDidNotThrow();
        var diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        var span = diagnostic.Location.SourceSpan;
        Assert.Equal(covered, source.Substring(span.Start, span.Length));
        Assert.Empty(run.GeneratedSources);
        return diagnostic;
    }

    private static string Message(Diagnostic d) => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("m = mean(alpha)", "alpha", "mean")]
    [InlineData("m = variance(2 * alpha + 1)", "2 * alpha + 1", "variance")]
    [InlineData("m = rms(mean(U h))", "mean(U h)", "rms")]
    [InlineData("m = layernorm(3)", "3", "layernorm")]
    public void ReductionOfAPerRowNumber_IsRnn026OnTheArgumentWithAHint(string line, string argument, string function)
    {
        var source = Cell("alpha : scalar", line, "h' = tanh(W x + U h + m + alpha)");
        var diagnostic = Single(source, "RNN026", argument);
        var message = Message(diagnostic);
        Assert.StartsWith($"'{function}' reduces the units of a row, but '{argument}' is one number per row", message);
        Assert.Contains(function == "layernorm" ? "layernorm(W x)" : $"{function}(W x)", message);
    }

    [Fact]
    public void ReductionOfSeveralRows_OneOfThemNotARow_PointsAtThatOne()
    {
        var source = Cell("m = mean(W x, 1)", "h' = tanh(U h + m)");
        Single(source, "RNN026", "1");
    }

    [Theory]
    [InlineData("gaet : ones", "the equations never read a parameter 'gaet'")]
    [InlineData("V_* : orthogonal", "no parameter starts with 'V_'")]
    [InlineData("c : zeros", "'c' is a state, not a parameter")]
    [InlineData("a : zeros", "'a' is defined by an equation, not a parameter")]
    [InlineData("W : vector", "'W' is declared vector but the equations use it as a matrix")]
    [InlineData("b : orthogonal", "'b' is a vector: orthogonal initializes matrices only")]
    [InlineData("b : glorot", "'b' is a vector: glorot initializes matrices only")]
    [InlineData("b_* : scalar", "'b_*' declares scalars by a pattern; declare each scalar by its name")]
    public void DeclarationThatDoesNotFit_IsRnn027OnTheLine(string declaration, string problem)
    {
        var source = Cell(declaration, "a  = tanh(W x + U h + b)", "c' = a * c + b_c", "h' = a * tanh(c')");
        var diagnostic = Single(source, "RNN027", declaration);
        Assert.Equal("Invalid parameter declaration: " + problem, Message(diagnostic));
    }

    [Theory]
    [InlineData("b : flat", "flat", "'b' is declared with 'flat'; write a kind (scalar, vector, matrix) and/or an initializer")]
    [InlineData("b : vector 1", "1", "expected '=' and an initializer after 'b : vector', found '1'")]
    [InlineData("b : ones twice", "twice", "unexpected 'twice' after the declaration of 'b'")]
    public void MalformedDeclaration_IsRnn001NamingWhatIsAccepted(string declaration, string token, string message)
    {
        var source = Cell(declaration, "h' = tanh(W x + U h + b)");
        var diagnostic = Single(source, "RNN001", token);
        Assert.Contains(message, Message(diagnostic));
    }

    [Fact]
    public void DeclaredScalarsAndInitializers_CompileWithoutDiagnostics()
    {
        var run = GeneratorHarness.Run(Cell("alpha : scalar = -0.5", "U_* : orthogonal", "b_f : 1", "b_* : uniform",
            "f  = sigmoid(W_f x + U_f h + b_f)", "h' = f * h + (1 - f) * tanh(W x + U h + b) * alpha"));
        run.AssertGeneratorDidNotThrow();
        Assert.True(run.GeneratorDiagnostics.IsEmpty && run.OutputProblems.Count == 0,
            string.Join("; ", run.GeneratorDiagnostics.Concat(run.OutputProblems)));
        var source = Assert.Single(run.GeneratedSources).SourceText.ToString();
        Assert.Contains("scalars: new string[] { \"alpha\" },", source);
        // b_* comes after b_f: later declarations win, so b_f is uniform.
        Assert.Contains("new(\"b_f\", global::RnnGen.InitializerKind.Uniform),", source);
        Assert.Contains("new(\"U_f\", global::RnnGen.InitializerKind.Orthogonal),", source);
        Assert.Contains("new(\"alpha\", global::RnnGen.InitializerKind.Constant, -0.5),", source);
    }
}
