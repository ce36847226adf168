using System.Collections.Generic;
using System.Linq;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Differentiation
{
    /// <summary>
    /// Decides how each value is found after the pass that computed it (in a later stage or in backward):
    /// read from where it already lives (a state, a stage operand, a parameter), recomputed when cheap
    /// (sums and products of such values), or saved on the tape by the forward pass.
    /// </summary>
    internal sealed class ValuePlan
    {
        private readonly CellModel _model;
        private readonly Dictionary<int, int> _tapeSlots = new();
        private readonly Dictionary<int, int> _carrySlots = new();
        private readonly Dictionary<int, int> _stateOf = new();
        private readonly Dictionary<int, int> _operandOf = new();
        private readonly ILookup<int, int> _statesByNode;
        private readonly ILookup<int, EquationLine> _lines;
        private readonly ILookup<(int Node, int Stage), (int Consumer, int Position)> _consumersByStage;
        private readonly Dictionary<RowScalar, int> _rowSlots = new();
        private readonly ILookup<int, CellNode> _statistics;
        private readonly bool[] _recomputable;
        private readonly bool[] _rowUniform;
        private readonly string[] _names;
        private readonly HashSet<int> _multiplied;
        private readonly ILookup<int, StageOperand> _operandsByStage;

        public ValuePlan(CellModel model)
        {
            _model = model;
            for (var s = 0; s < model.StateValues.Count; s++)
                if (!_stateOf.ContainsKey(model.StateValues[s])) _stateOf[model.StateValues[s]] = s;
            for (var o = 0; o < model.Operands.Count; o++) _operandOf[model.Operands[o].Node] = o;
            // Looked up per node and per stage: a staged cell has a group and an operand per stage, so no scans.
            _multiplied = new HashSet<int>(model.Groups.Where(g => g.Kind == OperandKind.Stage).Select(g => g.Operand));
            _operandsByStage = model.Operands.ToLookup(o => o.Stage);
            _statesByNode = Enumerable.Range(0, model.StateValues.Count).ToLookup(s => model.StateValues[s]);
            _lines = model.Lines.ToLookup(l => l.Node);
            _statistics = model.Nodes.Where(n => n.Kind == NodeKind.Statistic)
                .SelectMany(n => model.Reductions[n.Index].Operands.Select(o => (Value: model.Operands[o].Node, Statistic: n)))
                .ToLookup(p => p.Value, p => p.Statistic);
            _recomputable = new bool[model.Nodes.Count];
            _rowUniform = new bool[model.Nodes.Count];
            foreach (var node in model.Nodes) // children come first
            {
                _rowUniform[node.Id] = IsRowUniform(node);
                _recomputable[node.Id] = IsRecomputable(node);
            }
            _names = ValueNames.Of(model);
            Consumers = NodeConsumers.Of(model.Nodes);
            _consumersByStage = Consumers
                .SelectMany((edges, node) => edges.Select(e => (Node: node, Edge: e)))
                .ToLookup(e => (e.Node, model.Nodes[e.Edge.Consumer].Stage), e => e.Edge);
            PlanTape();
        }

        /// <summary>For every node, the (consumer, argument position) edges that read it.</summary>
        public List<(int Consumer, int Position)>[] Consumers { get; }

        /// <summary>The edges that read a node from one stage: a value read by every stage is not rescanned by each.</summary>
        public IEnumerable<(int Consumer, int Position)> ConsumersIn(int node, int stage) => _consumersByStage[(node, stage)];

        public int TapeWidth => _tapeSlots.Count;
        public int CarryWidth => _carrySlots.Count;
        /// <summary>The per-row numbers the passes read, in slot order (see <see cref="RowSlot"/>).</summary>
        public IReadOnlyList<RowScalar> RowScalars => _rowSlots.OrderBy(p => p.Value).Select(p => p.Key).ToList();

        /// <summary>The slot of a per-row number in the passes' row buffer r, assigned on first use.</summary>
        public int RowSlot(RowScalar scalar)
        {
            if (!_rowSlots.TryGetValue(scalar, out var slot)) _rowSlots[scalar] = slot = _rowSlots.Count;
            return slot;
        }

        /// <summary>Whether a stage operand is multiplied by a matrix (rather than only reduced), so its adjoint also
        /// comes back through that matrix.</summary>
        public bool IsMultiplied(int operand) => _multiplied.Contains(operand);

        /// <summary>The stage operands computed in stage <paramref name="stage"/>.</summary>
        public IEnumerable<StageOperand> OperandsOf(int stage) => _operandsByStage[stage];
        public IReadOnlyList<string> TapeNames => _tapeSlots.OrderBy(p => p.Value).Select(p => _names[p.Key]).ToList();

        public string Name(int node) => _names[node];
        /// <summary>The equations whose value the node is, for the remarks above its computation.</summary>
        public IEnumerable<EquationLine> LinesOf(int node) => _lines[node];
        public bool TryTapeSlot(int node, out int slot) => _tapeSlots.TryGetValue(node, out slot);
        public bool TryCarrySlot(int node, out int slot) => _carrySlots.TryGetValue(node, out slot);
        public bool TryState(int node, out int state) => _stateOf.TryGetValue(node, out state);
        public IEnumerable<int> StatesOf(int node) => _statesByNode[node];
        public bool TryOperand(int node, out int operand) => _operandOf.TryGetValue(node, out operand);
        /// <summary>The statistics (mean, variance, rms nodes) whose reduction reads the value.</summary>
        public IEnumerable<CellNode> StatisticsOf(int node) => _statistics[node];

        /// <summary>Values that can be read back without the tape.</summary>
        private bool Resident(CellNode node) =>
            node.Kind is NodeKind.Constant or NodeKind.PreviousState or NodeKind.Parameter or NodeKind.Mask or NodeKind.Scalar or NodeKind.Statistic
            || _stateOf.ContainsKey(node.Id) || _operandOf.ContainsKey(node.Id);

        /// <summary>Cheap enough to recompute from resident or saved values instead of saving.</summary>
        public bool Recomputable(int id) => _recomputable[id];

        // Decided once per node, children first: a recursive walk would follow chains of equations and repeat itself.
        private bool IsRecomputable(CellNode node)
        {
            // One number per row (1 / sqrt(variance(v) + eps)): recomputed from the row statistics, never saved per unit.
            if (!Resident(node) && _rowUniform[node.Id]) return true;
            if (Resident(node) || node.Kind is not (NodeKind.Add or NodeKind.Subtract or NodeKind.Multiply or NodeKind.Negate or NodeKind.Max or NodeKind.Min)) return false;
            return Available(node.Left) && (node.ArgumentCount == 1 || Available(node.Right));
        }

        /// <summary>Computed from numbers, scalars and statistics alone: the same for every unit of a row.</summary>
        private bool IsRowUniform(CellNode node) => node.Kind switch
        {
            NodeKind.Constant or NodeKind.Scalar or NodeKind.Statistic => true,
            _ when node.IsLeaf => false,
            _ => _rowUniform[node.Left] && (node.ArgumentCount == 1 || _rowUniform[node.Right]),
        };

        private bool Available(int id)
        {
            var node = _model.Nodes[id];
            // Divisions and most functions are always saved (their derivatives read them); abs is not (it reads x).
            return Resident(node) || node.Kind == NodeKind.Divide || _recomputable[id]
                || (node.Kind == NodeKind.Function && !CellFunctions.Find(node.Function)!.DerivativeReadsInput);
        }

        private void PlanTape()
        {
            // Values the derivatives read, and values a later forward stage reads.
            var needed = new HashSet<int>();
            foreach (var node in _model.Nodes)
            {
                switch (node.Kind)
                {
                    case NodeKind.Multiply: needed.Add(node.Left); needed.Add(node.Right); break;
                    case NodeKind.Divide: needed.Add(node.Right); needed.Add(node.Id); break;
                    case NodeKind.Function: needed.Add(CellFunctions.Find(node.Function)!.DerivativeReadsInput ? node.Left : node.Id); break;
                    case NodeKind.Max or NodeKind.Min: needed.Add(node.Left); needed.Add(node.Right); break;
                }
                // A statistic's adjoint is summed over the row before its operands' stage reads it.
                if (node.Kind == NodeKind.Statistic && !_carrySlots.ContainsKey(node.Id)) _carrySlots[node.Id] = _carrySlots.Count;
                if (node.IsLeaf) continue;
                foreach (var child in Children(node))
                    if (!_model.Nodes[child].IsLeaf && _model.Nodes[child].Stage < node.Stage)
                    {
                        needed.Add(child);
                        if (!_carrySlots.ContainsKey(child)) _carrySlots[child] = _carrySlots.Count;
                    }
            }
            var queue = new Queue<int>(needed);
            while (queue.Count > 0)
            {
                var id = queue.Dequeue();
                var node = _model.Nodes[id];
                if (Resident(node) || node.Kind == NodeKind.Constant) continue;
                if (Recomputable(id))
                {
                    foreach (var child in Children(node))
                        if (needed.Add(child)) queue.Enqueue(child);
                    continue;
                }
                if (!_tapeSlots.ContainsKey(id)) _tapeSlots[id] = _tapeSlots.Count;
            }
        }

        private IEnumerable<int> Children(CellNode node)
        {
            if (node.Kind == NodeKind.StageProduct) { yield return node.Left; yield break; }
            if (node.IsLeaf) yield break;
            yield return node.Left;
            if (node.ArgumentCount == 2) yield return node.Right;
        }
    }
}
