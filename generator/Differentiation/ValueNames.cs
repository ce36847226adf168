using System.Collections.Generic;
using System.Linq;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Differentiation
{
    /// <summary>
    /// Readable names for the values of a cell: the equation's own names, "i_pre" for the argument of i = f(…),
    /// "tanh_c_next" for an unnamed f(c_next), "one_minus_z" for short sums and products of named values, t{id}
    /// otherwise. Made-up names are cut short, so a chain of calls cannot make them grow with the nesting.
    /// </summary>
    internal sealed class ValueNames
    {
        /// <summary>The longest made-up name before its uniqueness number.</summary>
        public const int MaxLength = 32;

        /// <summary>Identifiers the emitted element methods declare or use besides the values (CellEmitter, IrRenderer).</summary>
        private static readonly HashSet<string> EmitterNames = new()
        {
            "H", "V", "W", "zx", "zh", "zs", "tape", "carry", "row", "rowStats", "nint", "CellMath", "ScalarLanes", "VectorLanes", "Vector512Lanes",
        };

        private readonly HashSet<string> _taken;
        // The next number to try for each name: probing from 2 every time would be quadratic when cut names collide.
        private readonly Dictionary<string, int> _nextNumber = new();

        private ValueNames(IEnumerable<string> taken) => _taken = new HashSet<string>(taken.Concat(EmitterNames));

        public static string[] Of(CellModel model)
        {
            var names = model.Nodes.Select(n => n.Name).ToArray();
            var table = new ValueNames(names.Where(n => n.Length > 0));
            // A value may not take a name the emitted methods declare themselves, nor one of the adjoints' "d_…" names.
            for (var i = 0; i < names.Length; i++)
                if (EmitterNames.Contains(names[i]) || names[i].StartsWith("d_", System.StringComparison.Ordinal))
                    names[i] = table.Unique("v_" + names[i]);
            for (var s = 0; s < model.StateValues.Count; s++)
            {
                var id = model.StateValues[s];
                if (model.Nodes[id].IsLeaf || names[id].Length > 0) continue;
                names[id] = table.Unique(model.States[s] + "_next");
            }
            foreach (var node in model.Nodes)
                if (node.Kind == NodeKind.Function && names[node.Id].Length > 0 && names[node.Left].Length == 0 && !model.Nodes[node.Left].IsLeaf)
                    names[node.Left] = table.Unique(names[node.Id] + "_pre");
            foreach (var node in model.Nodes)
                if (node.Kind == NodeKind.Function && names[node.Id].Length == 0 && names[node.Left].Length > 0)
                    names[node.Id] = table.Unique(node.Function + "_" + names[node.Left]);
            // Short sums and differences of named values read as what they are: one_minus_z, U_n_h_plus_b_hn.
            foreach (var node in model.Nodes)
                if (names[node.Id].Length == 0 && Describe(node, names, model.Nodes) is { Length: <= 24 } description)
                    names[node.Id] = table.Unique(description);
            for (var i = 0; i < names.Length; i++)
                if (names[i].Length == 0) names[i] = table.Unique("t" + i);
            return names;
        }

        private static string? Describe(CellNode node, string[] names, EquatableArray<CellNode> nodes)
        {
            if (node.Kind is not (NodeKind.Add or NodeKind.Subtract or NodeKind.Multiply)) return null;
            string? Operand(int id) =>
                names[id].Length > 0 ? names[id] : nodes[id] is { Kind: NodeKind.Constant, Value: 1 } ? "one" : null;
            return Operand(node.Left) is { } left && Operand(node.Right) is { } right ? $"{left}_{Verb(node.Kind)}_{right}" : null;
        }

        private static string Verb(NodeKind kind) => kind switch
        {
            NodeKind.Add => "plus",
            NodeKind.Subtract => "minus",
            _ => "times",
        };

        private string Unique(string name)
        {
            if (name.StartsWith("d_", System.StringComparison.Ordinal)) name = "v_" + name; // e.g. a state "d_x": "d_x_next"
            name = Shorten(name);
            if (_taken.Add(name)) return name;
            if (!_nextNumber.TryGetValue(name, out var number)) number = 2;
            while (!_taken.Add(name + number)) number++;
            _nextNumber[name] = number + 1;
            return name + number;
        }

        /// <summary>At most <see cref="MaxLength"/> characters: the start and the end of the name, each cut at a word, so
        /// both the outer call and the inner value still show ("tanh_tanh_tanh_tanh_W_x_U_h", "snnnnnnnnnnnnnn_next").</summary>
        private static string Shorten(string name)
        {
            if (name.Length <= MaxLength) return name;
            const int half = MaxLength / 2;
            var headEnd = name.LastIndexOf('_', half - 1);
            var head = name.Substring(0, headEnd > 0 ? headEnd : half - 1);
            var tailStart = name.IndexOf('_', name.Length - half);
            var tail = tailStart >= 0 && tailStart < name.Length - 1 ? name.Substring(tailStart + 1) : name.Substring(name.Length - half);
            return head + "_" + tail;
        }
    }
}
