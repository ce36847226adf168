using System.Globalization;
using System.Linq;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emit
{
    /// <summary>
    /// Writes the cell's <c>CellInfo.Description</c> initializer: one line per operation with a remark saying what it
    /// computes (<c>%5 = sigmoid(%4)</c>), then the equations and the operations giving the new states.
    /// </summary>
    internal static class CellDescriptionEmitter
    {
        public static void Emit(CodeWriter w, CellModel model)
        {
            var description = CellDescriptionBuilder.Build(model);
            w.Line("Description = new global::RnnGen.CellDescription(");
            w.Indent++;
            w.Line("operations: new global::RnnGen.CellOperation[]");
            w.Line("{");
            w.Indent++;
            for (var i = 0; i < description.Operations.Count; i++)
            {
                var op = description.Operations[i];
                w.Line($"new global::RnnGen.CellOperation(global::RnnGen.CellOperationKind.{op.Kind}, {Ints(op.Operands)}, {Quote(op.Name)}, {Number(op.Value)}, {op.Line}), // {Remark(i, op)}");
            }
            w.Indent--;
            w.Line("},");
            w.Line("equations: new global::RnnGen.CellEquation[]");
            w.Line("{");
            w.Indent++;
            foreach (var equation in description.Equations)
                w.Line($"new global::RnnGen.CellEquation({Quote(equation.Target)}, {(equation.IsState ? "true" : "false")}, {Quote(equation.Text)}, {equation.Result}),");
            w.Indent--;
            w.Line("},");
            w.Line($"stateResults: {Ints(description.StateResults)}),");
            w.Indent--;
        }

        private static string Ints(System.Collections.Generic.IEnumerable<int> values)
        {
            var list = values.ToList();
            return list.Count == 0 ? "global::System.Array.Empty<int>()" : "new int[] { " + string.Join(", ", list) + " }";
        }

        private static string Number(double value) => double.IsPositiveInfinity(value)
            ? "double.PositiveInfinity"   // a literal beyond double's range
            : value.ToString("R", CultureInfo.InvariantCulture) + "d";

        /// <summary>A C# string literal; equation text is ASCII (RNN023) but may hold a backslash or a quote.</summary>
        private static string Quote(string text) => "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

        private static string Remark(int index, DescribedOperation op)
        {
            var operands = op.Operands.Select(o => "%" + o).ToList();
            var value = op.Kind switch
            {
                "Input" => "x",
                "State" or "Vector" or "Scalar" => op.Name,
                "Constant" => op.Value.ToString("R", CultureInfo.InvariantCulture),
                "MatMul" => op.Name + " " + operands[0],
                "Add" => operands[0] + " + " + operands[1],
                "Subtract" => operands[0] + " - " + operands[1],
                "Multiply" => operands[0] + " * " + operands[1],
                "Divide" => operands[0] + " / " + operands[1],
                "Negate" => "-" + operands[0],
                "Function" or "Statistic" => op.Name + "(" + string.Join(", ", operands) + ")",
                "Mask" => op.Name + " (mask " + op.Value.ToString(CultureInfo.InvariantCulture) + ")",
                _ => op.Kind.ToLowerInvariant() + " " + op.Name + "(" + string.Join(", ", operands) + ")",
            };
            return "%" + index + " = " + value;
        }
    }
}
