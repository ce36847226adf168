using System.Diagnostics;
using System.Globalization;
using System.Numerics;

namespace RnnGen.Training;

/// <summary>What to do when a loss or a gradient is NaN or infinite. The weights are never updated with it.</summary>
/// <remarks>Thread safety: a value; safe everywhere.</remarks>
public enum NonFinitePolicy
{
    /// <summary>Stop training with a <see cref="NonFiniteGradientException"/> that names the step and the first non-finite value.</summary>
    Stop,
    /// <summary>Skip the batch without updating, and go on.</summary>
    SkipBatch,
}

/// <summary>
/// The loop settings of <see cref="Trainer{T}"/>, in Keras <c>fit</c> terms. Each setting is checked where it is
/// written, so a nonsensical value (a clip norm of ∞ clips nothing, NaN compares false with everything) fails at once
/// with <see cref="ArgumentOutOfRangeException"/> naming the option, instead of silently disabling what it configures.
/// </summary>
/// <remarks>Thread safety: immutable; thread-safe.</remarks>
public sealed record TrainerOptions
{
    /// <summary>Passes over the training data; at least 1.</summary>
    public int Epochs { get; init => field = AtLeastOne(value, nameof(Epochs)); } = 1;
    /// <summary>Clip the global gradient norm to this value before each update (PyTorch clip_grad_norm_).</summary>
    public double? ClipNorm { get; init => field = value is { } v ? Positive(v, nameof(ClipNorm)) : null; }
    /// <summary>Clamp every gradient element to ±this value before each update.</summary>
    public double? ClipValue { get; init => field = value is { } v ? Positive(v, nameof(ClipValue)) : null; }
    /// <summary>Learning rate per optimizer step; the optimizer's own rate when null.</summary>
    public ILearningRateSchedule? Schedule { get; init; }
    /// <summary>What to do when a loss or gradient is NaN or infinite.</summary>
    public NonFinitePolicy OnNonFinite { get; init; } = NonFinitePolicy.Stop;
    /// <summary>Stop when the validation loss has not improved by <see cref="MinImprovement"/> for this many epochs.</summary>
    public int? Patience { get; init => field = value is { } v ? AtLeastOne(v, nameof(Patience)) : null; }
    /// <summary>The least decrease of the validation loss that counts as an improvement for <see cref="Patience"/>; finite and ≥ 0.</summary>
    public double MinImprovement
    {
        get;
        init => field = double.IsFinite(value) && value >= 0 ? value : throw Invalid(nameof(MinImprovement), value, "a finite number ≥ 0");
    }
    /// <summary>Called after every batch and after every epoch's validation.</summary>
    public Action<TrainingProgress>? Progress { get; init; }
    /// <summary>Called at the end of every epoch, after validation (Keras callbacks' on_epoch_end).</summary>
    public Action<EpochSummary>? EpochEnd { get; init; }
    /// <summary>With validation: when training ends (early or not), put back the weights of the epoch with the lowest
    /// validation loss (Keras EarlyStopping(restore_best_weights=True)).</summary>
    public bool RestoreBestWeights { get; init; }
    /// <summary>Start at this epoch and batch instead of (0, 0), as a run that stopped there would continue; its Step
    /// must equal the optimizer's step count, so a forgotten optimizer state fails instead of silently diverging.</summary>
    public TrainingPosition? StartAt { get; init; }
    /// <summary>Called after every batch (and, after an epoch's last batch, after its validation) with the position of
    /// the next batch: a checkpoint saved there resumes exactly.</summary>
    public Action<TrainingPosition>? BatchEnd { get; init; }

    private static int AtLeastOne(int value, string option) => value >= 1 ? value : throw Invalid(option, value, "at least 1");

    private static double Positive(double value, string option) =>
        double.IsFinite(value) && value > 0 ? value : throw Invalid(option, value, "a finite number greater than 0");

    private static ArgumentOutOfRangeException Invalid(string option, double value, string expected) =>
        new(option, value, $"TrainerOptions.{option} must be {expected}, but it is {value.ToString(CultureInfo.InvariantCulture)}.");
}

/// <summary>One batch's result as reported to the progress hook: loss, throughput and time left.</summary>
/// <remarks>Thread safety: immutable; thread-safe.</remarks>
public readonly record struct TrainingProgress(
    int Epoch, int Batch, int BatchesPerEpoch, double Loss, double TokensPerSecond, TimeSpan Elapsed, TimeSpan Remaining,
    double? ValidationLoss, NonFiniteElement? Skipped);

/// <summary>One finished epoch: its mean training loss and, with validation, the validation loss.</summary>
/// <remarks>Thread safety: immutable; thread-safe.</remarks>
public sealed record EpochSummary(int Epoch, double Loss, double? ValidationLoss);

/// <summary>The outcome of <see cref="Trainer{T}.Fit"/>; <see cref="RestoredBest"/> says the weights are those of
/// <see cref="BestEpoch"/> (<see cref="TrainerOptions.RestoreBestWeights"/>).</summary>
/// <remarks>Thread safety: immutable; thread-safe.</remarks>
public sealed record TrainingReport(IReadOnlyList<double> TrainingLoss, IReadOnlyList<double> ValidationLoss, int BestEpoch,
    bool StoppedEarly, int SkippedBatches, bool RestoredBest = false);

/// <summary>A NaN or infinity in a loss or gradient, caught before it reached the weights.</summary>
/// <remarks>Thread safety: immutable; thread-safe.</remarks>
public sealed class NonFiniteGradientException(string message, int step, NonFiniteElement? element) : Exception(message)
{
    /// <summary>The optimizer step (0-based) whose batch produced it.</summary>
    public int Step { get; } = step;
    /// <summary>The parameter and element whose gradient is not finite; null when the loss itself was.</summary>
    public NonFiniteElement? Element { get; } = element;
}

/// <summary>
/// Epochs of minibatch updates with clipping, schedules, NaN/Inf protection, validation and early stopping.
/// The model's side is one delegate per batch that runs forward, loss and backward (gradients accumulated into the
/// optimizer's parameter set) and returns the loss and the number of tokens; shuffling belongs to the batch source,
/// so a seeded batcher makes the whole run deterministic.
/// </summary>
/// <remarks>Thread safety: not thread-safe; one per training run.</remarks>
public sealed class Trainer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>A training loop over <paramref name="optimizer"/>'s parameters; default options when none are given.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="optimizer"/> is null.</exception>
    public Trainer(Optimizer<T> optimizer, TrainerOptions? options = null)
    {
        Optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
        Options = options ?? new TrainerOptions();   // every option was checked when it was set
    }

    /// <summary>The optimizer each batch updates.</summary>
    public Optimizer<T> Optimizer { get; }
    /// <summary>The loop settings.</summary>
    public TrainerOptions Options { get; }

    /// <summary>
    /// One update: zero the gradients, run <paramref name="step"/> (forward + loss + backward), check loss and gradients,
    /// clip, set the scheduled rate, step the optimizer. Returns the loss, or NaN when the batch was skipped.
    /// Allocation-free when the delegate is.
    /// </summary>
    public double TrainBatch(Func<(double Loss, int Tokens)> step)
    {
        ArgumentNullException.ThrowIfNull(step);
        Optimizer.Parameters.ZeroGradients();
        return Update(step().Loss, out _);
    }

    /// <summary><see cref="TrainBatch(Func{ValueTuple{double, int}})"/> with the step's state passed in, so a static
    /// lambda serves every batch without a closure: allocation-free.</summary>
    public double TrainBatch<TState>(TState state, Func<TState, double> step) where TState : allows ref struct
    {
        ArgumentNullException.ThrowIfNull(step);
        Optimizer.Parameters.ZeroGradients();
        return Update(step(state), out _);
    }

    /// <summary>After a batch's forward and backward: check loss and gradients, clip, schedule, step.</summary>
    private double Update(double loss, out NonFiniteElement? skipped)
    {
        var parameters = Optimizer.Parameters;
        skipped = null;
        var bad = double.IsFinite(loss) ? parameters.FindNonFinite() : new NonFiniteElement("loss", 0, loss);
        if (bad is { } element)
        {
            if (Options.OnNonFinite == NonFinitePolicy.Stop)
                throw new NonFiniteGradientException(
                    element.Name == "loss"
                        ? $"The loss is {loss} at step {Optimizer.StepCount}; training stopped before updating the weights (lower the learning rate or clip gradients)."
                        : $"The gradient of {element.Name}[{element.Index}] is {element.Value} at step {Optimizer.StepCount}; training stopped before updating the weights (lower the learning rate or clip gradients).",
                    Optimizer.StepCount, element.Name == "loss" ? null : element);
            skipped = element;
            return double.NaN;
        }
        if (Options.ClipValue is { } limit) parameters.ClipGradientsByValue(limit);
        if (Options.ClipNorm is { } norm) parameters.ClipGradientsByNorm(norm);
        Options.Schedule?.ApplyTo(Optimizer);
        Optimizer.Step();
        return loss;
    }

    /// <summary>
    /// Runs <see cref="TrainerOptions.Epochs"/> epochs of <paramref name="batchesPerEpoch"/> batches.
    /// <paramref name="step"/>(epoch, batch) trains on one batch; <paramref name="validate"/>(epoch), when given, returns
    /// the validation loss used for early stopping.
    /// </summary>
    public TrainingReport Fit(int batchesPerEpoch, Func<int, int, (double Loss, int Tokens)> step, Func<int, double>? validate = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchesPerEpoch);
        ArgumentNullException.ThrowIfNull(step);
        var start = StartOf(batchesPerEpoch);
        var trainingLoss = new List<double>();
        var validationLoss = new List<double>();
        var clock = Stopwatch.StartNew();
        var totalBatches = (long)(Options.Epochs - start.Epoch) * batchesPerEpoch - start.Batch;
        long done = 0, tokensSeen = 0;
        var skippedBatches = 0;
        var best = double.PositiveInfinity;
        var bestEpoch = 0;
        var sinceBest = 0;
        var bestWeights = Options.RestoreBestWeights && validate is not null ? new WeightSnapshot<T>(Optimizer.Parameters) : null;
        for (var epoch = start.Epoch; epoch < Options.Epochs; epoch++)
        {
            double sum = 0;
            var counted = 0;
            for (var batch = epoch == start.Epoch ? start.Batch : 0; batch < batchesPerEpoch; batch++)
            {
                Optimizer.Parameters.ZeroGradients();
                var (batchLoss, tokens) = step(epoch, batch);
                var loss = Update(batchLoss, out var skipped);
                done++;
                tokensSeen += tokens;
                if (skipped is not null) skippedBatches++;
                else { sum += loss; counted++; }
                if (Options.Progress is { } progress)
                {
                    var elapsed = clock.Elapsed;
                    var remaining = TimeSpan.FromTicks((long)(elapsed.Ticks * (double)(totalBatches - done) / done));
                    progress(new TrainingProgress(epoch, batch, batchesPerEpoch, loss, tokensSeen / Math.Max(elapsed.TotalSeconds, 1e-9),
                        elapsed, remaining, null, skipped));
                }
                if (batch + 1 < batchesPerEpoch) Options.BatchEnd?.Invoke(new TrainingPosition(epoch, batch + 1, Optimizer.StepCount));
            }
            trainingLoss.Add(counted > 0 ? sum / counted : double.NaN);
            var validation = validate?.Invoke(epoch);
            if (validation is { } v)
            {
                validationLoss.Add(v);
                Options.Progress?.Invoke(new TrainingProgress(epoch, batchesPerEpoch, batchesPerEpoch, trainingLoss[^1], 0, clock.Elapsed, TimeSpan.Zero, v, null));
            }
            Options.EpochEnd?.Invoke(new EpochSummary(epoch, trainingLoss[^1], validation));
            Options.BatchEnd?.Invoke(new TrainingPosition(epoch + 1, 0, Optimizer.StepCount));
            if (validation is not { } current) continue;
            if (current < best - Options.MinImprovement)
            {
                (best, bestEpoch, sinceBest) = (current, epoch, 0);
                bestWeights?.Take();
            }
            else if (Options.Patience is { } patience && ++sinceBest >= patience)
                return new TrainingReport(trainingLoss, validationLoss, bestEpoch, true, skippedBatches, bestWeights?.Restore() ?? false);
        }
        return new TrainingReport(trainingLoss, validationLoss, validate is null ? Options.Epochs - 1 : bestEpoch, false, skippedBatches,
            bestWeights?.Restore() ?? false);
    }

    /// <summary>The checked <see cref="TrainerOptions.StartAt"/>, or (0, 0).</summary>
    private TrainingPosition StartOf(int batchesPerEpoch)
    {
        if (Options.StartAt is not { } start) return new TrainingPosition(0, 0, Optimizer.StepCount);
        if (start.Epoch < 0 || start.Epoch > Options.Epochs || start.Batch < 0 || start.Batch >= batchesPerEpoch)
            throw new ArgumentOutOfRangeException(nameof(TrainerOptions.StartAt), start,
                $"StartAt {start} is outside the run: epochs 0…{Options.Epochs} and batches 0…{batchesPerEpoch - 1}.");
        if (start.Step != Optimizer.StepCount)
            throw new ArgumentException(
                $"StartAt is at optimizer step {start.Step}, but the optimizer has taken {Optimizer.StepCount} steps; restore its state first (LoadedCheckpoint.RestoreOptimizer) so the run continues exactly.",
                nameof(TrainerOptions.StartAt));
        return start;
    }
}

/// <summary>A copy of every parameter's values, taken at the best epoch and put back at the end (buffers allocated once per Fit).</summary>
internal sealed class WeightSnapshot<T>(ParameterSet<T> parameters) where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[][] _copies = parameters.Entries.Select(e => new T[e.Length]).ToArray();
    private bool _taken;

    public void Take()
    {
        for (var i = 0; i < _copies.Length; i++) parameters.Entries[i].Values.Span.CopyTo(_copies[i]);
        _taken = true;
    }

    /// <summary>Puts the copy back; false when none was taken.</summary>
    public bool Restore()
    {
        if (!_taken) return false;
        for (var i = 0; i < _copies.Length; i++) _copies[i].CopyTo(parameters.Entries[i].Values.Span);
        return true;
    }
}
