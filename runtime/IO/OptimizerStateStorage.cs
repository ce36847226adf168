using RnnGen.Training;

namespace RnnGen.IO;

/// <summary>
/// Stores an <see cref="OptimizerState{T}"/> in a safetensors file, beside a model's tensors: its tensors as 1-D
/// tensors and its metadata as header metadata, all under the "optimizer." prefix, so the two never collide.
/// </summary>
/// <remarks>Thread safety: stateless; follows the writer's and reader's own rules.</remarks>
public static class OptimizerStateStorage
{
    /// <summary>Adds the optimizer state's tensors and metadata to <paramref name="writer"/> under the "optimizer." prefix.</summary>
    public static void AddOptimizerState<T>(this SafeTensorsWriter writer, OptimizerState<T> state) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(state);
        foreach (var (key, value) in state.Metadata) writer.AddMetadata(key, value);
        foreach (var (name, values) in state.Tensors) writer.Add<T>(name, values, values.Length);
    }

    /// <summary>Every tensor and metadata entry under "optimizer."; import it with <see cref="Optimizer{T}.ImportState"/>,
    /// which checks it against the optimizer.</summary>
    public static OptimizerState<T> ReadOptimizerState<T>(this SafeTensorsReader reader) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(reader);
        var metadata = reader.Metadata.Where(m => IsState(m.Key)).ToDictionary();
        if (metadata.Count == 0)
            throw new InvalidDataException($"'{reader.FileName}' holds no optimizer state (no '{OptimizerState<T>.TypeKey}' metadata).");
        var tensors = reader.Tensors.Where(t => IsState(t.Name)).ToDictionary(t => t.Name, t => reader.Read<T>(t.Name, out _));
        return new OptimizerState<T>(metadata, tensors);
    }

    private static bool IsState(string key) => key.StartsWith(OptimizerState<float>.Prefix, StringComparison.Ordinal);
}
