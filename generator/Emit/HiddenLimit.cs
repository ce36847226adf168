using System.Globalization;
using System.Linq;
using RnnGen.Generator.Differentiation;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emit
{
    /// <summary>
    /// The largest compile-time Hidden the emitted code can address. A kernel reads block <c>k</c> of a row as the
    /// constant <c>k * H</c>, and the runtime lays a row out as blocks × H values, so the widest row — Zx, Zh, Zs,
    /// the tape, the carry or the vector parameters, in blocks of H — must fit in an int (else CS0220 in the kernels).
    /// </summary>
    internal static class HiddenLimit
    {
        /// <summary>Why <see cref="CellModel.Hidden"/> is too large for this cell, or null when it fits.</summary>
        public static string? Problem(CellModel model)
        {
            var plan = new ValuePlan(model);
            var blocks = new[]
            {
                1, model.Width(OperandKind.Input), model.Width(OperandKind.State), model.Width(OperandKind.Stage),
                plan.TapeWidth, plan.CarryWidth, model.Vectors.Count,
            }.Max();
            var largest = int.MaxValue / blocks;
            if (model.Hidden <= largest) return null;
            return string.Format(CultureInfo.InvariantCulture,
                "Hidden = {0} is too large for this cell: its widest per-step row holds {1} blocks of Hidden values, and {1} × Hidden must fit in an int; use Hidden ≤ {2}",
                model.Hidden, blocks, largest);
        }
    }
}
