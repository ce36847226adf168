using RnnGen.Onnx.Graph;
using DataType = RnnGen.Onnx.Protobuf.TensorProto.Types.DataType;

namespace RnnGen.Onnx.Lowering;

/// <summary>The layers around the recurrent ones: Embedding (Gather), Dense (MatMul, Add, activation) and LastStep.</summary>
internal static class HeadLowering
{
    /// <summary>Token ids [batch, steps] → rows of the embedding table [batch, steps, dimension].</summary>
    public static SequenceValue Embedding(OnnxGraph graph, string layer, EmbeddingConfig config, ModelWeights weights, string tokens)
    {
        var table = graph.Floats($"{layer}.weight", weights[$"{layer}.weight"].Values, config.VocabularySize, config.Dimension);
        return new(graph.Node("Gather", [table, tokens], layer, Attributes.Int("axis", 0)), config.Dimension, PerSequence: false);
    }

    /// <summary>act(x·Wᵀ + b) over the last axis; MatMul broadcasts over [batch, steps] or [batch].</summary>
    public static SequenceValue Dense(OnnxGraph graph, string layer, DenseConfig config, ModelWeights weights, SequenceValue input)
    {
        var transposed = weights.Transposed($"{layer}.weight");
        var value = graph.Node("MatMul", [input.Name, graph.Floats($"{layer}.weight_t", transposed, config.InputSize, config.OutputSize)], $"{layer}_matmul");
        if (config.Bias) value = graph.Node("Add", [value, graph.Floats($"{layer}.bias", weights[$"{layer}.bias"].Values, config.OutputSize)], $"{layer}_add");
        var activation = config.Activation switch
        {
            Activation.None => null,
            Activation.Tanh => "Tanh",
            Activation.Sigmoid => "Sigmoid",
            Activation.Relu => "Relu",
            _ => throw new NotSupportedException($"Layer '{layer}': Dense activation {config.Activation} has no ONNX mapping; supported: None, Tanh, Sigmoid, Relu."),
        };
        if (activation is not null) value = graph.Node(activation, [value], $"{layer}_{activation.ToLowerInvariant()}");
        return input with { Name = value, Features = config.OutputSize };
    }

    /// <summary>Each sequence's row at length − 1 (GatherND over the batch), or the final step when the graph has no lengths.</summary>
    public static SequenceValue LastStep(OnnxGraph graph, string layer, SequenceValue input, string? lengths)
    {
        if (lengths is null)
            return input with { Name = graph.Node("Gather", [input.Name, graph.Int64s($"{layer}.last", [-1])], layer, Attributes.Int("axis", 1)), PerSequence = true };
        var lengths64 = graph.Cast(lengths, DataType.Int64, $"{layer}_lengths");
        var last = graph.Node("Sub", [lengths64, graph.Int64s($"{layer}.one", [1], 1)], $"{layer}_last");
        var indices = graph.Node("Unsqueeze", [last, graph.Int64s($"{layer}.axes", [1], 1)], $"{layer}_indices");
        return input with { Name = graph.Node("GatherND", [input.Name, indices], layer, Attributes.Int("batch_dims", 1)), PerSequence = true };
    }
}
