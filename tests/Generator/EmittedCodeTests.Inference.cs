using System.Text.RegularExpressions;

namespace RnnGen.Tests.Generator;

public partial class EmittedCodeTests
{
    /// <summary>The Infer passes store what Forward stores except the tape: nothing in a one-stage cell; in
    /// ResetBeforeGru only z, which stage 1 reads back (r·h is a stage operand, kept apart from the tape).</summary>
    [Theory]
    [MemberData(nameof(BuiltInCells))]
    public void InferPassesStoreOnTheTapeOnlyWhatALaterStageReads(string name, string equations)
    {
        var run = GeneratorHarness.Run(CellSource(name, equations));
        run.AssertGeneratorDidNotThrow();
        var code = Assert.Single(run.GeneratedSources).SourceText.ToString();
        var forward = Between(code, "private static void ForwardStage0<T>", "private static void InferStage0<T>");
        var infer = Between(code, "private static void InferStage0<T>", "private static void BackwardStage");

        Assert.Contains("public static void Infer<T>(int stage, in global::RnnGen.CellForwardStep<T> s)", code);
        Assert.Equal(StoredBuffers(forward).Where(b => b != "s.Tape"), StoredBuffers(infer).Where(b => b != "s.Tape"));
        var tapeStores = TapeStores(infer).Distinct().ToList();
        if (name == nameof(ResetBeforeGru)) Assert.Equal(["z"], tapeStores);
        else Assert.Empty(tapeStores);
        if (BuiltInInfo(name).TapeWidth > 0) Assert.NotEmpty(TapeStores(forward));
    }

    /// <summary>A scan cell's inference coefficient pass stores a and b and nothing on the tape, where the recording pass
    /// stores the tape entries that read no state (MinGru: z and ht; MinLstm: f, i and ht).</summary>
    [Theory]
    [InlineData(nameof(MinGru))]
    [InlineData(nameof(MinLstm))]
    public void InferCoefficientsStoresAAndBOnly(string name)
    {
        var run = GeneratorHarness.Run(CellSource(name, BuiltInInfo(name).Equations));
        run.AssertGeneratorDidNotThrow();
        var code = Assert.Single(run.GeneratedSources).SourceText.ToString();
        var recording = Between(code, "private static void CoefficientsStage0<T>", "private static void InferCoefficientsStage0<T>");
        var inference = code[code.IndexOf("private static void InferCoefficientsStage0<T>", StringComparison.Ordinal)..];

        Assert.Contains("public static void InferCoefficients<T>(in global::RnnGen.CellScanStep<T> s)", code);
        Assert.Equal(["s.B", "s.A", "s.Tape"], StoredBuffers(recording));
        Assert.Equal(["s.B", "s.A"], StoredBuffers(inference));
        Assert.Equal(BuiltInInfo(name).TapeWidth, TapeStores(recording).Distinct().Count());
    }

    private static string Between(string code, string from, string to)
    {
        var start = code.IndexOf(from, StringComparison.Ordinal);
        Assert.True(start >= 0, from);
        return code[start..code.IndexOf(to, start, StringComparison.Ordinal)];
    }

    /// <summary>The buffers the passes store to, in order of first store.</summary>
    private static IEnumerable<string> StoredBuffers(string passes) =>
        Regex.Matches(passes, @"Lanes\.Store\((s\.\w+),").Select(m => m.Groups[1].Value).Distinct();

    /// <summary>The values stored on the tape.</summary>
    private static IEnumerable<string> TapeStores(string passes) =>
        Regex.Matches(passes, @"Lanes\.Store\(s\.Tape, [^,]+, (\w+)\);").Select(m => m.Groups[1].Value);
}
