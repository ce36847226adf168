using System.Text.RegularExpressions;
using RnnGen.Generator.Differentiation;

namespace RnnGen.Tests.Generator;

/// <summary>
/// Names the generator makes up for unnamed values (issue 8): an unnamed call is named after its argument, so a
/// chain of calls would otherwise give names that grow with the nesting (and in total with its square).
/// </summary>
public class GeneratedNameTests
{
    /// <summary>The longest made-up name: "d_" for an adjoint, the cut name, and a number when it had to be made unique.</summary>
    private const int LongestName = 2 + ValueNames.MaxLength + 3;

    private static string Calls(string function, int depth, string inner) =>
        string.Concat(Enumerable.Repeat(function + "(", depth)) + inner + new string(')', depth);

    /// <summary>The locals the generated code declares (<c>var name = …</c>).</summary>
    private static IReadOnlyList<string> DeclaredNames(GeneratorRun run) =>
        run.GeneratedSources.SelectMany(s => Regex.Matches(s.SourceText.ToString(), @"\bvar (\w+) =").Select(m => m.Groups[1].Value))
            .Distinct().ToList();

    private static IReadOnlyList<string> GenerateAndCompile(string equations)
    {
        var run = GeneratorHarness.Run(GeneratorHarness.CellSource(equations));
        run.AssertGeneratorDidNotThrow();
        run.AssertCompiles();
        return DeclaredNames(run);
    }

    [Fact]
    public void NestedCalls_AtTheDepthLimit_HaveShortNamesThatShowTheOuterCallAndTheInnerValue()
    {
        var names = GenerateAndCompile("h' = " + Calls("sigmoid", 60, "tanh(W x + U h)"));
        var longest = names.MaxBy(n => n.Length)!;
        Assert.True(longest.Length <= LongestName, $"'{longest}' has {longest.Length} characters");
        Assert.Contains(names, n => n.StartsWith("sigmoid_sigmoid", StringComparison.Ordinal) && n.Contains("_tanh_W_x_U_h"));
    }

    [Fact]
    public void NamesMadeFromALongName_AreCutButKeepTheirEnding()
    {
        var state = "s" + new string('n', 199);
        var names = GenerateAndCompile($"{state}' = sigmoid(tanh(W x + U {state} + b))");
        Assert.Contains("snnnnnnnnnnnnnn_next", names);
        Assert.Contains("snnnnnnnnnnnnnn_next_pre", names); // the argument of sigmoid
        Assert.All(names.Where(n => n.Contains("_next")), n => Assert.True(n.Length <= LongestName, $"'{n}' has {n.Length} characters"));
    }
}
