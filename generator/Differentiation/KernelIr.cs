using System.Collections.Generic;
using System.Linq;

namespace RnnGen.Generator.Differentiation
{
    // A tiny straight-line IR for one element (or one vector of elements) of a kernel pass.
    // The emitter renders it twice: with Vector<T> for the body and with T for the tail.

    /// <summary>Where a value lives. The slot is a column block (Z*, Tape, Carry), a state, an operand or a vector parameter.
    /// ScanA and ScanB are the scan schedule's coefficients of s' = a ⊙ s + b, by state.</summary>
    internal enum KernelBuffer { Zx, Zh, Zs, Prev, Next, Operand, Tape, Carry, Vector, DNext, DPrev, DZx, DZh, DZs, DOperand, DVector, Mask, Scalar, DScalar, Row, ScanA, ScanB }

    internal abstract record Ir;
    internal sealed record IrRef(string Name) : Ir;
    internal sealed record IrConst(double Value) : Ir;
    internal sealed record IrLoad(KernelBuffer Buffer, int Slot) : Ir;
    internal sealed record IrNegate(Ir Operand) : Ir;
    internal sealed record IrBinary(char Operator, Ir Left, Ir Right) : Ir;
    internal sealed record IrCall(string Method, params Ir[] Arguments) : Ir;

    internal abstract record Statement;
    internal sealed record Let(string Name, Ir Value) : Statement;
    internal sealed record Store(KernelBuffer Buffer, int Slot, Ir Value, bool Accumulate) : Statement;
    internal sealed record Remark(string Text) : Statement;

    /// <summary>A number per batch row that a pass reads (slot k of its row buffer r), computed before the row's element
    /// loop: a statistic ("mean", "variance", "rms") of a RowReduction, or "adjoint": the sum of a statistic's adjoint
    /// over its H units (carry block <c>CarrySlot</c>) divided by the number of values the reduction reads.</summary>
    internal sealed record RowScalar(string Kind, int Reduction, int CarrySlot = -1);

    /// <summary>The statements of one pass (one stage, forward or backward) over one element.</summary>
    internal sealed record KernelPass(int Stage, IReadOnlyList<Statement> Statements);

    /// <summary>Everything the emitter needs besides the model: the passes and the sizes of the per-step buffers.
    /// Inference holds the forward passes of a step recorded for nothing: no tape stores but the values a later stage reads.</summary>
    internal sealed record KernelPlan(
        IReadOnlyList<KernelPass> Forward,
        IReadOnlyList<KernelPass> Inference,
        IReadOnlyList<KernelPass> Backward,
        int TapeWidth,
        int CarryWidth,
        int InputWidth,
        int RecurrentWidth,
        int StageWidth,
        int ElementwiseOps,
        IReadOnlyList<string> TapeNames)
    {
        /// <summary>The per-row numbers, by row slot.</summary>
        public IReadOnlyList<RowScalar> RowScalars { get; init; } = new RowScalar[0];
    }

    internal static class IrBuilder
    {
        /// <summary>Every leaf of an expression (references, constants, loads), left to right; a loop, as sums of adjoints are long.</summary>
        public static IEnumerable<Ir> Leaves(Ir root)
        {
            var pending = new Stack<Ir>();
            pending.Push(root);
            while (pending.Count > 0)
            {
                switch (pending.Pop())
                {
                    case IrNegate negate: pending.Push(negate.Operand); break;
                    case IrBinary binary: pending.Push(binary.Right); pending.Push(binary.Left); break;
                    case IrCall call: for (var i = call.Arguments.Length - 1; i >= 0; i--) pending.Push(call.Arguments[i]); break;
                    case var leaf: yield return leaf; break;
                }
            }
        }

        public static Ir Sum(IReadOnlyList<Ir> terms)
        {
            var sum = terms[0];
            for (var i = 1; i < terms.Count; i++)
                sum = terms[i] is IrNegate negate ? new IrBinary('-', sum, negate.Operand) : new IrBinary('+', sum, terms[i]);
            return sum;
        }
    }

    internal static class IrLoads
    {
        /// <summary>Every load in a statement, the stored-to buffer not included.</summary>
        public static IEnumerable<IrLoad> Of(Statement statement) => statement switch
        {
            Let let => IrBuilder.Leaves(let.Value).OfType<IrLoad>(),
            Store store => IrBuilder.Leaves(store.Value).OfType<IrLoad>(),
            _ => Enumerable.Empty<IrLoad>(),
        };
    }
}
