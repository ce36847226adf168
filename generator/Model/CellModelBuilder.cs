using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis.CSharp;
using RnnGen.Generator.Parsing;

namespace RnnGen.Generator.Model
{
    /// <summary>The type the attribute sits on, as plain data.</summary>
    internal sealed record CellDeclaration(string? Namespace, EquatableArray<ContainingType> Containers, string TypeName, string TypeKeyword, int Hidden, string? Output, string? Projection = null);

    /// <summary>
    /// Turns parsed equations into the equation graph: classifies every name (input, state, intermediate,
    /// parameter), infers shapes, groups matrix products by operand and assigns stages.
    /// Every problem becomes a positioned diagnostic; the model is null when there is any.
    /// </summary>
    internal sealed partial class CellModelBuilder
    {
        private readonly EquationList _syntax;
        private readonly List<TextDiagnostic> _diagnostics;
        private readonly List<CellNode> _nodes = new();
        private readonly Dictionary<string, int> _intermediates = new();
        private readonly Dictionary<string, int> _definitionLine = new();   // "h'" or "i" → equation index
        private readonly List<string> _states = new();
        private readonly Dictionary<string, int> _stateIndex = new();
        private readonly Dictionary<string, int> _stateValues = new();
        private readonly Dictionary<int, int> _previousStateNodes = new();
        private readonly List<string> _vectors = new();
        private readonly Dictionary<string, int> _vectorNodes = new();
        private readonly Dictionary<string, (string Key, string Description, int Node)> _matrices = new();
        private readonly List<(string Matrix, string Key, OperandKind Kind, int Operand, int Node)> _products = new();
        private readonly List<int> _operandNodes = new();
        private readonly Dictionary<int, int> _operandIndex = new();
        private readonly HashSet<string> _usedNames = new();
        private int _currentLine;

        private CellModelBuilder(EquationList syntax, List<TextDiagnostic> diagnostics)
        {
            _syntax = syntax;
            _diagnostics = diagnostics;
        }

        public static CellModel? Build(CellDeclaration declaration, string text, EquationList syntax, List<TextDiagnostic> diagnostics)
        {
            var errorsBefore = diagnostics.Count;
            var builder = new CellModelBuilder(syntax, diagnostics);
            var model = builder.Build(declaration, text);
            return diagnostics.Count > errorsBefore ? null : model;
        }

        private void Report(Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor, Expr at, params string[] arguments) =>
            _diagnostics.Add(new TextDiagnostic(descriptor, at.Start, at.End, arguments));

        private CellModel? Build(CellDeclaration declaration, string text)
        {
            var equations = _syntax.Equations;
            CollectDefinitions(equations);
            CollectScalars();
            if (_states.Count == 0 && equations.Count > 0 && _diagnostics.Count == 0)
                _diagnostics.Add(new TextDiagnostic(DiagnosticDescriptors.NoState, equations[0].Target.Start, equations[equations.Count - 1].Value.End));
            if (equations.Count == 0)
                _diagnostics.Add(new TextDiagnostic(DiagnosticDescriptors.NoState, 0, text.Length));
            if (_diagnostics.Count > 0 || HasCycle(equations)) return null;

            var lines = new List<EquationLine>();
            for (_currentLine = 0; _currentLine < equations.Count; _currentLine++)
            {
                var equation = equations[_currentLine];
                var node = Evaluate(equation.Value);
                var target = equation.Target;
                if (target.Primed)
                    _stateValues[target.Name] = node;
                else
                {
                    _intermediates[target.Name] = node;
                    if (_nodes[node].Name.Length == 0 && (!_nodes[node].IsLeaf || _nodes[node].Kind == NodeKind.Statistic))
                        _nodes[node] = _nodes[node] with { Name = UniqueName(target.Name) };
                }
                lines.Add(new EquationLine(OneLine(equation.Text), node));
            }
            if (_diagnostics.Count > 0) return null;
            ReportUnused(equations);
            ReportRateClashes();
            ResolveDeclarations();

            var output = 0;
            if (declaration.Output is { } outputName)
            {
                output = StateIndex(outputName);
                if (output < 0)
                {
                    _diagnostics.Add(new TextDiagnostic(DiagnosticDescriptors.InvalidOption, 0, 0,
                        $"Output = \"{outputName}\" names no state; the states are: {string.Join(", ", _states)}"));
                    return null;
                }
            }
            else if (_stateIndex.ContainsKey("h")) output = StateIndex("h");

            if (_diagnostics.Count > 0) return null;
            return ProductFusion.Apply(Assemble(declaration, text, lines, output));
        }

        /// <summary>The equation as one line for a <c>//</c> remark: every character C# reads as a line break becomes a space.</summary>
        private static string OneLine(string text)
        {
            var line = new System.Text.StringBuilder(text.Length);
            foreach (var ch in text)
                if (ch != '\r') line.Append(ch is '\n' or '\u0085' or '\u2028' or '\u2029' ? ' ' : ch);
            return line.ToString();
        }

        private void CollectDefinitions(IReadOnlyList<Equation> equations)
        {
            for (var line = 0; line < equations.Count; line++)
            {
                var target = equations[line].Target;
                if (target.Name == "x")
                    Report(DiagnosticDescriptors.InvalidTarget, target, target.Display, "'x' is the input of the step");
                else if (CellFunctions.Find(target.Name) is not null)
                    Report(DiagnosticDescriptors.InvalidTarget, target, target.Display, $"'{target.Name}' is a function");
                else if (_definitionLine.ContainsKey(target.Display))
                    Report(DiagnosticDescriptors.DefinedTwice, target, target.Display);
                else
                    _definitionLine[target.Display] = line;
            }
            foreach (var equation in equations)
            {
                var target = equation.Target;
                if (!target.Primed && _definitionLine.ContainsKey(target.Name + "'"))
                    Report(DiagnosticDescriptors.InvalidTarget, target, target.Display,
                        $"'{target.Name}' is the previous value of state {target.Name}'; give the intermediate another name");
            }
            // States are numbered by first appearance anywhere in the text, so "U h … c" gives (h, c) as PyTorch does.
            foreach (var name in EquationNames.All(equations).OrderBy(n => n.Start))
                if (!_stateIndex.ContainsKey(name.Name) && _definitionLine.ContainsKey(name.Name + "'"))
                {
                    _stateIndex[name.Name] = _states.Count;
                    _states.Add(name.Name);
                }
        }

        private int StateIndex(string name) => _stateIndex.TryGetValue(name, out var index) ? index : -1;

        /// <summary>Names an equation reads that are themselves defined by an equation (intermediates and new states).</summary>
        private IEnumerable<NameExpr> Dependencies(Expr expr) =>
            EquationNames.In(expr).Where(n => (n.Primed || !_stateIndex.ContainsKey(n.Name)) && _definitionLine.ContainsKey(n.Display));

        /// <summary>Depth-first along the dependencies with an explicit path: a chain of equations can be as long as the cell.</summary>
        private bool HasCycle(IReadOnlyList<Equation> equations)
        {
            var state = new int[equations.Count]; // 0 new, 1 on the path, 2 done
            var path = new List<(int Line, IEnumerator<NameExpr> Dependencies)>();
            void Enter(int line)
            {
                state[line] = 1;
                path.Add((line, Dependencies(equations[line].Value).GetEnumerator()));
            }
            for (var root = 0; root < equations.Count; root++)
            {
                if (state[root] == 0) Enter(root);
                while (path.Count > 0)
                {
                    var (line, dependencies) = path[path.Count - 1];
                    if (!dependencies.MoveNext())
                    {
                        state[line] = 2;
                        path.RemoveAt(path.Count - 1);
                        continue;
                    }
                    var dependency = dependencies.Current;
                    var next = _definitionLine[dependency.Display];
                    if (state[next] == 1)
                    {
                        var cycle = path.Select(p => p.Line).SkipWhile(l => l != next).Select(l => equations[l].Target.Display).ToList();
                        cycle.Add(dependency.Display);
                        var start = equations[next].Target;
                        Report(DiagnosticDescriptors.Cycle, start, start.Display, string.Join(" → ", cycle));
                        return true;
                    }
                    if (state[next] == 0) Enter(next);
                }
            }
            return false;
        }

        private int Add(NodeKind kind, int left = -1, int right = -1, int index = -1, double value = 0, string function = "", string name = "")
        {
            _nodes.Add(new CellNode(_nodes.Count, kind, left, right, index, value, function, name, 0));
            return _nodes.Count - 1;
        }

        private int Evaluate(Expr expr)
        {
            switch (expr)
            {
                case NumberExpr number:
                    return Add(NodeKind.Constant, value: number.Value);
                case NameExpr name:
                    return EvaluateName(name);
                case CallExpr call:
                    return EvaluateCall(call);
                case NegateExpr negate:
                    return Add(NodeKind.Negate, Evaluate(negate.Operand));
                case BinaryExpr binary:
                    var kind = binary.Operator switch
                    {
                        '+' => NodeKind.Add,
                        '-' => NodeKind.Subtract,
                        '*' => NodeKind.Multiply,
                        _ => NodeKind.Divide,
                    };
                    var left = Evaluate(binary.Left);
                    return Add(kind, left, Evaluate(binary.Right));
                case ProductExpr product:
                    return EvaluateProduct(product);
                default:
                    throw new System.InvalidOperationException("unknown expression " + expr.GetType().Name);
            }
        }

        /// <summary>clamp(x, lo, hi) is min(max(x, lo), hi): at a bound x keeps the gradient (ties go to the first
        /// argument). Calls of unknown functions, with the wrong arity or with clamp bounds that are not numbers were
        /// reported by the parser, and a cell with errors is not built.</summary>
        private int EvaluateCall(CallExpr call)
        {
            if (IsRandom(call.Function)) return EvaluateRandom(call);
            var first = Evaluate(call.Arguments[0]);
            switch (call.Function)
            {
                case "max": return Add(NodeKind.Max, first, Evaluate(call.Arguments[1]));
                case "min": return Add(NodeKind.Min, first, Evaluate(call.Arguments[1]));
                case "clamp":
                    var low = Add(NodeKind.Constant, value: (double)EquationParser.Literal(call.Arguments[1])!);
                    var high = Add(NodeKind.Constant, value: (double)EquationParser.Literal(call.Arguments[2])!);
                    return Add(NodeKind.Min, Add(NodeKind.Max, first, low), high);
                case var _ when CellFunctions.Find(call.Function)!.Reduction: return EvaluateReduction(call, first);
                default: return Add(NodeKind.Function, first, function: call.Function);
            }
        }

        private int EvaluateName(NameExpr name)
        {
            if (name.Primed)
            {
                if (!_stateIndex.ContainsKey(name.Name))
                {
                    var suggestion = _states.FirstOrDefault(s => NameDistance.IsClose(name.Name, s));
                    Report(DiagnosticDescriptors.UnknownState, name, name.Name, suggestion is null ? "" : $" (did you mean {suggestion}'?)");
                    return Add(NodeKind.Constant);
                }
                if (_definitionLine[name.Display] >= _currentLine)
                {
                    Report(DiagnosticDescriptors.UsedBeforeDefinition, name, name.Display);
                    return Add(NodeKind.Constant);
                }
                return _stateValues[name.Name];
            }
            if (name.Name == "x")
            {
                Report(DiagnosticDescriptors.InputShape, name);
                return Add(NodeKind.Constant);
            }
            var stateIndex = StateIndex(name.Name);
            if (stateIndex >= 0) return PreviousState(stateIndex);
            if (_definitionLine.TryGetValue(name.Name, out var line))
            {
                if (line >= _currentLine)
                {
                    Report(DiagnosticDescriptors.UsedBeforeDefinition, name, name.Display);
                    return Add(NodeKind.Constant);
                }
                return _intermediates[name.Name];
            }
            if (_matrices.ContainsKey(name.Name))
            {
                Report(DiagnosticDescriptors.MatrixAndVector, name, name.Name);
                return Add(NodeKind.Constant);
            }
            if (_scalarNames.Contains(name.Name)) return ScalarNode(name.Name);
            if (!_vectorNodes.TryGetValue(name.Name, out var node))
            {
                _vectors.Add(name.Name);
                node = Add(NodeKind.Parameter, index: _vectors.Count - 1, name: UniqueName(name.Name));
                _vectorNodes[name.Name] = node;
            }
            return node;
        }

        private int PreviousState(int state)
        {
            if (!_previousStateNodes.TryGetValue(state, out var node))
            {
                node = Add(NodeKind.PreviousState, index: state, name: UniqueName(_states[state]));
                _previousStateNodes[state] = node;
            }
            return node;
        }

        private int EvaluateProduct(ProductExpr product)
        {
            var matrix = product.Matrix;
            if (matrix.Name == "x" || _stateIndex.ContainsKey(matrix.Name) || _definitionLine.ContainsKey(matrix.Name) || _vectorNodes.ContainsKey(matrix.Name))
            {
                Report(DiagnosticDescriptors.MatrixAndVector, matrix, matrix.Name);
                return Add(NodeKind.Constant);
            }

            string key, description;
            OperandKind kind;
            int operand, operandNode = -1;
            if (product.Operand is NameExpr { Primed: false } name && (name.Name == "x" || _stateIndex.ContainsKey(name.Name) || !_definitionLine.ContainsKey(name.Name)))
            {
                if (name.Name == "x") { key = "x"; description = "the input x"; kind = OperandKind.Input; operand = 0; }
                else if (_stateIndex.ContainsKey(name.Name)) { key = "state " + name.Name; description = "the state " + name.Name; kind = OperandKind.State; operand = StateIndex(name.Name); }
                else
                {
                    Report(DiagnosticDescriptors.StateNeverUpdated, name, name.Name, matrix.Name);
                    return Add(NodeKind.Constant);
                }
            }
            else
            {
                operandNode = Evaluate(product.Operand);
                key = "node " + operandNode;
                description = "a value computed in the same step";
                kind = OperandKind.Stage;
                if (!_operandIndex.TryGetValue(operandNode, out operand))
                {
                    operand = _operandIndex[operandNode] = _operandNodes.Count;
                    _operandNodes.Add(operandNode);
                }
            }

            if (_matrices.TryGetValue(matrix.Name, out var existing))
            {
                if (existing.Key != key)
                {
                    Report(DiagnosticDescriptors.OperandConflict, product, matrix.Name, description, existing.Description);
                    return Add(NodeKind.Constant);
                }
                return existing.Node;
            }
            var nodeKind = kind switch
            {
                OperandKind.Input => NodeKind.InputProduct,
                OperandKind.State => NodeKind.StateProduct,
                _ => NodeKind.StageProduct,
            };
            var operandName = kind switch
            {
                OperandKind.Input => "x",
                OperandKind.State => _states[operand],
                _ => _nodes[operandNode].Name.Length > 0 ? _nodes[operandNode].Name : "s" + operand,
            };
            var node = Add(nodeKind, left: operandNode, index: _products.Count, name: UniqueName(matrix.Name + "_" + operandName));
            _products.Add((matrix.Name, key, kind, operand, node));
            _matrices[matrix.Name] = (key, description, node);
            return node;
        }

        private void ReportUnused(IReadOnlyList<Equation> equations)
        {
            var used = new HashSet<int>();
            foreach (var node in _nodes)
            {
                if (node.Left >= 0) used.Add(node.Left);
                if (node.Right >= 0) used.Add(node.Right);
            }
            foreach (var value in _stateValues.Values) used.Add(value);
            foreach (var equation in equations)
                if (!equation.Target.Primed && !used.Contains(_intermediates[equation.Target.Name]))
                    Report(DiagnosticDescriptors.UnusedValue, equation.Target, equation.Target.Name);
        }

        private string UniqueName(string name)
        {
            var candidate = SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || name is "s" or "b" or "j" or "T" ? name + "_" : name;
            var unique = candidate;
            for (var i = 2; !_usedNames.Add(unique); i++) unique = candidate + i;
            return unique;
        }

        private CellModel Assemble(CellDeclaration declaration, string text, List<EquationLine> lines, int output)
        {
            // Group the products by operand: one GEMM per group, groups laid side by side in their Z buffer.
            var groups = new List<MatrixGroup>();
            var products = new MatrixProduct[_products.Count];
            var offsets = new Dictionary<OperandKind, int>();
            var orderedKeys = _products
                .Select((p, index) => (p.Matrix, p.Kind, p.Operand, p.Node, Index: index))
                .OrderBy(p => p.Kind)
                .ThenBy(p => p.Operand)
                .GroupBy(p => (p.Kind, p.Operand));
            var stages = ComputeStages();
            foreach (var group in orderedKeys)
            {
                offsets.TryGetValue(group.Key.Kind, out var offset);
                var members = group.ToList();
                var stage = group.Key.Kind == OperandKind.Stage ? stages[_nodes[members[0].Node].Left] + 1 : 0;
                groups.Add(new MatrixGroup(group.Key.Kind, group.Key.Operand, members.Select(m => m.Matrix).ToEquatableArray(), offset, stage));
                for (var i = 0; i < members.Count; i++)
                    products[members[i].Index] = new MatrixProduct(members[i].Matrix, groups.Count - 1, offset + i);
                offsets[group.Key.Kind] = offset + members.Count;
            }
            var nodes = _nodes.Select(n => n with { Stage = stages[n.Id] }).ToEquatableArray();
            var operands = _operandNodes.Select(n => new StageOperand(n, stages[n])).ToEquatableArray();
            return new CellModel(
                declaration.Namespace, declaration.Containers, declaration.TypeName, declaration.TypeKeyword, text,
                lines.ToEquatableArray(), _states.ToEquatableArray(), output, _vectors.ToEquatableArray(),
                groups.ToEquatableArray(), products.ToEquatableArray(), nodes,
                _states.Select(s => _stateValues[s]).ToEquatableArray(), operands,
                stages.Length == 0 ? 1 : stages.Max() + 1, declaration.Hidden)
            {
                Reductions = _reductions.Select(r => new RowReduction(r.ToEquatableArray())).ToEquatableArray(),
                Scalars = _scalars.ToEquatableArray(),
                Initializers = _initializers.ToEquatableArray(),
                Masks = _masks.ToEquatableArray(),
                Connections = _connections.ToEquatableArray(),
            };
        }

        /// <summary>A node's stage is the number of same-step matrix products on its longest path from the leaves.</summary>
        private int[] ComputeStages()
        {
            var stages = new int[_nodes.Count];
            foreach (var node in _nodes) // nodes are created children first
            {
                stages[node.Id] = node.Kind switch
                {
                    NodeKind.StageProduct => stages[node.Left] + 1,
                    NodeKind.Statistic => _reductions[node.Index].Max(operand => stages[_operandNodes[operand]]) + 1,
                    _ when node.IsLeaf => 0,
                    _ => System.Math.Max(stages[node.Left], node.Right >= 0 ? stages[node.Right] : 0),
                };
            }
            return stages;
        }
    }
}
