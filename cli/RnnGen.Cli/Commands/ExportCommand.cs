using System.CommandLine;
using RnnGen.Cli.Checkpoints;
using RnnGen.Cli.Training;
using RnnGen.Interop;

namespace RnnGen.Cli.Commands;

/// <summary>`rnngen export CHECKPOINT --pytorch`: the checkpoint's model, custom cell included, as a Python file of
/// PyTorch modules that loads the checkpoint (see docs/pytorch-interop.md).</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var checkpoint = new Argument<string>("checkpoint") { Description = "A checkpoint written by `rnngen train` or ModelCheckpoint.Save." };
        var pytorch = new Option<bool>("--pytorch") { Description = "Write a Python file of PyTorch modules (the cell step by step, the layer, the model) with a loader for the checkpoint." };
        var output = new Option<string?>("--output", "-o") { Description = "The file to write (default: the checkpoint's path with .py)." };
        var className = new Option<string>("--class-name") { Description = "The Python class of the model.", DefaultValueFactory = _ => "RnnGenModel" };
        var command = new Command("export", "Export a checkpoint's model to another framework.") { checkpoint, pytorch, output, className };
        command.SetAction(r =>
        {
            if (!r.GetValue(pytorch)) throw new CliException("choose a format: --pytorch.");
            var path = r.GetValue(checkpoint)!;
            var target = r.GetValue(output) ?? Path.ChangeExtension(path, ".py");
            PyTorchModuleWriter.Save(Load(path), target, r.GetValue(className)!);
            Console.WriteLine($"wrote {target}: `load_rnngen(model, \"{path}\")` loads the weights; `save_rnngen(model, path)` writes them back for RnnGen.");
        });
        return command;
    }

    /// <summary>A checkpoint of `train` (its cell compiled from the stored equations if custom), or any other whose
    /// cells are built in.</summary>
    private static Model<float> Load(string path)
    {
        if (!File.Exists(path)) throw new CliException($"no checkpoint '{path}'.");
        return ModelCheckpoint.ReadMetadata(path).ContainsKey(TrainSettings.MetadataKey)
            ? RunCheckpoint.Load(path).Checkpoint.Model
            : ModelCheckpoint.Load<float>(path, convertElementType: true).Model;
    }
}
