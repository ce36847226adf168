using ScottPlot;

namespace RnnGen.Cli.Plots;

/// <summary>The PNG charts the commands write (ScottPlot).</summary>
internal static class Charts
{
    /// <summary>One line per series over a shared x axis.</summary>
    public static void Lines(string path, string title, string xLabel, string yLabel, IEnumerable<(string Name, double[] X, double[] Y)> series, bool logY = false)
    {
        var plot = new Plot();
        foreach (var (name, x, y) in series)
        {
            var line = plot.Add.ScatterLine(x, logY ? y.Select(v => Math.Log10(Math.Max(v, 1e-30))).ToArray() : y);
            line.LegendText = name;
        }
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(logY ? $"log10 {yLabel}" : yLabel);
        plot.ShowLegend();
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        plot.SavePng(path, 800, 500);
    }
}
