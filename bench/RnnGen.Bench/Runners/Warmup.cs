using System.Diagnostics;

namespace RnnGen.Bench.Runners;

/// <summary>
/// Runs a workload until the tiered JIT has compiled its once-per-call methods at tier 1 (30 calls, then a pause for the
/// background compiler), within a time budget. Without it BenchmarkDotNet's pilot times the first, slow calls and may pick
/// one call per iteration, so a case's 17 calls never reach steady state: two-thread rows, whose background JIT competes
/// with both workers for the two cores, measured 1.9× their steady-state time that way.
/// </summary>
internal static class Warmup
{
    private const int Calls = 40;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(1.5);

    public static void Run(Action workload)
    {
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < Calls && watch.Elapsed < Budget; i++) workload();
        Thread.Sleep(300);   // tier-1 compiles start after 100 ms without new tier-0 activity and run in the background
        workload();
    }
}
