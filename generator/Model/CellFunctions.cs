using System.Collections.Generic;
using System.Linq;

namespace RnnGen.Generator.Model
{
    /// <summary>An elementwise function of the cell language. Every derivative is written in terms of the
    /// function's output y (CellMath.{Method}Derivative(y) unless inlined by the differentiator), so the
    /// forward pass saves y and never the pre-activation.</summary>
    internal sealed record CellFunction(string Name, string Method);

    internal static class CellFunctions
    {
        public static readonly IReadOnlyList<CellFunction> All = new[]
        {
            new CellFunction("sigmoid", "Sigmoid"),   // 1 / (1 + e^-x)
            new CellFunction("tanh", "Tanh"),   // hyperbolic tangent
            new CellFunction("relu", "Relu"),   // max(x, 0)
            new CellFunction("exp", "Exp"),   // e^x
            new CellFunction("log", "Log"),   // natural logarithm
            new CellFunction("softplus", "Softplus"),   // log(1 + e^x)
            new CellFunction("softsign", "Softsign"),   // x / (1 + |x|)
            new CellFunction("hard_sigmoid", "HardSigmoid"),   // clamp(0.2 x + 0.5, 0, 1), as Keras
            new CellFunction("sqrt", "Sqrt"),   // square root
        };

        public static CellFunction? Find(string name) => All.FirstOrDefault(f => f.Name == name);

        public static string KnownList => string.Join(", ", All.Select(f => f.Name));
    }
}
