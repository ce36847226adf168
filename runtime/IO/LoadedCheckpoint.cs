using System.Numerics;
using RnnGen.Data;
using RnnGen.IO;
using RnnGen.Training;

namespace RnnGen;

/// <summary>What <see cref="ModelCheckpoint.Load{T}(string, bool)"/> read: the rebuilt model with its weights, and what was
/// stored beside it. The file is closed; everything is in memory.</summary>
/// <remarks>Thread safety: immutable apart from the model, which follows its own rules.</remarks>
public sealed class LoadedCheckpoint<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly OptimizerState<T>? _optimizer;

    internal LoadedCheckpoint(Model<T> model, Vocabulary? vocabulary, TrainingPosition? position, OptimizerState<T>? optimizer,
        IReadOnlyDictionary<string, string> metadata)
    {
        (Model, Vocabulary, Position, _optimizer, Metadata) = (model, vocabulary, position, optimizer, metadata);
    }

    /// <summary>The model, built from the file's config, with the file's weights and dropout counters.</summary>
    public Model<T> Model { get; }

    /// <summary>The vocabulary saved with <see cref="CheckpointContents{T}.Vocabulary"/>, or null.</summary>
    public Vocabulary? Vocabulary { get; }

    /// <summary>The next batch to run when the file was saved during training: pass it to FitOptions.StartAt.</summary>
    public TrainingPosition? Position { get; }

    /// <summary>Whether the file holds an optimizer state for <see cref="RestoreOptimizer"/>.</summary>
    public bool HasOptimizerState => _optimizer is not null;

    /// <summary>The caller's strings saved with <see cref="CheckpointContents{T}.Metadata"/>; empty when none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Puts the saved state (moments, step count, learning rate) into <paramref name="optimizer"/>, which must be
    /// of the saved type and hyper-parameters and built over <see cref="Model"/>'s parameters. All or nothing.</summary>
    /// <exception cref="InvalidOperationException">The file has no optimizer state.</exception>
    /// <exception cref="ArgumentException">Another optimizer type, hyper-parameter or parameter list; the message names it.</exception>
    public void RestoreOptimizer(Optimizer<T> optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (_optimizer is null)
            throw new InvalidOperationException("The checkpoint was saved without an optimizer state (CheckpointContents.Optimizer); there is nothing to restore.");
        CheckpointLayout.RequireOptimizerOf(Model, optimizer);
        optimizer.ImportState(_optimizer);
    }
}
