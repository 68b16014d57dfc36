using ScottPlot;

namespace Seidr.Workflows.Reports;

/// <summary>The report's plots (ScottPlot), as PNG bytes.</summary>
public static class Plots
{
    public const int Width = 640, Height = 400;

    public static byte[] SolvedByPrograms(IReadOnlyList<VariantView> variants, bool withRun) =>
        Curves(variants, withRun, RunAnalysis.SolvedByPrograms, "Solved share vs programs generated", "programs per problem", stepped: true);

    public static byte[] SolvedByTokens(IReadOnlyList<VariantView> variants, bool withRun) =>
        Curves(variants, withRun, RunAnalysis.SolvedByTokens, "Solved share vs tokens spent", "tokens per problem", stepped: false);

    private static byte[] Curves(IReadOnlyList<VariantView> variants, bool withRun, Func<VariantView, (double[] X, double[] Y)> curve, string title, string xLabel, bool stepped)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        for (int i = 0; i < variants.Count; i++)
        {
            var (xs, ys) = curve(variants[i]);
            var line = plot.Add.Scatter(xs, ys, palette.GetColor(i));
            line.LegendText = variants[i].Label(withRun);
            line.MarkerSize = 0;
            line.LineWidth = 2;
            if (stepped) line.ConnectStyle = ConnectStyle.StepHorizontal;
        }
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel("solved share");
        plot.Axes.Margins(horizontal: 0.02, vertical: 0);
        plot.Axes.SetLimitsY(0, 1.05);
        plot.ShowLegend(Alignment.LowerRight);
        return plot.GetImageBytes(Width, Height, ImageFormat.Png);
    }

    /// <summary>Tokens spent per stage, bars grouped by stage, one colour per variant.</summary>
    public static byte[] StageCost(IReadOnlyList<VariantView> variants, bool withRun)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var stages = variants.SelectMany(v => v.Stages.Select(s => s.Stage)).Distinct().Order(StringComparer.Ordinal).ToList();
        bool useCost = variants.SelectMany(v => v.Stages).Any(s => s.Cost > 0);
        var bars = new List<Bar>();
        int groups = Math.Max(1, variants.Count);
        double width = 0.8 / groups;
        for (int si = 0; si < stages.Count; si++)
            for (int vi = 0; vi < variants.Count; vi++)
            {
                var spend = variants[vi].Stages.FirstOrDefault(s => s.Stage == stages[si]);
                double value = spend is null ? 0 : useCost ? (double)spend.Cost : spend.Tokens;
                bars.Add(new Bar { Position = si + (vi - (groups - 1) / 2.0) * width, Value = value, Size = width * 0.95, FillColor = palette.GetColor(vi) });
            }
        if (bars.Count > 0) plot.Add.Bars(bars);
        for (int vi = 0; vi < variants.Count; vi++)
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = variants[vi].Label(withRun), FillColor = palette.GetColor(vi) });
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, stages.Count).Select(i => (double)i).ToArray(), stages.ToArray());
        plot.Axes.Margins(bottom: 0, top: 0.3); // room above the bars for the legend
        plot.Title(useCost ? "Cost per stage" : "Tokens per stage");
        plot.YLabel(useCost ? "cost" : "tokens");
        if (stages.Count == 0) plot.Add.Annotation("no model calls recorded");
        plot.ShowLegend(Alignment.UpperRight);
        return plot.GetImageBytes(Width, Height, ImageFormat.Png);
    }

    /// <summary>The matrix as a heatmap of solved share: rows are the first axis's values, columns the other axes' combinations.</summary>
    public static byte[] MatrixHeatmap(IReadOnlyList<VariantView> variants, string metric = "solved_share")
    {
        var (rows, cols, cells) = MatrixGrid(variants, metric);
        var plot = new Plot();
        var data = new double[rows.Count, cols.Count];
        for (int r = 0; r < rows.Count; r++)
            for (int c = 0; c < cols.Count; c++)
                data[r, c] = cells.TryGetValue((rows[r], cols[c]), out var v) ? v : double.NaN;
        var heatmap = plot.Add.Heatmap(data);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        heatmap.ManualRange = new ScottPlot.Range(0, 1);
        heatmap.FlipVertically = false;
        plot.Add.ColorBar(heatmap);
        for (int r = 0; r < rows.Count; r++)
            for (int c = 0; c < cols.Count; c++)
                if (!double.IsNaN(data[r, c]))
                {
                    var text = plot.Add.Text($"{100 * data[r, c]:0.#}%", c, rows.Count - 1 - r);
                    text.LabelFontColor = data[r, c] > 0.6 ? Colors.Black : Colors.White;
                    text.LabelAlignment = Alignment.MiddleCenter;
                    text.LabelFontSize = 16;
                }
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, cols.Count).Select(i => (double)i).ToArray(), cols.ToArray());
        plot.Axes.Left.SetTicks(Enumerable.Range(0, rows.Count).Select(i => (double)(rows.Count - 1 - i)).ToArray(), rows.ToArray());
        plot.Title($"Matrix: {metric.Replace('_', ' ')}");
        return plot.GetImageBytes(Width, Math.Max(260, 90 * rows.Count + 120), ImageFormat.Png);
    }

    internal static (List<string> Rows, List<string> Cols, Dictionary<(string, string), double> Cells) MatrixGrid(IReadOnlyList<VariantView> variants, string metric)
    {
        var cells = new Dictionary<(string, string), double>();
        var rows = new List<string>();
        var cols = new List<string>();
        bool manyRuns = variants.Select(v => v.RunId).Distinct().Count() > 1;
        foreach (var v in variants)
        {
            var axes = v.Variant.Axes;
            string row = axes.IsEmpty ? "default" : $"{axes[0].Key}={axes[0].Value}";
            string col = axes.Length <= 1 ? "" : string.Join(", ", axes.Skip(1).Select(a => $"{a.Key}={a.Value}"));
            if (manyRuns) col = col.Length == 0 ? v.RunId : $"{v.RunId}: {col}";
            if (col.Length == 0) col = metric;
            if (!rows.Contains(row)) rows.Add(row);
            if (!cols.Contains(col)) cols.Add(col);
            cells[(row, col)] = v.Metrics.GetValueOrDefault(metric);
        }
        return (rows, cols, cells);
    }
}
