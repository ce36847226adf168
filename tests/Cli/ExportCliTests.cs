using RnnGen.Tests.Support;

namespace RnnGen.Tests.Cli;

/// <summary>`rnngen export --pytorch` end to end: a checkpoint of a cell typed on the command line becomes a Python file
/// that PyTorch imports, loads strictly and runs (the numbers themselves are checked in PyTorchModuleTests).</summary>
public sealed class ExportCliTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("rnngen-export-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void ACustomCellCheckpointExportsToAModuleThatLoadsItInPyTorch()
    {
        var train = CliProcess.Run(_directory, "train", "--cell", "f = sigmoid(W_f x + U_f h + b_f); h' = (1 - f) * h + f * tanh(W_n x + U_n (f * h))",
            "--steps", "3", "--hidden", "8", "--embedding", "4", "--batch", "4", "--seq-len", "8", "--out", "c.safetensors");
        Assert.True(train.ExitCode == 0, train.Error);

        var export = CliProcess.Run(_directory, "export", "c.safetensors", "--pytorch", "c.py");
        Assert.True(export.ExitCode == 0, export.Error);
        Assert.Contains("wrote c.py", export.Output);
        var python = File.ReadAllText(Path.Combine(_directory, "c.py"));
        Assert.Contains("        h_new = (1 - f) * h + f * torch.tanh(F.linear(x, self.W_n) + F.linear(f * h, self.U_n))\n", python);

        File.WriteAllText(Path.Combine(_directory, "run.py"), """
            import torch
            from c import RnnGenModel, load_rnngen
            model = RnnGenModel()
            load_rnngen(model, "c.safetensors")
            print(list(model(torch.tensor([[1, 2, 3], [4, 5, 0]]), [3, 2]).shape))
            """);
        var output = DebianPython.Run(_directory, "run.py");
        Assert.Matches(@"^\[2, 3, \d+\]", output);
    }

    [Fact]
    public void ExportWithoutAFormatSaysWhichToChoose()
    {
        var export = CliProcess.Run(_directory, "export", "missing.safetensors");
        Assert.Equal(1, export.ExitCode);
        Assert.Contains("give exactly one format to export to", export.Error);
    }
}
