using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using RnnGen.Generator.Differentiation;

namespace RnnGen.Generator.Emit
{
    /// <summary>How many elements one rendering of a pass handles: a <c>Vector512&lt;T&gt;</c>, a <c>Vector&lt;T&gt;</c>, or one <c>T</c> (the tail).</summary>
    internal enum LaneWidth { Vector512, Vector, Scalar }

    /// <summary>Renders IR as C# over lanes of the given width.</summary>
    internal sealed class IrRenderer
    {
        private readonly LaneWidth _width;
        private readonly string _lanes;

        public IrRenderer(LaneWidth width)
        {
            _width = width;
            _lanes = width switch { LaneWidth.Vector512 => "Vector512Lanes", LaneWidth.Vector => "VectorLanes", _ => "ScalarLanes" };
        }

        public string Statement(Statement statement) => statement switch
        {
            Remark remark => "// " + remark.Text,
            Let let => $"var {let.Name} = {Expression(let.Value)};",
            // A scalar's gradient is the sum over the units: each lane group adds its horizontal sum.
            Store { Buffer: KernelBuffer.DScalar } store => $"{_lanes}.AddSum(s.DScalars, {store.Slot}, {Expression(store.Value)});",
            Store store when store.Accumulate =>
                $"{_lanes}.Store({Buffer(store.Buffer)}, {Offset(store.Buffer, store.Slot)}, {_lanes}.Load({Buffer(store.Buffer)}, {Offset(store.Buffer, store.Slot)}) + {Expression(store.Value, 1)});",
            Store store => $"{_lanes}.Store({Buffer(store.Buffer)}, {Offset(store.Buffer, store.Slot)}, {Expression(store.Value)});",
            _ => throw new System.InvalidOperationException(statement.GetType().Name),
        };

        /// <summary>Renders with the fewest parentheses: <paramref name="precedence"/> is the binding strength of the context.</summary>
        public string Expression(Ir ir, int precedence = 0)
        {
            switch (ir)
            {
                case IrRef reference: return reference.Name;
                case IrConst constant: return Constant(constant.Value);
                case IrLoad { Buffer: KernelBuffer.Scalar } load: return $"{_lanes}.Broadcast(s.Scalars, {load.Slot})";
                case IrLoad { Buffer: KernelBuffer.Row } load: return $"{_lanes}.Broadcast(rowStats, {load.Slot})";
                case IrLoad load: return $"{_lanes}.Load({Buffer(load.Buffer)}, {Offset(load.Buffer, load.Slot)})";
                case IrCall call: return $"CellMath.{call.Method}({string.Join(", ", call.Arguments.Select(a => Expression(a)))})";
                // -(-x), not --x: C# would read a decrement.
                case IrNegate { Operand: IrNegate } negate: return "-(" + Expression(negate.Operand) + ")";
                case IrNegate negate: return "-" + Expression(negate.Operand, 3);
                case IrBinary binary: return Binary(binary, precedence);
                default: throw new System.InvalidOperationException(ir.GetType().Name);
            }
        }

        /// <summary>A chain of left operands of the same precedence (a long sum of adjoint terms) is walked in a loop:
        /// its length is not bounded by the nesting limit. Right operands bind one tighter, so a - (b - c) and
        /// a / (b * c) keep their parentheses.</summary>
        private string Binary(IrBinary binary, int precedence)
        {
            var own = Precedence(binary);
            var chain = new Stack<IrBinary>();
            Ir first = binary;
            for (; first is IrBinary link && Precedence(link) == own; first = link.Left) chain.Push(link);
            var text = new StringBuilder(Expression(first, own));
            foreach (var link in chain) text.Append(' ').Append(link.Operator).Append(' ').Append(Expression(link.Right, own + 1));
            return own < precedence ? "(" + text + ")" : text.ToString();
        }

        private static int Precedence(IrBinary binary) => binary.Operator is '+' or '-' ? 1 : 2;

        private string Constant(double value)
        {
            var type = _width switch
            {
                LaneWidth.Vector512 => "global::System.Runtime.Intrinsics.Vector512<T>",
                LaneWidth.Vector => "global::System.Numerics.Vector<T>",
                _ => "T",
            };
            if (value == 0) return type + ".Zero";
            if (value == 1) return type + ".One";
            var scalar = $"T.CreateTruncating({value.ToString("R", CultureInfo.InvariantCulture)})";
            return _width switch
            {
                LaneWidth.Vector512 => $"global::System.Runtime.Intrinsics.Vector512.Create({scalar})",
                LaneWidth.Vector => $"new global::System.Numerics.Vector<T>({scalar})",
                _ => scalar,
            };
        }

        public static string Buffer(KernelBuffer buffer) => buffer switch
        {
            KernelBuffer.Zx => "s.Zx",
            KernelBuffer.Zh => "s.Zh",
            KernelBuffer.Zs => "s.Zs",
            KernelBuffer.Prev => "s.Prev",
            KernelBuffer.Next => "s.Next",
            KernelBuffer.Operand => "s.Operands",
            KernelBuffer.Tape => "s.Tape",
            KernelBuffer.Carry => "s.Carry",
            KernelBuffer.Vector => "s.Vectors",
            KernelBuffer.DNext => "s.DNext",
            KernelBuffer.DPrev => "s.DPrev",
            KernelBuffer.DZx => "s.DZx",
            KernelBuffer.DZh => "s.DZh",
            KernelBuffer.DZs => "s.DZs",
            KernelBuffer.DOperand => "s.DOperands",
            KernelBuffer.DVector => "s.DVectors",
            KernelBuffer.Mask => "s.Masks",
            KernelBuffer.Scalar => "s.Scalars",
            KernelBuffer.DScalar => "s.DScalars",
            KernelBuffer.Row => "rowStats",
            KernelBuffer.ScanA => "s.A",
            KernelBuffer.ScanB => "s.B",
            _ => throw new System.InvalidOperationException(buffer.ToString()),
        };

        /// <summary>The name of the row offset a buffer is addressed from (declared at the top of each element method).</summary>
        public static string RowOffset(KernelBuffer buffer) => buffer switch
        {
            KernelBuffer.Zx or KernelBuffer.DZx => "zx",
            KernelBuffer.Zh or KernelBuffer.DZh => "zh",
            KernelBuffer.Zs or KernelBuffer.DZs => "zs",
            KernelBuffer.Tape => "tape",
            KernelBuffer.Carry => "carry",
            KernelBuffer.Vector or KernelBuffer.DVector => "j",
            KernelBuffer.Scalar or KernelBuffer.DScalar or KernelBuffer.Row => "",   // not addressed by row
            _ => "row",
        };

        private static string Offset(KernelBuffer buffer, int slot)
        {
            var row = RowOffset(buffer);
            var stride = buffer switch
            {
                KernelBuffer.Prev or KernelBuffer.Next or KernelBuffer.ScanA or KernelBuffer.ScanB => "s.StateStride",
                KernelBuffer.Operand => "s.OperandStride",
                KernelBuffer.DNext or KernelBuffer.DPrev or KernelBuffer.DOperand => "s.GradientStride",
                KernelBuffer.Mask => "s.MaskStride",
                _ => "H",
            };
            return slot == 0 ? row : $"{slot} * {stride} + {row}";
        }
    }
}
