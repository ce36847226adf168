using System.Collections.Generic;
using System.Linq;
using RnnGen.Generator.Parsing;

namespace RnnGen.Generator.Model
{
    // Parameter declarations: scalar parameters, and an initializer per parameter.
    internal sealed partial class CellModelBuilder
    {
        private readonly HashSet<string> _scalarNames = new();
        private readonly List<string> _scalars = new();
        private readonly Dictionary<string, int> _scalarNodes = new();
        private readonly Dictionary<string, string> _implicitInitializers = new();   // layernorm's gamma and beta
        private readonly List<ParameterInit> _initializers = new();

        /// <summary>Names declared <c>name : scalar</c> become Scalar nodes when the equations read them.</summary>
        private void CollectScalars()
        {
            foreach (var declaration in _syntax.Declarations)
            {
                if (declaration.Kind != "scalar") continue;
                if (declaration.IsWildcard)
                    ReportDeclaration(declaration, $"'{declaration.Pattern}' declares scalars by a pattern; declare each scalar by its name");
                else _scalarNames.Add(declaration.Pattern);
            }
        }

        private int ScalarNode(string name)
        {
            if (!_scalarNodes.TryGetValue(name, out var node))
            {
                _scalars.Add(name);
                node = _scalarNodes[name] = Add(NodeKind.Scalar, index: _scalars.Count - 1, name: UniqueName(name));
            }
            return node;
        }

        /// <summary>Checks every declaration against the parameters the equations use and records the initializers,
        /// later declarations overriding earlier ones; layernorm's gamma and beta default to ones and zeros.</summary>
        private void ResolveDeclarations()
        {
            var parameters = _products.Select(p => (Name: p.Matrix, Kind: "matrix"))
                .Concat(_vectors.Select(v => (Name: v, Kind: "vector")))
                .Concat(_scalars.Select(s => (Name: s, Kind: "scalar")))
                .ToList();
            var chosen = new Dictionary<string, ParameterInit>();
            foreach (var pair in _implicitInitializers) chosen[pair.Key] = new ParameterInit(pair.Key, pair.Value, 0);
            foreach (var declaration in _syntax.Declarations)
            {
                var matched = parameters.Where(p => declaration.Matches(p.Name)).ToList();
                if (matched.Count == 0)
                {
                    ReportDeclaration(declaration, NoMatch(declaration));
                    continue;
                }
                foreach (var (name, kind) in matched)
                {
                    if (declaration.Kind.Length > 0 && declaration.Kind != kind)
                        ReportDeclaration(declaration, $"'{name}' is declared {declaration.Kind} but the equations use it as a {kind}");
                    else if (declaration.Initializer is "orthogonal" or "glorot" && kind != "matrix")
                        ReportDeclaration(declaration, $"'{name}' is a {kind}: {declaration.Initializer} initializes matrices only");
                    else if (declaration.Initializer.Length > 0)
                        chosen[name] = new ParameterInit(name, declaration.Initializer, declaration.Value);
                }
            }
            _initializers.AddRange(parameters.Where(p => chosen.ContainsKey(p.Name)).Select(p => chosen[p.Name]));
        }

        private string NoMatch(ParameterDeclaration declaration)
        {
            var name = declaration.Pattern;
            if (_stateIndex.ContainsKey(name)) return $"'{name}' is a state, not a parameter";
            if (_definitionLine.ContainsKey(name)) return $"'{name}' is defined by an equation, not a parameter";
            return declaration.IsWildcard
                ? $"no parameter starts with '{name.Substring(0, name.Length - 1)}'"
                : $"the equations never read a parameter '{name}'";
        }

        private void ReportDeclaration(ParameterDeclaration declaration, string problem) =>
            _diagnostics.Add(new TextDiagnostic(DiagnosticDescriptors.InvalidDeclaration, declaration.Start, declaration.End, problem));
    }
}
