using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace RnnGen.Tests.Generator.Fuzz;

/// <summary>The fuzz test runs alone, after the parallel tests, so its compilations do not slow the others.</summary>
[CollectionDefinition(nameof(GeneratorFuzzTests), DisableParallelization = true)]
public sealed class GeneratorFuzzCollection;

/// <summary>
/// Seeded fuzzing of the cell generator: 10,000 random and mutated cells (however long a busy machine takes) through the
/// generator driver, with no exception, no RNN013 and no compile error in the code generated for an accepted cell.
/// RNNGEN_FUZZ_SEED replays a run; RNNGEN_FUZZ_COUNT sets how many inputs it runs (and the minimum it asserts).
/// </summary>
[Collection(nameof(GeneratorFuzzTests))]
public sealed class GeneratorFuzzTests(ITestOutputHelper output)
{
    private const int MinimumInputs = 10_000;

    /// <summary>Cells per compilation: one driver run per cell would cost far more than the cells themselves.</summary>
    private const int BatchSize = 300;

    /// <summary>A batch still running after this is taken for a hang; generous, as the machine may be busy.</summary>
    private static readonly TimeSpan BatchLimit = TimeSpan.FromSeconds(60);

    /// <summary>Batches run side by side: compiling the generated code takes most of the time and uses one core.</summary>
    private static int Lanes => Math.Clamp(Environment.ProcessorCount, 2, 4);

    [Fact]
    public async Task Generator_NeverThrows_AndEveryAcceptedCellCompiles()
    {
        var seed = Setting("RNNGEN_FUZZ_SEED") ?? Random.Shared.Next();
        var target = Setting("RNNGEN_FUZZ_COUNT") ?? MinimumInputs;
        output.WriteLine($"seed {seed}, {target} inputs (replay with RNNGEN_FUZZ_SEED={seed})");
        var inputs = new FuzzInputs(new CellFuzzer(seed), target);
        var report = new FuzzReport(seed);
        var compiled = new FuzzBatch();
        var clock = Stopwatch.StartNew();

        void Lane()
        {
            while (inputs.NextBatch(BatchSize) is { Count: > 0 } batch)
            {
                var outcomes = compiled.Run(batch, BatchLimit);
                lock (report) foreach (var outcome in outcomes) report.Add(outcome);
            }
        }
        await Task.WhenAll(Enumerable.Range(0, Lanes).Select(_ => Task.Factory.StartNew(Lane, TaskCreationOptions.LongRunning)));

        output.WriteLine(report.Summary(clock.Elapsed));
        output.WriteLine(report.FailureDetails());
        Assert.Equal(target, report.Inputs);
        Assert.True(report.Failures.Count == 0, $"{report.Failures.Count} failing input(s):\n{report.FailureDetails()}");
    }

    private static int? Setting(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value : null;
}
