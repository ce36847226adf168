using System.Collections.Generic;
using RnnGen.Generator.Parsing;

namespace RnnGen.Generator.Model
{
    /// <summary>Every name written in the equations, targets included, in the order written.</summary>
    internal static class EquationNames
    {
        public static IEnumerable<NameExpr> All(IReadOnlyList<Equation> equations)
        {
            foreach (var equation in equations)
            {
                yield return equation.Target;
                foreach (var name in In(equation.Value)) yield return name;
            }
        }

        public static IEnumerable<NameExpr> In(Expr expr)
        {
            switch (expr)
            {
                case NameExpr name: yield return name; break;
                case CallExpr call: foreach (var n in In(call.Argument)) yield return n; break;
                case ProductExpr product:
                    yield return product.Matrix;
                    foreach (var n in In(product.Operand)) yield return n;
                    break;
                case BinaryExpr binary:
                    foreach (var n in In(binary.Left)) yield return n;
                    foreach (var n in In(binary.Right)) yield return n;
                    break;
                case NegateExpr negate: foreach (var n in In(negate.Operand)) yield return n; break;
            }
        }
    }
}
