using ScottPlot;

namespace RnnGen.Bench.Report;

/// <summary>The ratio chart: TorchSharp time ÷ our time per size, one bar per cell and mode, log scale.</summary>
public static class Chart
{
    public sealed record Series(string Name, IReadOnlyList<double?> Ratios);

    public static void Write(string path, IReadOnlyList<string> sizes, IReadOnlyList<Series> series, string subtitle)
    {
        var plot = new Plot();
        var bars = new List<Bar>();
        var palette = new ScottPlot.Palettes.Category10();
        var group = series.Count + 1;
        double lo = 0, hi = 0;
        for (var k = 0; k < series.Count; k++)
        {
            var color = palette.GetColor(k);
            for (var s = 0; s < sizes.Count; s++)
            {
                if (series[k].Ratios[s] is not double ratio || ratio <= 0 || double.IsNaN(ratio)) continue;
                var value = Math.Log10(ratio);
                lo = Math.Min(lo, value);
                hi = Math.Max(hi, value);
                bars.Add(new Bar
                {
                    Position = s * group + k,
                    Value = value,
                    ValueBase = 0,
                    FillColor = color,
                    Label = ratio >= 10 ? $"{ratio:0}" : $"{ratio:0.0}",
                    CenterLabel = false,
                });
            }
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = series[k].Name, FillColor = color });
        }
        var barPlot = plot.Add.Bars(bars);
        barPlot.ValueLabelStyle.FontSize = 11;

        var parity = plot.Add.HorizontalLine(0);
        parity.LineColor = Colors.Black;
        parity.LinePattern = LinePattern.Dashed;

        // Log-scale ticks written as plain ratios.
        double[] candidates = [0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 3, 5, 10, 20, 30, 50, 100, 200, 500, 1000];
        var ticks = candidates.Where(c => Math.Log10(c) >= lo - 0.35 && Math.Log10(c) <= hi + 0.35).ToArray();
        plot.Axes.Left.SetTicks(ticks.Select(Math.Log10).ToArray(), ticks.Select(t => $"{t:0.##}×").ToArray());
        plot.Axes.Bottom.SetTicks(
            sizes.Select((_, s) => s * group + (series.Count - 1) / 2.0).ToArray(),
            sizes.Select(s => $"B,I,H,T = {s.Replace('x', ',')}").ToArray());
        plot.Axes.SetLimitsY(lo - 0.3, hi + 0.35);
        plot.Axes.SetLimitsX(-1, sizes.Count * group - 1);
        plot.Title($"TorchSharp time ÷ RnnGen time (above 1× = RnnGen faster; log scale)\n{subtitle}");
        plot.Axes.Left.Label.Text = "speed-up over TorchSharp";
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, 1400, 700);
    }
}
