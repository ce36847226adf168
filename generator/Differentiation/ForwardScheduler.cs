using System.Collections.Generic;
using System.Linq;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Differentiation
{
    /// <summary>
    /// Lays out the forward pass of each stage: the equations in order, each named value a local,
    /// single-use unnamed subexpressions inlined, then the stores (new states, stage operands, tape).
    /// The inference pass of a stage is the same without the tape stores only backward reads.
    /// </summary>
    internal static class ForwardScheduler
    {
        /// <param name="stageNodes">The nodes of this stage, in order.</param>
        public static KernelPass Schedule(CellModel model, ValuePlan plan, int stage, IEnumerable<CellNode> stageNodes) =>
            Schedule(model, plan, stage, stageNodes, keptTape: null);

        /// <summary>The pass for a step that records nothing for backward: of the tape it stores only the slots a later
        /// stage loads (<paramref name="handedOn"/>), which the runtime keeps for one step.</summary>
        public static KernelPass ScheduleInference(CellModel model, ValuePlan plan, int stage, IEnumerable<CellNode> stageNodes, ISet<int> handedOn) =>
            Schedule(model, plan, stage, stageNodes, handedOn);

        /// <summary>The tape slots the forward passes load: values one stage hands to a later one.</summary>
        public static ISet<int> HandedOn(IEnumerable<KernelPass> forward) => new HashSet<int>(forward
            .SelectMany(p => p.Statements).SelectMany(IrLoads.Of).Where(l => l.Buffer == KernelBuffer.Tape).Select(l => l.Slot));

        /// <param name="keptTape">The tape slots to store; null for all (a step recorded for backward).</param>
        private static KernelPass Schedule(CellModel model, ValuePlan plan, int stage, IEnumerable<CellNode> stageNodes, ISet<int>? keptTape)
        {
            var reader = new ValueReader(model, plan, backward: false);
            var body = new List<Statement>();
            var nodes = model.Nodes;

            bool Inline(CellNode node) =>
                node.Name.Length == 0
                && plan.Consumers[node.Id].Count == 1
                && nodes[plan.Consumers[node.Id][0].Consumer].Stage == node.Stage
                && !plan.TryTapeSlot(node.Id, out _) && !plan.TryState(node.Id, out _) && !plan.TryOperand(node.Id, out _);

            Ir Argument(int id)
            {
                var node = nodes[id];
                if (node.IsLeaf || node.Stage != stage) return reader.Read(id);
                return Inline(node) ? Expression(node) : new IrRef(plan.Name(id));
            }

            Ir Expression(CellNode node) =>
                ValueReader.Compute(node, Argument(node.Left), node.ArgumentCount == 2 ? Argument(node.Right) : null);

            foreach (var node in stageNodes.Where(n => !n.IsLeaf))
            {
                if (Inline(node)) continue;
                foreach (var line in plan.LinesOf(node.Id)) body.Add(new Remark(line.Text));
                body.Add(new Let(plan.Name(node.Id), Expression(node)));
                reader.Declare(node.Id);
            }

            var stores = new List<Statement>();
            foreach (var node in stageNodes.Where(n => !n.IsLeaf || n.Kind != NodeKind.Constant))
            {
                if (plan.TryTapeSlot(node.Id, out var slot) && (keptTape is null || keptTape.Contains(slot))) stores.Add(new Store(KernelBuffer.Tape, slot, reader.Read(node.Id), false));
                foreach (var state in plan.StatesOf(node.Id)) stores.Add(new Store(KernelBuffer.Next, state, reader.Read(node.Id), false));
                if (plan.TryOperand(node.Id, out var operand)) stores.Add(new Store(KernelBuffer.Operand, operand, reader.Read(node.Id), false));
            }
            stores.Sort((a, b) => ((Store)a).Buffer.CompareTo(((Store)b).Buffer));

            var statements = new List<Statement>();
            if (reader.Prelude.Count > 0)
            {
                statements.Add(new Remark("inputs of this step"));
                statements.AddRange(reader.Prelude);
            }
            statements.AddRange(body);
            if (stores.Count > 0)
            {
                statements.Add(new Remark(keptTape is null
                    ? "new states, stage operands and values saved for backward"
                    : "new states, stage operands and values a later stage reads"));
                statements.AddRange(stores);
            }
            return new KernelPass(stage, statements);
        }
    }
}
