using System.Reflection;
using Microsoft.CodeAnalysis;

namespace RnnGen.Tests.Generator;

/// <summary>
/// The emitted code itself: it compiles cleanly for every built-in cell, and a custom cell compiled and loaded at
/// test time computes, through <see cref="CellSequence{TCell, T}"/>, exactly what its equations say.
/// </summary>
public partial class EmittedCodeTests
{
    // ── (a) the built-in cells compile without a warning ────────────────────────────────────────────────────

    /// <summary>The equations of runtime/Cells/BuiltInCells.cs, copied (the test checks the copy is current).</summary>
    public static TheoryData<string, string> BuiltInCells() => new()
    {
        { nameof(SimpleRnnTanh), "h' = tanh(W x + U h + b)" },
        { nameof(SimpleRnnRelu), "h' = relu(W x + U h + b)" },
        {
            nameof(Lstm), """
            i  = sigmoid(W_i x + U_i h + b_i)
            f  = sigmoid(W_f x + U_f h + b_f)
            g  = tanh(W_g x + U_g h + b_g)
            o  = sigmoid(W_o x + U_o h + b_o)
            c' = f * c + i * g
            h' = o * tanh(c')
            """
        },
        {
            nameof(Gru), """
            r  = sigmoid(W_r x + U_r h + b_r)
            z  = sigmoid(W_z x + U_z h + b_z)
            n  = tanh(W_n x + b_in + r * (U_n h + b_hn))
            h' = (1 - z) * n + z * h
            """
        },
        {
            nameof(ResetBeforeGru), """
            z  = sigmoid(W_z x + U_z h + b_z)
            r  = sigmoid(W_r x + U_r h + b_r)
            n  = tanh(W_n x + U_n (r * h) + b_n)
            h' = (1 - z) * h + z * n
            """
        },
    };

    private static CellInfo BuiltInInfo(string name) => name switch
    {
        nameof(SimpleRnnTanh) => SimpleRnnTanh.Info,
        nameof(SimpleRnnRelu) => SimpleRnnRelu.Info,
        nameof(Lstm) => Lstm.Info,
        nameof(Gru) => Gru.Info,
        nameof(ResetBeforeGru) => ResetBeforeGru.Info,
        nameof(MinGru) => MinGru.Info,
        nameof(MinLstm) => MinLstm.Info,
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    /// <summary>Source text declaring one cell with its equations in an indented multi-line raw string.</summary>
    private static string CellSource(string name, string equations) =>
        "using RnnGen;\n\nnamespace Probe;\n\n[RecurrentCell(\"\"\"\n"
        + string.Concat(equations.Split('\n').Select(line => "    " + line + "\n"))
        + "    \"\"\")]\npublic partial struct " + name + ";\n";

    [Theory]
    [MemberData(nameof(BuiltInCells))]
    public void BuiltInCell_CompilesWithoutWarnings(string name, string equations)
    {
        Assert.Equal(BuiltInInfo(name).Equations, equations); // the copy above matches BuiltInCells.cs

        var run = GeneratorHarness.Run(CellSource(name, equations));
        run.AssertGeneratorDidNotThrow();
        Assert.Empty(run.GeneratorDiagnostics);
        var generated = Assert.Single(run.GeneratedSources);
        Assert.Contains("partial struct " + name + " : global::RnnGen.IRecurrentCell", generated.SourceText.ToString());
        Assert.True(run.OutputProblems.Count == 0, string.Join("\n", run.OutputProblems));
    }

    [Fact]
    public void AllBuiltInCellsTogether_CompileWithoutWarnings()
    {
        // Several cells in one file and one namespace: hint names and helpers must not clash.
        var sources = BuiltInCells().Select(row => CellSource((string)row[0], (string)row[1])).ToArray();
        var run = GeneratorHarness.Run(sources);
        run.AssertGeneratorDidNotThrow();
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Equal(sources.Length, run.GeneratedSources.Length);
        Assert.True(run.OutputProblems.Count == 0, string.Join("\n", run.OutputProblems));
    }

    /// <summary>Cell names that are also identifiers of the emitted code (row offsets, sizes, helper types, the
    /// adjoints' d_ prefix) must not clash with it.</summary>
    [Theory]
    [InlineData("h' = tanh(W x + U h + row + zx + zh + tape + carry + H + V + nint)")]
    [InlineData("h' = tanh(W x + U h + CellMath + VectorLanes + ScalarLanes)")]
    [InlineData("a = tanh(W x + U h)\nd_a = sigmoid(M x)\nh' = a * d_a + v_d_a")]
    [InlineData("zx = tanh(W x + U h)\nrow = sigmoid(V (zx * h))\nH = zx * row\nh' = H * tape")]
    [InlineData("d_x' = tanh(W x + U x_next)\nx_next' = d_x * x_next + v_d_x")]
    [InlineData("s = tanh(W x + U h)\nT = sigmoid(M x)\nj = s * T\nb = j + 1\nh' = int * b")]
    public void NamesThatCollideWithGeneratedIdentifiers_StillCompile(string equations)
    {
        var run = GeneratorHarness.Run(CellSource("Collide", equations));
        run.AssertGeneratorDidNotThrow();
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Single(run.GeneratedSources);
        Assert.True(run.OutputProblems.Count == 0, string.Join("\n", run.OutputProblems));
    }

    /// <summary>Where and how the cell is declared: every shape the generator accepts must compile cleanly.</summary>
    [Theory]
    [InlineData("[RecurrentCell(\"h' = tanh(W x + U h + b)\")] public partial struct GlobalCell;")]
    [InlineData("namespace A.B { [RecurrentCell(\"h' = tanh(W x + U h + b)\")] internal partial struct Cell; }")]
    [InlineData("namespace A; public sealed partial class ClassCell { } [RecurrentCell(\"h' = relu(W x + U h)\")] public sealed partial class ClassCell;")]
    [InlineData("namespace A; public static partial class Cells { [RecurrentCell(\"h' = tanh(W x + U h)\")] public partial struct Nested; }")]
    [InlineData("namespace A; public partial record struct Host(int X) { [RecurrentCell(\"h' = tanh(W x + U h)\")] internal partial struct Nested; }")]
    [InlineData("namespace A; public partial class Outer { public partial class Middle { [RecurrentCell(\"h' = tanh(W x + U h)\")] private partial struct Deep; } }")]
    [InlineData("namespace A; [RecurrentCell(\"c' = sigmoid(W x) * c + tanh(U h)\\nh' = tanh(c') * h\", Hidden = 6, Output = \"c\")] public partial struct Options;")]
    public void DeclarationShapes_CompileWithoutWarnings(string declaration)
    {
        var run = GeneratorHarness.Run("using RnnGen;\n" + declaration + "\n");
        run.AssertGeneratorDidNotThrow();
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Single(run.GeneratedSources);
        Assert.True(run.OutputProblems.Count == 0, string.Join("\n", run.OutputProblems));
    }

    // ── (b) a custom cell, compiled and run, against a hand-written reference ───────────────────────────────

    /// <summary>
    /// A minimal-gated-unit / peephole hybrid with two states and three stages: n multiplies the same-step value
    /// f * h, and o multiplies n - h (which depends on the stage-1 product).
    /// </summary>
    private const string CustomCell = """"
        using RnnGen;

        namespace Probe.Custom
        {
            [RecurrentCell("""
                f  = sigmoid(W_f x + U_f h + p_f * c + b_f)   # forget gate with a peephole on c
                n  = tanh(W_n x + U_n (f * h) + b_n)          # stage 1: product of a same-step value
                c' = f * c + (1 - f) * n
                o  = sigmoid(W_o x + V_o (n - h) + b_o)       # stage 2
                h' = o * tanh(c')
                """)]
            public partial struct GatedPeephole;
        }
        """";

    private const int Hidden = 7, Batch = 2, Steps = 4, InputSize = 3;

    [Fact]
    public void CustomCell_LoadedAndRun_MatchesAHandWrittenReference()
    {
        var run = GeneratorHarness.Run(CustomCell);
        run.AssertGeneratorDidNotThrow();
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.True(run.OutputProblems.Count == 0, string.Join("\n", run.OutputProblems));

        // Compile to bytes and load: the generated type implements RnnGen.IRecurrentCell of the loaded runtime.
        using var stream = new MemoryStream();
        var emit = run.Output.Emit(stream);
        Assert.True(emit.Success, string.Join("\n", emit.Diagnostics));
        var assembly = Assembly.Load(stream.ToArray());
        var cellType = assembly.GetType("Probe.Custom.GatedPeephole", throwOnError: true)!;

        var info = (CellInfo)cellType.GetProperty(nameof(IRecurrentCell.Info), BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
        Assert.Equal(new[] { "h", "c" }, info.States); // order of first appearance: U_f h, then p_f * c
        Assert.Equal(0, info.OutputState);
        Assert.Equal(3, info.StageCount);

        // Random parameters by name, with the shapes the runtime documents: matrices [H, operand], vectors [H].
        var random = new Random(20240611);
        double[] Values(int length) => Enumerable.Range(0, length).Select(_ => random.NextDouble() * 1.2 - 0.6).ToArray();
        var weights = new Dictionary<string, double[]>
        {
            ["W_f"] = Values(Hidden * InputSize), ["U_f"] = Values(Hidden * Hidden), ["p_f"] = Values(Hidden), ["b_f"] = Values(Hidden),
            ["W_n"] = Values(Hidden * InputSize), ["U_n"] = Values(Hidden * Hidden), ["b_n"] = Values(Hidden),
            ["W_o"] = Values(Hidden * InputSize), ["V_o"] = Values(Hidden * Hidden), ["b_o"] = Values(Hidden),
        };
        var input = Values(Batch * Steps * InputSize);
        var initial = Values(2 * Batch * Hidden); // [states (h, c), batch, hidden]

        var forward = typeof(EmittedCodeTests).GetMethod(nameof(RunForward), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(cellType);
        var (output, final) = ((double[], double[]))forward.Invoke(null, new object[] { weights, input, initial })!;
        var (expectedOutput, expectedFinal) = Reference(weights, input, initial);

        AssertClose(expectedOutput, output, "output");
        AssertClose(expectedFinal, final, "final states");
    }

    /// <summary>Runs <typeparamref name="TCell"/> through the runtime's sequence layer (spans can't cross reflection).</summary>
    private static (double[] Output, double[] Final) RunForward<TCell>(Dictionary<string, double[]> weights, double[] input, double[] initial)
        where TCell : IRecurrentCell
    {
        var parameters = new CellParameters<double>(TCell.Info, InputSize, Hidden);
        var names = new List<string>();
        foreach (var tensor in parameters.Tensors())
        {
            var values = weights[tensor.Name];
            Assert.Equal(values.Length, tensor.Length);
            values.CopyTo(tensor.Values.Span);
            names.Add(tensor.Name);
        }
        Assert.Equal(weights.Keys.Order(), names.Order()); // every parameter set, none left at zero

        var sequence = new CellSequence<TCell, double>(parameters, Batch, Steps);
        var output = new double[Batch * Steps * Hidden];
        var final = new double[TCell.Info.States.Count * Batch * Hidden];
        sequence.Forward(input, Batch, Steps, initial, output, final);
        return (output, final);
    }

    /// <summary>The same equations, one scalar at a time.</summary>
    private static (double[] Output, double[] Final) Reference(Dictionary<string, double[]> w, double[] input, double[] initial)
    {
        const int H = Hidden;
        static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));
        // (M v)[j] for M stored [H, v.Length] row-major.
        static double Dot(double[] m, int row, double[] v)
        {
            double sum = 0;
            for (var k = 0; k < v.Length; k++) sum += m[row * v.Length + k] * v[k];
            return sum;
        }

        var output = new double[Batch * Steps * H];
        var final = new double[2 * Batch * H];
        for (var b = 0; b < Batch; b++)
        {
            var h = initial.AsSpan(b * H, H).ToArray();             // state 0
            var c = initial.AsSpan((Batch + b) * H, H).ToArray();   // state 1
            for (var t = 0; t < Steps; t++)
            {
                var x = input.AsSpan((b * Steps + t) * InputSize, InputSize).ToArray();
                double[] f = new double[H], n = new double[H], c2 = new double[H], o = new double[H], h2 = new double[H];
                double[] fh = new double[H], nh = new double[H];
                for (var j = 0; j < H; j++)
                    f[j] = Sigmoid(Dot(w["W_f"], j, x) + Dot(w["U_f"], j, h) + w["p_f"][j] * c[j] + w["b_f"][j]);
                for (var j = 0; j < H; j++) fh[j] = f[j] * h[j];
                for (var j = 0; j < H; j++)
                {
                    n[j] = Math.Tanh(Dot(w["W_n"], j, x) + Dot(w["U_n"], j, fh) + w["b_n"][j]);
                    c2[j] = f[j] * c[j] + (1 - f[j]) * n[j];
                }
                for (var j = 0; j < H; j++) nh[j] = n[j] - h[j];
                for (var j = 0; j < H; j++)
                {
                    o[j] = Sigmoid(Dot(w["W_o"], j, x) + Dot(w["V_o"], j, nh) + w["b_o"][j]);
                    h2[j] = o[j] * Math.Tanh(c2[j]);
                }
                h = h2;
                c = c2;
                h.CopyTo(output, (b * Steps + t) * H);
            }
            h.CopyTo(final, b * H);
            c.CopyTo(final, (Batch + b) * H);
        }
        return (output, final);
    }

    private static void AssertClose(double[] expected, double[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-12,
                $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R} (difference {Math.Abs(expected[i] - actual[i]):E2})");
        Assert.Contains(actual, v => Math.Abs(v) > 1e-3); // not trivially zero
    }
}
