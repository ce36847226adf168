using System.Runtime.InteropServices;
using Google.Protobuf;
using RnnGen.Onnx.Protobuf;
using DataType = RnnGen.Onnx.Protobuf.TensorProto.Types.DataType;

namespace RnnGen.Onnx.Graph;

/// <summary>A graph being written: nodes in order, initializers, inputs and outputs, each value under a unique name.</summary>
internal sealed class OnnxGraph
{
    private readonly HashSet<string> _names;

    public OnnxGraph() : this(new HashSet<string>(StringComparer.Ordinal), "rnngen") { }

    private OnnxGraph(HashSet<string> names, string name) => (_names, Proto) = (names, new GraphProto { Name = name });

    public GraphProto Proto { get; }

    /// <summary>A subgraph (a Loop's body) that may read this graph's values: it shares their names, since ONNX forbids
    /// a subgraph to reuse an outer name.</summary>
    public OnnxGraph Subgraph(string name) => new(_names, Unique(name));

    /// <summary>A value name not used yet: <paramref name="hint"/>, or hint_2, hint_3, ….</summary>
    public string Unique(string hint)
    {
        var name = hint;
        for (var n = 2; !_names.Add(name); n++) name = $"{hint}_{n}";
        return name;
    }

    /// <summary>Adds a node with one output and returns that output's name.</summary>
    public string Node(string op, string[] inputs, string output, params AttributeProto[] attributes) =>
        Node(op, inputs, [output], attributes)[0];

    /// <summary>Adds a node; outputs are named uniquely from the hints (an empty hint leaves that output unused).</summary>
    public string[] Node(string op, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var names = outputs.Select(o => o.Length == 0 ? "" : Unique(o)).ToArray();
        var node = new NodeProto { OpType = op, Name = Unique(op + "_node") };
        node.Input.AddRange(inputs);
        node.Output.AddRange(names);
        node.Attribute.AddRange(attributes);
        Proto.Node.Add(node);
        return names;
    }

    /// <summary>A Cast node (e.g. the int32 lengths to the int64 that ReverseSequence and GatherND read).</summary>
    public string Cast(string value, DataType to, string output) => Node("Cast", [value], output, Attributes.Int("to", (long)to));

    /// <summary>A float initializer; returns its name.</summary>
    public string Floats(string hint, ReadOnlySpan<float> values, params long[] dims) =>
        Initializer(hint, DataType.Float, MemoryMarshal.AsBytes(values), dims);

    /// <summary>An int64 initializer (shapes, axes, indices); returns its name.</summary>
    public string Int64s(string hint, ReadOnlySpan<long> values, params long[] dims) =>
        Initializer(hint, DataType.Int64, MemoryMarshal.AsBytes(values), dims);

    public void Input(string name, DataType type, params Dimension[] shape) => Proto.Input.Add(Value(Claim(name), type, shape));

    /// <summary>An input named uniquely from <paramref name="hint"/> (a Loop body's); returns its name.</summary>
    public string UniqueInput(string hint, DataType type, params Dimension[] shape)
    {
        var name = Unique(hint);
        Proto.Input.Add(Value(name, type, shape));
        return name;
    }

    public void Output(string name, DataType type, params Dimension[] shape) => Proto.Output.Add(Value(name, type, shape));

    private string Initializer(string hint, DataType type, ReadOnlySpan<byte> bytes, long[] dims)
    {
        // raw_data is little-endian by definition; the spans above are in the machine's order.
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX export writes little-endian tensors; this machine is big-endian.");
        var tensor = new TensorProto { Name = Unique(hint), DataType = (int)type, RawData = ByteString.CopyFrom(bytes) };
        tensor.Dims.AddRange(dims);
        Proto.Initializer.Add(tensor);
        return tensor.Name;
    }

    private string Claim(string name) => _names.Add(name) ? name : throw new InvalidOperationException($"The graph already has a value '{name}'.");

    private static ValueInfoProto Value(string name, DataType type, Dimension[] shape)
    {
        var tensorShape = new TensorShapeProto();
        tensorShape.Dim.AddRange(shape.Select(d => d.ToProto()));
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = tensorShape } } };
    }
}

/// <summary>One dimension of a graph input or output: a size, or a symbolic name such as "batch".</summary>
internal readonly record struct Dimension(long Size, string? Name)
{
    public static implicit operator Dimension(long size) => new(size, null);

    public static implicit operator Dimension(string name) => new(0, name);

    public TensorShapeProto.Types.Dimension ToProto() =>
        Name is null ? new() { DimValue = Size } : new() { DimParam = Name };
}
