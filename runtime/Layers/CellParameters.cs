using System.Numerics;

namespace RnnGen;

/// <summary>
/// The parameters of a cell (or their gradients, same layout): one stacked block per matrix group,
/// [matrices·H, operand size] row-major, the vectors as [vectors, H], the scalars as [scalars], and for a cell with a
/// projected state its projection matrix [P, H].
/// </summary>
/// <remarks>Thread safety: plain arrays; any number of threads may read them while none writes (an optimizer step or
/// a load must not run during inference).</remarks>
public sealed class CellParameters<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Zeroed parameters of <paramref name="cell"/> for these sizes.</summary>
    /// <param name="cell">The cell.</param>
    /// <param name="inputSize">Features of the step input (I).</param>
    /// <param name="hidden">The hidden size H.</param>
    /// <param name="projectionSize">The size P of the cell's projected state (<see cref="CellInfo.Projection"/>); 0 for a
    /// cell without one.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="inputSize"/> or <paramref name="hidden"/> is not positive.</exception>
    /// <exception cref="ArgumentException">The cell was generated for another hidden size, or the projection size does
    /// not fit the cell (positive exactly when the cell projects a state).</exception>
    public CellParameters(CellInfo cell, int inputSize, int hidden, int projectionSize = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hidden);
        if (cell.Hidden != 0 && cell.Hidden != hidden)
            throw new ArgumentException($"Cell {cell.Name} was generated for hidden size {cell.Hidden}, got {hidden}.", nameof(hidden));
        ProjectionSizes.Check(cell, projectionSize, nameof(projectionSize));
        Cell = cell;
        InputSize = inputSize;
        Hidden = hidden;
        ProjectionSize = projectionSize;
        Groups = cell.Groups.Select(g => new T[g.Matrices.Length * hidden * OperandSize(g)]).ToArray();
        Vectors = new T[cell.Vectors.Count * hidden];
        Projection = new T[projectionSize * hidden];
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
    /// <summary>The size P of the projected state, or 0 when the cell has none.</summary>
    public int ProjectionSize { get; }
    /// <summary>The projection matrix [P, H] (<see cref="StateProjection.Matrix"/>); empty when the cell has none.</summary>
    public T[] Projection { get; }
    /// <summary>The scalar parameters, [scalars] in <see cref="CellInfo.Scalars"/> order.</summary>
    public T[] Scalars { get; }

    /// <summary>The columns of a group's matrices: the input size for input groups, P for the projected state, else H.</summary>
    public int OperandSize(MatrixGroupInfo group) => OperandSize(Cell, group, InputSize, Hidden, ProjectionSize);

    private static int OperandSize(CellInfo cell, MatrixGroupInfo group, int inputSize, int hidden, int projectionSize) => group.Kind switch
    {
        OperandKind.Input => inputSize,
        OperandKind.State when group.Operand == cell.Projection?.State => projectionSize,
        _ => hidden,
    };

    /// <summary>Total elements over all groups, vectors, scalars and the projection.</summary>
    public int Count => Groups.Sum(g => g.Length) + Vectors.Length + Scalars.Length + Projection.Length;

    /// <summary>The elements of the parameters of <paramref name="cell"/> at these sizes, in checked arithmetic:
    /// Σ over groups of matrices·H·(I for input groups, P for the projected state, else H), plus vectors·H, plus scalars, plus P·H.</summary>
    internal static long Elements(CellInfo cell, int inputSize, int hidden, int projectionSize = 0) => checked(
        cell.Groups.Sum(g => (long)g.Matrices.Length * hidden * OperandSize(cell, g, inputSize, hidden, projectionSize))
        + (long)cell.Vectors.Count * hidden + cell.Scalars.Count + (long)projectionSize * hidden);

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
        if (Cell.Projection is { } projection)
            yield return new Parameter<T>(projection.Matrix, [ProjectionSize, Hidden], Projection, gradients is null ? default : gradients.Projection);
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
        foreach (var array in Groups.Append(Vectors).Append(Scalars).Append(Projection)) FillUniform(array, random, bound);
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
        Array.Clear(Projection);
        Array.Clear(Scalars);
    }
}
