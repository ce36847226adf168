using System.Globalization;
using RnnGen.IO;

namespace RnnGen.Tests.Cli;

/// <summary>The `rnngen` command end to end, as a user runs it: exit codes, files written, what it prints.</summary>
public sealed class CliTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("rnngen-cli-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static readonly string[] Small = ["--hidden", "32", "--embedding", "16", "--batch", "16", "--seq-len", "32", "--lr", "0.01", "--log-every", "1"];

    [Fact]
    public void TrainOnTheBuiltInCorpusLearnsAndItsCheckpointGeneratesAndEvaluates()
    {
        var train = CliProcess.Run(_directory, ["train", "--steps", "40", "--out", "run/model.safetensors", .. Small]);
        Assert.True(train.ExitCode == 0, train.Error);
        var losses = Losses(train.Output);
        Assert.Equal(40, losses.Count);
        Assert.True(losses.Values.TakeLast(5).Average() < losses.Values.Take(5).Average() - 0.5, train.Output);
        Assert.Contains("sample:", train.Output);
        AssertPng(Path.Combine(_directory, "run", "model.loss.png"));

        var generate = CliProcess.Run(_directory, "generate", "run/model.safetensors", "--prompt", "the ", "--length", "50", "--top-k", "5", "--seed", "3");
        Assert.True(generate.ExitCode == 0, generate.Error);
        Assert.StartsWith("the ", generate.Output);
        Assert.True(generate.Output.TrimEnd().Length >= 50);

        var eval = CliProcess.Run(_directory, "eval", "run/model.safetensors");
        Assert.True(eval.ExitCode == 0, eval.Error);
        Assert.Matches(@"perplexity \d+\.\d+, \d+\.\d+ bits per character", eval.Output);
    }

    [Fact]
    public void TrainOnATextFileAtWordLevel()
    {
        File.WriteAllLines(Path.Combine(_directory, "words.txt"), Enumerable.Repeat("the cat sat on the mat and the dog sat on the log", 200));
        var train = CliProcess.Run(_directory, ["train", "words.txt", "--level", "word", "--cell", "gru", "--steps", "30", "--out", "w.safetensors", .. Small]);
        Assert.True(train.ExitCode == 0, train.Error);
        var losses = Losses(train.Output);
        Assert.True(losses.Values.TakeLast(5).Average() < losses.Values.Take(5).Average(), train.Output);
        var eval = CliProcess.Run(_directory, "eval", "w.safetensors", "words.txt");
        Assert.True(eval.ExitCode == 0, eval.Error);
        Assert.Contains("bits per word", eval.Output);
    }

    [Fact]
    public void ACellTypedOnTheCommandLineTrainsAndItsCheckpointLoads()
    {
        var train = CliProcess.Run(_directory, ["train", "--cell", "h' = tanh(W x + U h + b)", "--steps", "20", "--out", "c.safetensors", .. Small]);
        Assert.True(train.ExitCode == 0, train.Error);
        Assert.StartsWith("CustomCell on the built-in corpus", train.Output);
        var generate = CliProcess.Run(_directory, "generate", "c.safetensors", "--length", "20");
        Assert.True(generate.ExitCode == 0, generate.Error);

        File.WriteAllText(Path.Combine(_directory, "mgu.cell"), "f  = sigmoid(W_f x + U_f h + b_f)\nn  = tanh(W_n x + U_n (f * h) + b_n)\nh' = (1 - f) * h + f * n\n");
        var fromFile = CliProcess.Run(_directory, ["train", "--cell-file", "mgu.cell", "--steps", "10", "--out", "mgu.safetensors", .. Small]);
        Assert.True(fromFile.ExitCode == 0, fromFile.Error);
        File.Delete(Path.Combine(_directory, "mgu.cell"));   // the checkpoint carries the equations
        Assert.Equal(0, CliProcess.Run(_directory, "eval", "mgu.safetensors").ExitCode);
    }

    [Fact]
    public void AMalformedCellIsReportedLikeACompilerErrorWithACaret()
    {
        var train = CliProcess.Run(_directory, "train", "--cell", "h' = tanhh(W x + U h + b)");
        Assert.Equal(1, train.ExitCode);
        var lines = train.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("cell(1,6): error RNN002: Unknown function 'tanhh'", lines[0]);
        Assert.Equal("    h' = tanhh(W x + U h + b)", lines[1]);
        Assert.Equal("         ^^^^^", lines[2]);
        Assert.DoesNotContain("   at ", train.Error);
    }

    [Fact]
    public void ExplainShowsEquationsShapesStagesTapeAndFlops()
    {
        var lstm = CliProcess.Run(_directory, "explain", "lstm", "--input", "8", "--hidden", "16");
        Assert.True(lstm.ExitCode == 0, lstm.Error);
        Assert.Contains("c' = f * c + i * g", lstm.Output);
        Assert.Matches(@"U_i\s*│\s*\[16, 16\]\s*│\s*h", lstm.Output);
        Assert.Matches(@"W_i\s*│\s*\[16, 8\]\s*│\s*x", lstm.Output);
        Assert.Contains("Stages: 1", lstm.Output);
        // The console wraps long lines: compare with runs of white space as one space.
        Assert.Contains("Schedule: step by step — sequential: in line 1 (i = sigmoid(W_i x + U_i h + b_i)), 'U_i h' blocks the scan", OneLine(lstm.Output));
        Assert.Contains("Saved per step for backward: 5 vectors of 16", lstm.Output);
        Assert.Contains("FLOPs per step", lstm.Output);
        Assert.Contains("d_c_next = d_tanh_c_next * (1 - tanh_c_next * tanh_c_next) + dc'", lstm.Output);
        Assert.Contains("d(W_f x + U_f h) = d_f_pre", lstm.Output);
        Assert.Contains("dc = d_c_next * f", lstm.Output);

        var custom = CliProcess.Run(_directory, "explain", "f = sigmoid(W_f x + U_f h + b_f); n = tanh(W_n x + U_n (f * h) + b_n); h' = (1 - f) * h + f * n");
        Assert.True(custom.ExitCode == 0, custom.Error);
        Assert.Contains("Stages: 2", custom.Output);
        Assert.Contains("dh = d_f_times_h * f + d_one_minus_f_times_h * one_minus_f", custom.Output);
        Assert.Matches(@"U_n\s*│\s*\[128, 128\]\s*│\s*a same-step value", custom.Output);

        var minGru = CliProcess.Run(_directory, "explain", "mingru");
        Assert.True(minGru.ExitCode == 0, minGru.Error);
        Assert.Contains("Schedule: parallel in time — scan: h' = a ⊙ h + b over all steps at once", OneLine(minGru.Output));
    }

    private static string OneLine(string text) => System.Text.RegularExpressions.Regex.Replace(text, @"\s+", " ");

    [Fact]
    public void GradflowWritesAPngAndACsvForTheBuiltInAndACustomCell()
    {
        var run = CliProcess.Run(_directory, "gradflow", "--cell", "rnn", "--cell", "lstm", "--cell", "h' = relu(W x + U h + b)", "--steps", "20", "--out", "flow.png");
        Assert.True(run.ExitCode == 0, run.Error);
        AssertPng(Path.Combine(_directory, "flow.png"));
        var csv = File.ReadAllLines(Path.Combine(_directory, "flow.csv"));
        Assert.Equal("t,SimpleRnnTanh,Lstm,CustomCell", csv[0]);
        Assert.Equal(21, csv.Length);
        var last = csv[^1].Split(',').Skip(1).Select(v => double.Parse(v, CultureInfo.InvariantCulture));
        Assert.All(last, norm => Assert.True(norm > 0));
    }

    [Fact]
    public void BenchTimesEachCell()
    {
        var run = CliProcess.Run(_directory, "bench", "--cell", "rnn", "--cell", "gru", "--batch", "4", "--hidden", "16", "--input", "8", "--steps", "10");
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Matches(@"SimpleRnnTanh\s*│\s*\d+\.\d+\s*│\s*\d+\.\d", run.Output);
        Assert.Contains("Gru", run.Output);
    }

    public static TheoryData<string[], string> BadInputs => new()
    {
        { ["train", "no-such-file.txt"], "no file or folder 'no-such-file.txt'" },
        { ["train", "empty.txt"], "'empty.txt' is empty" },
        { ["train", "--hidden", "0"], "--hidden must be at least 1, not 0." },
        { ["train", "--lr", "fast"], "fast" },
        { ["train", "--optimizer", "adagrad"], "adagrad" },
        { ["train", "--cell", "nope"], "unknown cell 'nope'" },
        { ["generate", "corrupt.safetensors"], "corrupt.safetensors" },
        { ["generate", "foreign.safetensors"], "not a checkpoint of `rnngen train`" },
        { ["eval", "missing.safetensors"], "no checkpoint 'missing.safetensors'" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void BadInputGivesOneClearLineAndANonZeroExit(string[] args, string expected)
    {
        File.WriteAllText(Path.Combine(_directory, "empty.txt"), "  \n");
        File.WriteAllText(Path.Combine(_directory, "corrupt.safetensors"), "not a safetensors file at all");
        var foreign = new SafeTensorsWriter();
        foreign.Add<float>("weight", [1f, 2f], 2);
        foreign.Save(Path.Combine(_directory, "foreign.safetensors"));

        var result = CliProcess.Run(_directory, args);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(expected, result.Error);
        Assert.StartsWith("rnngen: ", result.Error);
    }

    [Fact]
    public void ResumeAfterSigkillContinuesWithTheLossesOfAnUninterruptedRun()
    {
        string[] run = ["train", "--steps", "400", "--checkpoint-every", "10", .. Small];
        var whole = Losses(CliProcess.Run(_directory, [.. run, "--out", "whole.safetensors"]).Output);

        using (var killed = CliProcess.Start(_directory, [.. run, "--out", "killed.safetensors"]))
        {
            while (killed.StandardOutput.ReadLine() is { } line && !line.StartsWith("step 25/", StringComparison.Ordinal)) { }
            killed.Kill();   // SIGKILL: no chance to save on the way out
            killed.WaitForExit();
        }
        var resumed = CliProcess.Run(_directory, "train", "--resume", "killed.safetensors", "--log-every", "1");
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        var rest = Losses(resumed.Output);
        Assert.InRange(rest.Keys.Min(), 21, 391);
        Assert.Equal(400, rest.Keys.Max());
        foreach (var (step, loss) in rest) Assert.Equal(whole[step], loss);
    }

    [Fact]
    public void TheEmbeddedCorpusIsTheGeneratorsOutput()
    {
        var corpus = CliProcess.Run(_directory, "corpus");
        Assert.Equal(0, corpus.ExitCode);
        var root = AppContext.BaseDirectory[..AppContext.BaseDirectory.IndexOf(Path.DirectorySeparatorChar + "tests" + Path.DirectorySeparatorChar, StringComparison.Ordinal)];
        Assert.Equal(File.ReadAllText(Path.Combine(root, "cli", "RnnGen.Cli", "Corpus", "default-corpus.txt")), corpus.Output);
    }

    /// <summary>"step N/M  loss L …" lines: the exact loss of every logged step.</summary>
    private static Dictionary<long, double> Losses(string output) => output.Split('\n')
        .Where(l => l.StartsWith("step ", StringComparison.Ordinal))
        .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        .ToDictionary(p => long.Parse(p[1].Split('/')[0], CultureInfo.InvariantCulture), p => double.Parse(p[3], CultureInfo.InvariantCulture));

    private static void AssertPng(string path)
    {
        var header = File.ReadAllBytes(path)[..8];
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, header);
    }
}
