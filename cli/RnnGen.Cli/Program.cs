using System.CommandLine;
using RnnGen.Cli;
using RnnGen.Cli.Commands;

var root = new RootCommand("rnngen: train, sample, evaluate and explain recurrent networks — any cell, even one typed on the command line.")
{
    TrainCommand.Create(),
    GenerateCommand.Create(),
    EvalCommand.Create(),
    ExplainCommand.Create(),
    GradFlowCommand.Create(),
    BenchCommand.Create(),
    CorpusCommand.Create(),
    ExportCommand.Create(),
};
var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    // System.CommandLine lists allowed values on further lines: keep one line.
    Console.Error.WriteLine("rnngen: " + string.Join(' ', parsed.Errors[0].Message.Split(['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries)));
    return 2;
}
try
{
    return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e)
{
    // One line, never a stack trace: the user's input was wrong (a file, a value, a checkpoint), or, for other types, we were.
    var expected = e is CliException or IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException
        or KeyNotFoundException or InvalidOperationException or NotSupportedException or System.Text.Json.JsonException
        or RnnGen.Training.NonFiniteGradientException or InsufficientMemoryException;
    Console.Error.WriteLine(expected ? $"rnngen: {e.Message}" : $"rnngen: internal error ({e.GetType().Name}): {e.Message}");
    return 1;
}
