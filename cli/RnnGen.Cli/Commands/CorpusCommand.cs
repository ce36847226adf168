using System.CommandLine;
using RnnGen.Cli.Corpus;

namespace RnnGen.Cli.Commands;

/// <summary>`rnngen corpus`: prints the built-in corpus (regenerated; the build embeds this output).</summary>
internal static class CorpusCommand
{
    public static Command Create()
    {
        var command = new Command("corpus", "Print the built-in training corpus (a generated language: grammar, sums, the seeds' sentences).");
        command.SetAction(_ => Console.Out.Write(DefaultCorpus.Generate()));
        return command;
    }
}
