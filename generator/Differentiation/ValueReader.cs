using System.Collections.Generic;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Differentiation
{
    /// <summary>
    /// Reads values inside one pass. The first read of a value declares it at the top of the pass
    /// (a load, or a recomputation), so a pass reads like "inputs, then the equations".
    /// </summary>
    internal sealed class ValueReader
    {
        private readonly CellModel _model;
        private readonly ValuePlan _plan;
        private readonly bool _backward;
        private readonly HashSet<int> _declared = new();

        public ValueReader(CellModel model, ValuePlan plan, bool backward)
        {
            _model = model;
            _plan = plan;
            _backward = backward;
        }

        public List<Statement> Prelude { get; } = new();

        /// <summary>Marks a node as computed by the pass itself.</summary>
        public void Declare(int id) => _declared.Add(id);

        public Ir Read(int id)
        {
            var node = _model.Nodes[id];
            if (node.Kind == NodeKind.Constant) return new IrConst(node.Value);
            if (!_declared.Contains(id)) DeclareWithArguments(node);
            return new IrRef(_plan.Name(id));
        }

        /// <summary>Declares a value after the arguments it is recomputed from, left first. An explicit stack, since
        /// recomputation can follow a chain of equations as long as the cell.</summary>
        private void DeclareWithArguments(CellNode value)
        {
            var pending = new Stack<(CellNode Node, bool ArgumentsDeclared)>();
            pending.Push((value, false));
            while (pending.Count > 0)
            {
                var (node, ready) = pending.Pop();
                if (_declared.Contains(node.Id) || node.Kind == NodeKind.Constant) continue;
                if (!ready && _plan.Recomputable(node.Id)) // what Locate recomputes: never loaded
                {
                    pending.Push((node, true));
                    if (node.ArgumentCount == 2) pending.Push((_model.Nodes[node.Right], false));
                    pending.Push((_model.Nodes[node.Left], false));
                    continue;
                }
                Prelude.Add(new Let(_plan.Name(node.Id), Locate(node)));
                _declared.Add(node.Id);
            }
        }

        private Ir Locate(CellNode node)
        {
            switch (node.Kind)
            {
                case NodeKind.PreviousState: return new IrLoad(KernelBuffer.Prev, node.Index);
                case NodeKind.Parameter: return new IrLoad(KernelBuffer.Vector, node.Index);
                case NodeKind.Mask: return new IrLoad(KernelBuffer.Mask, node.Index);
                case NodeKind.Scalar: return new IrLoad(KernelBuffer.Scalar, node.Index);
                case NodeKind.Statistic: return new IrLoad(KernelBuffer.Row, _plan.RowSlot(new RowScalar(node.Function, node.Index)));
                case NodeKind.InputProduct when !_backward: return new IrLoad(KernelBuffer.Zx, _model.Products[node.Index].Slot);
                case NodeKind.StateProduct when !_backward: return new IrLoad(KernelBuffer.Zh, _model.Products[node.Index].Slot);
                case NodeKind.StageProduct when !_backward: return new IrLoad(KernelBuffer.Zs, _model.Products[node.Index].Slot);
            }
            if (_plan.TryState(node.Id, out var state)) return new IrLoad(KernelBuffer.Next, state);
            if (_plan.TryOperand(node.Id, out var operand)) return new IrLoad(KernelBuffer.Operand, operand);
            if (_plan.TryTapeSlot(node.Id, out var slot)) return new IrLoad(KernelBuffer.Tape, slot);
            if (_plan.Recomputable(node.Id)) return Compute(node, Read(node.Left), node.ArgumentCount == 2 ? Read(node.Right) : null);
            throw new System.InvalidOperationException($"value '{_plan.Name(node.Id)}' is neither saved nor recomputable");
        }

        /// <summary>The forward operation of a node applied to its arguments.</summary>
        public static Ir Compute(CellNode node, Ir left, Ir? right) => node.Kind switch
        {
            NodeKind.Add => new IrBinary('+', left, right!),
            NodeKind.Subtract => new IrBinary('-', left, right!),
            NodeKind.Multiply => new IrBinary('*', left, right!),
            NodeKind.Divide => new IrBinary('/', left, right!),
            NodeKind.Negate => new IrNegate(left),
            NodeKind.Function => new IrCall(CellFunctions.Find(node.Function)!.Method, left),
            NodeKind.Max => new IrCall("Max", left, right!),
            NodeKind.Min => new IrCall("Min", left, right!),
            _ => throw new System.InvalidOperationException("not an operation: " + node.Kind),
        };
    }
}
