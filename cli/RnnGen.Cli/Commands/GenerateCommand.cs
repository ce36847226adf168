using System.CommandLine;
using RnnGen.Cli.Checkpoints;
using RnnGen.Cli.Training;
using RnnGen.Data;

namespace RnnGen.Cli.Commands;

/// <summary>`rnngen generate CHECKPOINT`: samples text from a trained language model.</summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var checkpoint = new Argument<string>("checkpoint") { Description = "A checkpoint written by `rnngen train`." };
        var prompt = new Option<string>("--prompt") { Description = "Text to continue.", DefaultValueFactory = _ => "" };
        var temperature = new Option<double>("--temperature") { Description = "Sampling temperature; 0 picks the most likely token.", DefaultValueFactory = _ => 0.8 }
            .Must(v => v >= 0 && double.IsFinite(v), "0 or more");
        var topK = new Option<int?>("--top-k") { Description = "Sample among the K most likely tokens only." }.Must(v => v is null or >= 1, "at least 1");
        var length = new Option<int>("--length") { Description = "Tokens to generate.", DefaultValueFactory = _ => 300 }.Must(v => v >= 1, "at least 1");
        var seed = new Option<int>("--seed") { Description = "Seeds the sampling.", DefaultValueFactory = _ => 1 };
        var command = new Command("generate", "Sample text from a checkpoint.") { checkpoint, prompt, temperature, topK, length, seed };
        command.SetAction(r =>
        {
            var (loaded, settings, vocabulary) = RunCheckpoint.Load(r.GetValue(checkpoint)!);
            var t = r.GetValue(temperature);
            var strategy = r.GetValue(topK) is { } k ? SamplingStrategy.TopK(k, t > 0 ? t : 1)
                : t > 0 ? SamplingStrategy.WithTemperature(t) : SamplingStrategy.Greedy;
            Console.WriteLine(TextSampler.Sample(loaded.Model, vocabulary, TextCorpus.Tokenizer(settings.Level), r.GetValue(prompt)!,
                r.GetValue(length), strategy, r.GetValue(seed)));
        });
        return command;
    }
}
