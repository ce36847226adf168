namespace RnnGen;

/// <summary>
/// Declares a recurrent cell by its equations; the RnnGen generator emits the cell's forward and backward kernels.
/// <code>
/// [RecurrentCell("""
///     h' = tanh(W x + U h + b)
///     """)]
/// public partial struct MyRnn;
/// </code>
/// <c>x</c> is the input; a primed name (<c>h'</c>) is a state's new value; other names on the left are intermediates;
/// undeclared names are parameters: <c>A v</c> makes A a matrix, elementwise use makes a vector.
/// </summary>
/// <remarks>Thread safety: immutable metadata; safe everywhere.</remarks>
[AttributeUsage(AttributeTargets.Struct | AttributeTargets.Class | AttributeTargets.Interface, Inherited = false)]
public sealed class RecurrentCellAttribute(string equations) : Attribute
{
    /// <summary>The cell's equations, one per line.</summary>
    public string Equations { get; } = equations;

    /// <summary>Optional compile-time hidden size: the kernels are specialized for it and reject any other.</summary>
    public int Hidden { get; set; }

    /// <summary>The state emitted as the step's output; defaults to <c>h</c>, else the first state.</summary>
    public string? Output { get; set; }

    /// <summary>
    /// Parameter names written only once on purpose, separated by spaces or commas (<c>Parameters = "gaet"</c>): the
    /// generator does not warn that they may be typos of a nearby name (RNN025).
    /// </summary>
    public string? Parameters { get; set; }

    /// <summary>
    /// A state stored at another size P (the layer's projection size), PyTorch's <c>proj_size</c>: its equation is one
    /// matrix times a value, <c>h' = W_hr (o * tanh(c'))</c> ([P, H]), and it is read only through matrices (<c>U h</c>,
    /// [H, P]). RNN033 otherwise.
    /// </summary>
    public string? Projection { get; set; }
}
