using System.CommandLine;

namespace RnnGen.Cli.Commands;

/// <summary>One format of `rnngen export`: the option that names its output file, its other options, and the writer.</summary>
internal interface IExportFormat
{
    /// <summary>The option giving the output path (e.g. --onnx FILE); the format runs when it is given.</summary>
    Option<string?> Target { get; }

    /// <summary>Every option of the format, <see cref="Target"/> included.</summary>
    IEnumerable<Option> Options { get; }

    void Export(ParseResult parsed, string checkpoint, string target);
}

/// <summary>`rnngen export CHECKPOINT --FORMAT FILE`: writes a checkpoint's model in another format; each format is its own file.</summary>
internal static class ExportCommand
{
    private static readonly IExportFormat[] Formats = [new ExportOnnxFormat(), new ExportPyTorchFormat()];

    public static Command Create()
    {
        var checkpoint = new Argument<string>("checkpoint") { Description = "A checkpoint written by `rnngen train` or ModelCheckpoint.Save." };
        var names = string.Join(", ", Formats.Select(f => f.Target.Name + " FILE"));
        var command = new Command("export", $"Write a checkpoint's model in another format: {names}.") { checkpoint };
        foreach (var option in Formats.SelectMany(f => f.Options)) command.Options.Add(option);
        command.SetAction(r =>
        {
            var chosen = Formats.Where(f => r.GetValue(f.Target) is not null).ToArray();
            if (chosen.Length != 1) throw new CliException($"give exactly one format to export to: {names}.");
            chosen[0].Export(r, r.GetValue(checkpoint)!, r.GetValue(chosen[0].Target)!);
        });
        return command;
    }
}
