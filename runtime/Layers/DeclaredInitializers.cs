using System.Numerics;
using RnnGen.Kernels;

namespace RnnGen;

/// <summary>Applies the initializers a cell's equations declare (<c>b_f : 1</c>, <c>U_* : orthogonal</c>,
/// layernorm's gain of ones) to its parameters, in declaration order, drawing from the caller's Random.</summary>
internal static class DeclaredInitializers
{
    public static void Apply<T>(CellParameters<T> parameters, Random random) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (parameters.Cell.Initializers.Count == 0) return;
        var tensors = parameters.Tensors().ToDictionary(t => t.Name);
        var bound = 1.0 / Math.Sqrt(parameters.Hidden);
        foreach (var declared in parameters.Cell.Initializers)
        {
            var tensor = tensors[declared.Name];
            var values = tensor.Values.Span;
            switch (declared.Kind)
            {
                case InitializerKind.Zeros: values.Clear(); break;
                case InitializerKind.Ones: values.Fill(T.One); break;
                case InitializerKind.Constant: values.Fill(T.CreateTruncating(declared.Value)); break;
                case InitializerKind.Glorot:
                    CellParameters<T>.FillUniform(values, random, GlorotBound(tensor.Shape[0], tensor.Shape[1]));
                    break;
                case InitializerKind.Orthogonal: Orthonormal.Fill(values, tensor.Shape[0], tensor.Shape[1], random); break;
                default: CellParameters<T>.FillUniform(values, random, bound); break;
            }
        }
    }

    /// <summary>Glorot/Xavier uniform's bound √(6 / (rows + columns)); Training's initializers scale it by a gain.</summary>
    public static double GlorotBound(int rows, int columns) => Math.Sqrt(6.0 / (rows + columns));
}
