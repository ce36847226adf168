using System.CommandLine;
using RnnGen.Cli.Checkpoints;
using RnnGen.Interop;

namespace RnnGen.Cli.Commands;

/// <summary>`rnngen export CHECKPOINT --pytorch FILE`: the checkpoint's model, custom cell included, as a Python file of
/// PyTorch modules that loads the checkpoint (see docs/pytorch-interop.md).</summary>
internal sealed class ExportPyTorchFormat : IExportFormat
{
    private readonly Option<string> _className = new("--class-name") { Description = "The Python class of the model (--pytorch).", DefaultValueFactory = _ => "RnnGenModel" };

    public Option<string?> Target { get; } = new("--pytorch") { HelpName = "file", Description = "Write a Python file of PyTorch modules (the cell step by step, the layer, the model) with a loader for the checkpoint." };

    public IEnumerable<Option> Options => [Target, _className];

    public void Export(ParseResult parsed, string checkpoint, string target)
    {
        PyTorchModuleWriter.Save(RunCheckpoint.LoadModel(checkpoint), target, parsed.GetValue(_className)!);
        Console.WriteLine($"wrote {target}: `load_rnngen(model, \"{checkpoint}\")` loads the weights; `save_rnngen(model, path)` writes them back for RnnGen.");
    }
}
