using System.Diagnostics;
using System.Reflection;
using Microsoft.CodeAnalysis;
using RnnGen.Generator.Parsing;
using RnnGen.Tests.Support;

namespace RnnGen.Tests.Generator;

/// <summary>
/// Hostile or unusual cells (issue 8): absurd nesting, double negation, huge compile-time sizes, escaped surrogates
/// and very large cells. Each ends in a clean diagnostic or in code that compiles and computes the right thing —
/// never in a crash, an RNN013 "internal error" or super-linear time.
/// </summary>
public class ParserHardeningTests
{
    private const int Limit = EquationParser.MaxDepth;

    private static string Repeat(string text, int count) => string.Concat(Enumerable.Repeat(text, count));

    /// <summary>Runs the generator on a thread with a small stack, as IDEs do (a stack overflow would kill the test host).</summary>
    private static GeneratorRun RunOnSmallStack(string source, int stackBytes = 256 * 1024)
    {
        var compilation = GeneratorHarness.CreateCompilation(source);
        var driver = GeneratorHarness.CreateDriver();
        GeneratorRun? run = null;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try { run = GeneratorHarness.Run(driver, compilation); }
            catch (Exception e) { error = e; }
        }, stackBytes);
        thread.Start();
        thread.Join();
        Assert.Null(error);
        run!.AssertGeneratorDidNotThrow();
        return run;
    }

    private static Diagnostic AssertSingle(GeneratorRun run, string id)
    {
        var diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Empty(run.GeneratedSources);
        return diagnostic;
    }

    // ── 1. nesting depth ─────────────────────────────────────────────────────────────────────────────────────

    /// <summary>Expressions of a given nesting depth (in levels as the parser counts them), each around <c>h</c>.</summary>
    public static TheoryData<string> Shapes() => new() { "group", "call", "minus", "unclosed", "matrix", "sum", "product" };

    /// <summary><c>h' = tanh(W x + b) * E</c> where E is <paramref name="height"/> levels deep: every operator, call,
    /// matrix product and group is a level, a name or number is one. The product above E adds one more.</summary>
    private static string Nested(string shape, int height) => "h' = tanh(W x + b) * " + shape switch
    {
        "group" => Repeat("(", height - 1) + "h" + Repeat(")", height - 1),
        "call" => Repeat("tanh(", height - 1) + "h" + Repeat(")", height - 1),
        "minus" => Repeat("-", height - 1) + "h",
        "unclosed" => Repeat("(", height - 1) + "h",
        "matrix" => "(" + string.Concat(Enumerable.Range(1, height - 2).Select(m => $"U{m} ")) + "h)",
        "sum" => "(h" + Repeat(" + h", height - 2) + ")",
        _ => "(h" + Repeat(" * h", height - 2) + ")",
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Depth100000_OnA256KStack_IsADiagnosticNotACrash(string shape)
    {
        var watch = Stopwatch.StartNew();
        var run = RunOnSmallStack(GeneratorHarness.CellSource(Nested(shape, 100_000)));
        var diagnostic = AssertSingle(run, "RNN024");
        Assert.Contains(Limit.ToString(), diagnostic.GetMessage());
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"took {watch.Elapsed}");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void DepthAtTheLimit_GeneratesOnASmallStackAndCompiles(string shape)
    {
        if (shape == "unclosed") return; // never valid
        // The product with tanh(W x + b) adds one level above E: E may take Limit - 1.
        RunOnSmallStack(GeneratorHarness.CellSource(Nested(shape, Limit - 1))).AssertCompiles();
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void DepthJustAboveTheLimit_ReportsRnn024OnTheTokenWhereItIsReached(string shape)
    {
        var source = GeneratorHarness.CellSource(Nested(shape, Limit));
        var diagnostic = AssertSingle(RunOnSmallStack(source), "RNN024");
        var covered = source.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length);
        // The innermost construct, or the last operator of the chain, is where the limit is passed.
        var expected = shape switch { "group" or "unclosed" => "(", "call" => "tanh", "minus" => "-", "matrix" => $"U{Limit - 2}", "sum" => "+", _ => "*" };
        Assert.Equal(expected, covered);
        var last = shape switch { "group" or "unclosed" => "(", "call" => "tanh(", "minus" => "-", "matrix" => $"U{Limit - 2}", "sum" => " + ", _ => " * " };
        Assert.Equal(source.LastIndexOf(last, StringComparison.Ordinal) + (last.StartsWith(' ') ? 1 : 0), diagnostic.Location.SourceSpan.Start);
    }

    [Fact]
    public void DeepDependencyChainsAcrossEquations_GenerateOnASmallStack()
    {
        // Nesting through intermediates is not limited: 3,000 equations each reading the previous one.
        var lines = new List<string> { "a0 = tanh(W x + U h + b)" };
        for (var i = 1; i < 3000; i++) lines.Add($"a{i} = a{i - 1} * c{i} + h");
        lines.Add("h' = a2999");
        var run = RunOnSmallStack(GeneratorHarness.CellSource(string.Join("\n", lines)));
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.NotEmpty(run.GeneratedSources);
    }

    // ── 2. double negation ───────────────────────────────────────────────────────────────────────────────────

    /// <summary>Cells with stacked minus signs, and the same cells written without them.</summary>
    public static TheoryData<string, string> Negations() => new()
    {
        { "h' = -(-tanh(W x + U h + b))", "h' = tanh(W x + U h + b)" },
        { "h' = - -h * -(-0.5) + tanh(W x + U h + b)", "h' = h * 0.5 + tanh(W x + U h + b)" },
        { "h' = h - -tanh(W x + U h + b) + -h * 0.5", "h' = h + tanh(W x + U h + b) - h * 0.5" },
        { "h' = - - -tanh(W x + U h + b) - -0.25 * - -h", "h' = 0.25 * h - tanh(W x + U h + b)" },
        { "a = -tanh(W x + U h + b)\nh' = -a * -0.5 + - - -a", "a = tanh(W x + U h + b)\nh' = a - 0.5 * a" },
    };

    private const int Hidden = 7, Batch = 2, Steps = 3, InputSize = 4;

    [Theory]
    [MemberData(nameof(Negations))]
    public void DoubleNegation_CompilesAndComputesTheSameAsTheCellWithout(string negated, string plain)
    {
        var source = "using RnnGen;\nnamespace Probe;\n"
            + $"[RecurrentCell(\"\"\"\n{negated}\n\"\"\")] public partial struct Negated;\n"
            + $"[RecurrentCell(\"\"\"\n{plain}\n\"\"\")] public partial struct Plain;\n";
        var run = GeneratorHarness.Run(source);
        run.AssertGeneratorDidNotThrow();
        run.AssertCompiles();
        using var stream = new MemoryStream();
        var emit = run.Output.Emit(stream);
        Assert.True(emit.Success, string.Join("\n", emit.Diagnostics.Take(5)));
        var assembly = Assembly.Load(stream.ToArray());
        var negatedResult = Simulate(assembly.GetType("Probe.Negated", throwOnError: true)!);
        var plainResult = Simulate(assembly.GetType("Probe.Plain", throwOnError: true)!);
        Assert.Equal(plainResult.Length, negatedResult.Length);
        for (var i = 0; i < plainResult.Length; i++)
            Assert.True(Math.Abs(plainResult[i] - negatedResult[i]) <= 1e-12, $"value {i}: {negatedResult[i]} vs {plainResult[i]}");
    }

    private static double[] Simulate(Type cellType) =>
        (double[])typeof(ParserHardeningTests).GetMethod(nameof(ForwardAndBackward), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(cellType).Invoke(null, null)!;

    /// <summary>Outputs, final states and every gradient of a fixed random loss, concatenated.</summary>
    private static double[] ForwardAndBackward<TCell>() where TCell : IRecurrentCell
    {
        var random = new Random(7);
        double[] Values(int length) => Enumerable.Range(0, length).Select(_ => random.NextDouble() * 1.2 - 0.6).ToArray();
        var parameters = new CellParameters<double>(TCell.Info, InputSize, Hidden);
        foreach (var tensor in parameters.Tensors().OrderBy(t => t.Name)) Values(tensor.Values.Length).CopyTo(tensor.Values.Span);
        var sequence = new CellSequence<TCell, double>(parameters, Batch, Steps);
        var input = Values(Batch * Steps * InputSize);
        var initial = Values(TCell.Info.States.Count * Batch * Hidden);
        var output = new double[Batch * Steps * Hidden];
        var final = new double[initial.Length];
        sequence.Forward(input, Batch, Steps, initial, output, final);
        var gradients = new CellParameters<double>(TCell.Info, InputSize, Hidden);
        var dInput = new double[input.Length];
        var dInitial = new double[initial.Length];
        sequence.Backward(Values(output.Length), Values(final.Length), gradients, dInput, dInitial);
        var parts = new List<double>(output);
        parts.AddRange(final);
        foreach (var tensor in gradients.Tensors().OrderBy(t => t.Name)) parts.AddRange(tensor.Values.ToArray());
        parts.AddRange(dInput);
        parts.AddRange(dInitial);
        return parts.ToArray();
    }

    // ── 3. compile-time sizes ────────────────────────────────────────────────────────────────────────────────

    private const string Lstm = """
        i  = sigmoid(W_i x + U_i h + b_i)
        f  = sigmoid(W_f x + U_f h + b_f)
        g  = tanh(W_g x + U_g h + b_g)
        o  = sigmoid(W_o x + U_o h + b_o)
        c' = f * c + i * g
        h' = o * tanh(c')
        """;

    [Fact]
    public void HiddenIntMaxValue_CompilesWhenEveryBufferHasOneBlock() =>
        GeneratorHarness.Run(GeneratorHarness.CellSource("h' = tanh(W x + U h + b)", ", Hidden = int.MaxValue")).AssertCompiles();

    /// <summary><paramref name="blocks"/>: the most column blocks of Hidden values in one row of a per-step buffer.</summary>
    [Theory]
    [InlineData(Lstm, 5)]                                                  // the tape: i, f, g, o, tanh(c')
    [InlineData("h' = tanh(W x + U h + b1 + b2 + b3 + b4 + b5 + b6)", 6)] // six vector parameters
    [InlineData("h' = tanh(W1 x + W2 x + W3 x + U h)", 3)]               // three input products
    public void Hidden_UpToTheLargestRowThatFitsAnInt_CompilesAndOneMoreIsRnn018(string equations, int blocks)
    {
        var largest = int.MaxValue / blocks;
        GeneratorHarness.Run(GeneratorHarness.CellSource(equations, $", Hidden = {largest}")).AssertCompiles();

        var source = GeneratorHarness.CellSource(equations, $", Hidden = {largest + 1}");
        var diagnostic = AssertSingle(GeneratorHarness.Run(source), "RNN018");
        Assert.Equal($"Hidden = {largest + 1}", source.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length));
        Assert.Contains(largest.ToString(), diagnostic.GetMessage());
    }

    [Fact]
    public void HiddenIntMaxValue_IsRnn018()
    {
        var source = GeneratorHarness.CellSource(Lstm, ", Hidden = int.MaxValue");
        var diagnostic = AssertSingle(GeneratorHarness.Run(source), "RNN018");
        Assert.Equal("Hidden = int.MaxValue", source.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length));
    }

    // ── 4. characters ────────────────────────────────────────────────────────────────────────────────────────

    /// <summary>A cell in a regular string literal; <paramref name="escaped"/> is C# source text (escapes stay escapes).</summary>
    private static string RegularStringCell(string escaped) =>
        "using RnnGen;\n[RecurrentCell(\"" + escaped + "\")]\npublic partial struct TestCell;\n";

    [Theory]
    [InlineData(@"h' = tanh(W x + U h + b) # \uD83D\uDE00")]
    [InlineData(@"h' = tanh(W x + U h + b) # \U0001F600")]
    [InlineData(@"h' = tanh(W x + U h + b) # \xD83D\xDE00 and a raw 😀")]
    public void EscapedSurrogatePairsInAComment_Compile(string equations) =>
        GeneratorHarness.Run(RegularStringCell(equations)).AssertCompiles();

    [Theory]
    [InlineData(@"h' = tanh(W x +\u2028U h + b)")]
    [InlineData(@"h' = tanh(W x +\u2029U h +\u0085b)")]
    public void LineSeparatorsInsideAnEquation_StayInsideTheRemarkOfTheGeneratedCode(string equations) =>
        GeneratorHarness.Run(RegularStringCell(equations)).AssertCompiles();

    [Theory]
    [InlineData(@"h' = tanh(W x + U h + b) # \uD83D alone", @"\uD83D", "D83D")]
    [InlineData(@"h' = tanh(W x + U h + b) # \uDE00 alone", @"\uDE00", "DE00")]
    [InlineData(@"h' = tanh(W x + U h + b) * \uD83D", @"\uD83D", "D83D")]
    [InlineData(@"h' = tanh(W x + U h + b) # \xD83D", @"\xD83D", "D83D")]
    public void LoneSurrogate_IsRnn023AtItsEscape(string equations, string escape, string hex)
    {
        var source = RegularStringCell(equations);
        var run = GeneratorHarness.Run(source);
        run.AssertGeneratorDidNotThrow();
        var diagnostic = AssertSingle(run, "RNN023");
        Assert.Equal(escape, source.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length));
        Assert.Contains(hex, diagnostic.GetMessage());
    }

    [Theory]
    [InlineData("h' = tanh(W x + U h + b) * 😀", "😀")]
    [InlineData("h' = tanh(W x + U h + 𝑏)", "𝑏")]
    [InlineData("h' = tanh(W x + U h + b) ⋅ h", "⋅")]
    public void NonAsciiSymbolOutsideAComment_IsRnn023(string equations, string culprit)
    {
        var source = GeneratorHarness.CellSource(equations);
        var run = GeneratorHarness.Run(source);
        run.AssertGeneratorDidNotThrow();
        var diagnostic = AssertSingle(run, "RNN023");
        Assert.Equal(culprit, source.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length));
    }

    [Theory]
    [InlineData("h' = tanh(W x + U h + bé)")]
    [InlineData("h' = tanh(W x + U h + bʰ)")]
    [InlineData("h' = tanh(W x + U h + b٣)")]
    [InlineData("h' = tanh(Wʹ x + U h + b)")]
    [InlineData("h' = tanh(W x + U h + b) * Ⅻ")]
    [InlineData("h' = tanh(W x + U h + b) * ٣")]
    public void NonAsciiNames_CompileOrGetACleanDiagnostic(string equations)
    {
        var run = GeneratorHarness.Run(GeneratorHarness.CellSource(equations));
        run.AssertGeneratorDidNotThrow();
        if (run.GeneratorDiagnostics.Length == 0) run.AssertCompiles();
    }

    // ── 5. linear time ───────────────────────────────────────────────────────────────────────────────────────

    [Fact]
    public void TenThousandUnaryMinuses_GetTheDepthDiagnosticQuickly()
    {
        var watch = Stopwatch.StartNew();
        var run = GeneratorHarness.Run(GeneratorHarness.CellSource("h' = tanh(W x + U h + b) * " + Repeat("-", 10_000) + "h"));
        Assert.Equal("RNN024", Assert.Single(run.GeneratorDiagnostics).Id);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");
    }

    /// <summary>2,000 equations, each reading the previous one, <c>h</c> and the input: a long dependency chain, 2,000
    /// input products and vector parameters, and an adjoint of <c>h</c> summing 2,000 terms.</summary>
    private static string WideCell(int count) => string.Join("\n",
        new[] { "a0 = tanh(W x + U h + b)" }
            .Concat(Enumerable.Range(1, count - 1).Select(i => $"a{i} = sigmoid(a{i - 1} * c{i} + V{i} x) - h"))
            .Append($"h' = a{count - 1}"));

    /// <summary>Each equation multiplies the previous one by a matrix: one stage per equation, each reading <c>h</c>.</summary>
    private static string StagedCell(int count) => string.Join("\n",
        new[] { "a0 = tanh(W x + U h + b)" }
            .Concat(Enumerable.Range(1, count - 1).Select(i => $"a{i} = tanh(U{i} a{i - 1} + b{i} + h)"))
            .Append($"h' = a{count - 1}"));

    /// <summary>Each equation nests ten calls around a sum: the made-up names of all of them are cut to one
    /// prefix, so making them unique must not probe every name taken before.</summary>
    private static string NestedCallsCell(int count) => string.Join("\n",
        new[] { "a0 = tanh(W x + U h + b)" }
            .Concat(Enumerable.Range(1, count - 1).Select(i => $"a{i} = {Repeat("tanh(", 10)}V{i} x + a{i - 1}{Repeat(")", 10)} * h"))
            .Append($"h' = a{count - 1}"));

    [Fact]
    public void TwoThousandEquations_GenerateAndCompileWithinSeconds()
    {
        var watch = Stopwatch.StartNew();
        var run = GeneratorHarness.Run(GeneratorHarness.CellSource(WideCell(2000)));
        Assert.Empty(run.GeneratorDiagnostics);
        // Linear phases take about two seconds here; a quadratic one took minutes. The room is for a busy machine
        // (other tests compile beside this one): EveryPhase_IsLinearInTheSizeOfTheCell measures the growth itself.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"took {watch.Elapsed}");
    }

    [Theory]
    [InlineData("wide")]
    [InlineData("staged")]
    [InlineData("nested calls")]
    public void EveryPhase_IsLinearInTheSizeOfTheCell(string shape)
    {
        // The phases themselves (parse, model, plan, emit), without the compiler around them, in this thread's processor
        // time: a busy machine preempts the thread but does not slow what it computes.
        TimeSpan Once(string text)
        {
            GC.Collect(); // a collection left over from the last run must not land in this one
            return ThreadClock.Measure(() =>
            {
                var diagnostics = new List<RnnGen.Generator.Model.TextDiagnostic>();
                var syntax = EquationParser.Parse(text, diagnostics);
                var declaration = new RnnGen.Generator.Model.CellDeclaration(null, new(Array.Empty<RnnGen.Generator.Model.ContainingType>()), "T", "struct", 0, null);
                var model = RnnGen.Generator.Model.CellModelBuilder.Build(declaration, text, syntax, diagnostics);
                Assert.Empty(diagnostics);
                var plan = RnnGen.Generator.Differentiation.Differentiator.Plan(model!);
                RnnGen.Generator.Emit.CellEmitter.Emit(model!, plan);
            });
        }
        string Cell(int count) => shape switch { "wide" => WideCell(count), "staged" => StagedCell(count), _ => NestedCallsCell(count) };
        Once(Cell(200)); // warm up
        // Small and large alternate, best of three each: a spell of cache contention slows both alike, not one of them.
        string smallCell = Cell(1000), largeCell = Cell(4000);
        TimeSpan small = TimeSpan.MaxValue, large = TimeSpan.MaxValue;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            small = TimeSpan.FromTicks(Math.Min(small.Ticks, Once(smallCell).Ticks));
            large = TimeSpan.FromTicks(Math.Min(large.Ticks, Once(largeCell).Ticks));
        }
        Assert.True(large < TimeSpan.FromSeconds(30), $"4,000 equations took {large}");
        // Four times the cell takes 4.2-5x as long here (processor time, quiet or busy); a quadratic phase takes sixteen, and
        // the staged cell's four per-stage scans (n^1.6) took 9x: this bound caught them.
        Assert.True(large.TotalMilliseconds < 6 * small.TotalMilliseconds + 100, $"1,000 equations: {small}, 4,000: {large}");
    }
}
