using System.Numerics;

namespace RnnGen;

/// <summary>
/// One named tensor of a layer or model, as PyTorch's <c>named_parameters()</c> lists it: a dotted name
/// ("rnn.l0.W_i", "fc.weight"), a real shape ([H, I], [out, in], [H]), the values, the gradient accumulated for them
/// (same length; empty for a plain view such as <see cref="CellParameters{T}.Tensors"/>), and how training treats it.
/// Optimizers, checkpoints and the trainer see a model only through these.
/// </summary>
/// <remarks>Thread safety: the flags are plain properties (set them before building an optimizer); the memory follows
/// its owner's rules.</remarks>
public sealed class Parameter<T> where T : unmanaged
{
    private readonly int[] _shape;

    /// <summary>A view of <paramref name="values"/> (and <paramref name="gradient"/>) under a name and shape; nothing is copied.</summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or empty, the shape is empty or its product is not the number of values, or the gradient has another length.</exception>
    public Parameter(string name, ReadOnlySpan<int> shape, Memory<T> values, Memory<T> gradient = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        _shape = shape.ToArray();
        var elements = 1L;
        foreach (var d in _shape) elements *= d;
        if (_shape.Length == 0 || elements != values.Length)
            throw new ArgumentException($"'{name}' has shape {Format(shape)} ({elements} elements) but {values.Length} values.", nameof(values));
        if (!gradient.IsEmpty && gradient.Length != values.Length)
            throw new ArgumentException($"The gradient of '{name}' must have the length of its values, {values.Length}, but has {gradient.Length}.", nameof(gradient));
        (Name, Values, Gradient) = (name, values, gradient);
    }

    /// <summary>The dotted name, e.g. "rnn.l0.W_i" or "fc.weight" (checkpoint keys).</summary>
    public string Name { get; }

    /// <summary>Row-major dimensions: [H, I] for an input matrix, [H, H] for a recurrent one, [H] for a vector.</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>The values, row-major in <see cref="Shape"/>.</summary>
    public Memory<T> Values { get; }

    /// <summary>The gradient accumulated by Backward, same layout as <see cref="Values"/>; empty when there is none.</summary>
    public Memory<T> Gradient { get; }

    /// <summary>Elements: the product of <see cref="Shape"/>.</summary>
    public int Length => Values.Length;

    /// <summary>A frozen parameter is left out of optimizers (fine-tuning); it is still saved and loaded.</summary>
    public bool Frozen { get; set; }

    /// <summary>Whether weight decay (AdamW, SGD's weight_decay) applies; on by default, as in PyTorch.</summary>
    public bool Decay { get; set; } = true;

    /// <summary>The same tensor under "{prefix}{name}", with the same flags (a model naming its members' parameters).</summary>
    public Parameter<T> WithPrefix(string prefix) => new(prefix + Name, _shape, Values, Gradient) { Frozen = Frozen, Decay = Decay };

    /// <summary>The shape as it appears in error messages: [4, 10, 7].</summary>
    public static string Format(ReadOnlySpan<int> shape) => Shapes.Format(shape);

    /// <summary>The name and shape, as in "rnn.l0.W_i [32, 8]".</summary>
    public override string ToString() => $"{Name} {Format(_shape)}";
}
