using System.CommandLine;
using RnnGen.Cli.Checkpoints;
using RnnGen.Onnx;

namespace RnnGen.Cli.Commands;

/// <summary>`rnngen export CHECKPOINT --onnx FILE`: the model as an ONNX file (RnnGen.Onnx).</summary>
internal sealed class ExportOnnxFormat : IExportFormat
{
    private readonly Option<bool> _softmax = new("--softmax") { Description = "End the graph with a softmax: probabilities instead of logits." };
    private readonly Option<bool> _fixedLength = new("--fixed-length") { Description = "No \"lengths\" input: every sequence runs all its steps." };

    public Option<string?> Target { get; } = new("--onnx") { HelpName = "file", Description = "Write an ONNX file (any cell: ONNX's LSTM/GRU/RNN operators or a Loop; inputs \"tokens\" or \"input\", and \"lengths\")." };

    public IEnumerable<Option> Options => [Target, _softmax, _fixedLength];

    public void Export(ParseResult parsed, string checkpoint, string target)
    {
        var model = RunCheckpoint.LoadModel(checkpoint);
        OnnxExport.Save(model, target, new OnnxExportOptions { Softmax = parsed.GetValue(_softmax), SequenceLengths = !parsed.GetValue(_fixedLength) });
        var input = model.ReadsTokens ? $"{OnnxExport.TokensInput} int64 [batch, steps]" : $"{OnnxExport.ValuesInput} float [batch, steps, {model.InputSize}]";
        var lengths = parsed.GetValue(_fixedLength) ? "" : $", {OnnxExport.LengthsInput} int32 [batch]";
        var perSequence = model.Layers.Any(l => l.Layer.Config is LastStepConfig or RecurrentConfig { Options.ReturnSequences: false });
        Console.WriteLine($"wrote {target}: {input}{lengths} → {OnnxExport.Output} float [batch, {(perSequence ? "" : "steps, ")}{model.OutputSize}]");
    }
}
