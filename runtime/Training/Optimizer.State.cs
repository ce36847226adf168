using System.Globalization;

namespace RnnGen.Training;

public abstract partial class Optimizer<T>
{
    /// <summary>
    /// Copies the whole state (see <see cref="OptimizerState{T}"/>): type, step count, learning rate, hyper-parameters and
    /// every per-parameter buffer, keyed by the parameter's name. Importing it into an optimizer built the same way over
    /// the same parameters continues training bit for bit.
    /// </summary>
    public OptimizerState<T> ExportState()
    {
        var metadata = new Dictionary<string, string>(RecordedSettings())
        {
            [OptimizerState<T>.StepKey] = Invariant(StepCount),
            [OptimizerState<T>.LearningRateKey] = Invariant(LearningRate),
        };
        var tensors = new Dictionary<string, T[]>();
        var entries = Parameters.Entries;
        foreach (var (buffer, perEntry) in NamedBuffers())
            for (var i = 0; i < perEntry.Length; i++)
                tensors.Add(OptimizerState<T>.TensorName(buffer, entries[i].Name), perEntry[i].ToArray());
        return new OptimizerState<T>(metadata, tensors);
    }

    /// <summary>
    /// Restores a state from <see cref="ExportState"/>, all or nothing: the optimizer type and every hyper-parameter must
    /// equal this optimizer's (a differing β or decay would silently break an exact resume, so it throws rather than
    /// warns; build the optimizer with the recorded values), every buffer of every parameter must be present with the
    /// parameter's length, and no other tensor may be there. On any mismatch it throws <see cref="ArgumentException"/>
    /// naming the key, parameter or lengths, and nothing has changed. The learning rate is restored too.
    /// </summary>
    public void ImportState(OptimizerState<T> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var (step, rate) = CheckMetadata(state.Metadata);
        var copies = Stage(state.Tensors);
        foreach (var (source, destination) in copies) source.CopyTo(destination, 0);
        StepCount = step;
        LearningRate = rate;
    }

    /// <summary>Each per-parameter buffer under PyTorch's name, with one array per entry (none when the option that
    /// needs it is off).</summary>
    protected abstract IReadOnlyList<(string Name, T[][] Buffers)> NamedBuffers();

    /// <summary>The constructor's hyper-parameters under PyTorch's names, formatted with <see cref="Invariant(double)"/>.</summary>
    protected abstract IReadOnlyList<(string Name, string Value)> Hyperparameters();

    /// <summary><paramref name="value"/> in round-trip invariant form, for hyper-parameter metadata.</summary>
    protected static string Invariant(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>"true" or "false", for hyper-parameter metadata.</summary>
    protected static string Invariant(bool value) => value ? "true" : "false";

    /// <summary>The metadata that must match on import: the type and the hyper-parameters.</summary>
    private Dictionary<string, string> RecordedSettings()
    {
        var settings = new Dictionary<string, string> { [OptimizerState<T>.TypeKey] = GetType().Name.Split('`')[0] };
        foreach (var (name, value) in Hyperparameters()) settings.Add(OptimizerState<T>.Prefix + name, value);
        return settings;
    }

    private (int Step, double Rate) CheckMetadata(IReadOnlyDictionary<string, string> metadata)
    {
        foreach (var (key, expected) in RecordedSettings())
        {
            if (!metadata.TryGetValue(key, out var actual))
                throw StateError($"it has no '{key}' (this optimizer's is {expected})");
            if (actual != expected)
                throw StateError(key == OptimizerState<T>.TypeKey
                    ? $"it is the state of a {actual} optimizer, but this one is a {expected}"
                    : $"'{key}' is {actual} in the state but {expected} in this optimizer; build the optimizer with the recorded hyper-parameters to resume exactly");
        }
        var known = RecordedSettings().Keys.Append(OptimizerState<T>.StepKey).Append(OptimizerState<T>.LearningRateKey);
        var unknown = metadata.Keys.Except(known).ToList();
        if (unknown.Count > 0) throw StateError($"this optimizer does not know the setting(s) {string.Join(", ", unknown)}");
        var step = Number(metadata, OptimizerState<T>.StepKey);
        if (step < 0 || step > int.MaxValue || step != Math.Floor(step))
            throw StateError($"'{OptimizerState<T>.StepKey}' must be a whole number >= 0, but is {metadata[OptimizerState<T>.StepKey]}");
        var rate = Number(metadata, OptimizerState<T>.LearningRateKey);
        if (!(rate > 0) || !double.IsFinite(rate))
            throw StateError($"'{OptimizerState<T>.LearningRateKey}' must be finite and > 0, but is {metadata[OptimizerState<T>.LearningRateKey]}");
        return ((int)step, rate);
    }

    private static double Number(IReadOnlyDictionary<string, string> metadata, string key) =>
        !metadata.TryGetValue(key, out var text) ? throw StateError($"it has no '{key}'")
        : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value
        : throw StateError($"'{key}' is '{text}', not a number");

    /// <summary>Pairs each state tensor with the buffer it restores, after checking names and lengths.</summary>
    private List<(T[] Source, T[] Destination)> Stage(IReadOnlyDictionary<string, T[]> tensors)
    {
        var copies = new List<(T[] Source, T[] Destination)>();
        var names = new HashSet<string>();
        var entries = Parameters.Entries;
        foreach (var (buffer, perEntry) in NamedBuffers())
            for (var i = 0; i < perEntry.Length; i++)
            {
                var name = OptimizerState<T>.TensorName(buffer, entries[i].Name);
                if (!tensors.TryGetValue(name, out var source))
                    throw StateError($"it has no {buffer} for parameter '{entries[i].Name}' (tensor '{name}' of {perEntry[i].Length} values)");
                if (source.Length != perEntry[i].Length)
                    throw StateError($"its {buffer} for parameter '{entries[i].Name}' has {source.Length} values, but the parameter has {perEntry[i].Length}");
                copies.Add((source, perEntry[i]));
                names.Add(name);
            }
        var extra = tensors.Keys.Where(k => !names.Contains(k)).Select(k => $"'{k}'").ToList();
        if (extra.Count > 0)
            throw StateError($"it holds tensors this optimizer does not keep for these parameters: {string.Join(", ", extra)}");
        return copies;
    }

    private static ArgumentException StateError(string problem) =>
        new($"Cannot import the optimizer state: {problem}. Nothing was changed.", "state");
}
