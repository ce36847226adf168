using System.CommandLine;
using System.Globalization;
using RnnGen.Cli.Cells;
using RnnGen.Generator.Emit;
using Spectre.Console;

namespace RnnGen.Cli.Commands;

/// <summary>`rnngen explain CELL`: what the generator derived from a cell's equations.</summary>
internal static class ExplainCommand
{
    public static Command Create()
    {
        var cell = new Argument<string?>("cell") { Description = $"{string.Join(", ", CellCatalog.BuiltInNames)}, or equations in quotes.", Arity = ArgumentArity.ZeroOrOne };
        var cellFile = new Option<string?>("--cell-file") { Description = "A file with a cell's equations." };
        var input = new Option<int>("--input") { Description = "Input size for the shapes and FLOPs.", DefaultValueFactory = _ => 32 }.Must(v => v >= 1, "at least 1");
        var hidden = new Option<int>("--hidden") { Description = "Hidden size for the shapes and FLOPs.", DefaultValueFactory = _ => 128 }.Must(v => v >= 1, "at least 1");
        var command = new Command("explain", "Show a cell's equations, parameters with shapes, stages, schedule (parallel scan or step by step), what it saves per step and its FLOPs.") { cell, cellFile, input, hidden };
        command.SetAction(r =>
        {
            var info = CellCatalog.Resolve(CellCatalog.Text(r.GetValue(cell), r.GetValue(cellFile))).Info;
            Print(info, r.GetValue(input), info.Hidden > 0 ? info.Hidden : r.GetValue(hidden));
        });
        return command;
    }

    private static void Print(CellInfo info, int input, int hidden)
    {
        var console = AnsiConsole.Console;
        console.MarkupLine($"[bold]{info.Name.EscapeMarkup()}[/]: states {string.Join(", ", info.States)}; output {info.States[info.OutputState]}");
        console.WriteLine();
        console.WriteLine("Equations:");
        foreach (var line in info.Equations.Split(['\n', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)) console.WriteLine("  " + line);
        console.WriteLine();
        if (BackwardEquations.Derive(info.Equations) is { } derived)
        {
            console.WriteLine("Backward, as the generator derived it (one step, elementwise; d_v = ∂L/∂v):");
            foreach (var line in derived) console.WriteLine("  " + line);
            console.WriteLine("Then, as GEMMs over the batch: dx = Σ d(W x)·W and dh += Σ d(U h)·U for the step before; after all steps (in reverse), dW = Σ_t d(W x)ᵀ·x and dU = Σ_t d(U h)ᵀ·h.");
            console.WriteLine();
        }
        console.Write(Parameters(info, input, hidden));
        console.WriteLine(Stages(info));
        console.WriteLine(Schedule(info));
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Saved per step for backward: {info.TapeWidth} vectors of {hidden} per sequence ({info.TapeWidth * hidden * sizeof(float):N0} bytes in float32), plus the states."));
        var forward = info.ForwardFlops(input, hidden, batch: 1);
        var products = forward - info.ElementwiseOps * (double)hidden;
        // Backward repeats each product twice (input and weight gradients) and differentiates the elementwise part.
        var backward = 2 * products + 2 * info.ElementwiseOps * (double)hidden;
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"FLOPs per step and sequence (input {input}, hidden {hidden}): forward {forward:N0} ({products:N0} in products, {info.ElementwiseOps * hidden:N0} elementwise), backward ≈ {backward:N0}."));
    }

    private static Table Parameters(CellInfo info, int input, int hidden)
    {
        var table = new Table().Title($"Parameters (input {input}, hidden {hidden})").AddColumns("name", "shape", "multiplies", "values");
        long total = 0;
        foreach (var group in info.Groups)
        {
            var (operand, columns) = group.Kind switch
            {
                OperandKind.Input => ("x", input),
                OperandKind.State => (info.States[group.Operand], hidden),
                _ => ("a same-step value", hidden),
            };
            foreach (var matrix in group.Matrices)
            {
                table.AddRow(matrix, $"[{hidden}, {columns}]".EscapeMarkup(), operand.EscapeMarkup(), (hidden * columns).ToString("N0", CultureInfo.InvariantCulture));
                total += hidden * columns;
            }
        }
        foreach (var vector in info.Vectors)
        {
            table.AddRow(vector, $"[{hidden}]".EscapeMarkup(), CellInfo.IsBias(vector) ? "(bias)" : "(elementwise)", hidden.ToString("N0", CultureInfo.InvariantCulture));
            total += hidden;
        }
        return table.Caption($"{total.ToString("N0", CultureInfo.InvariantCulture)} values");
    }

    /// <summary>The generator's schedule and why (docs/parallel-scan.md).</summary>
    private static string Schedule(CellInfo info) => info.Schedule.IsScan
        ? $"Schedule: parallel in time — {info.Schedule.Explanation}: coefficients for all steps in one pass, the recurrence by a chunked scan across threads."
        : $"Schedule: step by step — {info.Schedule.Explanation}.";

    private static string Stages(CellInfo info) => info.StageCount == 1
        ? "Stages: 1 — every product reads x or a previous state, so all of them run before the one fused pass."
        : $"Stages: {info.StageCount} — {info.OperandStages.Count} product(s) read a value of the same step, so the fused pass is split where each is computed.";
}
