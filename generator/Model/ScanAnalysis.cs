using System.Collections.Generic;
using System.Linq;

namespace RnnGen.Generator.Model
{
    /// <summary>Why a cell runs step by step: the first term (in equation order) that is not affine in its state.</summary>
    /// <param name="Line">The equation's index in <see cref="CellModel.Lines"/>.</param>
    /// <param name="Elementwise">True when no matrix multiplies a state: the cell was one term away from the scan.</param>
    internal sealed record ScanBlocker(int Line, string Term, string Reason, bool Elementwise);

    /// <summary>
    /// The schedule a cell gets. <c>Scanned</c> marks each state: true when its update is s' = a ⊙ s + b with a and b
    /// free of every state (run by the linear scan), false when it reads no previous state (an output map such as
    /// QRNN's h' = o ⊙ c', computed after the scan). Null <c>Blocker</c> means the scan schedule.
    /// </summary>
    internal sealed record ScanPlan(EquatableArray<int> Scanned, ScanBlocker? Blocker)
    {
        public bool Scannable => Blocker is null;
    }

    /// <summary>
    /// Decides from the equation graph whether every state update is affine in its own previous state with
    /// coefficients that depend on no state (design: docs/parallel-scan.md). Works on the location-free model, so
    /// both the emitter (CellInfo.Schedule) and the reader (RNN040, RNN041) derive the same plan from the cache.
    /// </summary>
    internal static class ScanAnalysis
    {
        /// <summary>Operators shown of a blocking term before "…": enough for one equation's right-hand side.</summary>
        private const int TermDepth = 5;

        /// <summary>One sentence for CellInfo.Schedule, `rnngen explain` and the diagnostics.</summary>
        public static string Explain(CellModel model, ScanPlan plan)
        {
            if (plan.Blocker is { } blocker)
                return $"sequential: in line {blocker.Line + 1} ({Shorten(model.Lines[blocker.Line].Text.Trim())}), '{blocker.Term}' blocks the scan: {blocker.Reason}";
            var scanned = Enumerable.Range(0, model.States.Count).Where(s => plan.Scanned[s] == 1).Select(s => $"{model.States[s]}' = a ⊙ {model.States[s]} + b");
            var mapped = Enumerable.Range(0, model.States.Count).Where(s => plan.Scanned[s] == 0).Select(s => model.States[s] + "'").ToList();
            return "scan: " + string.Join(", ", scanned) + " over all steps at once" + (mapped.Count == 0 ? "" : "; then " + string.Join(", ", mapped) + " from the new states");
        }

        /// <summary>An equation as a message quotes it: long ones cut, the term itself is named beside it.</summary>
        private static string Shorten(string text) => text.Length <= MaxQuoted ? text : text.Substring(0, MaxQuoted - 1) + "…";

        private const int MaxQuoted = 100;

        /// <summary>How a value depends on the state whose update is analysed.</summary>
        private enum Dependence { Free, Mapped, Affine, Blocked }

        private readonly struct Verdict
        {
            public readonly Dependence Kind;
            public readonly int Term;       // the blocking node
            public readonly string Reason;

            public Verdict(Dependence kind, int term = -1, string reason = "") { Kind = kind; Term = term; Reason = reason; }
        }

        public static ScanPlan Analyze(CellModel model)
        {
            if (model.Groups.FirstOrDefault(g => g.Kind != OperandKind.Input) is { } product)
                return new ScanPlan(EquatableArray<int>.Empty, MatrixBlocker(model, product));
            if (FeatureBlocker(model) is { } feature)
                return new ScanPlan(EquatableArray<int>.Empty, feature);
            var nodes = model.Nodes;
            var stateOf = new Dictionary<int, int>();
            for (var s = 0; s < model.StateValues.Count; s++) stateOf[model.StateValues[s]] = s;
            var scanned = new int[model.States.Count];
            var freeStates = new HashSet<int>();
            // States in equation order, so a new-state reference (defined earlier) is already classified.
            var definedAt = Enumerable.Range(0, model.Lines.Count).GroupBy(l => model.Lines[l].Node).ToDictionary(g => g.Key, g => g.First());
            foreach (var s in Enumerable.Range(0, model.States.Count).OrderBy(s => definedAt[model.StateValues[s]]))
            {
                var verdict = new Walker(nodes, stateOf, freeStates, s).Visit(model.StateValues[s]);
                if (verdict.Kind == Dependence.Blocked)
                    return new ScanPlan(EquatableArray<int>.Empty, new ScanBlocker(LineOf(model, verdict.Term), Render(model, verdict.Term, TermDepth), verdict.Reason, true));
                scanned[s] = verdict.Kind == Dependence.Affine ? 1 : 0;
                if (verdict.Kind == Dependence.Free) freeStates.Add(s);
            }
            return new ScanPlan(scanned.ToEquatableArray(), null);
        }

        /// <summary>Language features the scan's coefficient passes do not run yet (masks, scalars, row statistics, a
        /// projected state): such a cell runs step by step, and the note names the feature and the line that uses it.</summary>
        private static ScanBlocker? FeatureBlocker(CellModel model)
        {
            const string NotInScan = "the scan schedule does not run this feature yet";
            if (model.Masks.Count > 0 || model.Connections.Count > 0)
                return Feature(model, "a training-time mask", NotInScan, t => t.Contains("dropout") || t.Contains("zoneout") || t.Contains("dropconnect"));
            if (model.Scalars.Count > 0)
                return Feature(model, "scalar " + model.Scalars[0], NotInScan, t => System.Text.RegularExpressions.Regex.IsMatch(t, @"\b" + model.Scalars[0] + @"\b") && !t.Contains(":"));
            if (model.Reductions.Count > 0)
                return Feature(model, "a row statistic", NotInScan, t => t.Contains("mean(") || t.Contains("variance(") || t.Contains("rms(") || t.Contains("layernorm("));
            if (model.Projection is { } projection)
                return Feature(model, projection.Matrix + " (the projected state)", NotInScan, t => t.Contains(projection.Matrix));
            return null;
        }

        private static ScanBlocker Feature(CellModel model, string term, string reason, System.Func<string, bool> uses)
        {
            var line = Enumerable.Range(0, model.Lines.Count).FirstOrDefault(l => uses(model.Lines[l].Text));
            return new ScanBlocker(line, term, reason, true);
        }

        /// <summary>One state's update, walked with memoised verdicts (intermediates are shared nodes).</summary>
        private sealed class Walker
        {
            private readonly EquatableArray<CellNode> _nodes;
            private readonly Dictionary<int, int> _stateOf;
            private readonly HashSet<int> _freeStates;
            private readonly int _state;
            private readonly Dictionary<int, Verdict> _memo = new();

            public Walker(EquatableArray<CellNode> nodes, Dictionary<int, int> stateOf, HashSet<int> freeStates, int state)
            {
                (_nodes, _stateOf, _freeStates, _state) = (nodes, stateOf, freeStates, state);
            }

            /// <summary>Children before parents with an explicit stack: a chain of equations can be as long as the cell.</summary>
            public Verdict Visit(int root)
            {
                var stack = new Stack<(int Id, bool Expanded)>();
                stack.Push((root, false));
                while (stack.Count > 0)
                {
                    var (id, expanded) = stack.Pop();
                    if (_memo.ContainsKey(id)) continue;
                    var node = _nodes[id];
                    if (id != root && _stateOf.TryGetValue(id, out var other) && other != _state)
                        _memo[id] = new Verdict(_freeStates.Contains(other) ? Dependence.Free : Dependence.Mapped, id, "");
                    else if (expanded || node.IsLeaf)
                        _memo[id] = Classify(node);
                    else
                    {
                        stack.Push((id, true));
                        stack.Push((node.Left, false));
                        if (node.ArgumentCount == 2) stack.Push((node.Right, false));
                    }
                }
                return _memo[root];
            }

            private Verdict Classify(CellNode node)
            {
                switch (node.Kind)
                {
                    case NodeKind.PreviousState:
                        return node.Index == _state
                            ? new Verdict(Dependence.Affine)
                            : new Verdict(Dependence.Blocked, node.Id, "the update reads the previous value of another state");
                    case NodeKind.StageProduct or NodeKind.StateProduct:
                        return new Verdict(Dependence.Blocked, node.Id, "a matrix multiplies a value of the step");
                    case NodeKind.Add or NodeKind.Subtract:
                        return Sum(node);
                    case NodeKind.Negate:
                        return _memo[node.Left];
                    case NodeKind.Multiply or NodeKind.Divide:
                        return Product(node);
                    case NodeKind.Function or NodeKind.Max or NodeKind.Min:
                        return Nonlinear(node);
                    default:
                        return new Verdict(Dependence.Free);
                }
            }

            private Verdict Sum(CellNode node)
            {
                Verdict left = _memo[node.Left], right = _memo[node.Right];
                if (Blocked(left, right) is { } blocked) return blocked;
                if (Has(left, right, Dependence.Affine) && Has(left, right, Dependence.Mapped))
                    return new Verdict(Dependence.Blocked, node.Id, "the recurrence adds a value computed from a scanned state");
                return new Verdict(Max(left.Kind, right.Kind));
            }

            private Verdict Product(CellNode node)
            {
                Verdict left = _memo[node.Left], right = _memo[node.Right];
                if (Blocked(left, right) is { } blocked) return blocked;
                if (right.Kind == Dependence.Affine && node.Kind == NodeKind.Divide)
                    return new Verdict(Dependence.Blocked, node.Id, "it divides by a value that depends on the previous state");
                if (left.Kind == Dependence.Affine && right.Kind == Dependence.Affine)
                    return new Verdict(Dependence.Blocked, node.Id, "it multiplies two values that depend on the previous state");
                if (Has(left, right, Dependence.Affine) && Has(left, right, Dependence.Mapped))
                    return new Verdict(Dependence.Blocked, node.Id, "the coefficient of the previous state depends on a scanned state");
                return new Verdict(Max(left.Kind, right.Kind));
            }

            private Verdict Nonlinear(CellNode node)
            {
                var kind = Dependence.Free;
                foreach (var argument in node.ArgumentCount == 2 ? new[] { node.Left, node.Right } : new[] { node.Left })
                {
                    var verdict = _memo[argument];
                    if (verdict.Kind == Dependence.Blocked) return verdict;
                    if (verdict.Kind == Dependence.Affine)
                        return new Verdict(Dependence.Blocked, node.Id, "a nonlinear function of the previous state");
                    kind = Max(kind, verdict.Kind);
                }
                return new Verdict(kind);
            }

            private static Verdict? Blocked(Verdict left, Verdict right) =>
                left.Kind == Dependence.Blocked ? left : right.Kind == Dependence.Blocked ? right : null;

            private static bool Has(Verdict left, Verdict right, Dependence kind) => left.Kind == kind || right.Kind == kind;

            private static Dependence Max(Dependence a, Dependence b) => a > b ? a : b;
        }

        /// <summary>A matrix product of a state or of a same-step value: named by its first matrix.</summary>
        private static ScanBlocker MatrixBlocker(CellModel model, MatrixGroup group)
        {
            var matrix = group.Matrices[0];
            var operand = group.Kind == OperandKind.State ? model.States[group.Operand] : model.Nodes[model.Operands[group.Operand].Node].Name;
            var text = matrix + " " + (group.Kind == OperandKind.State ? operand : "(" + operand + ")");
            var line = Enumerable.Range(0, model.Lines.Count).FirstOrDefault(l => Contains(model.Lines[l].Text, matrix));
            var reason = group.Kind == OperandKind.State
                ? "a matrix multiplies the previous state, so each step needs the one before"
                : "a matrix multiplies a value of the same step";
            return new ScanBlocker(line, text, reason, false);
        }

        /// <summary>Whether an equation mentions a name as a whole word.</summary>
        private static bool Contains(string text, string name)
        {
            for (var at = text.IndexOf(name); at >= 0; at = text.IndexOf(name, at + 1))
            {
                var before = at == 0 || !IsNameChar(text[at - 1]);
                var after = at + name.Length == text.Length || !IsNameChar(text[at + name.Length]);
                if (before && after) return true;
            }
            return false;
        }

        private static bool IsNameChar(char c) => char.IsLetterOrDigit(c) || c == '_';

        /// <summary>The first equation (in order) whose value reads the node: where the term is written. Nodes met in
        /// an earlier equation are not walked again, so this is linear in the graph.</summary>
        private static int LineOf(CellModel model, int target)
        {
            var seen = new HashSet<int>();
            var stack = new Stack<int>();
            for (var line = 0; line < model.Lines.Count; line++)
            {
                stack.Push(model.Lines[line].Node);
                while (stack.Count > 0)
                {
                    var id = stack.Pop();
                    if (id == target) return line;
                    if (!seen.Add(id)) continue;
                    var node = model.Nodes[id];
                    if (node.IsLeaf) continue;
                    stack.Push(node.Left);
                    if (node.ArgumentCount == 2) stack.Push(node.Right);
                }
            }
            return 0;
        }

        /// <summary>The term as the cell language writes it; named intermediates by name, deep subterms as "…".</summary>
        private static string Render(CellModel model, int id, int depth)
        {
            var node = model.Nodes[id];
            if (node.Kind == NodeKind.PreviousState) return model.States[node.Index];
            if (node.Kind == NodeKind.Constant) return node.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (node.Kind == NodeKind.Parameter) return model.Vectors[node.Index];
            if (node.Kind == NodeKind.InputProduct) return model.Products[node.Index].Matrix + " x";
            var state = model.StateValues.ToList().IndexOf(id);
            if (state >= 0 && depth < TermDepth) return model.States[state] + "'";
            if (node.Name.Length > 0 && depth < TermDepth) return node.Name;
            if (depth == 0) return "…";
            string Arg(int child) => Render(model, child, depth - 1);
            return node.Kind switch
            {
                NodeKind.Add => Arg(node.Left) + " + " + Arg(node.Right),
                NodeKind.Subtract => Arg(node.Left) + " - " + Arg(node.Right),
                NodeKind.Multiply => Wrap(model, node.Left, Arg(node.Left)) + " * " + Wrap(model, node.Right, Arg(node.Right)),
                NodeKind.Divide => Wrap(model, node.Left, Arg(node.Left)) + " / " + Wrap(model, node.Right, Arg(node.Right)),
                NodeKind.Negate => "-" + Wrap(model, node.Left, Arg(node.Left)),
                NodeKind.Function => node.Function + "(" + Arg(node.Left) + ")",
                NodeKind.Max => "max(" + Arg(node.Left) + ", " + Arg(node.Right) + ")",
                NodeKind.Min => "min(" + Arg(node.Left) + ", " + Arg(node.Right) + ")",
                _ => node.Name,
            };
        }

        /// <summary>Parentheses around a sum or difference inside a product.</summary>
        private static string Wrap(CellModel model, int child, string text) =>
            model.Nodes[child].Kind is NodeKind.Add or NodeKind.Subtract && !text.Contains("'") && model.Nodes[child].Name.Length == 0 ? "(" + text + ")" : text;
    }
}
