using System.Collections.Generic;
using RnnGen.Generator.Parsing;

namespace RnnGen.Generator.Model
{
    /// <summary>
    /// RNN040 and RNN041: which schedule the cell gets. RNN040 (on by default) speaks only when the cell was one term away
    /// from the scan — no matrix multiplies a state — since a cell with U h is sequential by design and saying so on every
    /// LSTM would be noise. RNN041 (off by default; turn it on in .editorconfig) states the schedule of every cell.
    /// Both point at the equation that holds the blocking term (RNN041 at the first equation for a scan cell).
    /// </summary>
    internal static class ScheduleNotes
    {
        public static void Check(CellModel model, string typeName, EquationList syntax, List<TextDiagnostic> diagnostics)
        {
            var plan = ScanAnalysis.Analyze(model);
            var explanation = ScanAnalysis.Explain(model, plan);
            var equation = syntax.Equations[plan.Blocker?.Line ?? 0];
            if (plan.Blocker is { Elementwise: true })
                diagnostics.Add(new TextDiagnostic(DiagnosticDescriptors.ElementwiseButSequential, equation.Target.Start, equation.Value.End, typeName, explanation));
            diagnostics.Add(new TextDiagnostic(DiagnosticDescriptors.Schedule, equation.Target.Start, equation.Value.End, typeName, explanation));
        }
    }
}
