using System.Numerics;

namespace RnnGen.IO;

/// <summary>
/// Saves and loads a whole model — any list of named tensors, such as a model's <c>Parameters()</c> — as safetensors.
/// Saving is atomic (a temp file renamed into place), and a load checks every tensor (present, dtype, shape) before
/// touching any weight, so neither a failed save nor a failed load leaves anything half-written.
/// Names and shapes are the parameters' own: "rnn.l0.W_i" [H, I], "fc.weight" [out, in], "embedding.weight" [V, E], …
/// </summary>
/// <remarks>Thread safety: thread-safe; concurrent saves of one path fail clearly rather than mix (see SafeTensorsWriter.Save), and a load must not race training on the same tensors.</remarks>
public static class Checkpoint
{
    /// <summary>Saves <paramref name="tensors"/> under their names and shapes, with optional header <paramref name="metadata"/>, atomically to <paramref name="path"/>.</summary>
    /// <exception cref="ArgumentException">Two tensors share a name, or a metadata key is reserved or repeated.</exception>
    /// <exception cref="IOException">The file cannot be written; the path is named.</exception>
    public static void Save<T>(IEnumerable<Parameter<T>> tensors, string path, IReadOnlyDictionary<string, string>? metadata = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var writer = new SafeTensorsWriter();
        if (metadata is not null)
            foreach (var (key, value) in metadata) writer.AddMetadata(key, value);
        foreach (var tensor in tensors) writer.Add<T>(tensor.Name, tensor.Values.Span, tensor.Shape.ToArray());
        writer.Save(path);
    }

    /// <summary>Loads every tensor of <paramref name="tensors"/> by name from <paramref name="path"/>, all or nothing: every tensor is read and checked before any weight changes.</summary>
    /// <exception cref="InvalidDataException">A tensor is missing or has the wrong dtype or shape, or the file is not valid safetensors; nothing was loaded.</exception>
    public static void Load<T>(IEnumerable<Parameter<T>> tensors, string path) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var reader = SafeTensorsReader.Open(path);
        Load(tensors, reader);
    }

    /// <summary>Loads from an open reader (a file, or bytes in memory), all-or-nothing as <see cref="Load{T}(IEnumerable{Parameter{T}}, string)"/>.</summary>
    public static void Load<T>(IEnumerable<Parameter<T>> tensors, SafeTensorsReader reader) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(reader);
        var targets = tensors.ToList();
        var staged = new T[targets.Count][];
        for (var i = 0; i < targets.Count; i++)
        {
            var tensor = targets[i];
            if (!reader.Contains(tensor.Name))
                throw new InvalidDataException($"Checkpoint '{reader.FileName}' has no tensor '{tensor.Name}' {Parameter<T>.Format(tensor.Shape)}; nothing was loaded.");
            staged[i] = new T[tensor.Values.Length];
            // Files of RnnGen 0.1 stored every tensor flat: a flat tensor of the right length still loads.
            var flat = reader[tensor.Name].Shape is [var length] && length == tensor.Length;
            reader.Read<T>(tensor.Name, staged[i], flat ? [tensor.Length] : tensor.Shape);
        }
        for (var i = 0; i < targets.Count; i++) staged[i].CopyTo(targets[i].Values.Span);
    }
}
