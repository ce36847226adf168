using System.CommandLine;
using System.Globalization;
using RnnGen.Cli.Checkpoints;
using RnnGen.Cli.Training;
using RnnGen.Data;

namespace RnnGen.Cli.Commands;

/// <summary>`rnngen eval CHECKPOINT [TEXT]`: loss, perplexity and bits per token on held-out text.</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var checkpoint = new Argument<string>("checkpoint") { Description = "A checkpoint written by `rnngen train`." };
        var text = new Argument<string?>("text") { Description = "Held-out text: a file or a folder (default: the built-in corpus).", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("eval", "Measure a checkpoint on held-out text: cross-entropy, perplexity, bits per character (or word).") { checkpoint, text };
        command.SetAction(r =>
        {
            var (loaded, settings, vocabulary) = RunCheckpoint.Load(r.GetValue(checkpoint)!);
            var corpus = TextCorpus.Read(r.GetValue(text));
            var data = TextCorpus.Windows(corpus.Encode(vocabulary, TextCorpus.Tokenizer(settings.Level)), settings.SeqLen, settings.Seed);
            var metrics = loaded.Model.Evaluate(data, new SoftmaxCrossEntropyLoss<float>(), settings.Batch);
            var unit = settings.Level == TextCorpus.CharLevel ? "character" : "word";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{corpus.Source}: {metrics.Rows} {unit}s, loss {metrics.Loss:F4} nats, perplexity {Math.Exp(metrics.Loss):F3}, {metrics.Loss / Math.Log(2):F4} bits per {unit}, accuracy {metrics.Accuracy:P1}"));
        });
        return command;
    }
}
