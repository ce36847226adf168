using System.CommandLine;
using System.Globalization;
using RnnGen.Cli.Cells;
using RnnGen.Cli.Plots;

namespace RnnGen.Cli.Commands;

/// <summary>
/// `rnngen gradflow`: the seeds' vanishing-gradient picture. Every cell gets the same inputs and a loss on the last
/// step only (L = v·h_T, at initialization); ‖∂L/∂h_t‖ against t shows how far back the gradient still reaches.
/// </summary>
internal static class GradFlowCommand
{
    public static Command Create()
    {
        var cells = new Option<string[]>("--cell") { Description = "Cells to compare (repeat; built-in names or equations).", DefaultValueFactory = _ => ["rnn", "lstm", "gru"], AllowMultipleArgumentsPerToken = false };
        var steps = new Option<int>("--steps") { Description = "Sequence length.", DefaultValueFactory = _ => 100 }.Must(v => v >= 2, "at least 2");
        var hidden = new Option<int>("--hidden") { Description = "Hidden size.", DefaultValueFactory = _ => 64 }.Must(v => v >= 1, "at least 1");
        var seed = new Option<int>("--seed") { Description = "Seeds inputs and weights.", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--out") { Description = "The PNG (the CSV goes beside it).", DefaultValueFactory = _ => "gradflow.png" };
        var command = new Command("gradflow", "Plot ‖∂L/∂h_t‖ against t for several cells on the same task (PNG and CSV).") { cells, steps, hidden, seed, output };
        command.SetAction(r =>
        {
            var (length, size, s) = (r.GetValue(steps), r.GetValue(hidden), r.GetValue(seed));
            var series = r.GetValue(cells)!.Select(CellCatalog.Resolve)
                .Select(c => (c.Info.Name, c.Accept(new Norms(size, length, s)))).ToList();
            var path = r.GetValue(output)!;
            var x = Enumerable.Range(1, length).Select(t => (double)t).ToArray();
            Charts.Lines(path, "gradient reaching step t from a loss on the last step", "t", "‖∂L/∂h_t‖", series.Select(s => (s.Name, x, s.Item2)), logY: true);
            WriteCsv(Path.ChangeExtension(path, ".csv"), series);
            foreach (var (name, norms) in series)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: ‖∂L/∂h_1‖ / ‖∂L/∂h_T‖ = {norms[0] / norms[^1]:E2}"));
            Console.WriteLine($"wrote {path} and {Path.ChangeExtension(path, ".csv")}");
        });
        return command;
    }

    private const int Input = 8, Batch = 16;

    /// <summary>‖∂L/∂h_t‖ for every step of one cell, at initialization, for a loss on the last step.</summary>
    private sealed record Norms(int Hidden, int Steps, int Seed) : ICellFunction<double[]>
    {
        public double[] Run<TCell>() where TCell : IRecurrentCell
        {
            var layer = new RecurrentLayer<TCell, float>(Input, Hidden, new RecurrentOptions { BatchFirst = true, Seed = Seed });
            var random = new Random(Seed);
            var x = new float[Batch * Steps * Input];
            foreach (ref var value in x.AsSpan()) value = random.NextSingle() * 2 - 1;
            layer.Forward(x, Batch, Steps);
            var v = Enumerable.Range(0, Hidden).Select(_ => random.NextSingle() * 2 - 1).ToArray();
            var dOutput = new float[Batch * Steps * Hidden];
            for (var b = 0; b < Batch; b++) v.CopyTo(dOutput, (b * Steps + Steps - 1) * Hidden);
            layer.Backward(dOutput, default, default, default);
            return layer.StateGradientNorms(0).ToArray().Select(n => (double)n).ToArray();
        }
    }

    private static void WriteCsv(string path, List<(string Name, double[] Norms)> series)
    {
        var lines = new List<string> { "t," + string.Join(',', series.Select(s => s.Name)) };
        for (var t = 0; t < series[0].Norms.Length; t++)
            lines.Add((t + 1).ToString(CultureInfo.InvariantCulture) + "," + string.Join(',', series.Select(s => s.Norms[t].ToString("R", CultureInfo.InvariantCulture))));
        File.WriteAllLines(path, lines);
    }
}
