using RnnGen.Onnx.Graph;
using DataType = RnnGen.Onnx.Protobuf.TensorProto.Types.DataType;

namespace RnnGen.Onnx.Lowering;

/// <summary>
/// Any cell with a <see cref="CellDescription"/> as an ONNX Loop over time: the body computes one step
/// (<see cref="CellStep"/>) and carries every state. With lengths, a sequence past its end keeps its states and
/// outputs zeros, as RnnGen does (a Where on the step's row of a [steps, batch, 1] mask). The reverse direction runs
/// the same Loop on the input reversed within each length, and its outputs are reversed back.
/// </summary>
internal sealed class CustomCellLowering : ICellLowering
{
    private readonly CellInfo _cell;

    private CustomCellLowering(CellInfo cell) => _cell = cell;

    /// <summary>The cell's lowering, once every part of it is known to have an ONNX form.</summary>
    /// <exception cref="NotSupportedException">The cell has no description, or uses an operation ONNX export cannot
    /// express; the message names the layer, the cell and what.</exception>
    public static CustomCellLowering Create(string layer, CellInfo cell)
    {
        if (cell.Description is null)
            throw new NotSupportedException($"Layer '{layer}' uses cell '{cell.Name}', which ONNX export does not support: it has no description " +
                "of its equations (its CellInfo was not made by the RnnGen generator). Nothing was written.");
        CellStep.Check(layer, cell, cell.Description);
        return new(cell);
    }

    public (string Sequence, string Final) Write(OnnxGraph graph, RecurrentStack stack, int index, string input, string? lengths)
    {
        var name = $"{stack.Layer}.l{index}";
        var shape = graph.Node("Shape", [input], $"{name}_shape");
        var steps = graph.Node("Gather", [shape, graph.Int64s($"{name}.time_axis", [0])], $"{name}_steps");   // a scalar: Loop's trip count
        var sizes = _cell.States.Select((_, k) => stack.StateSize(k)).ToArray();
        var zerosOfSize = sizes.Distinct().ToDictionary(size => size, size => Zeros(graph, name, shape, size));
        var zeros = sizes.Select(size => zerosOfSize[size]).ToArray();
        var mask = lengths is null ? null : Mask(graph, name, steps, lengths);
        var (sequences, finals) = (new List<string>(), new List<string>());
        for (var d = 0; d < stack.Directions; d++)
        {
            var prefix = d == 0 ? name : $"{name}_reverse";
            var x = d == 0 ? input : RecurrentLowering.Reverse(graph, prefix, input, lengths);
            var (y, final) = Loop(graph, stack, prefix, x, steps, zeros, mask);
            if (d == 1) y = RecurrentLowering.Reverse(graph, $"{prefix}_y", y, lengths);
            sequences.Add(graph.Node("Unsqueeze", [y, graph.Int64s($"{prefix}.direction_axis", [1], 1)], $"{prefix}_y_d"));
            finals.Add(graph.Node("Unsqueeze", [final, graph.Int64s($"{prefix}.final_axis", [0], 1)], $"{prefix}_y_h_d"));
        }
        return (graph.Node("Concat", [.. sequences], $"{name}_y", Attributes.Int("axis", 1)),
            graph.Node("Concat", [.. finals], $"{name}_y_h", Attributes.Int("axis", 0)));
    }

    /// <summary>One direction over time-major <paramref name="x"/>: the outputs Y [steps, batch, H] and the output state's final value [batch, H].</summary>
    private (string Sequence, string Final) Loop(OnnxGraph graph, RecurrentStack stack, string prefix, string x, string steps, string[] zeros, string? mask)
    {
        var body = graph.Subgraph($"{prefix}_step");
        var step = body.UniqueInput($"{prefix}_t", DataType.Int64);
        var condition = body.UniqueInput($"{prefix}_cond", DataType.Bool);
        var states = _cell.States.Select((s, k) => body.UniqueInput($"{prefix}_{s}", DataType.Float, "batch", stack.StateSize(k))).ToArray();
        var xt = body.Node("Gather", [x, step], $"{prefix}_x_t", Attributes.Int("axis", 0));
        var results = CellStep.Write(graph, body, stack, _cell, prefix, xt, states);
        var live = mask is null ? null : body.Node("Gather", [mask, step], $"{prefix}_live", Attributes.Int("axis", 0));   // [batch, 1]

        body.Output(body.Node("Identity", [condition], $"{prefix}_cond_out"), DataType.Bool);
        for (var s = 0; s < states.Length; s++)
            body.Output(Select(body, live, results[s], states[s], $"{prefix}_{_cell.States[s]}_new"), DataType.Float, "batch", stack.StateSize(s));
        var zero = live is null ? "" : graph.Floats($"{prefix}.zero", [0f]);   // a padded step's output
        body.Output(Select(body, live, results[_cell.OutputState], zero, $"{prefix}_y_t"), DataType.Float, "batch", stack.OutputSize);

        string[] initial = [steps, "", .. zeros];
        string[] outputs = [.. _cell.States.Select(s => $"{prefix}_{s}_final"), $"{prefix}_y"];
        var loop = graph.Node("Loop", initial, outputs, Attributes.Graph("body", body.Proto));
        return (loop[^1], loop[_cell.OutputState]);
    }

    /// <summary>The step's value where the sequence is still running, <paramref name="past"/> after its end (without lengths, the value).</summary>
    private static string Select(OnnxGraph body, string? live, string value, string past, string output) =>
        live is null ? body.Node("Identity", [value], output) : body.Node("Where", [live, value, past], output);

    /// <summary>A zero state [batch, size], the batch read from the input's shape.</summary>
    private static string Zeros(OnnxGraph graph, string name, string shape, int size)
    {
        var batch = graph.Node("Gather", [shape, graph.Int64s($"{name}.batch_axis", [1], 1)], $"{name}_batch");
        var dims = graph.Node("Concat", [batch, graph.Int64s($"{name}.size", [size], 1)], $"{name}_state_shape", Attributes.Int("axis", 0));
        return graph.Node("Expand", [graph.Floats($"{name}.zero", [0f]), dims], $"{name}_zeros");
    }

    /// <summary>[steps, batch, 1]: whether step t is within sequence b's length.</summary>
    private static string Mask(OnnxGraph graph, string name, string steps, string lengths)
    {
        var times = graph.Node("Range", [graph.Int64s($"{name}.start", [0]), steps, graph.Int64s($"{name}.delta", [1])], $"{name}_times");
        var column = graph.Node("Unsqueeze", [times, graph.Int64s($"{name}.column_axis", [1], 1)], $"{name}_times_column");   // [steps, 1]
        var live = graph.Node("Less", [column, graph.Cast(lengths, DataType.Int64, $"{name}_lengths")], $"{name}_live");   // [steps, batch]
        return graph.Node("Unsqueeze", [live, graph.Int64s($"{name}.mask_axis", [2], 1)], $"{name}_mask");
    }
}
