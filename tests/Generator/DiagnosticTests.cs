using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using RnnGen.Tests.Support;

namespace RnnGen.Tests.Generator;

/// <summary>
/// Every problem in a cell is a diagnostic with its ID, a message naming the culprit, and a location on the exact
/// token inside the string literal — for raw, regular (with escapes), verbatim and CRLF sources alike.
/// The generator never throws and emits no source for a broken cell.
/// </summary>
public partial class DiagnosticTests
{
    // ── helpers ──────────────────────────────────────────────────────────────────────────────────────────────

    /// <summary>A cell declared with a multi-line raw string literal, each equation line indented by 4 spaces.</summary>
    internal static string Cell(params string[] equations) =>
        "using RnnGen;\n\nnamespace Probe;\n\n[RecurrentCell(\"\"\"\n"
        + string.Concat(equations.Select(e => "    " + e + "\n"))
        + "    \"\"\")]\npublic partial struct TestCell;\n";

    /// <summary>The span of the <paramref name="occurrence"/>-th (0-based) <paramref name="token"/>, searched from
    /// the start of <paramref name="after"/> when given (so a token can be pinned in a particular line).</summary>
    private static TextSpan SpanOf(string source, string token, int occurrence = 0, string? after = null)
    {
        var index = after is null ? 0 : source.IndexOf(after, StringComparison.Ordinal);
        Assert.True(index >= 0, $"'{after}' is not in the source");
        for (var n = 0; ; n++)
        {
            index = source.IndexOf(token, index, StringComparison.Ordinal);
            Assert.True(index >= 0, $"'{token}' (occurrence {occurrence}) is not in the source");
            if (n == occurrence) return new TextSpan(index, token.Length);
            index++;
        }
    }

    /// <summary>Runs the generator and asserts it reported exactly one diagnostic, <paramref name="id"/> at <paramref name="span"/>.</summary>
    private static Diagnostic ExpectSingle(string source, string id, TextSpan span)
    {
        var run = GeneratorHarness.Run(source);
        run.AssertGeneratorDidNotThrow();
        var diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        // Compare the covered text first: a failure then reads "expected 'sigmod', got 'igmod('".
        Assert.Equal(source.Substring(span.Start, span.Length), Covered(source, diagnostic.Location.SourceSpan));
        Assert.Equal(span, diagnostic.Location.SourceSpan);
        // The line/column form (what the build prints) agrees with the span and names the file.
        var tree = run.Input.SyntaxTrees.Single();
        var lineSpan = diagnostic.Location.GetLineSpan();
        Assert.Equal(tree.FilePath, lineSpan.Path);
        Assert.Equal(tree.GetLineSpan(span).Span, lineSpan.Span);
        Assert.Empty(run.GeneratedSources);
        return diagnostic;
    }

    private static string Covered(string source, TextSpan span) =>
        span.End <= source.Length ? source.Substring(span.Start, span.Length) : $"<out of range {span}>";

    private static string Message(Diagnostic diagnostic) => diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture);

    // ── RNN001 syntax errors ─────────────────────────────────────────────────────────────────────────────────

    [Fact]
    public void MissingEquals_PointsAtTheTokenWhereEqualsWasExpected()
    {
        var source = Cell("h' tanh(W x + U h + b)");
        var diagnostic = ExpectSingle(source, "RNN001", SpanOf(source, "tanh"));
        Assert.Contains("expected '=' after 'h''", Message(diagnostic));
    }

    [Fact]
    public void UnmatchedClosingParen_PointsAtTheExtraParen()
    {
        var source = Cell("h' = tanh(W x + U h + b))");
        var diagnostic = ExpectSingle(source, "RNN001", SpanOf(source, ")", after: "b))", occurrence: 1));
        Assert.Contains("unmatched ')'", Message(diagnostic));
    }

    [Fact]
    public void UnclosedParen_PointsAtTheLastCharacterOfTheLine()
    {
        // The line ends where ')' was expected; the squiggle sits on the last character so it is visible.
        var source = Cell("h' = tanh(W x + U h + b", "c' = c");
        var diagnostic = ExpectSingle(source, "RNN001", SpanOf(source, "b", after: "U h + b"));
        Assert.Contains("')' to close the call of 'tanh'", Message(diagnostic));
    }

    [Fact]
    public void EachBrokenLineIsReported()
    {
        var source = Cell("a = tanh(W_a x + )", "h' = tanh(W x + U h + b + a) $");
        var run = GeneratorHarness.Run(source);
        run.AssertGeneratorDidNotThrow();
        Assert.Equal(new[] { SpanOf(source, ")", after: "W_a x + "), SpanOf(source, "$") },
            run.GeneratorDiagnostics.Select(d => d.Location.SourceSpan));
        Assert.All(run.GeneratorDiagnostics, d => Assert.Equal("RNN001", d.Id));
    }

    [Theory]
    [InlineData("1..2", "is not a number")]
    [InlineData("1e999", "too large")]
    public void BadNumber_IsASyntaxErrorNotACrash(string number, string reason)
    {
        // "1..2" used to reach double.Parse and surface as RNN013; "1e999" used to be emitted as 'Infinity'.
        var source = Cell($"h' = tanh(W x + U h + {number} * b)");
        var diagnostic = ExpectSingle(source, "RNN001", SpanOf(source, number));
        Assert.Contains($"'{number}'", Message(diagnostic));
        Assert.Contains(reason, Message(diagnostic));
    }

    [Theory]
    [InlineData("max(a)", "'max' takes 2 arguments, max(a, b), but is given 1 argument")]
    [InlineData("tanh(a, b)", "'tanh' takes 1 argument, tanh(x), but is given 2 arguments")]
    [InlineData("clamp(a, 0)", "'clamp' takes 3 arguments, clamp(x, lo, hi), but is given 2 arguments")]
    public void WrongArity_CoversTheCall(string call, string message)
    {
        var source = Cell($"a = W x", $"h' = {call} + U h");
        var diagnostic = ExpectSingle(source, "RNN001", SpanOf(source, call));
        Assert.Contains(message, Message(diagnostic));
    }

    [Fact]
    public void ClampBoundThatIsNotANumber_PointsAtTheBound()
    {
        var source = Cell("h' = clamp(W x + U h, -1, b)");
        var diagnostic = ExpectSingle(source, "RNN001", SpanOf(source, "b", after: "-1, b"));
        Assert.Contains("the bounds of clamp must be numbers", Message(diagnostic));
    }

    [Fact]
    public void ClampBoundsInTheWrongOrder_CoverBothBounds()
    {
        var source = Cell("h' = clamp(W x + U h, 1, -1)");
        var diagnostic = ExpectSingle(source, "RNN001", SpanOf(source, "1, -1"));
        Assert.Contains("lower bound is above its upper bound", Message(diagnostic));
    }

    [Theory]
    [InlineData("W [x, h]", "[x, h]", "W_x x + W_h h")]
    [InlineData("W (x, h)", "(x, h)", "W_x x + W_h h")]
    [InlineData("U [x, h', c]", "[x, h', c]", "U_x x + U_h h' + U_c c")]
    [InlineData("W [x, r * (h + 1)]", "[x, r * (h + 1)]", "W_x x + W_2 (r * (h + 1))")]
    [InlineData("2 * [x, h]", "[x, h]", "W_x x + W_h h")]
    public void Concatenation_IsRnn032WithTheRewriteNamedAfterItsParts(string product, string concatenation, string hint)
    {
        var source = Cell($"h' = tanh({product} + b)");
        var diagnostic = ExpectSingle(source, "RNN032", SpanOf(source, concatenation));
        Assert.Equal($"The language has no concatenation {concatenation}; give each part its own matrix and add the products: {hint}", Message(diagnostic));
    }

    /// <summary>A cell whose state h is projected (Projection = "h"), its equations as in <see cref="Cell"/>.</summary>
    private static string ProjectedCell(params string[] equations) => Cell(equations).Replace("\"\"\")]", "\"\"\", Projection = \"h\")]");

    [Theory]
    [InlineData("h' = tanh(c')", "tanh(c')", "h' =", "must be one matrix times a value")]
    [InlineData("h' = V (tanh(c') * h)", "h", "* h", "read it only as a matrix's operand, such as U h")]
    [InlineData("h' = V (tanh(c')); q' = h' + W_q x", "h'", "q' =", "cannot be read in the step")]
    [InlineData("h' = V (tanh(c')); q' = tanh(V q + W_q x)", "V", "V q", "cannot multiply anything else")]
    public void ProjectedStateMisused_IsRnn033AtTheExpression(string equation, string token, string after, string problem)
    {
        var source = ProjectedCell("c' = tanh(W x + U h) * c", equation);
        var diagnostic = ExpectSingle(source, "RNN033", SpanOf(source, token, after: after));
        Assert.Contains(problem, Message(diagnostic));
    }

    [Fact]
    public void ProjectionNamingNoState_IsRnn033OnTheOption()
    {
        var source = "using RnnGen;\n[RecurrentCell(\"h' = tanh(W x + U h + b)\", Projection = \"q\")]\npublic partial struct TestCell;\n";
        var diagnostic = ExpectSingle(source, "RNN033", SpanOf(source, "Projection = \"q\""));
        Assert.Contains("Projection = \"q\" names no state", Message(diagnostic));
    }

    [Fact]
    public void ProjectedLstm_CompilesWithTheProjectionInItsInfo()
    {
        var run = GeneratorHarness.Run(ProjectedCell("c' = tanh(W x + U h) * c", "h' = W_hr (tanh(c'))"));
        run.AssertGeneratorDidNotThrow();
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Contains(run.GeneratedSources, s => s.SourceText.ToString().Contains("Projection = new global::RnnGen.StateProjection(1, \"W_hr\")", StringComparison.Ordinal));
    }

    // ── RNN002 … RNN010: the equations ──────────────────────────────────────────────────────────────────────

    [Fact]
    public void UnknownFunction_PointsAtTheNameAndSuggestsTheClosestFunction()
    {
        var source = Cell("h' = sigmod(W x + U h + b)");
        var diagnostic = ExpectSingle(source, "RNN002", SpanOf(source, "sigmod"));
        Assert.Contains("'sigmod'", Message(diagnostic));
        Assert.Contains("did you mean 'sigmoid'", Message(diagnostic));
        Assert.Contains("tanh", Message(diagnostic)); // the list of known functions
    }

    [Fact]
    public void UnknownState_PointsAtThePrimedNameAndSuggestsTheState()
    {
        var source = Cell(
            "f  = sigmoid(W_f x + U_f h + b_f)",
            "c' = f * c + (1 - f) * tanh(W_c x)",
            "h' = tanh(cc')");
        var diagnostic = ExpectSingle(source, "RNN003", SpanOf(source, "cc'"));
        Assert.Contains("cc'", Message(diagnostic));
        Assert.Contains("did you mean c'", Message(diagnostic));
    }

    [Fact]
    public void MatrixTimesANameThatIsNotAState_IsAStateNeverUpdated()
    {
        var source = Cell("h' = tanh(W x + U k + b)");
        var diagnostic = ExpectSingle(source, "RNN004", SpanOf(source, "k", after: "U k"));
        Assert.Contains("'k'", Message(diagnostic));
        Assert.Contains("'U'", Message(diagnostic));
        Assert.Contains("k' =", Message(diagnostic)); // tells how to fix it
    }

    [Fact]
    public void IntermediateUsedBeforeItsEquation_PointsAtTheUse()
    {
        var source = Cell(
            "h' = tanh(W x + U h + a)",
            "a  = sigmoid(V x)");
        var diagnostic = ExpectSingle(source, "RNN005", SpanOf(source, "a", after: "U h + a"));
        Assert.Contains("'a'", Message(diagnostic));
    }

    [Fact]
    public void NewStateUsedBeforeItsEquation_PointsAtThePrimedUse()
    {
        var source = Cell(
            "a  = sigmoid(V x) * c'",
            "c' = tanh(W x + U h)",
            "h' = a");
        var diagnostic = ExpectSingle(source, "RNN005", SpanOf(source, "c'"));
        Assert.Contains("'c''", Message(diagnostic));
    }

    [Fact]
    public void DefinedTwice_PointsAtTheSecondDefinition()
    {
        var source = Cell(
            "a  = sigmoid(W_a x)",
            "a  = tanh(V_a x)",
            "h' = tanh(U h + a)");
        var diagnostic = ExpectSingle(source, "RNN006", SpanOf(source, "a", after: "a  = tanh"));
        Assert.Contains("'a'", Message(diagnostic));
    }

    [Fact]
    public void StateUpdatedTwice_IsDefinedTwice()
    {
        var source = Cell(
            "h' = tanh(W x + U h + b)",
            "h' = sigmoid(V x)");
        var diagnostic = ExpectSingle(source, "RNN006", SpanOf(source, "h'", occurrence: 1));
        Assert.Contains("'h''", Message(diagnostic));
    }

    [Fact]
    public void Cycle_PointsAtTheFirstEquationOfTheCycleAndSpellsItOut()
    {
        var source = Cell(
            "a  = sigmoid(W x + bb)",
            "bb = tanh(U h + a)",
            "h' = a * bb");
        var diagnostic = ExpectSingle(source, "RNN007", SpanOf(source, "a", after: "a  = sigmoid"));
        Assert.Contains("'a' depends on itself: a → bb → a", Message(diagnostic));
    }

    [Fact]
    public void MatrixUsedAsVector_PointsAtTheElementwiseUse()
    {
        var source = Cell("h' = tanh(W x + U h + W)");
        var diagnostic = ExpectSingle(source, "RNN008", SpanOf(source, "W", occurrence: 1, after: "h' ="));
        Assert.Contains("'W'", Message(diagnostic));
    }

    [Fact]
    public void VectorUsedAsMatrix_PointsAtTheMatrixUse()
    {
        var source = Cell("h' = tanh(b + W x + U h) + b h");
        var diagnostic = ExpectSingle(source, "RNN008", SpanOf(source, "b", after: "+ b h"));
        Assert.Contains("'b'", Message(diagnostic));
    }

    [Fact]
    public void MatrixWithTwoOperands_PointsAtTheSecondProduct()
    {
        var source = Cell("h' = tanh(W x + W h + b)");
        var diagnostic = ExpectSingle(source, "RNN009", SpanOf(source, "W h"));
        var message = Message(diagnostic);
        Assert.Contains("'W'", message);
        Assert.Contains("the state h", message);
        Assert.Contains("the input x", message);
    }

    [Fact]
    public void NoState_SpansTheEquations()
    {
        var source = Cell("a = tanh(W x + b)");
        var diagnostic = ExpectSingle(source, "RNN010", SpanOf(source, "a = tanh(W x + b)"));
        Assert.Contains("h' =", Message(diagnostic)); // shows what a state update looks like
    }

    [Fact]
    public void EmptyEquations_IsNoStateInsideTheQuotes()
    {
        var source = "using RnnGen;\n[RecurrentCell(\"\")]\npublic partial struct TestCell;\n";
        ExpectSingle(source, "RNN010", new TextSpan(source.IndexOf("\"\"", StringComparison.Ordinal) + 1, 0));
    }

    // ── RNN011, RNN012, RNN014: the declaration ─────────────────────────────────────────────────────────────

    [Fact]
    public void NotPartial_PointsAtTheIdentifier()
    {
        var source = Cell("h' = tanh(W x + U h + b)").Replace("public partial struct", "public struct");
        var diagnostic = ExpectSingle(source, "RNN011", SpanOf(source, "TestCell"));
        Assert.Contains("'TestCell'", Message(diagnostic));
    }

    [Fact]
    public void ContainingTypeNotPartial_PointsAtTheContainer()
    {
        var source = """
            using RnnGen;
            public class Outer
            {
                [RecurrentCell("h' = tanh(W x + U h + b)")]
                public partial struct Inner;
            }
            """;
        var diagnostic = ExpectSingle(source, "RNN011", SpanOf(source, "Outer"));
        Assert.Contains("'Outer'", Message(diagnostic));
    }

    [Theory]
    [InlineData("public partial interface ICell { }", "ICell", "interface")]
    [InlineData("public partial record CellRecord;", "CellRecord", "record")]
    [InlineData("public partial record struct CellRecordStruct;", "CellRecordStruct", "record")]
    [InlineData("public partial struct GenericCell<T> { }", "GenericCell", "generic")]
    [InlineData("public static partial class StaticCell { }", "StaticCell", "static")]
    public void UnsupportedType_PointsAtTheIdentifier(string declaration, string name, string reason)
    {
        var source = "using RnnGen;\n[RecurrentCell(\"h' = tanh(W x + U h + b)\")]\n" + declaration + "\n";
        var diagnostic = ExpectSingle(source, "RNN012", SpanOf(source, name));
        Assert.Contains($"'{name}'", Message(diagnostic));
        Assert.Contains(reason, Message(diagnostic));
    }

    [Fact]
    public void NestedInGenericType_IsUnsupported()
    {
        var source = """
            using RnnGen;
            public partial class Outer<T>
            {
                [RecurrentCell("h' = tanh(W x + U h + b)")]
                public partial struct Inner;
            }
            """;
        var diagnostic = ExpectSingle(source, "RNN012", SpanOf(source, "Inner"));
        Assert.Contains("generic", Message(diagnostic));
    }

    [Fact]
    public void NonConstantEquations_PointsAtTheArgument()
    {
        // The compiler reports CS0182 too; the generator must still not throw and point at the argument.
        var source = """
            using RnnGen;
            public static class Texts { public static readonly string Equations = "h' = tanh(W x + U h + b)"; }
            [RecurrentCell(Texts.Equations)]
            public partial struct TestCell;
            """;
        var diagnostic = ExpectSingle(source, "RNN014", SpanOf(source, "Texts.Equations"));
        Assert.Contains("constant string", Message(diagnostic));
    }

    [Fact]
    public void ConstantFromElsewhere_IsAcceptedAndItsErrorsPointAtTheArgument()
    {
        // A const has no literal at the attribute to map into: the whole argument is the location.
        var source = """
            using RnnGen;
            public static class Texts { public const string Equations = "h' = sigmod(W x + U h + b)"; }
            [RecurrentCell(Texts.Equations)]
            public partial struct TestCell;
            """;
        ExpectSingle(source, "RNN002", SpanOf(source, "Texts.Equations", after: "[RecurrentCell"));
    }

    // ── RNN015 … RNN018 ─────────────────────────────────────────────────────────────────────────────────────

    [Fact]
    public void InputUsedElementwise_PointsAtThatX()
    {
        var source = Cell("h' = tanh(W x + U h) * x");
        var diagnostic = ExpectSingle(source, "RNN015", SpanOf(source, "x", after: "* x"));
        Assert.Contains("'x'", Message(diagnostic));
    }

    [Theory]
    [InlineData("x  = tanh(V h)", "x", "input")]
    [InlineData("tanh = sigmoid(V h)", "tanh", "function")]
    [InlineData("h  = sigmoid(V x)", "h", "previous value of state h'")]
    public void InvalidTarget_PointsAtTheTarget(string badLine, string target, string reason)
    {
        var source = Cell(badLine, "h' = tanh(W x + U h + b)");
        var diagnostic = ExpectSingle(source, "RNN016", SpanOf(source, target, after: badLine));
        Assert.Contains($"'{target}'", Message(diagnostic));
        Assert.Contains(reason, Message(diagnostic));
    }

    [Fact]
    public void UnusedIntermediate_PointsAtItsDefinition()
    {
        var source = Cell(
            "a  = tanh(W_a x)",
            "h' = tanh(W x + U h + b)");
        var diagnostic = ExpectSingle(source, "RNN017", SpanOf(source, "a", after: "a  = tanh"));
        Assert.Contains("'a'", Message(diagnostic));
    }

    [Fact]
    public void NegativeHidden_PointsAtTheOption()
    {
        var source = "using RnnGen;\n[RecurrentCell(\"h' = tanh(W x + U h + b)\", Hidden = -3)]\npublic partial struct TestCell;\n";
        var diagnostic = ExpectSingle(source, "RNN018", SpanOf(source, "Hidden = -3"));
        Assert.Contains("-3", Message(diagnostic));
    }

    [Fact]
    public void OutputNamingNoState_PointsAtTheOption()
    {
        var source = "using RnnGen;\n[RecurrentCell(\"h' = tanh(W x + U h + b)\", Output = \"q\")]\npublic partial struct TestCell;\n";
        var diagnostic = ExpectSingle(source, "RNN018", SpanOf(source, "Output = \"q\""));
        Assert.Contains("\"q\"", Message(diagnostic));
        Assert.Contains("h", Message(diagnostic));
    }

    [Fact]
    public void CallOfAMatrixWithoutSpace_SaysHowAMatrixProductIsWritten()
    {
        var source = Cell("h' = tanh(W x + U(h) + b)");
        var diagnostic = ExpectSingle(source, "RNN002", new TextSpan(source.IndexOf("U(h)", StringComparison.Ordinal), 1));
        Assert.StartsWith("Unknown function 'U' (a matrix product is written with a space: 'U h' or 'U (h)'); known functions are: ", Message(diagnostic));
    }

    // ── RNN025 possible typos: a warning, the cell is still generated ─────────────────────────────────────────

    private const string TypoMessage =
        "'{0}' is written only once, so it becomes a new learnable parameter; did you mean '{1}'? If the name is deliberate, declare it: Parameters = \"{0}\"";

    [Theory]
    [InlineData("gaet", "gate", new[] { "gate = sigmoid(W_g x + U_g h + b_g)", "n    = tanh(W_n x + U_n h + b_n)", "h'   = gaet * h + (1 - gate) * n" })]
    [InlineData("bais", "bias", new[] { "a  = tanh(W_a x + bias)", "z  = sigmoid(W_z x + U_z h + bias)", "h' = z * h + (1 - z) * a + bais" })]
    [InlineData("cel", "cell", new[] { "cell' = tanh(W x + U h) * cell", "h' = tanh(cel)" })]
    [InlineData("U_z", "Uz", new[] { "z  = sigmoid(Uz h + U_z x)", "r  = sigmoid(Uz h)", "h' = z * r * h" })]
    public void ParameterWrittenOnceNearAUsedName_WarnsOnItAndSuggestsTheName(string typo, string intended, string[] equations)
    {
        var source = Cell(equations);
        var run = GeneratorHarness.Run(source);
        run.AssertGeneratorDidNotThrow();
        var diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("RNN025", diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Warning, diagnostic.Severity);
        Assert.Equal(SpanOf(source, typo, after: typo == "cel" ? "tanh(cel" : null), diagnostic.Location.SourceSpan);
        Assert.Equal(string.Format(TypoMessage, typo, intended), Message(diagnostic));
        Assert.Single(run.GeneratedSources);
    }

    /// <summary>Deliberate names that are one edit apart: families (same stem or same part after '_', digits), names each
    /// written once (W_i, W_f, b_i, …), and one-letter names (every one-letter name is one edit from every other).</summary>
    [Theory]
    [InlineData("i  = sigmoid(W_i x + U_i h + p_c * c + b_i)", "f  = sigmoid(W_f x + U_f h + p_c * c + b_f)", "o  = sigmoid(W_o x + p_o * c + b_o)",
        "c' = f * c + i * tanh(W_c x)", "h' = o * tanh(c')")]
    [InlineData("gate = sigmoid(W x + U h)", "gate_2 = tanh(V x)", "gate3 = relu(M x)", "h' = gate * h + gate_2 * gate3 + gate_4 + gate5")]
    [InlineData("a1 = tanh(W x + U h)", "h' = a1 * h + a2")]
    [InlineData("a1 = tanh(W x + U h)", "h' = a1 * h + c1")]
    [InlineData("z  = sigmoid(W_z x)", "r  = sigmoid(W_z x + U_z h)", "h' = z * r * h")]
    [InlineData("h' = tanh(Wz x + Uz h + bz) + tanh(Wr x + Ur h + br)")]
    [InlineData("m  = sigmoid(V (h * h) + b)", "h' = tanh(M (m * h) + W x + k)")]
    public void DeliberateNames_DoNotWarn(params string[] equations)
    {
        var run = GeneratorHarness.Run(Cell(equations));
        run.AssertGeneratorDidNotThrow();
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Single(run.GeneratedSources);
    }

    [Fact]
    public void EveryCellOfTheRepository_HasNoDiagnostics()
    {
        // The build treats warnings as errors: RNN025 must have no false positive on the cells we ship and test.
        var folders = new[] { new[] { "runtime" }, new[] { "tests", "Cells" }, new[] { "samples" }, new[] { "bench" } };
        var files = folders.SelectMany(f => Directory.EnumerateFiles(RepositoryFiles.Folder(f), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && File.ReadAllText(f).Contains("\n[RecurrentCell(", StringComparison.Ordinal))
            .ToList();
        Assert.True(files.Count >= 4, string.Join(", ", files));
        foreach (var file in files)
        {
            var run = GeneratorHarness.Run(File.ReadAllText(file));
            run.AssertGeneratorDidNotThrow();
            // Info notes are no problem (RNN040 on IndRnnTanh, a test cell that is sequential on purpose).
            var problems = run.GeneratorDiagnostics.Where(d => d.Severity > DiagnosticSeverity.Info).ToList();
            Assert.True(problems.Count == 0, file + ": " + string.Join("; ", problems));
            Assert.NotEmpty(run.GeneratedSources);
        }
    }

    [Theory]
    [InlineData("gaet")]
    [InlineData("k, gaet")]
    [InlineData("gaet n2")]
    public void ParametersOption_DeclaresADeliberateName(string parameters)
    {
        var source = Cell("gate = sigmoid(W_g x + U_g h + b_g)", "n    = tanh(W_n x + U_n h + b_n)", "h'   = gaet * h + (1 - gate) * n")
            .Replace("\"\"\")]", $"\"\"\", Parameters = \"{parameters}\")]");
        Assert.Contains("Parameters = ", source);
        var run = GeneratorHarness.Run(source);
        run.AssertGeneratorDidNotThrow();
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Single(run.GeneratedSources);
    }

    // ── position mapping for every kind of string literal ──────────────────────────────────────────────────

    [Fact]
    public void RegularStringWithEscapes_MapsPastEachEscape()
    {
        // \t, \r\n and \u000A each take several source characters but one text character.
        const string source = "using RnnGen;\n[RecurrentCell(\"\\th' = tanh(W x + U h + b)\\r\\n\\tq' = q * h\\u000Ac' = sigmod(W_c x) * c\")]\npublic partial struct TestCell;\n";
        Assert.Contains(@"\r\n\tq'", source); // the escapes really are in the source text
        var diagnostic = ExpectSingle(source, "RNN002", SpanOf(source, "sigmod"));
        Assert.Contains("'sigmod'", Message(diagnostic));
    }

    [Fact]
    public void RegularStringWithLongAndControlEscapes_MapsPastEachEscape()
    {
        // \U0001F600 is one escape but two UTF-16 units (a surrogate pair) in a comment; \f and \v are whitespace.
        const string source = "using RnnGen;\n[RecurrentCell(\"# \\U0001F600 smile\\nh' = tanh(W x + U h + b)\\f\\v\\nc' = sigmod(W_c x) * c\")]\npublic partial struct TestCell;\n";
        Assert.Contains(@"\U0001F600", source);
        var diagnostic = ExpectSingle(source, "RNN002", SpanOf(source, "sigmod"));
        Assert.Contains("'sigmod'", Message(diagnostic));
    }

    [Fact]
    public void RegularStringWithNewlineEscapes_MapsAStateInTheSecondLine()
    {
        const string source = "using RnnGen;\n[RecurrentCell(\"c' = tanh(W x + U h)\\nh' = c' * cc'\")]\npublic partial struct TestCell;\n";
        ExpectSingle(source, "RNN003", SpanOf(source, "cc'"));
    }

    [Fact]
    public void VerbatimString_MapsPastDoubledQuotesAndNewlines()
    {
        var source = "using RnnGen;\n[RecurrentCell(@\"# \"\"quoted\"\" comment\n    h' = tanh(W x + U h + b)\n    q' = sigmod(W_q x) * q\")]\npublic partial struct TestCell;\n";
        ExpectSingle(source, "RNN002", SpanOf(source, "sigmod"));
    }

    [Fact]
    public void SingleLineRawString_Maps()
    {
        var source = "using RnnGen;\n[RecurrentCell(\"\"\"h' = sigmod(W x + U h + b)\"\"\")]\npublic partial struct TestCell;\n";
        ExpectSingle(source, "RNN002", SpanOf(source, "sigmod"));
    }

    [Fact]
    public void MultiLineRawString_MapsWithIndentationCommentsAndBlankLines()
    {
        var source = """"
            using RnnGen;

            namespace Probe
            {
                public static partial class Cells
                {
                    [RecurrentCell("""
                        # a comment line, then a blank line

                        z  = sigmoid(W_z x + U_z h + b_z)   // trailing comment
                          n  = tanh(W_n x + U_n (z * h))
                        h' = (1 - z) * h + z * tanh(n')
                        """)]
                    public partial struct TestCell;
                }
            }
            """";
        var diagnostic = ExpectSingle(source, "RNN003", SpanOf(source, "n'"));
        Assert.Contains("n'", Message(diagnostic));
    }

    [Fact]
    public void MultiLineRawStringWithCrLf_Maps()
    {
        var source = Cell(
            "a  = sigmoid(W_a x + U_a h)",
            "h' = tanh(W x + U h) * sigmod(a)").Replace("\n", "\r\n");
        ExpectSingle(source, "RNN002", SpanOf(source, "sigmod"));
    }

    [Fact]
    public void SemicolonSeparatedEquations_MapOnOneLine()
    {
        var source = Cell("h' = tanh(W x + U h + b); c' = c * h; d' = d * cd'");
        ExpectSingle(source, "RNN003", SpanOf(source, "cd'"));
    }

    [Fact]
    public void ValidCell_HasNoDiagnosticsAndGeneratesSource()
    {
        var run = GeneratorHarness.Run(Cell("h' = tanh(W x + U h + b)"));
        run.AssertGeneratorDidNotThrow();
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Single(run.GeneratedSources);
    }

    [Fact]
    public void TwoCells_EachGetsItsOwnDiagnostics()
    {
        var source = Cell("h' = sigmod(W x + U h + b)")
            + "[RecurrentCell(\"h' = tanh(W x + U hh + b)\")]\npublic partial struct Other;\n";
        var run = GeneratorHarness.Run(source);
        run.AssertGeneratorDidNotThrow();
        Assert.Equal(
            new[] { ("RNN002", SpanOf(source, "sigmod")), ("RNN004", SpanOf(source, "hh")) },
            run.GeneratorDiagnostics.Select(d => (d.Id, d.Location.SourceSpan)).OrderBy(d => d.Item2.Start));
        Assert.Empty(run.GeneratedSources);
    }
}
