using System.Collections.Generic;
using System.Linq;
using RnnGen.Generator.Parsing;

namespace RnnGen.Generator.Model
{
    // Row reductions: mean, variance and rms of one or more rows, and layernorm built from them.
    internal sealed partial class CellModelBuilder
    {
        /// <summary>PyTorch's LayerNorm epsilon.</summary>
        private const double LayerNormEpsilon = 1e-5;

        private readonly List<List<int>> _reductions = new();   // operand indices reduced together
        private readonly List<bool> _isRow = new();   // per node: has a unit axis (see IsRow)
        private int _layerNorms;

        /// <summary>A reduction's arguments become stage operands (stored whole, so the next stage can reduce the row);
        /// an argument with no units to reduce (a number, a scalar, another statistic) is RNN026.</summary>
        private int EvaluateReduction(CallExpr call, int first)
        {
            var operands = new List<int>();
            for (var a = 0; a < call.Arguments.Count; a++)
            {
                var node = a == 0 ? first : Evaluate(call.Arguments[a]);
                if (!IsRow(node))
                {
                    ReportNotARow(call, call.Arguments[a]);
                    return Add(NodeKind.Constant);
                }
                operands.Add(OperandIndex(node));
            }
            if (call.Function == "layernorm") return LayerNorm(call, operands);
            return Add(NodeKind.Statistic, index: Reduction(operands), function: call.Function);
        }

        /// <summary>layernorm(v) = gamma ⊙ (v − mean(v)) / sqrt(variance(v) + 1e-5) + beta (Ba et al. 2016), with gamma
        /// and beta new vectors initialized to ones and zeros (a declaration may say otherwise).</summary>
        private int LayerNorm(CallExpr call, List<int> operands)
        {
            var value = _operandNodes[operands[0]];
            var reduction = Reduction(operands);
            var suffix = call.Arguments[0] is NameExpr name ? name.Name : (++_layerNorms).ToString(System.Globalization.CultureInfo.InvariantCulture);
            // Named after the argument, so the generated code reads mean_c, std_c, hat_c.
            var mean = Add(NodeKind.Statistic, index: reduction, function: "mean", name: UniqueName("mean_" + suffix));
            var variance = Add(NodeKind.Statistic, index: reduction, function: "variance", name: UniqueName("variance_" + suffix));
            var epsilon = Add(NodeKind.Constant, value: LayerNormEpsilon);
            var deviation = Add(NodeKind.Function, Add(NodeKind.Add, variance, epsilon), function: "sqrt", name: UniqueName("std_" + suffix));
            var normalized = Add(NodeKind.Divide, Add(NodeKind.Subtract, value, mean), deviation, name: UniqueName("hat_" + suffix));
            var gamma = ImplicitVector("gamma_" + suffix, "ones");
            var beta = ImplicitVector("beta_" + suffix, "zeros");
            return Add(NodeKind.Add, Add(NodeKind.Multiply, gamma, normalized), beta);
        }

        private int ImplicitVector(string name, string initializer)
        {
            _implicitInitializers[name] = initializer;
            return EvaluateName(new NameExpr(name, false, 0, 0));
        }

        private int Reduction(List<int> operands)
        {
            var index = _reductions.FindIndex(r => r.SequenceEqual(operands));
            if (index >= 0) return index;
            _reductions.Add(operands);
            return _reductions.Count - 1;
        }

        private int OperandIndex(int node)
        {
            if (!_operandIndex.TryGetValue(node, out var operand))
            {
                operand = _operandIndex[node] = _operandNodes.Count;
                _operandNodes.Add(node);
            }
            return operand;
        }

        /// <summary>A value with a unit axis: it reads a state, the input, a product or a vector somewhere below it.
        /// Numbers, scalars and statistics, and anything computed from them alone, are one number per row.</summary>
        private bool IsRow(int node)
        {
            for (var id = _isRow.Count; id < _nodes.Count; id++) // children come first; each node is classified once
            {
                var n = _nodes[id];
                _isRow.Add(n.Kind switch
                {
                    NodeKind.Constant or NodeKind.Scalar or NodeKind.Statistic => false,
                    _ when n.IsLeaf => true,
                    _ => _isRow[n.Left] || (n.ArgumentCount == 2 && _isRow[n.Right]),
                });
            }
            return _isRow[node];
        }

        private void ReportNotARow(CallExpr call, Expr argument)
        {
            var text = _syntax.Equations[_currentLine].Text;
            var offset = _syntax.Equations[_currentLine].Target.Start;
            var written = text.Substring(argument.Start - offset, argument.End - argument.Start);
            var hint = call.Function == "layernorm"
                ? "normalize a vector such as layernorm(W x) or layernorm(c')"
                : $"reduce a vector such as {call.Function}(W x) or {call.Function}(c'); a number per row needs no reduction";
            Report(DiagnosticDescriptors.ReductionOperandNotARow, argument, call.Function, written, hint);
        }
    }
}
