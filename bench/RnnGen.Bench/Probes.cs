using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using RnnGen.Bench.Runners;

namespace RnnGen.Bench;

/// <summary>What a run records besides BenchmarkDotNet's results: the machine, whether TorchSharp loaded,
/// which naive cases were skipped and why, and the cross-check. Written next to the results as JSON.</summary>
public sealed record RunInfo(
    DateTimeOffset Started, bool Quick, string Job, MachineInfo Machine, bool TorchAvailable, string TorchStatus,
    List<NaiveSkip> NaiveSkipped, List<CrossCheck> CrossChecks, string LoadAtStart, string? LoadAtEnd = null,
    double? FmaPeakGflops = null)
{
    public const string FileName = "rnngen-run-info.json";

    /// <summary>The 1, 5 and 15 minute load averages: on 2 cores anything near or above 1 means a noisy measurement.</summary>
    public static string LoadAverage()
    {
        try
        {
            return string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
        catch (UnauthorizedAccessException)
        {
            return "unknown";
        }
    }
}

public sealed record MachineInfo(string Cpu, int Cores, string DotNet, string Os, string Vectors)
{
    public static MachineInfo Read()
    {
        var cpu = "unknown";
        try
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))
                ?.Split(':', 2)[1].Trim() ?? cpu;
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        var vectors = Vector512.IsHardwareAccelerated ? "AVX-512 (Vector512 accelerated)"
            : Vector256.IsHardwareAccelerated ? "AVX2 (Vector256 accelerated)" : "no wide vectors";
        return new MachineInfo(cpu, Environment.ProcessorCount, RuntimeInformation.FrameworkDescription,
            RuntimeInformation.OSDescription, vectors);
    }

    public override string ToString() => $"{Cpu}, {Cores} cores, {DotNet}, {Os}, {Vectors}";
}

/// <summary>A naive case left out because one call takes more than <see cref="Probes.NaiveLimitSeconds"/>.</summary>
public sealed record NaiveSkip(CellKind Cell, string Size, string Mode, double EstimatedSeconds);

/// <summary>Largest difference of an implementation from the naive reference, relative to the largest magnitude.</summary>
public sealed record CrossCheck(CellKind Cell, Impl Impl, double Output, double DInput, double DWeightIh, double DWeightHh)
{
    public const double Tolerance = 1e-4;
    public double Worst => new[] { Output, DInput, DWeightIh, DWeightHh }.Max();
    public bool Passed => Worst <= Tolerance;
}

public static class Probes
{
    public const double NaiveLimitSeconds = 2.0;

    /// <summary>
    /// One core's fp32 multiply-add throughput, measured: twelve independent chains of Vector512 (enough to cover the FMA
    /// latency on two pipes; without AVX-512 the JIT runs each as two 256-bit FMAs, the same flops), best of five 200 ms
    /// windows. The report states it beside the nominal <see cref="Report.ReportWriter.PeakGflops"/> the targets use.
    /// </summary>
    public static double FmaPeakGflops()
    {
        var best = 0.0;
        for (var window = 0; window < 5; window++)
        {
            long chains = 0;
            var clock = Stopwatch.StartNew();
            while (clock.ElapsedMilliseconds < 200) chains += FmaChains(100_000);
            best = Math.Max(best, chains * 12.0 * 2 * Vector512<float>.Count / clock.Elapsed.TotalSeconds / 1e9);
        }
        return best;
    }

    /// <summary>Runs <paramref name="steps"/> steps of twelve FMA chains and returns the steps (the sum keeps them alive).</summary>
    private static long FmaChains(int steps)
    {
        var scale = Vector512.Create(0.999999f);
        var add = Vector512.Create(1e-7f);
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default,
            c6 = default, c7 = default, c8 = default, c9 = default, c10 = default, c11 = default;
        for (var i = 0; i < steps; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(c0, scale, add); c1 = Vector512.FusedMultiplyAdd(c1, scale, add);
            c2 = Vector512.FusedMultiplyAdd(c2, scale, add); c3 = Vector512.FusedMultiplyAdd(c3, scale, add);
            c4 = Vector512.FusedMultiplyAdd(c4, scale, add); c5 = Vector512.FusedMultiplyAdd(c5, scale, add);
            c6 = Vector512.FusedMultiplyAdd(c6, scale, add); c7 = Vector512.FusedMultiplyAdd(c7, scale, add);
            c8 = Vector512.FusedMultiplyAdd(c8, scale, add); c9 = Vector512.FusedMultiplyAdd(c9, scale, add);
            c10 = Vector512.FusedMultiplyAdd(c10, scale, add); c11 = Vector512.FusedMultiplyAdd(c11, scale, add);
        }
        var sum = Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
        return float.IsNaN(sum) ? 0 : steps;
    }

    /// <summary>
    /// Loads libtorch in a child process (a loader failure can be a crash, not an exception) and returns
    /// null when it works, else the reason.
    /// </summary>
    public static string? TorchUnavailableReason()
    {
        if (Environment.GetEnvironmentVariable("RNNGEN_BENCH_NO_TORCH") == "1") return "disabled by RNNGEN_BENCH_NO_TORCH=1";
        var exe = Environment.ProcessPath ?? "dotnet";
        var start = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(exe) == "dotnet") start.ArgumentList.Add(typeof(Probes).Assembly.Location);
        start.ArgumentList.Add(Program.ProbeTorchFlag);
        try
        {
            using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the probe");
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
            {
                process.Kill(entireProcessTree: true);
                return "loading libtorch took over 2 minutes";
            }
            if (process.ExitCode == 0) return null;
            var why = stderr.Result.Trim();
            if (why.Length == 0) why = stdout.Result.Trim();
            return (why.Length == 0 ? $"the probe process exited with code {process.ExitCode}" : why)
                + " (on Debian 12 run bench/setup-libtorch.sh, then build again)";
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or IOException)
        {
            return e.Message;
        }
    }

    /// <summary>Runs in the child process: one tiny LSTM train step. Prints the reason on failure.</summary>
    public static int ProbeTorchInProcess()
    {
        try
        {
            TorchRunner.Probe();
            Console.WriteLine("TorchSharp ok");
            return 0;
        }
        catch (Exception e)
        {
            // TorchSharp's loader message carries a long trace; its first line and the innermost cause say why.
            var inner = e;
            while (inner.InnerException is not null) inner = inner.InnerException;
            var first = FirstLine(e.Message);
            var cause = inner == e ? "" : $" ({inner.GetType().Name}: {FirstLine(inner.Message)})";
            Console.Error.WriteLine($"{e.GetType().Name}: {first}{cause}");
            return 3;
        }

        static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();
    }

    /// <summary>
    /// Times one naive call per cell and mode at the large sizes. The naive cost is linear in the steps, so it
    /// runs 2 steps and scales to T; a case over the limit is skipped in the benchmark run.
    /// </summary>
    public static List<NaiveSkip> NaiveOverLimit(IEnumerable<string> sizes, TextWriter log)
    {
        var skipped = new List<NaiveSkip>();
        foreach (var size in sizes.Intersect(Grid.Large))
        {
            var shape = Shape.Parse(size);
            foreach (var cell in Enum.GetValues<CellKind>())
            {
                using var runner = new NaiveRunner(cell, shape);
                foreach (var train in new[] { false, true })
                {
                    const int probeSteps = 2;
                    runner.Run(train, probeSteps); // first call: JIT
                    var watch = Stopwatch.StartNew();
                    runner.Run(train, probeSteps);
                    var seconds = watch.Elapsed.TotalSeconds * shape.Steps / probeSteps;
                    var mode = train ? "Train" : "Inference";
                    if (seconds > NaiveLimitSeconds)
                    {
                        skipped.Add(new NaiveSkip(cell, size, mode, seconds));
                        log.WriteLine($"Naive {cell} {mode} at {size} skipped: one call takes ≈ {seconds:F1} s (> {NaiveLimitSeconds} s; timed over {probeSteps} of {shape.Steps} steps).");
                    }
                    else
                        log.WriteLine($"Naive {cell} {mode} at {size} kept: one call takes ≈ {seconds:F2} s.");
                }
            }
        }
        return skipped;
    }

    /// <summary>Ours and TorchSharp against the naive reference on a small odd size: outputs and gradients.</summary>
    public static List<CrossCheck> CrossCheck(bool torch, TextWriter log)
    {
        var shape = new Shape(3, 7, 5, 6);
        var checks = new List<CrossCheck>();
        foreach (var cell in Enum.GetValues<CellKind>())
        {
            using var naive = RunnerFactory.Create(Impl.Naive, cell, shape);
            var reference = naive.CheckedTrain();
            foreach (var impl in torch ? new[] { Impl.Ours, Impl.Torch } : [Impl.Ours])
            {
                using var runner = RunnerFactory.Create(impl, cell, shape, warm: false);
                var s = runner.CheckedTrain();
                var check = new CrossCheck(cell, impl, Diff(s.Output, reference.Output), Diff(s.DInput, reference.DInput),
                    Diff(s.DWeightIh, reference.DWeightIh), Diff(s.DWeightHh, reference.DWeightHh));
                checks.Add(check);
                log.WriteLine($"Cross-check {cell,-4} {impl,-5} vs naive at {shape}: max relative difference {check.Worst:E1} {(check.Passed ? "ok" : "MISMATCH")}" +
                    (check.Passed ? "" : $" (output {check.Output:E1}, dInput {check.DInput:E1}, dW_ih {check.DWeightIh:E1}, dW_hh {check.DWeightHh:E1})"));
            }
        }
        return checks;
    }

    private static double Diff(float[] a, float[] b)
    {
        if (a.Length != b.Length) return double.PositiveInfinity;
        double worst = 0, scale = 1e-6;
        for (var k = 0; k < a.Length; k++)
        {
            worst = Math.Max(worst, Math.Abs(a[k] - b[k]));
            scale = Math.Max(scale, Math.Abs(b[k]));
        }
        return worst / scale;
    }
}
