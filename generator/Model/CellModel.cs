namespace RnnGen.Generator.Model
{
    // The cell as an equation graph: equatable records, no syntax, no symbols.

    internal enum NodeKind
    {
        Constant,
        InputProduct,    // W x: a slice of Zx, computed for all steps by one GEMM
        StateProduct,    // U h: a slice of Zh, computed per step from the previous state
        StageProduct,    // U (r * h): a slice of Zs, computed per step between two stages
        PreviousState,
        Mask,            // a training-time random mask (MaskSite), read from the step's mask buffer
        Parameter,       // a vector parameter such as a bias or a peephole
        Add,
        Subtract,
        Multiply,
        Divide,
        Negate,
        Function,
        Max,             // max(a, b); the gradient goes to a where a >= b
        Min,             // min(a, b); the gradient goes to a where a <= b
        Scalar,          // a scalar parameter, one number for all units
        Statistic,       // mean, variance or rms of a RowReduction: one number per batch row (Function names which)
    }

    internal enum OperandKind { Input, State, Stage }

    /// <summary>A node of the graph. <c>Index</c> is the product, state or parameter index by kind.</summary>
    internal sealed record CellNode(int Id, NodeKind Kind, int Left, int Right, int Index, double Value, string Function, string Name, int Stage)
    {
        /// <summary>Read from a buffer rather than computed by the element pass; a statistic is computed per row before it.</summary>
        public bool IsLeaf => Kind <= NodeKind.Parameter || Kind is NodeKind.Scalar or NodeKind.Statistic;
        public int ArgumentCount => Kind switch
        {
            NodeKind.Add or NodeKind.Subtract or NodeKind.Multiply or NodeKind.Divide or NodeKind.Max or NodeKind.Min => 2,
            NodeKind.Negate or NodeKind.Function => 1,
            _ => 0,
        };
    }

    /// <summary>One matrix–vector product; <c>Slot</c> is its column block (in units of H) within its Z buffer.</summary>
    internal sealed record MatrixProduct(string Matrix, int Group, int Slot);

    /// <summary>Matrices applied to the same operand, stacked into one GEMM: Z[:, Offset·H ..] = operand · [M1; M2; …]ᵀ.
    /// The first <c>Fused</c> matrices of a state group are instead added straight into Zx at block <c>FusedOffset</c>
    /// (their products only ever appear as <c>W x + U h</c>), so the kernel reads one sum instead of two products.</summary>
    internal sealed record MatrixGroup(OperandKind Kind, int Operand, EquatableArray<string> Matrices, int Offset, int Stage, int Fused = 0, int FusedOffset = 0);

    /// <summary>A value computed within a step that a later stage multiplies by a matrix.</summary>
    internal sealed record StageOperand(int Node, int Stage);

    internal sealed record EquationLine(string Text, int Node);

    /// <summary>Values reduced together: the statistics of their concatenated rows. Each is a stage operand (stored by
    /// the stage that computes it), so the next stage's row pass can read the whole row.</summary>
    internal sealed record RowReduction(EquatableArray<int> Operands);

    /// <summary>A declared initializer of one parameter: zeros, ones, uniform, orthogonal or constant (with <c>Value</c>).</summary>
    internal sealed record ParameterInit(string Name, string Initializer, double Value);

    internal sealed record ContainingType(string Keyword, string Name);

    internal sealed record CellModel(
        string? Namespace,
        EquatableArray<ContainingType> Containers,
        string TypeName,
        string TypeKeyword,
        string Equations,
        EquatableArray<EquationLine> Lines,
        EquatableArray<string> States,
        int OutputState,
        EquatableArray<string> Vectors,
        EquatableArray<MatrixGroup> Groups,
        EquatableArray<MatrixProduct> Products,
        EquatableArray<CellNode> Nodes,
        EquatableArray<int> StateValues,
        EquatableArray<StageOperand> Operands,
        int StageCount,
        int Hidden,
        StateProjection? Projection = null)
    {
        /// <summary>The random masks the equations draw (dropout, dropout_seq, zoneout), by mask index.</summary>
        public EquatableArray<MaskSite> Masks { get; init; }

        /// <summary>The recurrent matrices whose connections are dropped (dropconnect), each a DropConnect mask.</summary>
        public EquatableArray<MaskSite> Connections { get; init; }
        /// <summary>Row reductions, indexed by the <c>Index</c> of their Statistic nodes.</summary>
        public EquatableArray<RowReduction> Reductions { get; init; } = EquatableArray<RowReduction>.Empty;
        /// <summary>Scalar parameters (declared <c>name : scalar</c>), indexed by the <c>Index</c> of their Scalar nodes.</summary>
        public EquatableArray<string> Scalars { get; init; } = EquatableArray<string>.Empty;
        /// <summary>Declared initializers, one per parameter they apply to (wildcards expanded).</summary>
        public EquatableArray<ParameterInit> Initializers { get; init; } = EquatableArray<ParameterInit>.Empty;

        public int Width(OperandKind kind)
        {
            var width = 0;
            foreach (var group in Groups)
                if (group.Kind == kind) width += group.Matrices.Count - group.Fused;
            return width;
        }
    }
}
