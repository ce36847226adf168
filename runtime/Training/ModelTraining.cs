using System.Globalization;
using System.Numerics;
using RnnGen.Data;

namespace RnnGen.Training;

/// <summary>Stop when the validation loss has not improved by <paramref name="MinDelta"/> for <paramref name="Patience"/>
/// epochs; with <paramref name="RestoreBest"/>, end with the weights of the best epoch (Keras EarlyStopping).</summary>
/// <remarks>Thread safety: immutable; thread-safe.</remarks>
public sealed record EarlyStopping(int Patience, bool RestoreBest = true, double MinDelta = 0);

/// <summary>The settings of <see cref="ModelTraining.Fit"/>, in Keras <c>fit</c> terms; the loop itself is
/// <see cref="Trainer{T}"/>, so clipping, schedules and the NaN/Inf guard behave exactly as there.</summary>
/// <remarks>Thread safety: immutable; thread-safe.</remarks>
public sealed record FitOptions<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Passes over the training data.</summary>
    public int Epochs { get; init; } = 1;
    /// <summary>Examples per update.</summary>
    public int BatchSize { get; init; } = 32;
    /// <summary>Reshuffle the training data every epoch (seeded by the dataset).</summary>
    public bool Shuffle { get; init; } = true;
    /// <summary>Evaluated after every epoch; its loss drives <see cref="EarlyStopping"/>.</summary>
    public IDataset<T>? Validation { get; init; }
    /// <summary>Stop when the validation loss stops improving; null to run every epoch.</summary>
    public EarlyStopping? EarlyStopping { get; init; }
    /// <summary>Clip the global gradient norm to this value before each update; null for none.</summary>
    public double? ClipNorm { get; init; }
    /// <summary>Clamp every gradient element to ±this value before each update; null for none.</summary>
    public double? ClipValue { get; init; }
    /// <summary>Learning rate per update; the optimizer's own rate when null.</summary>
    public ILearningRateSchedule? Schedule { get; init; }
    /// <summary>What to do when a loss or gradient is NaN or infinite.</summary>
    public NonFinitePolicy OnNonFinite { get; init; } = NonFinitePolicy.Stop;
    /// <summary>Called at the end of every epoch.</summary>
    public IReadOnlyList<Action<EpochSummary>> Callbacks { get; init; } = [];
    /// <summary>Called after every batch.</summary>
    public Action<TrainingProgress>? Progress { get; init; }
    /// <summary>Resume here: the epoch and batch of the next batch to run (same shuffled order) and the optimizer steps
    /// done, which must match the optimizer (restore its state first). Null: start at the beginning.</summary>
    public TrainingPosition? StartAt { get; init; }
    /// <summary>Called after every batch with the position of the next one, so a caller can save a checkpoint (every N
    /// steps, on Ctrl-C) that <see cref="StartAt"/> resumes exactly.</summary>
    public Action<TrainingPosition>? BatchEnd { get; init; }
}

/// <summary>What <see cref="ModelTraining.Fit"/> returns: every epoch's losses, the best epoch, and whether training
/// stopped early and the best weights were restored.</summary>
/// <remarks>Thread safety: immutable; thread-safe.</remarks>
public sealed record FitHistory(IReadOnlyList<EpochSummary> Epochs, int BestEpoch, bool StoppedEarly, bool RestoredBest, int SkippedBatches);

/// <summary>Keras-style training of a <see cref="Model{T}"/> over a dataset.</summary>
/// <remarks>Thread safety: not thread-safe; one Fit per model at a time.</remarks>
public static class ModelTraining
{
    /// <summary>
    /// Trains <paramref name="model"/> on <paramref name="data"/> for the options' epochs with <paramref name="optimizer"/>
    /// (built over <c>model.Parameters()</c>), batches of BatchSize in a seeded order, validation and early stopping.
    /// After the first epoch has sized every buffer, a batch allocates nothing.
    /// </summary>
    /// <exception cref="ArgumentException">An empty dataset, or an optimizer that does not update the model's parameters.</exception>
    public static FitHistory Fit<T>(this Model<T> model, IDataset<T> data, ILoss<T> loss, Optimizer<T> optimizer, FitOptions<T>? options = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(optimizer);
        var settings = options ?? new FitOptions<T>();
        if (data.Count == 0) throw new ArgumentException("data is empty: Fit needs at least one example.", nameof(data));
        if (settings.Validation is { Count: 0 }) throw new ArgumentException("options.Validation is empty.", nameof(options));
        if (settings.EarlyStopping is not null && settings.Validation is null)
            throw new ArgumentException("options.EarlyStopping watches the validation loss: set options.Validation too.", nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(settings.BatchSize, "options.BatchSize");
        RequireOptimizerOf(model, optimizer);

        var epochs = new List<EpochSummary>();
        var trainer = new Trainer<T>(optimizer, TrainerOptions(settings, epochs));
        var batchSize = settings.BatchSize;
        var batches = (data.Count + batchSize - 1) / batchSize;
        var shuffled = -1;
        var report = trainer.Fit(batches, (epoch, index) =>
        {
            // On the first batch this run sees of each epoch, which is not batch 0 when resuming mid-epoch.
            if (settings.Shuffle && epoch != shuffled) data.Shuffle(shuffled = epoch);
            var start = index * batchSize;
            var batch = data.GetBatch(start, Math.Min(batchSize, data.Count - start));
            return (model.TrainStep(batch, loss), batch.Inputs.Rows);
        }, settings.Validation is { } validation ? _ => model.Evaluate(validation, loss, batchSize).Loss : null);
        return new FitHistory(epochs, report.BestEpoch, report.StoppedEarly, report.RestoredBest, report.SkippedBatches);
    }

    /// <summary>One allocation-free update on one batch: zero gradients, forward, loss, backward, and the trainer's
    /// checks, clipping, schedule and optimizer step. Returns the loss (NaN when the trainer skipped the batch).</summary>
    public static double TrainBatch<T>(this Trainer<T> trainer, Model<T> model, in DataBatch<T> batch, ILoss<T> loss)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(trainer);
        return trainer.TrainBatch(new Step<T>(model, batch, loss), static s => s.Model.TrainStep(s.Batch, s.Loss));
    }

    private readonly record struct Step<T>(Model<T> Model, DataBatch<T> Batch, ILoss<T> Loss) where T : unmanaged, IFloatingPointIeee754<T>;

    private static TrainerOptions TrainerOptions<T>(FitOptions<T> settings, List<EpochSummary> epochs) where T : unmanaged, IFloatingPointIeee754<T> => new()
    {
        Epochs = settings.Epochs,
        ClipNorm = settings.ClipNorm,
        ClipValue = settings.ClipValue,
        Schedule = settings.Schedule,
        OnNonFinite = settings.OnNonFinite,
        Patience = settings.EarlyStopping?.Patience,
        MinImprovement = settings.EarlyStopping?.MinDelta ?? 0,
        RestoreBestWeights = settings.EarlyStopping?.RestoreBest ?? false,
        Progress = settings.Progress,
        StartAt = settings.StartAt,
        BatchEnd = settings.BatchEnd,
        EpochEnd = summary =>
        {
            epochs.Add(summary);
            foreach (var callback in settings.Callbacks) callback(summary);
        },
    };

    private static void RequireOptimizerOf<T>(Model<T> model, Optimizer<T> optimizer) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var updated = optimizer.Parameters.Entries.Select(e => e.Name).ToHashSet();
        var missing = model.Parameters().FirstOrDefault(p => !p.Frozen && !updated.Contains(p.Name));
        if (missing is not null)
            throw new ArgumentException(string.Format(CultureInfo.InvariantCulture,
                "The optimizer does not update the model's parameter '{0}'; build it over model.Parameters() (e.g. new Adam<{1}>(new ParameterSet<{1}>().AddAll(model.Parameters()), 0.01)).",
                missing.Name, typeof(T).Name), nameof(optimizer));
    }
}
