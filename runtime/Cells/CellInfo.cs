using System.Globalization;
using System.IO.Hashing;
using System.Text;

namespace RnnGen;

/// <summary>What a matrix multiplies: the step input x, a previous state, or a value computed within the step.</summary>
/// <remarks>Thread safety: a value; safe to share between threads.</remarks>
public enum OperandKind
{
    /// <summary>The step input x.</summary>
    Input,
    /// <summary>A state's value from the previous step.</summary>
    State,
    /// <summary>An intermediate computed earlier in the same step (a later stage reads the product).</summary>
    Stage,
}

/// <summary>
/// Matrices applied to one operand, stacked in declaration order into one [Matrices.Length·H, operand size] block,
/// so one GEMM gives all their products: Z[:, Offset·H ..] = operand · blockᵀ.
/// </summary>
/// <param name="Kind">What the matrices multiply.</param>
/// <param name="Operand">The state index (State) or stage-operand index (Stage); 0 for the input.</param>
/// <param name="Matrices">The matrix parameter names, in stacking order.</param>
/// <param name="Offset">Column block (in units of H) within the Zx, Zh or Zs buffer.</param>
/// <param name="Stage">For Stage groups, the forward stage that reads the product.</param>
/// <param name="FusedCount">For State groups: how many leading matrices are accumulated straight into Zx
/// (their products only appear as W x + U h), at Zx block <paramref name="FusedOffset"/>; the rest go to Zh.</param>
/// <param name="FusedOffset">The Zx block (in units of H) where the fused matrices accumulate.</param>
/// <remarks>Thread safety: immutable; safe to share between threads.</remarks>
public sealed record MatrixGroupInfo(OperandKind Kind, int Operand, string[] Matrices, int Offset, int Stage, int FusedCount = 0, int FusedOffset = 0);

/// <summary>The metadata the generator derives from a cell's equations.</summary>
/// <remarks>Thread safety: immutable; safe to share between threads.</remarks>
public sealed class CellInfo(
    string name, string equations, string[] states, int outputState, string[] vectors, MatrixGroupInfo[] groups,
    int[] operandStages, int stageCount, int tapeWidth, int carryWidth, int elementwiseOps, int hidden, MaskInfo[]? masks = null,
    MaskInfo[]? connections = null,
    string[]? scalars = null, ParameterInitializer[]? initializers = null)
{
    /// <summary>The cell type's name, such as <c>Lstm</c>.</summary>
    public string Name { get; } = name;
    /// <summary>The equations as written in the <see cref="RecurrentCellAttribute"/>.</summary>
    public string Equations { get; } = equations;

    /// <summary>XXH3 (hex) of the equations with each line trimmed and blank lines dropped, so indentation and line
    /// endings do not change it: checkpoints record it to tell a cell from another of the same name.</summary>
    public string EquationsHash { get; } = HashOf(equations);
    /// <summary>State names in order of first appearance (LSTM: h, c).</summary>
    public IReadOnlyList<string> States { get; } = states;
    /// <summary>The index in <see cref="States"/> of the state emitted as the step's output.</summary>
    public int OutputState { get; } = outputState;
    /// <summary>Vector parameters (biases, peepholes), each of length H, in order of first appearance.</summary>
    public IReadOnlyList<string> Vectors { get; } = vectors;
    /// <summary>Scalar parameters (declared <c>name : scalar</c>): one number each, shared by all units.</summary>
    public IReadOnlyList<string> Scalars { get; } = scalars ?? [];
    /// <summary>The declared initializers; every other parameter is drawn uniformly (<see cref="InitializerKind.Uniform"/>).</summary>
    public IReadOnlyList<ParameterInitializer> Initializers { get; } = initializers ?? [];
    /// <summary>The matrix groups: each one stacked weight block for one operand, in declaration order.</summary>
    public IReadOnlyList<MatrixGroupInfo> Groups { get; } = groups;
    /// <summary>For each same-step operand, the forward stage that computes it.</summary>
    public IReadOnlyList<int> OperandStages { get; } = operandStages;
    /// <summary>Forward stages per step: 1, plus one for each level of matrices applied to a value of the same step.</summary>
    public int StageCount { get; } = stageCount;
    /// <summary>H-vectors saved per batch row and step for the backward pass.</summary>
    public int TapeWidth { get; } = tapeWidth;
    /// <summary>H-vectors of adjoint passed between backward stages.</summary>
    public int CarryWidth { get; } = carryWidth;
    /// <summary>Elementwise operations per hidden unit in one forward step (for FLOP counts).</summary>
    public int ElementwiseOps { get; } = elementwiseOps;
    /// <summary>Compile-time hidden size, or 0 when any size is accepted.</summary>
    public int Hidden { get; } = hidden;
    /// <summary>The random masks the equations draw (<c>dropout</c>, <c>dropout_seq</c>, <c>zoneout</c>), each [batch, H] per step.</summary>
    public IReadOnlyList<MaskInfo> Masks { get; } = masks ?? [];
    /// <summary>The recurrent matrices whose connections are dropped in training (<c>dropconnect(U h, p)</c>), one mask each.</summary>
    public IReadOnlyList<MaskInfo> Connections { get; } = connections ?? [];
    /// <summary>The state stored at the projection size P, or null when every state has size H.</summary>
    public StateProjection? Projection { get; init; }

    /// <summary>The equations as a list of operations, for exporters (PyTorch modules, ONNX graphs); null for a
    /// <see cref="CellInfo"/> not made by the generator.</summary>
    public CellDescription? Description { get; init; }

    /// <summary>How layers run the cell through time, as the generator decided from the equations (docs/parallel-scan.md).</summary>
    public CellSchedule Schedule { get; init; } = new(ScheduleKind.Sequential, [], "");

    /// <summary>Whether a vector parameter is a bias by name (b or b_…): layers built with Bias = false hold these at zero.</summary>
    public static bool IsBias(string vectorName) => vectorName == "b" || vectorName.StartsWith("b_", StringComparison.Ordinal);

    /// <summary>Blocks (of H columns) in Zx: one per input matrix.</summary>
    public int InputWidth { get; } = Width(groups, OperandKind.Input);
    /// <summary>Blocks (of H columns) in Zh: one per recurrent matrix not fused into Zx.</summary>
    public int RecurrentWidth { get; } = Width(groups, OperandKind.State);
    /// <summary>Blocks (of H columns) in Zs: one per matrix applied to a same-step operand.</summary>
    public int StageWidth { get; } = Width(groups, OperandKind.Stage);

    private static int Width(MatrixGroupInfo[] groups, OperandKind kind) =>
        groups.Where(g => g.Kind == kind).Sum(g => g.Matrices.Length - g.FusedCount);

    /// <summary>Floating-point operations of one forward step over a batch (2 per multiply–add, 1 per elementwise op).</summary>
    public double ForwardFlops(int inputSize, int hidden, int batch) =>
        (2.0 * hidden * (InputWidth * inputSize + (Groups.Where(g => g.Kind != OperandKind.Input).Sum(g => g.Matrices.Length)) * hidden) + ElementwiseOps * (double)hidden) * batch;

    private static string HashOf(string equations)
    {
        var lines = equations.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0);
        return XxHash3.HashToUInt64(Encoding.UTF8.GetBytes(string.Join('\n', lines))).ToString("x16", CultureInfo.InvariantCulture);
    }

    /// <summary>A one-line description: name, states, and the numbers of matrices, vectors and stages.</summary>
    public override string ToString() => $"{Name}: states ({string.Join(", ", States)}), {Groups.Sum(g => g.Matrices.Length)} matrices, {Vectors.Count} vectors, {(Scalars.Count > 0 ? $"{Scalars.Count} scalars, " : "")}{StageCount} stage(s)";
}
