using System.Collections.Generic;
using System.Linq;
using RnnGen.Generator.Parsing;

namespace RnnGen.Generator.Model
{
    /// <summary>A state stored at another size than H (<c>Projection = "h"</c>): its equation <c>h' = W_hr (v)</c> makes
    /// the kernels compute v (size H) and the runtime multiply by <c>Matrix</c> ([P, H]) after each step.</summary>
    internal sealed record StateProjection(string State, string Matrix);

    /// <summary>
    /// Checks a projected state's equations and rewrites <c>h' = W_hr (v)</c> to <c>h' = v</c>, so the rest of the
    /// generator builds an ordinary cell: the kernels see v under the state's name, and the projection (a GEMM between
    /// steps, like a recurrent product) is the runtime's. The state may be read only as a matrix's operand (its matrices
    /// become [k·H, P]), never elementwise or primed, since the kernels never hold the projected value. RNN033 otherwise.
    /// </summary>
    internal static class ProjectionRewrite
    {
        private const string Form = "h' = W_hr (o * tanh(c'))";

        public static (EquationList Syntax, StateProjection? Projection) Apply(EquationList syntax, string state, List<TextDiagnostic> diagnostics)
        {
            var equations = syntax.Equations;
            var index = equations.ToList().FindIndex(e => e.Target.Primed && e.Target.Name == state);
            if (index < 0) return (syntax, null); // the reader reports a Projection that names no state
            var definition = equations[index];
            if (definition.Value is not ProductExpr product)
            {
                Report(diagnostics, definition.Value, $"the equation of projected state '{state}' must be one matrix times a value, such as {Form}");
                return (syntax, null);
            }
            var before = diagnostics.Count;
            for (var line = 0; line < equations.Count; line++)
                CheckReads(equations[line].Value, state, product.Matrix.Name, line == index ? product : null, diagnostics);
            if (diagnostics.Count > before) return (syntax, null);
            var rewritten = equations.Select((e, line) => line == index ? e with { Value = product.Operand } : e).ToList();
            return (new EquationList(rewritten), new StateProjection(state, product.Matrix.Name));
        }

        /// <summary>Every read of the state must be a matrix's operand, and the projection matrix appears only in its equation.</summary>
        private static void CheckReads(Expr expr, string state, string matrix, ProductExpr? projection, List<TextDiagnostic> diagnostics)
        {
            switch (expr)
            {
                case ProductExpr product when ReferenceEquals(product, projection):
                    CheckReads(product.Operand, state, matrix, null, diagnostics);
                    return;
                case ProductExpr product:
                    if (product.Matrix.Name == matrix)
                        Report(diagnostics, product.Matrix, $"'{matrix}' projects state '{state}' and cannot multiply anything else; give this product its own matrix");
                    if (product.Operand is NameExpr { Primed: false } operand && operand.Name == state) return;
                    CheckReads(product.Operand, state, matrix, null, diagnostics);
                    return;
                case NameExpr name when name.Name == state:
                    Report(diagnostics, name, name.Primed
                        ? $"the new value {state}' of projected state '{state}' cannot be read in the step; read {state} through a matrix in the next step"
                        : $"projected state '{state}' has size P, not H: read it only as a matrix's operand, such as U {state}");
                    return;
                case BinaryExpr binary:
                    CheckReads(binary.Left, state, matrix, null, diagnostics);
                    CheckReads(binary.Right, state, matrix, null, diagnostics);
                    return;
                case NegateExpr negate:
                    CheckReads(negate.Operand, state, matrix, null, diagnostics);
                    return;
                case CallExpr call:
                    foreach (var argument in call.Arguments) CheckReads(argument, state, matrix, null, diagnostics);
                    return;
            }
        }

        private static void Report(List<TextDiagnostic> diagnostics, Expr at, string problem) =>
            diagnostics.Add(new TextDiagnostic(DiagnosticDescriptors.InvalidProjection, at.Start, at.End, problem));
    }
}
