using RnnGen.Generator.Differentiation;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emit
{
    /// <summary>
    /// Writes the coefficient pass of a cell the scan schedule runs (<see cref="ScanCoefficients"/>): one call over many
    /// rows gives a and b of every scanned state, and the tape entries that read no state. Sequential cells get none.
    /// </summary>
    internal static class ScanCoefficientEmitter
    {
        public static void Emit(CodeWriter w, CellModel model, KernelPlan plan)
        {
            var scan = ScanAnalysis.Analyze(model);
            if (!scan.Scannable) return;
            var coefficients = ScanCoefficients.Build(plan.Forward[0], scan.Scanned);
            w.Line("/// <summary>The scan schedule's coefficient pass over many rows: a and b of s' = a ⊙ s + b for every scanned state.</summary>");
            // Called by the scan schedule, not by users: keep it out of IntelliSense.
            w.Line("[global::System.ComponentModel.EditorBrowsable(global::System.ComponentModel.EditorBrowsableState.Never)]");
            w.Line($"public static void Coefficients<T>(in global::RnnGen.CellScanStep<T> s) {CellEmitter.Constraint}");
            w.Open();
            w.Line("s.Validate(Info);");
            w.Line("CoefficientsStage0(in s);");
            w.Close();
            w.Line();
            CellEmitter.EmitPass(w, model, "Coefficients", "CellScanStep", coefficients.Pass, plan);
        }
    }
}
