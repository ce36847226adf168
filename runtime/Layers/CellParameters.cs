using System.Numerics;

namespace RnnGen;

/// <summary>
/// The parameters of a cell (or their gradients, same layout): one stacked block per matrix group,
/// [matrices·H, operand size] row-major, the vectors as [vectors, H], and the scalars as [scalars].
/// </summary>
/// <remarks>Thread safety: plain arrays; any number of threads may read them while none writes (an optimizer step or
/// a load must not run during inference).</remarks>
public sealed class CellParameters<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Zeroed parameters of <paramref name="cell"/> for these sizes.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="inputSize"/> or <paramref name="hidden"/> is not positive.</exception>
    /// <exception cref="ArgumentException">The cell was generated for another hidden size.</exception>
    public CellParameters(CellInfo cell, int inputSize, int hidden)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hidden);
        if (cell.Hidden != 0 && cell.Hidden != hidden)
            throw new ArgumentException($"Cell {cell.Name} was generated for hidden size {cell.Hidden}, got {hidden}.", nameof(hidden));
        Cell = cell;
        InputSize = inputSize;
        Hidden = hidden;
        Groups = cell.Groups.Select(g => new T[g.Matrices.Length * hidden * OperandSize(g)]).ToArray();
        Vectors = new T[cell.Vectors.Count * hidden];
        Scalars = new T[cell.Scalars.Count];
    }

    /// <summary>The cell whose parameters these are.</summary>
    public CellInfo Cell { get; }
    /// <summary>Features of the step input x (I).</summary>
    public int InputSize { get; }
    /// <summary>The hidden size H.</summary>
    public int Hidden { get; }
    /// <summary>One array per <see cref="CellInfo.Groups"/> entry.</summary>
    public T[][] Groups { get; }
    /// <summary>The vector parameters, [vectors, H] in <see cref="CellInfo.Vectors"/> order.</summary>
    public T[] Vectors { get; }
    /// <summary>The scalar parameters, [scalars] in <see cref="CellInfo.Scalars"/> order.</summary>
    public T[] Scalars { get; }

    /// <summary>The columns of a group's matrices: the input size for input groups, else H.</summary>
    public int OperandSize(MatrixGroupInfo group) => group.Kind == OperandKind.Input ? InputSize : Hidden;

    /// <summary>Total elements over all groups and vectors.</summary>
    public int Count => Groups.Sum(g => g.Length) + Vectors.Length + Scalars.Length;

    /// <summary>The elements of the parameters of <paramref name="cell"/> at these sizes, in checked arithmetic:
    /// Σ over groups of matrices·H·(I for input groups, else H), plus vectors·H, plus scalars.</summary>
    internal static long Elements(CellInfo cell, int inputSize, int hidden) => checked(
        cell.Groups.Sum(g => (long)g.Matrices.Length * hidden * (g.Kind == OperandKind.Input ? inputSize : hidden)) + (long)cell.Vectors.Count * hidden + cell.Scalars.Count);

    /// <summary>Every matrix ([H, operand size], a row block of its group) and vector ([H]) by its name in the equations,
    /// as views over this object's arrays; with <paramref name="gradients"/> (same layout) each carries its gradient.</summary>
    public IEnumerable<Parameter<T>> Tensors(CellParameters<T>? gradients = null)
    {
        for (var g = 0; g < Groups.Length; g++)
        {
            var group = Cell.Groups[g];
            var block = Hidden * OperandSize(group);
            for (var m = 0; m < group.Matrices.Length; m++)
                yield return new Parameter<T>(group.Matrices[m], [Hidden, OperandSize(group)], Groups[g].AsMemory(m * block, block),
                    gradients is null ? default : gradients.Groups[g].AsMemory(m * block, block));
        }
        for (var v = 0; v < Cell.Vectors.Count; v++)
            yield return new Parameter<T>(Cell.Vectors[v], [Hidden], Vectors.AsMemory(v * Hidden, Hidden),
                gradients is null ? default : gradients.Vectors.AsMemory(v * Hidden, Hidden));
        for (var k = 0; k < Cell.Scalars.Count; k++)
            yield return new Parameter<T>(Cell.Scalars[k], [1], Scalars.AsMemory(k, 1),
                gradients is null ? default : gradients.Scalars.AsMemory(k, 1));
    }

    /// <summary>The matrix or vector named <paramref name="name"/> in the equations, as a view (see <see cref="Tensors"/>).</summary>
    /// <exception cref="KeyNotFoundException">The cell has no parameter of that name; the message lists the names it has.</exception>
    public Parameter<T> this[string name] =>
        Tensors().FirstOrDefault(t => t.Name == name) is { } tensor
            ? tensor
            : throw new KeyNotFoundException($"Cell {Cell.Name} has no parameter '{name}'; it has: {string.Join(", ", Tensors().Select(t => t.Name))}.");

    /// <summary>PyTorch's default, every parameter uniform in (−1/√H, 1/√H), then the initializers the equations
    /// declare (<see cref="CellInfo.Initializers"/>), in that order from the same <paramref name="random"/>: a cell
    /// without declarations draws exactly what it drew before they existed.</summary>
    public void InitializeUniform(Random random)
    {
        var bound = 1.0 / Math.Sqrt(Hidden);
        foreach (var array in Groups.Append(Vectors).Append(Scalars)) FillUniform(array, random, bound);
        DeclaredInitializers.Apply(this, random);
    }

    /// <summary>Each element uniform in (−bound, bound), drawn in order.</summary>
    internal static void FillUniform(Span<T> values, Random random, double bound)
    {
        for (var i = 0; i < values.Length; i++)
            values[i] = T.CreateTruncating((random.NextDouble() * 2 - 1) * bound);
    }

    /// <summary>Sets every element to zero.</summary>
    public void Clear()
    {
        foreach (var array in Groups) Array.Clear(array);
        Array.Clear(Vectors);
        Array.Clear(Scalars);
    }
}
