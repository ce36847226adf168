using System.Globalization;

namespace RnnGen.Bench;

/// <summary>The three recurrent cells every implementation provides.</summary>
public enum CellKind { Lstm, Gru, Rnn }

/// <summary>The implementations compared side by side.</summary>
public enum Impl
{
    /// <summary>RnnGen: CellSequence driving the generated kernels.</summary>
    Ours,
    /// <summary>Plain per-step C# loops over the same math (bench/RnnGen.Bench/Naive).</summary>
    Naive,
    /// <summary>TorchSharp-cpu (libtorch): nn.LSTM / nn.GRU / nn.RNN.</summary>
    Torch,
}

/// <summary>One point of the grid: batch, input size, hidden size, steps. Written "BxIxHxT", e.g. "32x256x256x50".</summary>
public readonly record struct Shape(int Batch, int Input, int Hidden, int Steps)
{
    public static Shape Parse(string text)
    {
        var parts = text.Split('x');
        if (parts.Length != 4)
            throw new FormatException($"A size is written BxIxHxT (e.g. 32x256x256x50), not '{text}'.");
        var v = parts.Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        return new Shape(v[0], v[1], v[2], v[3]);
    }

    public override string ToString() => $"{Batch}x{Input}x{Hidden}x{Steps}";

    /// <summary>"(B, I, H, T)" as the issue writes it.</summary>
    public string Tuple => $"({Batch}, {Input}, {Hidden}, {Steps})";

    /// <summary>Gate blocks: 4 for LSTM, 3 for GRU, 1 for the simple RNN.</summary>
    public static int Gates(CellKind cell) => cell switch { CellKind.Lstm => 4, CellKind.Gru => 3, _ => 1 };

    /// <summary>FLOPs of one inference call, 2·B·T·(I+H)·G·H; a train step counts 3× that.</summary>
    public double InferenceFlops(CellKind cell) => 2.0 * Batch * Steps * (Input + Hidden) * Gates(cell) * Hidden;

    public double Flops(CellKind cell, bool train) => InferenceFlops(cell) * (train ? 3 : 1);
}

/// <summary>The sizes benchmarked. Quick mode (CI) uses only small ones, chosen through an environment variable
/// that the benchmark processes inherit from the host, so both sides see the same parameter lists.</summary>
public static class Grid
{
    public const string QuickVariable = "RNNGEN_BENCH_QUICK";

    public static readonly string[] Full = ["1x32x32x100", "8x64x64x100", "32x64x128x50", "32x256x256x50", "64x512x512x50"];

    /// <summary>The two largest sizes, where the naive reference may be skipped (> 2 s per call).</summary>
    public static readonly string[] Large = ["32x256x256x50", "64x512x512x50"];

    public static bool Quick => Environment.GetEnvironmentVariable(QuickVariable) == "1";

    public static IEnumerable<string> Main => Quick ? ["1x32x32x100"] : Full;

    /// <summary>Sizes of the peephole-vs-built-in comparison.</summary>
    public static IEnumerable<string> Peephole => Quick ? ["8x64x64x100"] : ["32x256x256x50", "64x512x512x50"];

    /// <summary>Size of the scan-schedule rows (MinGru vs Gru vs TorchSharp's log-space minGRU, 1 and 2 threads).</summary>
    public static IEnumerable<string> Scan => Quick ? ["2x16x16x64"] : ["16x512x512x1024"];

    /// <summary>The long-sequence row: B = 1, T = 100,000.</summary>
    public static IEnumerable<string> LongSequence => Quick ? ["1x16x16x2000"] : ["1x256x256x100000"];

    /// <summary>Size of the layer-norm LSTM comparison (issue 13's row).</summary>
    public static IEnumerable<string> LayerNorm => Quick ? ["8x64x64x100"] : ["32x256x256x50"];

    /// <summary>Size of the two-thread comparison.</summary>
    public static IEnumerable<string> Threads => Quick ? ["8x64x64x100"] : ["32x256x256x50", "64x512x512x50"];
}
