using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using RnnGen.Cli.Cells;
using RnnGen.Kernels;
using Spectre.Console;

namespace RnnGen.Cli.Commands;

/// <summary>`rnngen bench`: a quick side-by-side of cells on this machine — a training step's time and GFLOP/s.
/// For careful numbers use bench/ (BenchmarkDotNet).</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var cells = new Option<string[]>("--cell") { Description = "Cells to compare (repeat; built-in names or equations).", DefaultValueFactory = _ => ["rnn", "gru", "lstm"] };
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => 32 }.Must(v => v >= 1, "at least 1");
        var input = new Option<int>("--input") { DefaultValueFactory = _ => 64 }.Must(v => v >= 1, "at least 1");
        var hidden = new Option<int>("--hidden") { DefaultValueFactory = _ => 128 }.Must(v => v >= 1, "at least 1");
        var steps = new Option<int>("--steps") { Description = "Sequence length.", DefaultValueFactory = _ => 50 }.Must(v => v >= 1, "at least 1");
        var threads = new Option<int>("--threads") { Description = "Threads for large matrix products.", DefaultValueFactory = _ => 1 }.Must(v => v >= 1, "at least 1");
        var command = new Command("bench", "Time a training step (forward + backward) of several cells on this machine.") { cells, batch, input, hidden, steps, threads };
        command.SetAction(r =>
        {
            Gemm.MaxThreads = r.GetValue(threads);
            var (b, i, h, t) = (r.GetValue(batch), r.GetValue(input), r.GetValue(hidden), r.GetValue(steps));
            var table = new Table().Title($"train step, batch {b}, input {i}, hidden {h}, {t} steps ({r.GetValue(threads)} thread(s))")
                .AddColumns("cell", "median ms", "GFLOP/s");
            foreach (var cell in r.GetValue(cells)!.Select(CellCatalog.Resolve))
            {
                var milliseconds = cell.Accept(new Median(b, i, h, t));
                // Backward costs about twice the forward products (input and weight gradients).
                var flops = 3 * cell.Info.ForwardFlops(i, h, b) * t;
                table.AddRow(cell.Info.Name, milliseconds.ToString("F3", CultureInfo.InvariantCulture), (flops / milliseconds / 1e6).ToString("F1", CultureInfo.InvariantCulture));
            }
            AnsiConsole.Write(table);
        });
        return command;
    }

    /// <summary>The median of half a second of forward + backward runs, after half a second of warm-up (tiered JIT).</summary>
    private sealed record Median(int Batch, int Input, int Hidden, int Steps) : ICellFunction<double>
    {
        public double Run<TCell>() where TCell : IRecurrentCell
        {
            var layer = new RecurrentLayer<TCell, float>(Input, Hidden, new RecurrentOptions { BatchFirst = true });
            var x = new float[Batch * Steps * Input];
            var dOutput = new float[Batch * Steps * Hidden];
            Array.Fill(x, 0.1f);
            Array.Fill(dOutput, 0.01f);
            var times = new List<double>();
            var total = Stopwatch.StartNew();
            while (times.Count < 3 || total.Elapsed.TotalSeconds < 1)
            {
                var clock = Stopwatch.StartNew();
                layer.Forward(x, Batch, Steps, training: true);
                layer.Backward(dOutput, default, default, default);
                if (total.Elapsed.TotalSeconds > 0.5) times.Add(clock.Elapsed.TotalMilliseconds);
            }
            times.Sort();
            return times[times.Count / 2];
        }
    }
}
