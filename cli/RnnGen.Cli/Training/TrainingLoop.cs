using System.Diagnostics;
using RnnGen.Data;
using RnnGen.Training;

namespace RnnGen.Cli.Training;

/// <summary>
/// Steps through the data in the dataset's seeded order from a position, so a run resumed from a checkpoint sees the
/// same batches as one never stopped. Calls <see cref="Checkpoint"/> every <c>checkpointEvery</c> steps and on stop.
/// </summary>
internal sealed class TrainingLoop(Model<float> model, IDataset<float> data, Trainer<float> trainer, int batchSize)
{
    private readonly SoftmaxCrossEntropyLoss<float> _loss = new();

    public static int BatchesPerEpoch(int examples, int batchSize) => (examples + batchSize - 1) / batchSize;

    /// <summary>Saves the run at a position (the next batch to train).</summary>
    public required Action<TrainingPosition> Checkpoint { get; init; }

    public int CheckpointEvery { get; init; }

    /// <summary>The next batch to train, after <see cref="Run"/>.</summary>
    public TrainingPosition Position { get; private set; }

    /// <summary>Whether the last <see cref="Run"/> was cancelled before its last step.</summary>
    public bool Stopped { get; private set; }

    /// <summary>Trains from <paramref name="start"/> up to <paramref name="totalSteps"/>; returns each step's loss.
    /// A cancelled <paramref name="stop"/> ends the run after the current step, with a checkpoint.</summary>
    public List<(long Step, double Loss)> Run(TrainingPosition start, long totalSteps, CancellationToken stop, Action<StepReport> report)
    {
        var losses = new List<(long, double)>();
        var clock = Stopwatch.StartNew();
        long tokens = 0;
        var (epoch, batch) = (start.Epoch, start.Batch);
        Position = start;
        data.Shuffle(epoch);
        for (var step = start.Step; step < totalSteps; step++)
        {
            var rows = Math.Min(batchSize, data.Count - batch * batchSize);
            var current = data.GetBatch(batch * batchSize, rows);
            var loss = trainer.TrainBatch(model, current, _loss);
            tokens += current.Inputs.Rows;
            losses.Add((step + 1, loss));
            if (++batch == BatchesPerEpoch(data.Count, batchSize)) { batch = 0; data.Shuffle(++epoch); }
            var done = step + 1 - start.Step;
            report(new StepReport(step + 1, totalSteps, loss, tokens / clock.Elapsed.TotalSeconds,
                clock.Elapsed * ((double)(totalSteps - step - 1) / done)));
            Position = new TrainingPosition(epoch, batch, step + 1);
            Stopped = stop.IsCancellationRequested && step + 1 < totalSteps;
            if (Stopped || (CheckpointEvery > 0 && (step + 1) % CheckpointEvery == 0)) Checkpoint(Position);
            if (Stopped) break;
        }
        return losses;
    }
}
