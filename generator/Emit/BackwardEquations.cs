using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using RnnGen.Generator.Differentiation;
using RnnGen.Generator.Model;
using RnnGen.Generator.Parsing;

namespace RnnGen.Generator.Emit
{
    /// <summary>
    /// The backward pass the generator derives for a cell, written out as equations for people (`rnngen explain`):
    /// per stage in reverse, the adjoint of every value (d_name), then what is sent out — d(products) for the weight
    /// GEMMs, d(previous states) for the step before, d(vectors). The same plan the emitted kernels run.
    /// </summary>
    public static class BackwardEquations
    {
        /// <summary>One line per statement; null when the equations have errors (compile them for the diagnostics).</summary>
        public static IReadOnlyList<string>? Derive(string equations)
        {
            var diagnostics = new List<TextDiagnostic>();
            var syntax = EquationParser.Parse(equations, diagnostics);
            var declaration = new CellDeclaration(null, EquatableArray<ContainingType>.Empty, "Cell", "struct", 0, null);
            var model = diagnostics.Count == 0 ? CellModelBuilder.Build(declaration, equations, syntax, diagnostics) : null;
            if (model is null) return null;
            var plan = Differentiator.Plan(model);
            var names = new Names(model, plan.TapeNames, plan.RowScalars, new ValuePlan(model));
            var lines = new List<string>();
            foreach (var pass in plan.Backward)
            {
                if (plan.Backward.Count > 1) lines.Add($"stage {pass.Stage}:");
                lines.AddRange(pass.Statements.Select(names.Statement).Where(line => line is not null).Select(line => line!));
            }
            return lines;
        }

        private sealed class Names
        {
            private readonly CellModel _model;
            private readonly IReadOnlyList<string> _tape;
            private readonly IReadOnlyList<RowScalar> _rows;
            private readonly ValuePlan _values;

            public Names(CellModel model, IReadOnlyList<string> tape, IReadOnlyList<RowScalar> rows, ValuePlan values) =>
                (_model, _tape, _rows, _values) = (model, tape, rows, values);

            public string? Statement(Statement statement) => statement switch
            {
                Remark remark => "# " + remark.Text,
                // A value read back from the tape under its own name says nothing.
                Let { Value: IrLoad load } let when Load(load) == let.Name => null,
                Let let => $"{let.Name} = {Expression(let.Value, 0)}",
                Store store => $"{Target(store.Buffer, store.Slot)} {(store.Accumulate ? "+=" : "=")} {Expression(store.Value, 0)}",
                _ => statement.ToString(),
            };

            private string Expression(Ir ir, int precedence)
            {
                switch (ir)
                {
                    case IrRef reference: return reference.Name;
                    case IrConst constant: return constant.Value.ToString("R", CultureInfo.InvariantCulture);
                    case IrLoad load: return Load(load);
                    case IrCall call: return call.Method.ToLowerInvariant() + "(" + string.Join(", ", call.Arguments.Select(a => Expression(a, 0))) + ")";
                    case IrNegate negate: return "-" + Expression(negate.Operand, 3);
                    case IrBinary binary:
                        var own = binary.Operator is '+' or '-' ? 1 : 2;
                        var text = $"{Expression(binary.Left, own)} {binary.Operator} {Expression(binary.Right, own + 1)}";
                        return own < precedence ? "(" + text + ")" : text;
                    default: return ir.ToString();
                }
            }

            private string Load(IrLoad load) => load.Buffer switch
            {
                KernelBuffer.Tape => _tape[load.Slot],
                KernelBuffer.Prev => _model.States[load.Slot],
                KernelBuffer.Next => _model.States[load.Slot] + "'",
                KernelBuffer.Vector => _model.Vectors[load.Slot],
                KernelBuffer.DNext => "d" + _model.States[load.Slot] + "'",
                KernelBuffer.DOperand => $"d({_values.Name(_model.Operands[load.Slot].Node)}) from the next stage's product",
                KernelBuffer.Carry => "carry" + load.Slot,
                KernelBuffer.Mask => _values.Name(_model.Nodes.First(n => n.Kind == NodeKind.Mask && n.Index == load.Slot).Id),
                KernelBuffer.Scalar => _model.Scalars[load.Slot],
                KernelBuffer.Row => Row(_rows[load.Slot]),
                _ => $"{load.Buffer}[{load.Slot}]",
            };

            /// <summary>A per-row number: "mean(W_i x, W_f x)", or "sum(carry3) / N" for a statistic's summed adjoint.</summary>
            private string Row(RowScalar row) => row.Kind == "adjoint"
                ? $"sum(carry{row.CarrySlot}) / N"
                : $"{row.Kind}({string.Join(", ", _model.Reductions[row.Reduction].Operands.Select(o => _values.Name(_model.Operands[o].Node)))})";

            private string Target(KernelBuffer buffer, int slot) => buffer switch
            {
                KernelBuffer.DPrev => "d" + _model.States[slot],
                KernelBuffer.DVector => "d" + _model.Vectors[slot],
                KernelBuffer.DScalar => "d" + _model.Scalars[slot],
                KernelBuffer.DZx => Products(OperandKind.Input, slot),
                KernelBuffer.DZh => Products(OperandKind.State, slot),
                KernelBuffer.DZs => Products(OperandKind.Stage, slot),
                KernelBuffer.Carry => "carry" + slot,
                _ => $"{buffer}[{slot}]",
            };

            /// <summary>d(W x) for the product(s) a gradient column block belongs to; U h fused into W x's block shares it.</summary>
            private string Products(OperandKind kind, int slot)
            {
                var products = _model.Products.Where(p => p.Slot == slot && (_model.Groups[p.Group].Kind == kind || kind == OperandKind.Input && Fused(p)))
                    .Select(p => p.Matrix + " " + Operand(_model.Groups[p.Group]));
                return "d(" + string.Join(" + ", products) + ")";
            }

            private bool Fused(MatrixProduct product)
            {
                var group = _model.Groups[product.Group];
                return group.Kind == OperandKind.State && group.Matrices.Take(group.Fused).Contains(product.Matrix);
            }

            private string Operand(MatrixGroup group) => group.Kind switch
            {
                OperandKind.Input => "x",
                OperandKind.State => _model.States[group.Operand],
                _ => "(stage value)",
            };
        }
    }
}
