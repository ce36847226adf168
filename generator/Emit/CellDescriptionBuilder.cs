using System.Collections.Generic;
using System.Linq;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emit
{
    /// <summary>One operation of the emitted cell description (runtime <c>CellOperation</c>); <c>Kind</c> is the name
    /// of a runtime <c>CellOperationKind</c> member.</summary>
    internal sealed record DescribedOperation(string Kind, int[] Operands, string Name, double Value, int Line);

    /// <summary>One equation: its target (unprimed), whether it is a state, its text and the operation it assigns.</summary>
    internal sealed record DescribedEquation(string Target, bool IsState, string Text, int Result);

    internal sealed record CellDescriptionData(IReadOnlyList<DescribedOperation> Operations, IReadOnlyList<DescribedEquation> Equations, IReadOnlyList<int> StateResults);

    /// <summary>
    /// Lowers the equation graph to a list of operations in SSA form for exporters. Only nodes the states depend on are
    /// listed, in node order (children before parents); the products <see cref="ProductFusion"/> folded into Zx are
    /// split back into W x + U h, a statistic's operands are the rows it reduces, and a node kind this lowering does not
    /// know becomes an Unsupported operation naming it, so an exporter can refuse the cell instead of writing something wrong.
    /// </summary>
    internal sealed class CellDescriptionBuilder
    {
        private readonly CellModel _model;
        private readonly List<DescribedOperation> _operations = new();
        private readonly Dictionary<int, int> _ofNode = new();
        private readonly Dictionary<string, int> _leaves = new();
        private readonly int[] _lineOf;

        private CellDescriptionBuilder(CellModel model)
        {
            _model = model;
            _lineOf = LinesOfNodes(model);
        }

        public static CellDescriptionData Build(CellModel model)
        {
            var builder = new CellDescriptionBuilder(model);
            var reachable = builder.Reachable();
            foreach (var node in model.Nodes)
                if (reachable.Contains(node.Id)) builder._ofNode[node.Id] = builder.Lower(node);
            var equations = model.Lines.Select(line => Equation(line, builder._ofNode[line.Node])).ToList();
            return new CellDescriptionData(builder._operations, equations, model.StateValues.Select(v => builder._ofNode[v]).ToList());
        }

        private static DescribedEquation Equation(EquationLine line, int result)
        {
            // The parser starts each line's text at its target: "c' = …".
            var target = line.Text.Substring(0, line.Text.IndexOf('=')).Trim();
            var isState = target.EndsWith("'");
            return new DescribedEquation(isState ? target.TrimEnd('\'') : target, isState, line.Text, result);
        }

        private HashSet<int> Reachable()
        {
            var reachable = new HashSet<int>();
            var pending = new Stack<int>(_model.StateValues.Concat(_model.Lines.Select(l => l.Node)));
            while (pending.Count > 0)
            {
                var id = pending.Pop();
                if (!reachable.Add(id)) continue;
                var node = _model.Nodes[id];
                foreach (var child in Children(node)) pending.Push(child);
            }
            return reachable;
        }

        /// <summary>The nodes a node reads: a statistic reads the rows of its reduction, which are stage operands.</summary>
        private IEnumerable<int> Children(CellNode node) => node.Kind == NodeKind.Statistic
            ? _model.Reductions[node.Index].Operands.Select(operand => _model.Operands[operand].Node)
            : new[] { node.Left, node.Right }.Where(child => child >= 0);

        /// <summary>The equation that created a node: nodes are numbered in the order the lines were read.</summary>
        private int LineOf(int node) => node < _lineOf.Length ? _lineOf[node] : _model.Lines.Count - 1;

        /// <summary>For each node, the first line whose value is that node or a later one, in one pass over the lines
        /// (a search per node was quadratic in a cell of thousands of equations).</summary>
        private static int[] LinesOfNodes(CellModel model)
        {
            var lineOf = new int[model.Nodes.Count];
            var filled = 0;
            for (var line = 0; line < model.Lines.Count; line++)
                for (; filled <= model.Lines[line].Node && filled < lineOf.Length; filled++) lineOf[filled] = line;
            for (; filled < lineOf.Length; filled++) lineOf[filled] = model.Lines.Count - 1;
            return lineOf;
        }

        private int Add(string kind, int line, string name = "", double value = 0, params int[] operands)
        {
            _operations.Add(new DescribedOperation(kind, operands, name, value, line));
            return _operations.Count - 1;
        }

        private int Leaf(string kind, string name, int line)
        {
            var key = kind + " " + name;
            if (!_leaves.TryGetValue(key, out var index)) _leaves[key] = index = Add(kind, line, name);
            return index;
        }

        private int Lower(CellNode node)
        {
            var line = LineOf(node.Id);
            int Operand(int child) => _ofNode[child];
            switch (node.Kind)
            {
                case NodeKind.Constant: return Add("Constant", line, value: node.Value);
                case NodeKind.PreviousState: return Leaf("State", _model.States[node.Index], line);
                case NodeKind.Parameter: return Leaf("Vector", _model.Vectors[node.Index], line);
                case NodeKind.InputProduct: return InputProduct(node, line);
                case NodeKind.StateProduct:
                    var product = _model.Products[node.Index];
                    var state = Leaf("State", _model.States[_model.Groups[product.Group].Operand], line);
                    return Add("MatMul", line, product.Matrix, 0, state);
                case NodeKind.StageProduct: return Add("MatMul", line, _model.Products[node.Index].Matrix, 0, Operand(node.Left));
                case NodeKind.Add: return Add("Add", line, "", 0, Operand(node.Left), Operand(node.Right));
                case NodeKind.Subtract: return Add("Subtract", line, "", 0, Operand(node.Left), Operand(node.Right));
                case NodeKind.Multiply: return Add("Multiply", line, "", 0, Operand(node.Left), Operand(node.Right));
                case NodeKind.Divide: return Add("Divide", line, "", 0, Operand(node.Left), Operand(node.Right));
                case NodeKind.Max: return Add("Max", line, "", 0, Operand(node.Left), Operand(node.Right));
                case NodeKind.Min: return Add("Min", line, "", 0, Operand(node.Left), Operand(node.Right));
                case NodeKind.Negate: return Add("Negate", line, "", 0, Operand(node.Left));
                case NodeKind.Function: return Add("Function", line, node.Function, 0, Operand(node.Left));
                case NodeKind.Scalar: return Leaf("Scalar", _model.Scalars[node.Index], line);
                // Named by its function (variance), as the equation writes it; its operands are the rows reduced together.
                case NodeKind.Statistic: return Add("Statistic", line, node.Function, 0, Children(node).Select(Operand).ToArray());
                // The mask's index in CellInfo.Masks, so an exporter can write its expectation (its rate may be a layer's).
                case NodeKind.Mask: return Add("Mask", line, node.Name, node.Index);
                default: return Add("Unsupported", line, node.Kind.ToString());   // a node kind added to the model but not here
            }
        }

        /// <summary>W x, plus each recurrent product the kernels fold into W x's slot of Zx (W x + U h + V c), in the
        /// order the sums were written.</summary>
        private int InputProduct(CellNode node, int line)
        {
            var product = _model.Products[node.Index];
            var sum = Add("MatMul", line, product.Matrix, 0, Leaf("Input", "x", line));
            foreach (var group in _model.Groups)
            {
                var position = product.Slot - group.FusedOffset;
                if (group.Kind != OperandKind.State || position < 0 || position >= group.Fused) continue;
                var state = Leaf("State", _model.States[group.Operand], line);
                sum = Add("Add", line, "", 0, sum, Add("MatMul", line, group.Matrices[position], 0, state));
            }
            return sum;
        }
    }
}
