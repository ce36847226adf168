using System.Numerics;
using RnnGen.IO;

namespace RnnGen.Onnx.Lowering;

/// <summary>A model's tensors as float32 under their state-dict names (<see cref="PyTorchStateDict.Tensors{T}(Model{T})"/>):
/// built-in cells in PyTorch's grouped layout ("rnn.weight_ih_l0"), other cells as declared ("rnn.l0.W_i").</summary>
internal sealed class ModelWeights
{
    private readonly Dictionary<string, (float[] Values, int[] Shape)> _tensors;

    private ModelWeights(Dictionary<string, (float[] Values, int[] Shape)> tensors) => _tensors = tensors;

    /// <summary>The model's tensors; a float64 model's are rounded to float32 (ONNX Runtime's recurrent operators are float32).
    /// Every parameter is also there by its own name ("rnn.l0.W_hr"), for a cell with PyTorch names that runs as a Loop (Lstmp).</summary>
    public static ModelWeights Of<T>(Model<T> model) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var tensors = PyTorchStateDict.Tensors(model).ToDictionary(t => t.Name, t => (Array.ConvertAll(t.Values, float.CreateSaturating), t.Shape), StringComparer.Ordinal);
        foreach (var parameter in model.Parameters())
            tensors.TryAdd(parameter.Name, (Array.ConvertAll(parameter.Values.ToArray(), float.CreateSaturating), parameter.Shape.ToArray()));
        return new(tensors);
    }

    public (float[] Values, int[] Shape) this[string name] =>
        _tensors.TryGetValue(name, out var tensor) ? tensor : throw new InvalidOperationException($"The model has no tensor '{name}'.");

    public bool Contains(string name) => _tensors.ContainsKey(name);

    /// <summary>Matrix <paramref name="name"/> [rows, columns] as its transpose [columns, rows], for x·Wᵀ as ONNX's MatMul.</summary>
    public float[] Transposed(string name)
    {
        var (matrix, shape) = this[name];
        var (rows, columns) = (shape[0], shape[1]);
        var result = new float[matrix.Length];
        for (var r = 0; r < rows; r++)
            for (var c = 0; c < columns; c++)
                result[c * rows + r] = matrix[r * columns + c];
        return result;
    }
}
