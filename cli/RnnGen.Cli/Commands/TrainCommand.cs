using System.CommandLine;
using RnnGen.Cli.Cells;
using RnnGen.Cli.Training;
using RnnGen.Kernels;

namespace RnnGen.Cli.Commands;

/// <summary>`rnngen train [TEXT]`: a character- or word-level language model on a file, a folder or the built-in corpus.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var defaults = new TrainSettings();
        var text = new Argument<string?>("text") { Description = "A text file or a folder of *.txt files (default: the built-in corpus).", Arity = ArgumentArity.ZeroOrOne };
        var level = new Option<string>("--level") { Description = "Tokens: characters or whitespace-separated words.", DefaultValueFactory = _ => defaults.Level };
        level.AcceptOnlyFromAmong(TextCorpus.CharLevel, TextCorpus.WordLevel);
        var cell = new Option<string?>("--cell") { Description = $"{string.Join(", ", CellCatalog.BuiltInNames)}, or equations such as \"h' = tanh(W x + U h + b)\" (default lstm)." };
        var cellFile = new Option<string?>("--cell-file") { Description = "A file with a cell's equations." };
        var hidden = new Option<int>("--hidden") { Description = "Hidden size.", DefaultValueFactory = _ => defaults.Hidden }.Must(v => v >= 1, "at least 1");
        var layers = new Option<int>("--layers") { Description = "Stacked recurrent layers.", DefaultValueFactory = _ => defaults.Layers }.Must(v => v >= 1, "at least 1");
        var embedding = new Option<int>("--embedding") { Description = "Embedding size.", DefaultValueFactory = _ => defaults.Embedding }.Must(v => v >= 1, "at least 1");
        var epochs = new Option<int?>("--epochs") { Description = "Train for this many passes over the data." }.Must(v => v is null or >= 1, "at least 1");
        var steps = new Option<long?>("--steps") { Description = $"Train for this many batches (default {TrainSettings.DefaultSteps})." }.Must(v => v is null or >= 1, "at least 1");
        var batch = new Option<int>("--batch") { Description = "Sequences per batch.", DefaultValueFactory = _ => defaults.Batch }.Must(v => v >= 1, "at least 1");
        var seqLen = new Option<int>("--seq-len") { Description = "Tokens per training sequence (BPTT length).", DefaultValueFactory = _ => defaults.SeqLen }.Must(v => v >= 1, "at least 1");
        var optimizer = new Option<string>("--optimizer") { Description = "Optimizer.", DefaultValueFactory = _ => defaults.Optimizer };
        optimizer.AcceptOnlyFromAmong(LanguageModel.Optimizers);
        var lr = new Option<double>("--lr") { Description = "Learning rate.", DefaultValueFactory = _ => defaults.LearningRate }.Must(v => v > 0 && double.IsFinite(v), "a number greater than 0");
        var schedule = new Option<string>("--schedule") { Description = "Learning-rate schedule.", DefaultValueFactory = _ => defaults.Schedule };
        schedule.AcceptOnlyFromAmong(LanguageModel.Schedules);
        var clip = new Option<double?>("--clip") { Description = "Clip the gradient norm to this (default 5).", DefaultValueFactory = _ => defaults.Clip }.Must(v => v is null or > 0, "greater than 0");
        var dropout = new Option<double>("--dropout") { Description = "Dropout between and after recurrent layers.", DefaultValueFactory = _ => defaults.Dropout }.Must(v => v is >= 0 and < 1, "in [0, 1)");
        var seed = new Option<int>("--seed") { Description = "Seeds weights and data order.", DefaultValueFactory = _ => defaults.Seed };
        var threads = new Option<int?>("--threads") { Description = "Threads for large matrix products." }.Must(v => v is null or >= 1, "at least 1");
        var output = new Option<string>("--out") { Description = "Checkpoint path (the loss curve goes beside it as .loss.png).", DefaultValueFactory = _ => defaults.Out };
        var every = new Option<int>("--checkpoint-every") { Description = "Also checkpoint every N steps (0: only at the end and on Ctrl-C)." }.Must(v => v >= 0, "0 or more");
        var resume = new Option<string?>("--resume") { Description = "Continue the run saved in this checkpoint, with its settings." };
        var logEvery = new Option<int?>("--log-every") { Description = "Print a line every N steps when output is not a terminal." }.Must(v => v is null or >= 1, "at least 1");
        var command = new Command("train", "Train a language model and print a sample of what it learned.")
        {
            text, level, cell, cellFile, hidden, layers, embedding, epochs, steps, batch, seqLen, optimizer, lr, schedule, clip, dropout,
            seed, threads, output, every, resume, logEvery,
        };
        command.SetAction(r =>
        {
            if (r.GetValue(threads) is { } n) Gemm.MaxThreads = n;
            var settings = new TrainSettings
            {
                Text = r.GetValue(text), Level = r.GetValue(level)!, Cell = CellCatalog.Text(r.GetValue(cell), r.GetValue(cellFile)),
                Hidden = r.GetValue(hidden), Layers = r.GetValue(layers), Embedding = r.GetValue(embedding), Dropout = r.GetValue(dropout),
                Steps = r.GetValue(steps) ?? 0, Epochs = r.GetValue(epochs) ?? 0, Batch = r.GetValue(batch), SeqLen = r.GetValue(seqLen),
                Optimizer = r.GetValue(optimizer)!, LearningRate = r.GetValue(lr), Schedule = r.GetValue(schedule)!, Clip = r.GetValue(clip),
                Seed = r.GetValue(seed), Out = r.GetValue(output)!, CheckpointEvery = r.GetValue(every),
            };
            return new TrainRun { Settings = settings, LogEvery = r.GetValue(logEvery) }.Execute(r.GetValue(resume));
        });
        return command;
    }
}
