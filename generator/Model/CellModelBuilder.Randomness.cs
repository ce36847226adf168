using System.Collections.Generic;
using System.Linq;
using RnnGen.Generator.Parsing;

namespace RnnGen.Generator.Model
{
    /// <summary>
    /// Training-time randomness. Each call becomes ordinary nodes around a <see cref="NodeKind.Mask"/> leaf that the
    /// runtime fills per step (Bernoulli masks in training, their expectation at inference), so the derivative is the
    /// usual one with the mask held fixed: dropout(v, p) and dropout_seq(v, p) are v * m; zoneout(s, n, p) in s' = … is
    /// n + m * (s − n). dropconnect(U h, p) is the product U h itself: its mask is on the matrix, applied by the runtime's GEMMs.
    /// </summary>
    internal sealed partial class CellModelBuilder
    {
        private readonly List<MaskSite> _masks = new();
        private readonly List<MaskSite> _connections = new();
        // Each rate name at its first use, with the call and the equation it is in (for RNN037 if it is also a parameter).
        private readonly Dictionary<string, (NameExpr Name, string Function, string Target)> _rateNames = new();

        private static bool IsRandom(string function) => function is "dropout" or "dropout_seq" or "zoneout" or "dropconnect";

        private int EvaluateRandom(CallExpr call)
        {
            var (rate, rateName) = Rate(call, call.Arguments[call.Arguments.Count - 1]);
            if (call.Function == "zoneout") return Zoneout(call, rate, rateName);
            if (call.Function == "dropconnect") return DropConnect(call, rate, rateName);
            var value = Evaluate(call.Arguments[0]);
            var kind = call.Function == "dropout" ? MaskKind.Dropout : MaskKind.Sequence;
            var label = _nodes[value].Name.Length > 0 ? _nodes[value].Name : "v";
            return Add(NodeKind.Multiply, value, Mask(kind, rate, rateName, label));
        }

        /// <summary>s' = zoneout(s, n, p): the unit keeps its previous value where the mask is 1.</summary>
        private int Zoneout(CallExpr call, double rate, string rateName)
        {
            var target = _syntax.Equations[_currentLine].Target;
            var state = call.Arguments[0] as NameExpr;
            if (state is not { Primed: false } || !_stateIndex.ContainsKey(state.Name))
            {
                Report(DiagnosticDescriptors.ZoneoutNotState, call.Arguments[0], target.Display, $"zones out {DescribeArgument(call.Arguments[0])}, not a state");
                return Add(NodeKind.Constant);
            }
            if (!target.Primed || target.Name != state.Name || !ReferenceEquals(_syntax.Equations[_currentLine].Value, call))
            {
                Report(DiagnosticDescriptors.ZoneoutNotState, call, target.Display, $"must be the whole right-hand side of {state.Name}' = zoneout({state.Name}, …)");
                return Add(NodeKind.Constant);
            }
            var previous = PreviousState(StateIndex(state.Name));
            var candidate = Evaluate(call.Arguments[1]);
            var mask = Mask(MaskKind.Zoneout, rate, rateName, state.Name);
            return Add(NodeKind.Add, candidate, Add(NodeKind.Multiply, mask, Add(NodeKind.Subtract, previous, candidate)));
        }

        /// <summary>dropconnect(U h, p): U must multiply a previous state, and its connections are dropped once.</summary>
        private int DropConnect(CallExpr call, double rate, string rateName)
        {
            var target = _syntax.Equations[_currentLine].Target.Display;
            if (call.Arguments[0] is not ProductExpr { Operand: NameExpr { Primed: false } operand } product || !_stateIndex.ContainsKey(operand.Name))
            {
                Report(DiagnosticDescriptors.DropConnectNotRecurrent, call.Arguments[0], target, DescribeProduct(call.Arguments[0]));
                return Add(NodeKind.Constant);
            }
            var node = Evaluate(product);
            if (_connections.Any(c => c.Matrix == product.Matrix.Name))
                Report(DiagnosticDescriptors.DropConnectNotRecurrent, call.Arguments[0], target, $"drops the connections of '{product.Matrix.Name}' a second time");
            else
                _connections.Add(new MaskSite(MaskKind.DropConnect, rate, rateName, product.Matrix.Name));
            return node;
        }

        private string DescribeProduct(Expr expr) => expr switch
        {
            ProductExpr { Operand: NameExpr { Name: "x", Primed: false } } product => $"drops the input matrix '{product.Matrix.Name}' (of x)",
            ProductExpr product => $"drops '{product.Matrix.Name}', a matrix of a value computed in the same step",
            _ => $"drops {DescribeArgument(expr)}, not a matrix product",
        };

        private int Mask(MaskKind kind, double rate, string rateName, string label)
        {
            _masks.Add(new MaskSite(kind, rate, rateName));
            return Add(NodeKind.Mask, index: _masks.Count - 1, name: UniqueName("mask_" + label));
        }

        /// <summary>A rate is a number in [0, 1) or a name the layer sets (RecurrentOptions.Rates).</summary>
        private (double Rate, string Name) Rate(CallExpr call, Expr expr)
        {
            var target = _syntax.Equations[_currentLine].Target.Display;
            if (EquationParser.Literal(expr) is { } value)
            {
                if (!(value >= 0 && value < 1))
                    Report(DiagnosticDescriptors.RateOutOfRange, expr, call.Function, target, DescribeArgument(expr));
                return (value, "");
            }
            if (expr is NameExpr { Primed: false } name && name.Name != "x" && !_stateIndex.ContainsKey(name.Name) && !_definitionLine.ContainsKey(name.Name))
            {
                if (!_rateNames.ContainsKey(name.Name)) _rateNames[name.Name] = (name, call.Function, target);
                return (0, name.Name);
            }
            Report(DiagnosticDescriptors.RateNotConstant, expr, call.Function, target, DescribeArgument(expr));
            return (0, "");
        }

        /// <summary>A rate name that is also a parameter would be two things at once.</summary>
        private void ReportRateClashes()
        {
            foreach (var (name, function, target) in _rateNames.Values.Where(r => _vectorNodes.ContainsKey(r.Name.Name) || _matrices.ContainsKey(r.Name.Name)))
                Report(DiagnosticDescriptors.RateNotConstant, name, function, target, $"'{name.Name}', also a parameter");
        }

        /// <summary>What an argument is, for the messages: "'h', a state", "0.5", "an expression".</summary>
        private string DescribeArgument(Expr expr) => expr switch
        {
            _ when EquationParser.Literal(expr) is { } value => value.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
            NameExpr { Primed: true } name => $"'{name.Display}', a new state value",
            NameExpr { Name: "x" } => "'x', the input",
            NameExpr name when _stateIndex.ContainsKey(name.Name) => $"'{name.Name}', a state",
            NameExpr name when _definitionLine.ContainsKey(name.Name) => $"'{name.Name}', an intermediate",
            NameExpr name => $"'{name.Name}', a parameter",
            _ => "an expression",
        };
    }
}
