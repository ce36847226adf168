using System.Numerics;
using System.Reflection;
using RnnGen.Onnx.Graph;
using RnnGen.Onnx.Protobuf;
using DataType = RnnGen.Onnx.Protobuf.TensorProto.Types.DataType;

namespace RnnGen.Onnx.Lowering;

/// <summary>A whole model → an ONNX ModelProto: graph inputs, each layer in order, the output.</summary>
internal static class ModelLowering
{
    /// <summary>IR version 8 and opset 14: read by onnx 1.12 (Debian's) and ONNX Runtime.</summary>
    public const long IrVersion = 8, Opset = 14;

    public static ModelProto Lower<T>(Model<T> model, OnnxExportOptions options) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var graph = new OnnxGraph();
        var weights = ModelWeights.Of(model);
        var value = model.ReadsTokens
            ? Input(graph, OnnxExport.TokensInput, DataType.Int64, ["batch", "steps"], model.InputSize)
            : Input(graph, OnnxExport.ValuesInput, DataType.Float, ["batch", "steps", model.InputSize], model.InputSize);
        string? lengths = null;
        if (options.SequenceLengths)
        {
            lengths = OnnxExport.LengthsInput;
            graph.Input(lengths, DataType.Int32, "batch");
        }
        foreach (var (name, layer) in model.Layers)
        {
            var cell = layer is IRecurrentLayer<T> recurrent ? recurrent.Accept(new CellOf<T>()) : null;
            value = Layer(graph, name, ConfigOf(name, layer), cell, weights, value, lengths);
        }
        if (options.Softmax) value = value with { Name = graph.Node("Softmax", [value.Name], "softmax", Attributes.Int("axis", -1)) };
        graph.Node("Identity", [value.Name], OnnxExport.Output);
        graph.Output(OnnxExport.Output, DataType.Float, value.PerSequence ? ["batch", value.Features] : ["batch", "steps", value.Features]);
        return Model(graph);
    }

    private static SequenceValue Input(OnnxGraph graph, string name, DataType type, Dimension[] shape, int features)
    {
        graph.Input(name, type, shape);
        return new(name, features, PerSequence: false);
    }

    private static SequenceValue Layer(OnnxGraph graph, string name, LayerConfig config, CellInfo? cell, ModelWeights weights, SequenceValue value, string? lengths) => config switch
    {
        EmbeddingConfig embedding => HeadLowering.Embedding(graph, name, embedding, weights, value.Name),
        RecurrentConfig recurrent when !value.PerSequence && cell is not null => RecurrentLowering.Write(graph, name, recurrent, cell, weights, value, lengths),
        DenseConfig dense => HeadLowering.Dense(graph, name, dense, weights, value),
        DropoutConfig => value,   // the identity outside training
        LastStepConfig when !value.PerSequence => HeadLowering.LastStep(graph, name, value, lengths),
        _ => throw Unsupported(name, config.Kind + (value.PerSequence ? " after a many-to-one layer" : "")),
    };

    /// <summary>A layer of its own kind may not describe itself (its Config throws): it cannot be exported either way.</summary>
    private static LayerConfig ConfigOf<T>(string name, ILayer<T> layer) where T : unmanaged, IFloatingPointIeee754<T>
    {
        try
        {
            return layer.Config;
        }
        catch (NotSupportedException)
        {
            throw Unsupported(name, layer.GetType().Name);
        }
    }

    private static NotSupportedException Unsupported(string name, string kind) => new(
        $"Layer '{name}' ({kind}) cannot be exported to ONNX: supported layers are embedding, recurrent " +
        "(any generated cell), dense, dropout and last_step. Nothing was written.");

    private static ModelProto Model(OnnxGraph graph)
    {
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "RnnGen",
            ProducerVersion = typeof(ModelLowering).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "",
            Graph = graph.Proto,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        return model;
    }
}
