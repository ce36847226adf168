namespace RnnGen.Training;

/// <summary>
/// A snapshot of an optimizer's full state (<see cref="Optimizer{T}.ExportState"/>), flat in the form a safetensors file
/// stores it, so a checkpoint can hold it beside the model's tensors:
/// <list type="bullet">
/// <item><see cref="Metadata"/>: "optimizer.type" (Sgd, Adam, AdamW, RmsProp), "optimizer.step", "optimizer.lr" and
/// every hyper-parameter under PyTorch's name ("optimizer.beta1", "optimizer.eps", "optimizer.weight_decay", …);</item>
/// <item><see cref="Tensors"/>: one per state buffer and parameter, "optimizer.{buffer}.{parameter}", with PyTorch's
/// buffer names (exp_avg, exp_avg_sq, max_exp_avg_sq, momentum_buffer, square_avg, grad_avg), e.g.
/// "optimizer.exp_avg.rnn.l0.W_i".</item>
/// </list>
/// Learning-rate schedules carry no state (a rate is a function of the step count), so restoring the step restores them.
/// </summary>
/// <remarks>Thread safety: immutable once built (do not change the arrays); safe to share between threads.</remarks>
public sealed class OptimizerState<T> where T : unmanaged
{
    /// <summary>The prefix of every metadata key and tensor name of an optimizer's state.</summary>
    public const string Prefix = "optimizer.";
    /// <summary>The metadata key of the optimizer's type name.</summary>
    public const string TypeKey = Prefix + "type";
    /// <summary>The metadata key of the optimizer's step count.</summary>
    public const string StepKey = Prefix + "step";
    /// <summary>The metadata key of the learning rate.</summary>
    public const string LearningRateKey = Prefix + "lr";

    /// <summary>Wraps metadata and tensors as exported or as read from a file; every key must start with <see cref="Prefix"/>.</summary>
    public OptimizerState(IReadOnlyDictionary<string, string> metadata, IReadOnlyDictionary<string, T[]> tensors)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(tensors);
        foreach (var key in metadata.Keys.Concat(tensors.Keys))
            if (!key.StartsWith(Prefix, StringComparison.Ordinal))
                throw new ArgumentException($"'{key}' is not part of an optimizer state: its keys start with '{Prefix}'.");
        foreach (var (name, values) in tensors)
            if (values is null) throw new ArgumentException($"Tensor '{name}' of the optimizer state is null.", nameof(tensors));
        Metadata = new Dictionary<string, string>(metadata);
        Tensors = new Dictionary<string, T[]>(tensors);
    }

    /// <summary>String metadata: type, step, learning rate and hyper-parameters, each key starting with <see cref="Prefix"/>.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The state buffers, flat, by <see cref="TensorName"/>.</summary>
    public IReadOnlyDictionary<string, T[]> Tensors { get; }

    /// <summary>"optimizer.{buffer}.{parameter}": buffer names have no dot, so the name splits back unambiguously.</summary>
    public static string TensorName(string buffer, string parameter) => $"{Prefix}{buffer}.{parameter}";
}
