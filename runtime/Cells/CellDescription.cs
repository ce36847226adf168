namespace RnnGen;

/// <summary>What one operation of a <see cref="CellDescription"/> computes.</summary>
/// <remarks>Thread safety: a value; safe to share between threads.</remarks>
public enum CellOperationKind
{
    /// <summary>The step input x, [I].</summary>
    Input,
    /// <summary>A state's value from the previous step, [H]; <see cref="CellOperation.Name"/> is the state.</summary>
    State,
    /// <summary>A vector parameter [H] (a bias, a peephole); <see cref="CellOperation.Name"/> is its name.</summary>
    Vector,
    /// <summary>A number broadcast to every element: <see cref="CellOperation.Value"/>.</summary>
    Constant,
    /// <summary>The matrix <see cref="CellOperation.Name"/> times its one operand: [H, operand]·operand.</summary>
    MatMul,
    /// <summary>Elementwise a + b.</summary>
    Add,
    /// <summary>Elementwise a − b.</summary>
    Subtract,
    /// <summary>Elementwise a · b.</summary>
    Multiply,
    /// <summary>Elementwise a / b.</summary>
    Divide,
    /// <summary>Elementwise −a.</summary>
    Negate,
    /// <summary>The elementwise function <see cref="CellOperation.Name"/> of the language (sigmoid, tanh, softplus, …).</summary>
    Function,
    /// <summary>max(a, b); the gradient goes to a where a ≥ b.</summary>
    Max,
    /// <summary>min(a, b); the gradient goes to a where a ≤ b.</summary>
    Min,
    /// <summary>An operation this description does not express (<see cref="CellOperation.Name"/> says which): exporters
    /// must refuse the cell, naming it and its equation.</summary>
    Unsupported,
    /// <summary>A scalar parameter (declared <c>name : scalar</c>), one number [1] for every unit; <see cref="CellOperation.Name"/> is its name.</summary>
    Scalar,
    /// <summary>The <see cref="CellOperation.Name"/> (mean, variance or rms) of the operands' rows concatenated: one number
    /// per batch row, broadcast to every unit. Variance is the population variance Σ(v − mean)²/N and rms √(Σv²/N), over
    /// the N = operands·H values.</summary>
    Statistic,
    /// <summary>The random mask <see cref="CellInfo.Masks"/>[(int)<see cref="CellOperation.Value"/>] ([H] per batch row,
    /// drawn in training as its <see cref="MaskKind"/> says); <see cref="CellOperation.Name"/> names it. At inference it is its expectation: 1 for dropout, the
    /// rate p for zoneout.</summary>
    Mask,
}

/// <summary>One operation in static single assignment form: its result is referred to by its index in
/// <see cref="CellDescription.Operations"/>, and every operand comes earlier in that list.</summary>
/// <param name="Kind">What it computes.</param>
/// <param name="Operands">Indices of its operands in <see cref="CellDescription.Operations"/> (none for leaves).</param>
/// <param name="Name">The state, parameter, matrix or function name; empty otherwise.</param>
/// <param name="Value">The number of a <see cref="CellOperationKind.Constant"/>, the mask index of a <see cref="CellOperationKind.Mask"/>; 0 otherwise.</param>
/// <param name="Line">The index in <see cref="CellDescription.Equations"/> of the equation that wrote it.</param>
/// <remarks>Thread safety: immutable; safe to share between threads.</remarks>
public sealed record CellOperation(CellOperationKind Kind, int[] Operands, string Name, double Value, int Line);

/// <summary>One equation as written, and the operation whose value it assigns.</summary>
/// <param name="Target">The name assigned, without the prime of a state (<c>c</c> for <c>c' = …</c>).</param>
/// <param name="IsState">Whether the target is a state's new value.</param>
/// <param name="Text">The equation's text on one line.</param>
/// <param name="Result">The index of its value in <see cref="CellDescription.Operations"/>.</param>
/// <remarks>Thread safety: immutable; safe to share between threads.</remarks>
public sealed record CellEquation(string Target, bool IsState, string Text, int Result);

/// <summary>
/// A cell's equations as a language-neutral list of operations, made by the generator from the same model it emits
/// kernels from, for exporters that rebuild the step elsewhere (a PyTorch module, an ONNX graph). The step reads
/// x [I], the previous states [H] and the parameters (<see cref="CellInfo.Vectors"/> [H], <see cref="CellInfo.Scalars"/> [1],
/// the matrices of <see cref="CellInfo.Groups"/> [H, operand size]) and produces the new states, <see cref="StateResults"/>,
/// in the order of <see cref="CellInfo.States"/>. Products that the kernels fuse (W x + U h) appear here unfused. A
/// projected state (<see cref="CellInfo.Projection"/>) is read at size P and its result is the operand v [H] of its
/// projection: the new state is <see cref="StateProjection.Matrix"/> v.
/// </summary>
/// <remarks>Thread safety: immutable; safe to share between threads.</remarks>
public sealed class CellDescription(CellOperation[] operations, CellEquation[] equations, int[] stateResults)
{
    /// <summary>The operations in an order where each operand comes before its users.</summary>
    public IReadOnlyList<CellOperation> Operations { get; } = operations;
    /// <summary>The equations in the order written.</summary>
    public IReadOnlyList<CellEquation> Equations { get; } = equations;
    /// <summary>For each state of <see cref="CellInfo.States"/>, the operation giving its new value.</summary>
    public IReadOnlyList<int> StateResults { get; } = stateResults;
}
