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

        /// <summary>The names in an expression, left to right; a loop, as nested iterators cost one step per level per name.</summary>
        public static IEnumerable<NameExpr> In(Expr expr)
        {
            var pending = new Stack<Expr>();
            pending.Push(expr);
            while (pending.Count > 0)
            {
                switch (pending.Pop())
                {
                    case NameExpr name: yield return name; break;
                    case CallExpr call: for (var a = call.Arguments.Count - 1; a >= 0; a--) pending.Push(call.Arguments[a]); break;
                    case ProductExpr product: pending.Push(product.Operand); pending.Push(product.Matrix); break;
                    case BinaryExpr binary: pending.Push(binary.Right); pending.Push(binary.Left); break;
                    case NegateExpr negate: pending.Push(negate.Operand); break;
                }
            }
        }
    }
}
