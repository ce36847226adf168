using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using RnnGen.Generator.Differentiation;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emit
{
    /// <summary>
    /// The per-row pass before a pass's element loop, for cells with row reductions: one sweep over the reduced rows
    /// gives their moments (RowMoments), one over a statistic's carried adjoint gives its sum; the results fill the
    /// row buffer rowStats that the element methods broadcast.
    /// </summary>
    internal static class RowStatistics
    {
        /// <summary>The row slots a pass reads, in order.</summary>
        public static List<int> Used(KernelPass pass) =>
            pass.Statements.SelectMany(Loads).Where(l => l.Buffer == KernelBuffer.Row).Select(l => l.Slot).Distinct().OrderBy(k => k).ToList();

        /// <summary>Declares rowStats before the batch loop.</summary>
        public static void Declare(CodeWriter w, KernelPlan plan, List<int> slots)
        {
            var what = string.Join(", ", slots.Select(k => Describe(plan.RowScalars[k])));
            w.Line($"global::System.Span<T> rowStats = stackalloc T[{plan.RowScalars.Count}]; // per row: {what}");
        }

        /// <summary>Fills the used slots of rowStats for row b: the moments of each reduction once, then each slot.</summary>
        public static void Fill(CodeWriter w, CellModel model, KernelPlan plan, List<int> slots)
        {
            var scalars = slots.Select(k => (Slot: k, Scalar: plan.RowScalars[k])).ToList();
            foreach (var reduction in scalars.Where(s => s.Scalar.Kind != "adjoint").Select(s => s.Scalar.Reduction).Distinct())
            {
                var operands = model.Reductions[reduction].Operands;
                w.Line($"var moments{reduction} = new global::RnnGen.Kernels.RowMoments<T>({OperandRow(operands[0])});");
                foreach (var operand in operands.Skip(1)) w.Line($"moments{reduction}.Add({OperandRow(operand)});");
            }
            foreach (var (slot, scalar) in scalars)
                w.Line($"rowStats[{slot}] = {Value(model, plan, scalar)};");
        }

        private static string Value(CellModel model, KernelPlan plan, RowScalar scalar) => scalar.Kind switch
        {
            "mean" => $"moments{scalar.Reduction}.Mean",
            "variance" => $"moments{scalar.Reduction}.Variance",
            "rms" => $"moments{scalar.Reduction}.Rms",
            _ => $"global::RnnGen.Kernels.RowMoments<T>.Sum(s.Carry.Slice({Block(scalar.CarrySlot)}b * {Blocks(plan.CarryWidth)}, H)) / " +
                 $"T.CreateTruncating({model.Reductions[scalar.Reduction].Operands.Count.ToString(CultureInfo.InvariantCulture)} * H)",
        };

        private static string OperandRow(int operand) => $"s.Operands.Slice({Block(operand, "s.OperandStride")}b * H, H)";

        private static string Block(int slot, string stride = "H") => slot == 0 ? "" : $"{slot} * {stride} + ";

        private static string Blocks(int count) => count == 1 ? "H" : $"{count} * H";

        private static string Describe(RowScalar scalar) =>
            scalar.Kind == "adjoint" ? $"d(statistic {scalar.Reduction}) summed / N" : $"{scalar.Kind} {scalar.Reduction}";

        /// <summary>Every load in a statement, the stored-to buffer not included.</summary>
        public static IEnumerable<IrLoad> Loads(Statement statement) => statement switch
        {
            Let let => IrBuilder.Leaves(let.Value).OfType<IrLoad>(),
            Store store => IrBuilder.Leaves(store.Value).OfType<IrLoad>(),
            _ => Enumerable.Empty<IrLoad>(),
        };
    }
}
