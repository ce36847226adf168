using RnnGen.Samples;
using RnnGen.Tests.Cells;

namespace RnnGen.Tests.Generator.Fuzz;

/// <summary>One fuzz input: the argument list of one [RecurrentCell(…)], and how it was made.</summary>
internal sealed record FuzzCase(int Index, string Kind, string Arguments)
{
    /// <summary>Inputs this large run alone, so that a time-out names them.</summary>
    public bool IsHeavy => Arguments.Length > 5_000;

    public string Declaration(string typeName) => $"[RecurrentCell({Arguments})]\npublic partial struct {typeName};\n";

    /// <summary>A complete file with only this cell: paste it into a test to replay the failure.</summary>
    public string ReplaySource => "using RnnGen;\n\nnamespace Fuzz;\n\n" + Declaration("Replay");
}

/// <summary>
/// The fuzz inputs of one seed: first a fixed list of edge cases (so every run covers them), then random cells —
/// grammar-made or the real cells of the repository — with random edits, options and literal forms.
/// Input <c>i</c> depends only on the seed and <c>i</c>, so any single input can be regenerated.
/// </summary>
internal sealed class CellFuzzer(int seed)
{
    /// <summary>The built-in and test cells: valid starting points for the mutations.</summary>
    private static readonly (string Equations, int Hidden)[] Seeds = new[]
    {
        SimpleRnnTanh.Info, SimpleRnnRelu.Info, Lstm.Info, Gru.Info, ResetBeforeGru.Info, RnnGen.Samples.PeepholeLstm.Info,
        CarryTrackRnn.Info, ThreeStageCell.Info, FunctionZooCell.Info, StabilizerCell.Info, FixedSizeRnn.Info, FixedSizeLstm.Info,
    }.Select(info => (info.Equations, info.Hidden)).ToArray();

    private static readonly string[] OddOptions =
    [
        ", Hidden = 0", ", Hidden = -1", ", Hidden = 1", ", Hidden = 2", ", Hidden = 63", ", Hidden = 64", ", Hidden = 65",
        ", Hidden = int.MaxValue", ", Hidden = int.MinValue", ", Hidden = 1 << 20", ", Hidden = 100_000",
        ", Output = \"h\"", ", Output = \"c\"", ", Output = \"nope\"", ", Output = \"\"", ", Output = null", ", Output = \"h'\"",
        ", Output = \"\\uD800\"", ", Hidden = 7, Output = \"c\"", ", Output = \"m\", Hidden = 3",
    ];

    private static readonly IReadOnlyList<(string Kind, string Arguments)> Edges = EdgeCases.All();

    public static int EdgeCount => Edges.Count;

    public FuzzCase Next(int index)
    {
        if (index < Edges.Count) return new FuzzCase(index, "edge: " + Edges[index].Kind, Edges[index].Arguments);
        var random = new Random(unchecked(seed * 1_000_003 + index));
        var (kind, text, hidden) = Start(random);
        var mutator = new CellMutator(random);
        // Most inputs are edited: an edit usually makes the cell a diagnostic, which is cheap, while an accepted cell
        // costs a compilation of its generated code. About a quarter of the inputs is accepted.
        var edits = random.Next(10) < 1 ? 0 : random.Next(1, 5);
        for (var i = 0; i < edits; i++) text = mutator.Mutate(text);
        if (edits > 0) kind += $" + {edits} edit(s)";
        var options = random.Next(10) < 3 ? OddOptions[random.Next(OddOptions.Length)] : hidden > 0 ? $", Hidden = {hidden}" : "";
        return new FuzzCase(index, kind, CellLiteral.Write(text, random) + options);
    }

    private static (string Kind, string Text, int Hidden) Start(Random random)
    {
        var pick = random.Next(100);
        if (pick < 40)
        {
            var (equations, hidden) = Seeds[random.Next(Seeds.Length)];
            return ("seed", equations, hidden);
        }
        if (pick < 43) return ("many equations", CellGrammar.ManyEquations(random.Next(2, 60)), 0);
        return ("grammar", new CellGrammar(random).Cell(), 0);
    }
}
