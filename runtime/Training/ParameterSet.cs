using System.Numerics;
using System.Numerics.Tensors;

namespace RnnGen.Training;

/// <summary>A non-finite element found by <see cref="ParameterSet{T}.FindNonFinite"/>: the tensor, the index within
/// it, and the offending value (NaN, +∞ or −∞).</summary>
/// <remarks>Thread safety: a value; safe to share between threads.</remarks>
public readonly record struct NonFiniteElement(string Name, int Index, double Value)
{
    /// <summary>"name[index] = value".</summary>
    public override string ToString() => $"{Name}[{Index}] = {Value}";
}

/// <summary>
/// The parameters an optimizer updates. Weight decay is on for every entry by default, as in PyTorch (which decays
/// biases too); turn it off per entry with <see cref="SetDecay(string, bool)"/> or <see cref="Parameter{T}.Decay"/>.
/// Frozen parameters are left out when added.
/// Once an optimizer is built over the set, the set is sealed: the optimizer's state buffers were sized for it.
/// Every per-step method (norms, clipping, zeroing, the non-finite scan) allocates nothing.
/// </summary>
/// <remarks>Thread safety: not thread-safe; build it once, then use it from the training thread.</remarks>
public sealed class ParameterSet<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly List<Parameter<T>> _entries = [];

    /// <summary>The parameters in the order added.</summary>
    public IReadOnlyList<Parameter<T>> Entries => _entries;

    /// <summary>Elements over all entries.</summary>
    public int Count { get; private set; }

    /// <summary>The longest entry: the size an optimizer needs for one scratch buffer.</summary>
    public int MaxLength { get; private set; }

    /// <summary>True once an optimizer has been built over this set; <see cref="Add(Parameter{T})"/> then throws.</summary>
    public bool IsSealed { get; private set; }

    /// <summary>The entry named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No entry has that name.</exception>
    public Parameter<T> this[string name] => _entries[IndexOf(name)];

    /// <summary>Adds a one-dimensional tensor by its memory (for tensors that belong to no layer).</summary>
    public ParameterSet<T> Add(string name, Memory<T> values, Memory<T> gradients, bool decay = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (values.Length != gradients.Length)
            throw new ArgumentException($"gradients of '{name}' must have the length of its values, {values.Length}, but have {gradients.Length}.", nameof(gradients));
        RequireNew(name, nameof(name));
        return Add(new Parameter<T>(name, [values.Length], values, gradients) { Decay = decay });
    }

    /// <summary>Adds one parameter (the object itself: its flags stay shared with its layer); a frozen one is skipped.</summary>
    public ParameterSet<T> Add(Parameter<T> parameter)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        var name = parameter.Name;
        if (IsSealed)
            throw new InvalidOperationException($"Cannot add '{name}': an optimizer has been built over this set and sized its state for the {_entries.Count} entries it had.");
        if (parameter.Gradient.Length != parameter.Length)
            throw new ArgumentException($"'{name}' has no gradient buffer; an optimizer needs one of its length, {parameter.Length}.", nameof(parameter));
        RequireNew(name, nameof(parameter));
        if (parameter.Frozen) return this;
        _entries.Add(parameter);
        Count = checked(Count + parameter.Length);
        MaxLength = Math.Max(MaxLength, parameter.Length);
        return this;
    }

    /// <summary>Adds every matrix and vector of one cell as "{prefix}{name}" (e.g. "l0.W_i").</summary>
    public ParameterSet<T> AddCell(string prefix, CellParameters<T> parameters, CellParameters<T> gradients, bool decay = true)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(gradients);
        if (gradients.Cell != parameters.Cell || gradients.InputSize != parameters.InputSize || gradients.Hidden != parameters.Hidden)
            throw new ArgumentException($"gradients must have the layout of parameters ({parameters.Cell.Name}, input {parameters.InputSize}, hidden {parameters.Hidden}), " +
                $"but are {gradients.Cell.Name}, input {gradients.InputSize}, hidden {gradients.Hidden}.", nameof(gradients));
        foreach (var tensor in parameters.Tensors(gradients))
            Add(new Parameter<T>(prefix + tensor.Name, tensor.Shape, tensor.Values, tensor.Gradient) { Decay = decay });
        return this;
    }

    /// <summary>Adds every parameter of a model or layer (its <c>Parameters()</c>), under their names; frozen ones are
    /// skipped. <paramref name="decay"/> false turns weight decay off for all of them (on the parameters themselves).</summary>
    public ParameterSet<T> AddAll(IEnumerable<Parameter<T>> parameters, bool decay = true)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        foreach (var parameter in parameters)
        {
            if (!decay) parameter.Decay = false;
            Add(parameter);
        }
        return this;
    }

    /// <summary>Adds every parameter of one layer as "{prefix}{name}" ("rnn.l0.W_i", "fc.weight").</summary>
    public ParameterSet<T> AddLayer(ILayer<T> layer, string prefix = "", bool decay = true)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(prefix);
        return AddAll(layer.Parameters().Select(p => p.WithPrefix(prefix)), decay);
    }

    /// <summary>Turns weight decay on or off for the entry named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No entry has that name.</exception>
    public void SetDecay(string name, bool decay) => _entries[IndexOf(name)].Decay = decay;

    /// <summary>Sets the decay flag of every entry the predicate selects, e.g. <c>e =&gt; e.Shape.Length == 1</c>.</summary>
    public void SetDecay(Func<Parameter<T>, bool> which, bool decay)
    {
        ArgumentNullException.ThrowIfNull(which);
        foreach (var entry in _entries)
            if (which(entry)) entry.Decay = decay;
    }

    /// <summary>Sets the gradients of every entry to zero.</summary>
    public void ZeroGradients()
    {
        for (var i = 0; i < _entries.Count; i++) _entries[i].Gradient.Span.Clear();
    }

    /// <summary>The global L2 norm of all gradients (PyTorch's total_norm), accumulated in double.</summary>
    public double GradientNorm()
    {
        double sum = 0;
        for (var i = 0; i < _entries.Count; i++)
            sum += double.CreateTruncating(TensorPrimitives.SumOfSquares<T>(_entries[i].Gradient.Span));
        if (double.IsPositiveInfinity(sum)) return ScaledNorm();
        return Math.Sqrt(sum);
    }

    /// <summary>
    /// PyTorch clip_grad_norm_: when the global norm exceeds <paramref name="maxNorm"/>, scales every gradient by
    /// maxNorm / (norm + 1e-6). Returns the norm before clipping. A non-finite norm leaves the gradients as they are,
    /// so <see cref="FindNonFinite"/> can still name the tensor that caused it.
    /// </summary>
    public double ClipGradientsByNorm(double maxNorm)
    {
        if (!(maxNorm > 0) || !double.IsFinite(maxNorm))
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "maxNorm must be finite and > 0.");
        var norm = GradientNorm();
        if (!double.IsFinite(norm) || norm <= maxNorm) return norm;
        var scale = T.CreateTruncating(maxNorm / (norm + 1e-6));
        for (var i = 0; i < _entries.Count; i++)
        {
            var g = _entries[i].Gradient.Span;
            TensorPrimitives.Multiply(g, scale, g);
        }
        return norm;
    }

    /// <summary>PyTorch clip_grad_value_: clamps every gradient element to [−limit, limit] (NaN stays NaN).</summary>
    public void ClipGradientsByValue(double limit)
    {
        if (!(limit > 0) || double.IsNaN(limit))
            throw new ArgumentOutOfRangeException(nameof(limit), limit, "limit must be > 0.");
        T high = T.CreateSaturating(limit), low = -high;
        for (var i = 0; i < _entries.Count; i++)
        {
            var g = _entries[i].Gradient.Span;
            TensorPrimitives.Clamp(g, low, high, g);
        }
    }

    /// <summary>The first gradient element (in entry order, then index) that is NaN or ±∞, or null.</summary>
    public NonFiniteElement? FindNonFinite() => Find(gradients: true);

    /// <summary>The first parameter value that is NaN or ±∞, or null.</summary>
    public NonFiniteElement? FindNonFiniteValue() => Find(gradients: false);

    private NonFiniteElement? Find(bool gradients)
    {
        for (var i = 0; i < _entries.Count; i++)
        {
            ReadOnlySpan<T> span = gradients ? _entries[i].Gradient.Span : _entries[i].Values.Span;
            if (span.IsEmpty) continue;
            // One vectorized pass: the index of the largest magnitude is a NaN's if any is present, else an infinity's
            // if any is present; so one finite answer clears the tensor. Only a bad tensor is scanned element by element.
            if (T.IsFinite(span[TensorPrimitives.IndexOfMaxMagnitude(span)])) continue;
            for (var j = 0; j < span.Length; j++)
                if (!T.IsFinite(span[j]))
                    return new NonFiniteElement(_entries[i].Name, j, double.CreateTruncating(span[j]));
        }
        return null;
    }

    /// <summary>The norm when the plain sum of squares overflowed: each element divided by the largest magnitude first.</summary>
    private double ScaledNorm()
    {
        double largest = 0;
        for (var i = 0; i < _entries.Count; i++)
        {
            var g = _entries[i].Gradient.Span;
            if (g.IsEmpty) continue;
            var m = double.Abs(double.CreateTruncating(TensorPrimitives.MaxMagnitude<T>(g)));
            if (!double.IsFinite(m)) return double.IsNaN(m) ? double.NaN : double.PositiveInfinity;
            largest = Math.Max(largest, m);
        }
        double sum = 0;
        for (var i = 0; i < _entries.Count; i++)
            foreach (var value in _entries[i].Gradient.Span)
            {
                var scaled = double.CreateTruncating(value) / largest;
                sum += scaled * scaled;
            }
        return largest * Math.Sqrt(sum);
    }

    internal void Seal() => IsSealed = true;

    private void RequireNew(string name, string argument)
    {
        if (_entries.Exists(e => e.Name == name))
            throw new ArgumentException($"The set already has an entry named '{name}'.", argument);
    }

    private int IndexOf(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        for (var i = 0; i < _entries.Count; i++)
            if (_entries[i].Name == name) return i;
        throw new KeyNotFoundException($"The set has no entry '{name}'; it has: {string.Join(", ", _entries.Select(e => e.Name))}.");
    }
}
