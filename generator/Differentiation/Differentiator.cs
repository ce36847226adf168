using System.Collections.Generic;
using System.Linq;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Differentiation
{
    /// <summary>
    /// Reverse-mode differentiation of the equation graph, one backward pass per stage (last stage first).
    /// Each node's adjoint is gathered once as the sum of what its consumers send back (chain rule),
    /// plus the incoming gradients of the states and stage operands it produced. Leaves send their
    /// adjoints out: d(products) for the runtime's GEMMs, d(previous states), d(vector parameters).
    /// </summary>
    internal static class Differentiator
    {
        public static KernelPlan Plan(CellModel model)
        {
            var plan = new ValuePlan(model);
            // Each pass visits only its own stage's nodes, so many stages cost no more than one.
            var stages = model.Nodes.ToLookup(n => n.Stage);
            var forward = Enumerable.Range(0, model.StageCount).Select(s => ForwardScheduler.Schedule(model, plan, s, stages[s])).ToList();
            var handedOn = ForwardScheduler.HandedOn(forward);
            var inference = Enumerable.Range(0, model.StageCount).Select(s => ForwardScheduler.ScheduleInference(model, plan, s, stages[s], handedOn)).ToList();
            var written = new HashSet<(KernelBuffer, int)>();
            var backward = new List<KernelPass>();
            for (var stage = model.StageCount - 1; stage >= 0; stage--)
                backward.Add(Backward(model, plan, stage, stages[stage].Where(n => !n.IsLeaf).ToList(), written));
            var ops = model.Nodes.Count(n => !n.IsLeaf);
            // The Zx/Zh/Zs widths once here: the model sums its groups for each, and a staged cell has a group per stage.
            return new KernelPlan(forward, inference, backward, plan.TapeWidth, plan.CarryWidth, model.Width(OperandKind.Input),
                model.Width(OperandKind.State), model.Width(OperandKind.Stage), ops, plan.TapeNames) { RowScalars = plan.RowScalars };
        }

        private static KernelPass Backward(CellModel model, ValuePlan plan, int stage, List<CellNode> operations, HashSet<(KernelBuffer, int)> written)
        {
            var nodes = model.Nodes;
            var reader = new ValueReader(model, plan, backward: true);
            var adjoints = new Dictionary<int, Ir>();
            var body = new List<Statement>();

            Ir Term(int consumer, int position)
            {
                var c = nodes[consumer];
                var d = adjoints[consumer];
                switch (c.Kind)
                {
                    case NodeKind.Add: return d;
                    case NodeKind.Subtract: return position == 0 ? d : new IrNegate(d);
                    case NodeKind.Negate: return new IrNegate(d);
                    case NodeKind.Multiply: return new IrBinary('*', d, reader.Read(position == 0 ? c.Right : c.Left));
                    case NodeKind.Divide:
                        return position == 0
                            ? new IrBinary('/', d, reader.Read(c.Right))
                            : new IrNegate(new IrBinary('/', new IrBinary('*', d, reader.Read(c.Id)), reader.Read(c.Right)));
                    case NodeKind.Function: return new IrBinary('*', d, Derivative(c, reader.Read(ReadsInput(c) ? c.Left : c.Id)));
                    // Ties give the whole gradient to the first argument: max(a, b) to a where a >= b, min where a <= b.
                    case NodeKind.Max: return new IrBinary('*', d, Tie(position, reader.Read(c.Left), reader.Read(c.Right)));
                    case NodeKind.Min: return new IrBinary('*', d, Tie(position, reader.Read(c.Right), reader.Read(c.Left)));
                    default: throw new System.InvalidOperationException("not an operation: " + c.Kind);
                }
            }

            List<Ir> TermsFromThisStage(int id) => plan.ConsumersIn(id, stage)
                .Select(e => Term(e.Consumer, e.Position))
                .ToList();

            for (var i = operations.Count - 1; i >= 0; i--)
            {
                var node = operations[i];
                var terms = TermsFromThisStage(node.Id);
                if (plan.TryCarrySlot(node.Id, out var carry)) terms.Add(new IrLoad(KernelBuffer.Carry, carry));
                terms.AddRange(Sinks(plan, node.Id));
                terms.AddRange(ReductionTerms.Of(plan, reader, node.Id));
                foreach (var line in plan.LinesOf(node.Id)) body.Add(new Remark(line.Text));
                if (terms.Count == 1 && terms[0] is IrRef alias)
                {
                    adjoints[node.Id] = alias;
                    continue;
                }
                var name = "d_" + plan.Name(node.Id);
                body.Add(new Let(name, IrBuilder.Sum(terms)));
                adjoints[node.Id] = new IrRef(name);
            }

            var outputs = SendOut(model, plan, reader, stage, operations, TermsFromThisStage, written);
            var statements = new List<Statement>();
            if (reader.Prelude.Count > 0)
            {
                statements.Add(new Remark("values saved by the forward pass"));
                statements.AddRange(reader.Prelude);
            }
            statements.AddRange(body);
            statements.Add(new Remark("gradients sent out: products (for the GEMMs), previous states, parameters"));
            statements.AddRange(outputs);
            return new KernelPass(stage, statements);
        }

        /// <summary>What a stage sends out: the adjoints of the leaves and earlier-stage values its operations read
        /// (at stage 0, of every leaf, which also collects the gradients arriving from outside).</summary>
        private static List<Statement> SendOut(CellModel model, ValuePlan plan, ValueReader reader, int stage, List<CellNode> operations,
            System.Func<int, List<Ir>> termsFromThisStage, HashSet<(KernelBuffer, int)> written)
        {
            var nodes = model.Nodes;
            var read = new SortedSet<int>(stage == 0 ? nodes.Where(n => n.IsLeaf).Select(n => n.Id) : Enumerable.Empty<int>());
            foreach (var operation in operations)
                foreach (var argument in operation.ArgumentCount == 2 ? new[] { operation.Left, operation.Right } : new[] { operation.Left })
                    if (nodes[argument].IsLeaf || nodes[argument].Stage < stage) read.Add(argument);
            // A product of this stage that a later stage reduces gets the reduction's share here.
            foreach (var operand in plan.OperandsOf(stage))
                if (nodes[operand.Node].IsLeaf) read.Add(operand.Node);

            var outputs = new List<Statement>();
            // Constants and masks (held fixed) receive no gradient: their terms are never built, so nothing is read for them.
            foreach (var node in read.Select(id => nodes[id]).Where(n => n.Kind is not (NodeKind.Constant or NodeKind.Mask)))
            {
                var terms = termsFromThisStage(node.Id);
                if (node.IsLeaf && stage == 0) terms.AddRange(Sinks(plan, node.Id));
                if (node.IsLeaf && node.Stage == stage) terms.AddRange(ReductionTerms.Of(plan, reader, node.Id));
                if (terms.Count == 0) continue;
                var (buffer, slot) = node.Kind switch
                {
                    NodeKind.InputProduct => (KernelBuffer.DZx, model.Products[node.Index].Slot),
                    NodeKind.StateProduct => (KernelBuffer.DZh, model.Products[node.Index].Slot),
                    NodeKind.StageProduct => (KernelBuffer.DZs, model.Products[node.Index].Slot),
                    NodeKind.PreviousState => (KernelBuffer.DPrev, node.Index),
                    NodeKind.Parameter => (KernelBuffer.DVector, node.Index),
                    NodeKind.Scalar => (KernelBuffer.DScalar, node.Index),
                    _ => (KernelBuffer.Carry, Slot(plan, node.Id)),
                };
                var accumulate = buffer is KernelBuffer.DVector or KernelBuffer.DScalar || !written.Add((buffer, slot));
                outputs.Add(new Store(buffer, slot, IrBuilder.Sum(terms), accumulate));
            }
            if (stage == 0)
                for (var s = 0; s < model.States.Count; s++)
                    if (written.Add((KernelBuffer.DPrev, s)))
                        outputs.Add(new Store(KernelBuffer.DPrev, s, new IrConst(0), false));
            return outputs;
        }

        private static int Slot(ValuePlan plan, int id) =>
            plan.TryCarrySlot(id, out var slot) ? slot : throw new System.InvalidOperationException("no carry slot for " + plan.Name(id));

        /// <summary>Gradients arriving from outside the pass: d(new state) and d(stage operand).</summary>
        private static IEnumerable<Ir> Sinks(ValuePlan plan, int id)
        {
            foreach (var state in plan.StatesOf(id)) yield return new IrLoad(KernelBuffer.DNext, state);
            if (plan.TryOperand(id, out var operand) && plan.IsMultiplied(operand)) yield return new IrLoad(KernelBuffer.DOperand, operand);
        }

        private static bool ReadsInput(CellNode function) => CellFunctions.Find(function.Function)!.DerivativeReadsInput;

        /// <summary>The derivative of max(a, b) (min(a, b) with a and b swapped) by the argument at
        /// <paramref name="position"/>: 1 where a >= b for a, 1 elsewhere for b (also where either is NaN).</summary>
        private static Ir Tie(int position, Ir winner, Ir other) =>
            position == 0 ? new IrCall("AtLeast", winner, other) : new IrCall("Below", winner, other);

        /// <summary>f'(x) written with the output y = f(x), or with x where the function's derivative reads its input.</summary>
        private static Ir Derivative(CellNode function, Ir y) => function.Function switch
        {
            "sigmoid" => new IrBinary('*', y, new IrBinary('-', new IrConst(1), y)),
            "tanh" => new IrBinary('-', new IrConst(1), new IrBinary('*', y, y)),
            "exp" => y,
            _ => new IrCall(CellFunctions.Find(function.Function)!.Method + "Derivative", y),
        };
    }
}
