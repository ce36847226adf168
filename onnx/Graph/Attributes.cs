using System.Text;
using Google.Protobuf;
using RnnGen.Onnx.Protobuf;
using AttributeType = RnnGen.Onnx.Protobuf.AttributeProto.Types.AttributeType;

namespace RnnGen.Onnx.Graph;

/// <summary>Node attributes, each with its type set (ONNX requires the discriminator).</summary>
internal static class Attributes
{
    public static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeType.Float, F = value };

    /// <summary>A subgraph attribute, such as Loop's body.</summary>
    public static AttributeProto Graph(string name, GraphProto graph) => new() { Name = name, Type = AttributeType.Graph, G = graph };

    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeType.Int, I = value };

    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    public static AttributeProto String(string name, string value) =>
        new() { Name = name, Type = AttributeType.String, S = ByteString.CopyFrom(value, Encoding.UTF8) };

    public static AttributeProto Strings(string name, params string[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeType.Strings };
        attribute.Strings.AddRange(values.Select(v => ByteString.CopyFrom(v, Encoding.UTF8)));
        return attribute;
    }
}
