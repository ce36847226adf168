using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace RnnGen.Tests.Generator.Fuzz;

/// <summary>
/// Seeded, time-bounded fuzzing of the cell generator: at least 10,000 random and mutated cells through the
/// generator driver, with no exception, no RNN013 and no compile error in the code generated for an accepted cell.
/// RNNGEN_FUZZ_SEED replays a run; RNNGEN_FUZZ_COUNT sets how many inputs it runs (and the minimum it asserts).
/// </summary>
public sealed class GeneratorFuzzTests(ITestOutputHelper output)
{
    private const int MinimumInputs = 10_000;

    /// <summary>Cells per compilation: one driver run per cell would cost far more than the cells themselves.</summary>
    private const int BatchSize = 150;

    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan BatchLimit = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan HeavyLimit = TimeSpan.FromSeconds(5);

    [Fact]
    public void Generator_NeverThrows_AndEveryAcceptedCellCompiles()
    {
        var seed = Setting("RNNGEN_FUZZ_SEED") ?? Random.Shared.Next();
        var target = Setting("RNNGEN_FUZZ_COUNT") ?? MinimumInputs;
        output.WriteLine($"seed {seed}, {target} inputs (replay with RNNGEN_FUZZ_SEED={seed})");
        var fuzzer = new CellFuzzer(seed);
        var report = new FuzzReport(seed);
        var compiled = new FuzzBatch();
        var clock = Stopwatch.StartNew();

        var index = 0;
        while (index < target && clock.Elapsed < Budget)
        {
            var batch = NextBatch(fuzzer, ref index, target);
            foreach (var outcome in compiled.Run(batch, batch[0].IsHeavy ? HeavyLimit : BatchLimit)) report.Add(outcome);
        }

        output.WriteLine(report.Summary(clock.Elapsed));
        output.WriteLine(report.FailureDetails());
        Assert.True(report.Inputs >= target, $"only {report.Inputs} of {target} inputs ran within {Budget.TotalSeconds:0} s");
        Assert.True(report.Failures.Count == 0, $"{report.Failures.Count} failing input(s):\n{report.FailureDetails()}");
    }

    /// <summary>Up to <see cref="BatchSize"/> ordinary inputs, or one heavy input alone (it gets its own time limit).</summary>
    private static List<FuzzCase> NextBatch(CellFuzzer fuzzer, ref int index, int target)
    {
        var batch = new List<FuzzCase>();
        while (batch.Count < BatchSize && index < target)
        {
            var next = fuzzer.Next(index);
            if (next.IsHeavy && batch.Count > 0) break;
            index++;
            batch.Add(next);
            if (next.IsHeavy) break;
        }
        return batch;
    }

    private static int? Setting(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value : null;
}
