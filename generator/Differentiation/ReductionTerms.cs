using System.Collections.Generic;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Differentiation
{
    /// <summary>
    /// What a row statistic S of values v₁ … v_k (N = k·H numbers per row) sends back to each of them, given
    /// ā = (Σ over the row of dS) / N, the "adjoint" row scalar:
    /// mean: dv = ā; variance: dv = ā · 2 (v − mean); rms: dv = ā · v / rms.
    /// The sum needs the whole row of dS, so these terms are added in the pass of v's stage, after S's stage has
    /// written dS to its carry block.
    /// </summary>
    internal static class ReductionTerms
    {
        public static IEnumerable<Ir> Of(ValuePlan plan, ValueReader reader, int value)
        {
            foreach (var statistic in plan.StatisticsOf(value))
            {
                plan.TryCarrySlot(statistic.Id, out var carry);
                var adjoint = new IrLoad(KernelBuffer.Row, plan.RowSlot(new RowScalar("adjoint", statistic.Index, carry)));
                yield return statistic.Function switch
                {
                    "mean" => adjoint,
                    "variance" => new IrBinary('*', adjoint, new IrBinary('*', new IrConst(2),
                        new IrBinary('-', reader.Read(value), Statistic(plan, "mean", statistic.Index)))),
                    _ => new IrBinary('*', adjoint, new IrBinary('/', reader.Read(value), Statistic(plan, "rms", statistic.Index))),
                };
            }
        }

        private static Ir Statistic(ValuePlan plan, string kind, int reduction) => new IrLoad(KernelBuffer.Row, plan.RowSlot(new RowScalar(kind, reduction)));
    }
}
