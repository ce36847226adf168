using RnnGen.Onnx.Graph;

namespace RnnGen.Onnx.Lowering;

/// <summary>
/// A recurrent layer: batch-first in, time-major through its stacked layers (ONNX's recurrent operators read
/// [steps, batch, features]; ONNX Runtime does not run their batch-first layout), then back to batch-first with the
/// directions merged as the layer's <see cref="RecurrentOptions.Merge"/> says.
/// </summary>
internal static class RecurrentLowering
{
    public static SequenceValue Write(OnnxGraph graph, string layer, RecurrentConfig config, CellInfo cellInfo, ModelWeights weights, SequenceValue input, string? lengths)
    {
        CheckOptions(layer, config.Options);
        var cell = CellLowerings.For(layer, cellInfo);
        var stack = new RecurrentStack(layer, config, cellInfo, weights);
        var x = graph.Node("Transpose", [input.Name], $"{layer}_time_major", Attributes.Ints("perm", 1, 0, 2));
        if (config.Options.GoBackwards) x = Reverse(graph, layer, x, lengths);
        var outputs = cell.Write(graph, stack, 0, x, lengths);
        for (var k = 1; k < config.Options.NumLayers; k++)
        {
            // [T, D, B, H] → [T, B, D·H]: the next stacked layer reads both directions side by side, as in PyTorch.
            var below = graph.Node("Transpose", [outputs.Sequence], $"{layer}_l{k - 1}_t", Attributes.Ints("perm", 0, 2, 1, 3));
            outputs = cell.Write(graph, stack, k, Merge(graph, $"{layer}.l{k - 1}", below, BidirectionalMerge.Concat, axis: 2), lengths);
        }
        var features = config.Options.Merge == BidirectionalMerge.Concat ? stack.Directions * stack.OutputSize : stack.OutputSize;
        if (!config.Options.ReturnSequences)
        {
            var finals = graph.Node("Transpose", [outputs.Final], $"{layer}_final", Attributes.Ints("perm", 1, 0, 2));   // [B, D, H]
            return new(Merge(graph, layer, finals, config.Options.Merge, axis: 1), features, PerSequence: true);
        }
        var sequences = graph.Node("Transpose", [outputs.Sequence], $"{layer}_batch_first", Attributes.Ints("perm", 2, 0, 1, 3));   // [B, T, D, H]
        return new(Merge(graph, layer, sequences, config.Options.Merge, axis: 2), features, PerSequence: false);
    }

    /// <summary>A Stateful layer has no counterpart in an exported graph, which starts every call from zero states.</summary>
    private static void CheckOptions(string layer, RecurrentOptions options)
    {
        if (options.Stateful)
            throw new NotSupportedException($"Layer '{layer}' is Stateful: an ONNX graph starts every call from zero states, so it would compute something else. Export a copy built with Stateful = false.");
    }

    /// <summary>Each sequence of time-major <paramref name="timeMajor"/> reversed within its length (steps past it stay
    /// in place): GoBackwards, so the forward operator's outputs come in processing order as RnnGen's do, and a custom
    /// cell's reverse direction.</summary>
    internal static string Reverse(OnnxGraph graph, string layer, string timeMajor, string? lengths)
    {
        if (lengths is null)
            return graph.Node("Slice", [timeMajor, graph.Int64s($"{layer}.last", [-1], 1), graph.Int64s($"{layer}.before_first", [long.MinValue], 1),
                graph.Int64s($"{layer}.time_axis", [0], 1), graph.Int64s($"{layer}.backwards", [-1], 1)], $"{layer}_reversed");
        var lengths64 = graph.Cast(lengths, Protobuf.TensorProto.Types.DataType.Int64, $"{layer}_lengths");
        return graph.Node("ReverseSequence", [timeMajor, lengths64], $"{layer}_reversed", Attributes.Int("batch_axis", 1), Attributes.Int("time_axis", 0));
    }

    /// <summary>Combines the direction axis <paramref name="axis"/> (the one before the last) of <paramref name="value"/>.</summary>
    private static string Merge(OnnxGraph graph, string layer, string value, BidirectionalMerge merge, int axis)
    {
        var output = $"{layer}_merged";
        var keep = Attributes.Int("keepdims", 0);
        return merge switch
        {
            // Reshape's 0 copies a dimension: [.., D, H] → [.., D·H].
            BidirectionalMerge.Concat => graph.Node("Reshape", [value, graph.Int64s($"{layer}.concat_shape", [.. Enumerable.Repeat(0L, axis), -1], axis + 1)], output),
            BidirectionalMerge.Sum => graph.Node("ReduceSum", [value, graph.Int64s($"{layer}.direction_axis", [axis], 1)], output, keep),
            BidirectionalMerge.Average => graph.Node("ReduceMean", [value], output, Attributes.Ints("axes", axis), keep),
            BidirectionalMerge.Multiply => graph.Node("ReduceProd", [value], output, Attributes.Ints("axes", axis), keep),
            _ => throw new NotSupportedException($"Layer '{layer}': merge {merge} has no ONNX mapping."),
        };
    }
}
