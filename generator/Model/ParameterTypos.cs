using System.Collections.Generic;
using System.Linq;
using RnnGen.Generator.Parsing;

namespace RnnGen.Generator.Model
{
    /// <summary>
    /// RNN025: an undeclared name is a new parameter, so a typo (gaet for gate) silently adds a learnable vector.
    /// A parameter written only once that looks like a mistyped name the cell uses elsewhere — an intermediate, a state
    /// or a parameter written more than once — is reported as a warning. Two parameters each written once are a family
    /// (W_i, W_f), never a typo of each other. Names listed in the cell's Parameters option or declared (<c>name : …</c>) are deliberate.
    /// </summary>
    internal static class ParameterTypos
    {
        public static void Check(CellModel model, EquationList syntax, ICollection<string> deliberate, List<TextDiagnostic> diagnostics)
        {
            var uses = EquationNames.All(syntax.Equations).Where(n => !n.Primed).GroupBy(n => n.Name).ToDictionary(g => g.Key, g => g.ToList());
            // Parameters a call makes (layernorm's gamma and beta) are never written; declared ones are deliberate.
            var parameters = model.Vectors.Concat(model.Products.Select(p => p.Matrix)).Distinct()
                .Where(p => uses.ContainsKey(p) && !syntax.Declarations.Any(d => d.Matches(p))).ToList();
            var known = syntax.Equations.Where(e => !e.Target.Primed).Select(e => e.Target.Name)
                .Concat(model.States)
                .Concat(parameters.Where(p => uses[p].Count > 1))
                .ToList();
            foreach (var parameter in parameters)
            {
                if (uses[parameter].Count > 1 || deliberate.Contains(parameter)) continue;
                var intended = known.FirstOrDefault(name => NameDistance.MayBeTypo(parameter, name));
                if (intended is null) continue;
                var at = uses[parameter][0];
                diagnostics.Add(new TextDiagnostic(DiagnosticDescriptors.PossibleTypo, at.Start, at.End, parameter, intended));
            }
        }
    }
}
