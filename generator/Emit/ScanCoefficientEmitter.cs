using RnnGen.Generator.Differentiation;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emit
{
    /// <summary>
    /// Writes the coefficient passes of a cell the scan schedule runs (<see cref="ScanCoefficients"/>): one call over many
    /// rows gives a and b of every scanned state, and, in the recording pass, the tape entries that read no state; the
    /// inference pass stores no tape. Sequential cells get neither.
    /// </summary>
    internal static class ScanCoefficientEmitter
    {
        public static void Emit(CodeWriter w, CellModel model, KernelPlan plan)
        {
            var scan = ScanAnalysis.Analyze(model);
            if (!scan.Scannable) return;
            var recording = ScanCoefficients.Build(plan.Forward[0], scan.Scanned, keepTape: true);
            var inference = ScanCoefficients.Build(plan.Forward[0], scan.Scanned, keepTape: false);
            EmitEntry(w, "Coefficients", inference: false, "The scan schedule's coefficient pass over many rows: a and b of s' = a ⊙ s + b for every scanned state, and the tape entries that read no state.");
            EmitEntry(w, "InferCoefficients", inference: true, "The scan schedule's coefficient pass of a forward nothing back-propagates through (inference): Coefficients' a and b, with no tape stores.");
            CellEmitter.EmitPass(w, model, "Coefficients", "CellScanStep", recording.Pass, plan);
            CellEmitter.EmitPass(w, model, "InferCoefficients", "CellScanStep", inference.Pass, plan);
        }

        private static void EmitEntry(CodeWriter w, string name, bool inference, string summary)
        {
            w.Line($"/// <summary>{summary}</summary>");
            // Called by the scan schedule, not by users: keep it out of IntelliSense.
            w.Line("[global::System.ComponentModel.EditorBrowsable(global::System.ComponentModel.EditorBrowsableState.Never)]");
            w.Line($"public static void {name}<T>(in global::RnnGen.CellScanStep<T> s) {CellEmitter.Constraint}");
            w.Open();
            // An inference pass is handed no tape.
            w.Line(inference ? "s.Validate(Info, inference: true);" : "s.Validate(Info);");
            w.Line($"{name}Stage0(in s);");
            w.Close();
            w.Line();
        }
    }
}
