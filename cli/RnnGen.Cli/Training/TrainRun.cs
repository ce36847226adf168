using System.Globalization;
using RnnGen.Cli.Cells;
using RnnGen.Cli.Checkpoints;
using RnnGen.Cli.Plots;
using RnnGen.Data;
using RnnGen.Training;

namespace RnnGen.Cli.Training;

/// <summary>One `train` run, fresh or resumed: data, model, the loop, then checkpoint, loss curve and a sample.</summary>
internal sealed class TrainRun
{
    public required TrainSettings Settings { get; init; }
    public int? LogEvery { get; init; }
    private const int SampleLength = 300;

    public int Execute(string? resume)
    {
        var (settings, loaded) = resume is null ? (Settings, null) : Resumed(resume);
        var tokenizer = TextCorpus.Tokenizer(settings.Level);
        var corpus = TextCorpus.Read(settings.Text);
        var vocabulary = loaded?.Vocabulary ?? Vocabulary.Build(tokenizer.Tokenize(corpus.Text));
        var data = TextCorpus.Windows(corpus.Encode(vocabulary, tokenizer), settings.SeqLen, settings.Seed);
        settings = settings with { Steps = settings.TotalSteps(TrainingLoop.BatchesPerEpoch(data.Count, settings.Batch)) };
        var cell = CellCatalog.Resolve(settings.Cell).Info;
        var model = loaded?.Checkpoint.Model ?? LanguageModel.Create(settings, cell, vocabulary.Count);
        var optimizer = LanguageModel.Optimizer(settings, model);
        if (loaded is { Checkpoint.HasOptimizerState: true }) loaded.Value.Checkpoint.RestoreOptimizer(optimizer);
        var trainer = new Trainer<float>(optimizer, new TrainerOptions { ClipNorm = settings.Clip, Schedule = LanguageModel.Schedule(settings, settings.Steps) });
        var loop = new TrainingLoop(model, data, trainer, settings.Batch)
        {
            Checkpoint = position => RunCheckpoint.Save(settings.Out, model, optimizer, vocabulary, settings, position),
            CheckpointEvery = settings.CheckpointEvery,
        };
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{cell.Name} on {corpus.Source}: vocabulary of {vocabulary.Count}, {data.Count} windows of {settings.SeqLen} tokens, {TrainingLoop.BatchesPerEpoch(data.Count, settings.Batch)} batches per epoch, {settings.Steps} steps"));
        var losses = Train(loop, loaded?.Checkpoint.Position ?? new TrainingPosition(0, 0, 0), settings.Steps);
        if (loop.Stopped)
        {
            Console.WriteLine($"stopped at step {loop.Position.Step}; resume with: rnngen train --resume {settings.Out}");
            return 130;
        }
        RunCheckpoint.Save(settings.Out, model, optimizer, vocabulary, settings, loop.Position);
        Report(settings, losses);
        Console.WriteLine("sample:");
        var prompt = settings.Level == TextCorpus.CharLevel ? "the " : "the";
        var sample = TextSampler.Sample(model, vocabulary, tokenizer, prompt, SampleLength, SamplingStrategy.WithTemperature(0.7), settings.Seed);
        // Whole lines read better than one cut mid-word.
        Console.WriteLine(sample.LastIndexOf('\n') is > 0 and var end ? sample[..end] : sample);
        return 0;
    }

    /// <summary>Runs the loop under the live display; Ctrl-C stops it after the current step (the loop then checkpoints).</summary>
    private List<(long Step, double Loss)> Train(TrainingLoop loop, TrainingPosition start, long total)
    {
        using var stop = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; stop.Cancel(); };
        Console.CancelKeyPress += onCancel;
        try
        {
            return TrainingDisplay.Run(start.Step, total, LogEvery ?? (int)Math.Max(1, total / 20), report => loop.Run(start, total, stop.Token, report));
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    /// <summary>The stored settings win, except --steps (to run longer) and --checkpoint-every.</summary>
    private (TrainSettings, (LoadedCheckpoint<float> Checkpoint, Vocabulary Vocabulary)?) Resumed(string path)
    {
        var (loaded, stored, vocabulary) = RunCheckpoint.Load(path);
        var settings = stored with
        {
            Out = path,
            Steps = Settings.Steps > 0 ? Settings.Steps : stored.Steps,
            CheckpointEvery = Settings.CheckpointEvery > 0 ? Settings.CheckpointEvery : stored.CheckpointEvery,
        };
        Console.WriteLine($"resuming {path} at step {loaded.Position?.Step ?? 0}");
        return (settings, (loaded, vocabulary));
    }

    private static void Report(TrainSettings settings, List<(long Step, double Loss)> losses)
    {
        if (losses.Count == 0) return;
        Charts.Lines(settings.PlotPath, "training loss", "step", "cross-entropy (nats per token)",
            [("loss", losses.Select(l => (double)l.Step).ToArray(), losses.Select(l => l.Loss).ToArray())]);
        var tenth = Math.Max(1, losses.Count / 10);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"loss {losses.Take(tenth).Average(l => l.Loss):F3} -> {losses.TakeLast(tenth).Average(l => l.Loss):F3}; checkpoint {settings.Out}, loss curve {settings.PlotPath}"));
    }
}
