using System.Numerics.Tensors;
using Microsoft.ML.OnnxRuntime;
using RnnGen.Onnx;

namespace RnnGen.Tests.Onnx;

/// <summary>Runs an exported model in ONNX Runtime, and the same model in RnnGen, on the same batch.</summary>
internal static class OnnxRuntimeRunner
{
    /// <summary>The graph's "output", flattened, for values [batch, steps, features] (or token ids [batch, steps]) and
    /// optional lengths.</summary>
    public static float[] Run(byte[] onnx, float[]? values, long[]? tokens, long[] shape, int[]? lengths)
    {
        using var session = new InferenceSession(onnx);
        var inputs = new List<(string Name, OrtValue Value)>
        {
            values is not null
                ? (OnnxExport.ValuesInput, OrtValue.CreateTensorValueFromMemory(values, shape))
                : (OnnxExport.TokensInput, OrtValue.CreateTensorValueFromMemory(tokens!, shape)),
        };
        if (lengths is not null) inputs.Add((OnnxExport.LengthsInput, OrtValue.CreateTensorValueFromMemory(lengths, [lengths.Length])));
        try
        {
            using var options = new RunOptions();
            using var outputs = session.Run(options, inputs.Select(i => i.Name).ToArray(), inputs.Select(i => i.Value).ToArray(), [OnnxExport.Output]);
            return outputs[0].GetTensorDataAsSpan<float>().ToArray();
        }
        finally
        {
            foreach (var (_, value) in inputs) value.Dispose();
        }
    }

    /// <summary>RnnGen's prediction, flattened and (for a float64 model) rounded to float32.</summary>
    public static float[] Flatten<T>(Tensor<T> tensor) where T : System.Numerics.INumberBase<T>
    {
        var values = new T[tensor.FlattenedLength];
        tensor.FlattenTo(values);
        return Array.ConvertAll(values, float.CreateSaturating);
    }

    /// <summary>The largest |a − b| (asserting equal lengths).</summary>
    public static double MaxDifference(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        return a.Zip(b, (x, y) => (double)Math.Abs(x - y)).Max();
    }
}
