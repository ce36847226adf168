using System.Numerics;
using Google.Protobuf;
using RnnGen.IO;
using RnnGen.Onnx.Lowering;

namespace RnnGen.Onnx;

/// <summary>
/// Writes a <see cref="Model{T}"/> as an ONNX model (IR version 8, opset 14) for ONNX Runtime and other engines. Built-in
/// cells become ONNX's own operators — Lstm → LSTM, Gru → GRU (linear_before_reset = 1), SimpleRnnTanh/Relu → RNN —
/// and any other generated cell a Loop of elementwise and MatMul operators over its equations, stacked and
/// bidirectional; Embedding → Gather, Dense → MatMul and Add (and its activation), LastStep → GatherND,
/// Dropout → nothing. The graph reads "tokens" (int64 [batch, steps]) or "input" (float [batch, steps, features]),
/// optionally "lengths" (int32 [batch]), and writes "output" (float [batch, steps, outputs], or [batch, outputs] for a
/// many-to-one model). Weights are stored as float32.
/// </summary>
/// <remarks>Thread safety: reads the model's weights; do not train the model on another thread meanwhile.</remarks>
public static class OnnxExport
{
    /// <summary>The graph input of a model whose first layer is an Embedding: token ids, int64 [batch, steps].</summary>
    public const string TokensInput = "tokens";

    /// <summary>The graph input of a model that reads values: float [batch, steps, features].</summary>
    public const string ValuesInput = "input";

    /// <summary>The sequence lengths input (with <see cref="OnnxExportOptions.SequenceLengths"/>): int32 [batch].</summary>
    public const string LengthsInput = "lengths";

    /// <summary>The graph output.</summary>
    public const string Output = "output";

    /// <summary>Saves the model as an ONNX file, atomically: on any error (an unsupported layer or cell, an I/O
    /// failure) the file at <paramref name="path"/> is left as it was.</summary>
    /// <exception cref="NotSupportedException">A layer, cell or option has no ONNX mapping; the message names the layer and what is supported.</exception>
    public static void Save<T>(Model<T> model, string path, OnnxExportOptions? options = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var bytes = ToBytes(model, options);   // every check happens here, before the file is touched
        AtomicFile.Write(path, stream => stream.Write(bytes));
    }

    /// <summary>The ONNX file's bytes (a serialized ModelProto).</summary>
    /// <exception cref="NotSupportedException">A layer, cell or option has no ONNX mapping; the message names the layer and what is supported.</exception>
    public static byte[] ToBytes<T>(Model<T> model, OnnxExportOptions? options = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        return ModelLowering.Lower(model, options ?? new OnnxExportOptions()).ToByteArray();
    }
}
