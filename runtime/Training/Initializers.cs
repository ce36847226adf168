using System.Numerics;

namespace RnnGen.Training;

/// <summary>
/// Weight initializers over one tensor, one cell's parameters, or every layer and direction of a recurrent layer.
/// Each draws from the given <see cref="Random"/> in tensor order, so a seed gives the same weights every run.
/// The layer overloads keep a Bias = false layer's bias vectors at zero.
/// </summary>
/// <remarks>Thread safety: stateless; the Random passed in must not be shared between threads.</remarks>
public static class Initializers
{
    /// <summary>PyTorch's default for recurrent layers: every matrix and vector uniform in (−1/√H, 1/√H).</summary>
    public static void PyTorchUniform<T>(CellParameters<T> parameters, Random random)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(random);
        parameters.InitializeUniform(random);
    }

    /// <summary>PyTorch's default for every parameter of every layer and direction: uniform in (−1/√H, 1/√H).</summary>
    public static void PyTorchUniform<TCell, T>(RecurrentLayer<TCell, T> layer, Random random)
        where TCell : IRecurrentCell where T : unmanaged, IFloatingPointIeee754<T> =>
        ForEach(layer, p => PyTorchUniform(p, random));

    /// <summary>Glorot/Xavier uniform, PyTorch xavier_uniform_: U(−a, a) with a = gain·√(6 / (fan_in + fan_out)),
    /// fan_in = columns, fan_out = rows.</summary>
    public static void GlorotUniform<T>(Parameter<T> tensor, Random random, double gain = 1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(random);
        var (rows, columns) = Matrix(tensor);
        CheckGain(gain);
        var bound = GlorotBound(rows, columns, gain);
        var values = tensor.Values.Span;
        for (var i = 0; i < values.Length; i++)
            values[i] = T.CreateTruncating((random.NextDouble() * 2 - 1) * bound);
    }

    /// <summary>Glorot uniform for every matrix of the cell, each with its own fans ([H, operand]); the vectors are
    /// left as they are (Keras sets biases to zero: see <see cref="ZeroVectors{T}"/>).</summary>
    public static void GlorotUniform<T>(CellParameters<T> parameters, Random random, double gain = 1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(random);
        CheckGain(gain);
        foreach (var tensor in Matrices(parameters, recurrentOnly: false)) GlorotUniform(tensor, random, gain);
    }

    /// <summary><see cref="GlorotUniform{T}(CellParameters{T}, Random, double)"/> for every layer and direction; vectors are left as they are.</summary>
    public static void GlorotUniform<TCell, T>(RecurrentLayer<TCell, T> layer, Random random, double gain = 1)
        where TCell : IRecurrentCell where T : unmanaged, IFloatingPointIeee754<T> =>
        ForEach(layer, p => GlorotUniform(p, random, gain));

    /// <summary>The bound a of <see cref="GlorotUniform{T}(Parameter{T}, Random, double)"/>.</summary>
    public static double GlorotBound(int rows, int columns, double gain = 1) => gain * DeclaredInitializers.GlorotBound(rows, columns);

    /// <summary>
    /// PyTorch orthogonal_: the Q of a Householder QR of a Gaussian matrix (the transposed one when rows &lt; columns),
    /// each column's sign set so that R has a positive diagonal (which makes Q uniformly distributed), times gain.
    /// Rows are orthonormal when rows ≤ columns, columns otherwise.
    /// </summary>
    public static void Orthogonal<T>(Parameter<T> tensor, Random random, double gain = 1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(random);
        var (rows, columns) = Matrix(tensor);
        CheckGain(gain);
        RnnGen.Kernels.Orthonormal.Fill(tensor.Values.Span, rows, columns, random, gain);
    }

    /// <summary>Orthogonal init of every H×H recurrent block: the matrices of the State groups (U_i, U_f, … of an
    /// LSTM) and of the Stage groups (U_n of a reset-before GRU, applied to r ⊙ h); input matrices and vectors are
    /// left as they are. Keras does this for recurrent_kernel.</summary>
    public static void OrthogonalRecurrent<T>(CellParameters<T> parameters, Random random, double gain = 1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(random);
        CheckGain(gain);
        foreach (var tensor in Matrices(parameters, recurrentOnly: true)) Orthogonal(tensor, random, gain);
    }

    /// <summary><see cref="OrthogonalRecurrent{T}(CellParameters{T}, Random, double)"/> for every layer and direction.</summary>
    public static void OrthogonalRecurrent<TCell, T>(RecurrentLayer<TCell, T> layer, Random random, double gain = 1)
        where TCell : IRecurrentCell where T : unmanaged, IFloatingPointIeee754<T> =>
        ForEach(layer, p => OrthogonalRecurrent(p, random, gain));

    /// <summary>
    /// Sets one vector (by default the LSTM forget-gate bias b_f) to <paramref name="value"/>: Jozefowicz et al. 2015,
    /// Keras unit_forget_bias. A cell without that vector is an error, not a silent no-op.
    /// </summary>
    public static void ForgetGateBias<T>(CellParameters<T> parameters, double value = 1, string name = "b_f")
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(name);
        if (!double.IsFinite(value))
            throw new ArgumentOutOfRangeException(nameof(value), value, "The bias value must be finite.");
        var index = -1;
        for (var v = 0; v < parameters.Cell.Vectors.Count; v++)
            if (parameters.Cell.Vectors[v] == name) index = v;
        if (index < 0)
            throw new ArgumentException($"Cell {parameters.Cell.Name} has no vector '{name}'; its vectors are: " +
                $"{(parameters.Cell.Vectors.Count == 0 ? "(none)" : string.Join(", ", parameters.Cell.Vectors))}.", nameof(name));
        parameters.Vectors.AsSpan(index * parameters.Hidden, parameters.Hidden).Fill(T.CreateTruncating(value));
    }

    /// <summary><see cref="ForgetGateBias{T}(CellParameters{T}, double, string)"/> for every layer and direction.</summary>
    /// <exception cref="ArgumentException">The cell has no such vector, or the layer was built with Bias = false.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is not finite.</exception>
    public static void ForgetGateBias<TCell, T>(RecurrentLayer<TCell, T> layer, double value = 1, string name = "b_f")
        where TCell : IRecurrentCell where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (!layer.Options.Bias && CellInfo.IsBias(name))
            throw new ArgumentException($"The layer was built with Bias = false: its bias '{name}' is held at zero and cannot be set.", nameof(layer));
        foreach (var p in layer.AllParameters) ForgetGateBias(p, value, name);
    }

    /// <summary>Sets every vector parameter (biases, peepholes) to zero.</summary>
    public static void ZeroVectors<T>(CellParameters<T> parameters) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Array.Clear(parameters.Vectors);
    }

    private static IEnumerable<Parameter<T>> Matrices<T>(CellParameters<T> parameters, bool recurrentOnly)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (var g = 0; g < parameters.Groups.Length; g++)
        {
            var group = parameters.Cell.Groups[g];
            if (recurrentOnly && group.Kind == OperandKind.Input) continue;
            int columns = parameters.OperandSize(group), block = parameters.Hidden * columns;
            for (var m = 0; m < group.Matrices.Length; m++)
                yield return new Parameter<T>(group.Matrices[m], [parameters.Hidden, columns], parameters.Groups[g].AsMemory(m * block, block));
        }
        // The projection [P, H] is a matrix too, but not a recurrent one: it reads the same step's value.
        if (!recurrentOnly && parameters.Cell.Projection is { } projection)
            yield return new Parameter<T>(projection.Matrix, [parameters.ProjectionSize, parameters.Hidden], parameters.Projection);
    }

    private static void ForEach<TCell, T>(RecurrentLayer<TCell, T> layer, Action<CellParameters<T>> initialize)
        where TCell : IRecurrentCell where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(layer);
        foreach (var p in layer.AllParameters)
        {
            initialize(p);
            if (layer.Options.Bias) continue;
            for (var v = 0; v < p.Cell.Vectors.Count; v++)
                if (CellInfo.IsBias(p.Cell.Vectors[v])) Array.Clear(p.Vectors, v * p.Hidden, p.Hidden);
        }
    }

    private static (int Rows, int Columns) Matrix<T>(Parameter<T> tensor) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.Shape.Length != 2)
            throw new ArgumentException($"The tensor '{tensor.Name}' must be a matrix [rows, columns], but is {Parameter<T>.Format(tensor.Shape)}.", nameof(tensor));
        return (tensor.Shape[0], tensor.Shape[1]);
    }

    private static void CheckGain(double gain)
    {
        if (!(gain > 0) || !double.IsFinite(gain))
            throw new ArgumentOutOfRangeException(nameof(gain), gain, "gain must be finite and > 0.");
    }
}
