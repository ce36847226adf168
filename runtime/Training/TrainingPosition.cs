namespace RnnGen;

/// <summary>
/// Where a training run stands: the next batch to run (<paramref name="Epoch"/> and <paramref name="Batch"/> within it)
/// and the optimizer steps done. Fit reports it after every batch (<c>FitOptions.BatchEnd</c>) and resumes from it
/// (<c>FitOptions.StartAt</c>); checkpoints store it.
/// </summary>
/// <remarks>Thread safety: immutable; thread-safe.</remarks>
public readonly record struct TrainingPosition(int Epoch, int Batch, long Step);
