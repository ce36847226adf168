using System.Collections.Generic;
using System.Linq;

namespace RnnGen.Generator.Model
{
    /// <summary>An elementwise function of the cell language. A one-argument derivative is written in terms of the
    /// function's output y (CellMath.{Method}Derivative(y) unless inlined by the differentiator), so the forward
    /// pass saves y and never the pre-activation; <c>DerivativeReadsInput</c> marks one that needs x instead (abs:
    /// the sign of x is lost in |x|). Two- and three-argument functions become Max/Min nodes (CellModelBuilder).</summary>
    internal sealed record CellFunction(string Name, string Method, int Arity = 1, string Parameters = "x", bool DerivativeReadsInput = false, bool Reduction = false)
    {
        /// <summary>Takes one or more arguments (the row reductions mean, variance, rms: over their concatenation).</summary>
        public bool Variadic => Arity < 0;

        /// <summary>How a call is written, for the arity diagnostic: "max(a, b)".</summary>
        public string Signature => $"{Name}({Parameters})";
    }

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
            new CellFunction("log_sigmoid", "LogSigmoid"),   // log(sigmoid(x)) = -softplus(-x)
            new CellFunction("abs", "Abs", DerivativeReadsInput: true),   // |x|, derivative sign(x)
            new CellFunction("max", "Max", 2, "a, b"),   // the gradient goes to a where a >= b
            new CellFunction("min", "Min", 2, "a, b"),   // the gradient goes to a where a <= b
            new CellFunction("clamp", "Clamp", 3, "x, lo, hi"),   // min(max(x, lo), hi) with number bounds
            // Training-time randomness: the builder turns these into products with mask leaves (CellModelBuilder.Randomness).
            new CellFunction("dropout", "Dropout", 2, "v, rate"),   // a fresh mask each step
            new CellFunction("dropout_seq", "DropoutSequence", 2, "v, rate"),   // one mask for every step of a sequence
            new CellFunction("zoneout", "Zoneout", 3, "state, candidate, rate"),   // keep the state's previous value with probability rate
            new CellFunction("dropconnect", "DropConnect", 2, "U h, rate"),   // drop connections of a recurrent matrix, one mask per batch
            // Row reductions (RowReductions.cs): one number per batch row, broadcast to every unit.
            new CellFunction("mean", "Mean", -1, "v, …", Reduction: true),   // mean over the units of v (and further rows)
            new CellFunction("variance", "Variance", -1, "v, …", Reduction: true),   // population variance
            new CellFunction("rms", "Rms", -1, "v, …", Reduction: true),   // sqrt(mean(v²))
            new CellFunction("layernorm", "LayerNorm", 1, "v", Reduction: true),   // gamma * (v - mean) / sqrt(variance + 1e-5) + beta
        };

        public static CellFunction? Find(string name) => All.FirstOrDefault(f => f.Name == name);

        public static string KnownList => string.Join(", ", All.Select(f => f.Name));
    }
}
