using RnnGen.Onnx.Graph;

namespace RnnGen.Onnx.Lowering;

/// <summary>
/// A built-in cell as ONNX's own operator. The weights come in PyTorch's layout (<c>weight_ih_l{k}</c> [G·H, I],
/// gates in PyTorch's order, <c>bias_ih</c> and <c>bias_hh</c>), which ONNX's W [D, G·H, I], R [D, G·H, H] and
/// B [D, 2·G·H] = [Wb, Rb] match once the gate blocks are put in ONNX's order.
/// </summary>
/// <param name="Cell">The built-in cell.</param>
/// <param name="Operator">"LSTM", "GRU" or "RNN".</param>
/// <param name="GateOrder">For each ONNX gate block, the PyTorch block it comes from.</param>
/// <param name="Activations">One direction's activations when not the operator's default.</param>
/// <param name="LinearBeforeReset">GRU: the reset gate multiplies (U h + b_hn), PyTorch's form.</param>
internal sealed record BuiltInCellOperator(CellInfo Cell, string Operator, int[] GateOrder, string[]? Activations = null, bool LinearBeforeReset = false)
    : ICellLowering
{
    public static readonly BuiltInCellOperator[] All =
    [
        new(Lstm.Info, "LSTM", [0, 3, 1, 2]),   // PyTorch i, f, g, o → ONNX i, o, f, c
        new(Gru.Info, "GRU", [1, 0, 2], LinearBeforeReset: true),   // r, z, n → z, r, h
        new(SimpleRnnTanh.Info, "RNN", [0]),
        new(SimpleRnnRelu.Info, "RNN", [0], ["Relu"]),
    ];

    /// <summary>The operator of the layer's cell, when it is this built-in cell (same name and equations).</summary>
    public static BuiltInCellOperator? Find(CellInfo cell) =>
        All.FirstOrDefault(o => o.Cell.Name == cell.Name && o.Cell.EquationsHash == cell.EquationsHash);

    public (string Sequence, string Final) Write(OnnxGraph graph, RecurrentStack stack, int index, string input, string? lengths)
    {
        var (name, h, d) = ($"{stack.Layer}.l{index}", stack.Config.HiddenSize, stack.Directions);
        var gates = GateOrder.Length;
        var suffixes = d == 2 ? new[] { $"l{index}", $"l{index}_reverse" } : [$"l{index}"];
        var w = graph.Floats($"{name}.W", Stack(stack, suffixes, "weight_ih"), d, gates * h, stack.InputSize(index));
        var r = graph.Floats($"{name}.R", Stack(stack, suffixes, "weight_hh"), d, gates * h, h);
        var b = stack.Config.Options.Bias ? graph.Floats($"{name}.B", Biases(stack, suffixes), d, 2 * gates * h) : "";
        var attributes = new List<Protobuf.AttributeProto>
        {
            Attributes.Int("hidden_size", h),
            Attributes.String("direction", d == 2 ? "bidirectional" : "forward"),
        };
        if (Activations is not null) attributes.Add(Attributes.Strings("activations", [.. Enumerable.Repeat(Activations, d).SelectMany(a => a)]));
        if (LinearBeforeReset) attributes.Add(Attributes.Int("linear_before_reset", 1));
        string[] inputs = lengths is null ? [input, w, r, b] : [input, w, r, b, lengths];
        var outputs = graph.Node(Operator, inputs, [$"{name}_y", $"{name}_y_h"], [.. attributes]);
        return (outputs[0], outputs[1]);
    }

    /// <summary>One tensor kind of every direction, gate blocks reordered, stacked along the direction axis.</summary>
    private float[] Stack(RecurrentStack stack, string[] suffixes, string kind) =>
        [.. suffixes.SelectMany(s => Reorder(stack.Weights[$"{stack.Layer}.{kind}_{s}"].Values))];

    /// <summary>Per direction [Wb, Rb]: PyTorch's bias_ih then bias_hh (one of them zero for every gate RnnGen keeps one bias for).</summary>
    private float[] Biases(RecurrentStack stack, string[] suffixes) =>
        [.. suffixes.SelectMany(s => Reorder(stack.Weights[$"{stack.Layer}.bias_ih_{s}"].Values).Concat(Reorder(stack.Weights[$"{stack.Layer}.bias_hh_{s}"].Values)))];

    private IEnumerable<float> Reorder(float[] blocks)
    {
        var block = blocks.Length / GateOrder.Length;
        return GateOrder.SelectMany(g => blocks.Skip(g * block).Take(block));
    }
}
