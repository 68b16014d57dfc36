using ScottPlot;

namespace Seidr.Workflows.Reports;

/// <summary>The report's plots (ScottPlot), as PNG bytes.</summary>
internal static class Plots
{
    /// <summary>The size of every plot in pixels, so the page lays them out in a grid.</summary>
    public const int Width = 640, Height = 400;

    /// <summary>Share of problems solved against programs generated per problem, one stepped curve per variant.</summary>
    public static byte[] SolvedByPrograms(IReadOnlyList<VariantView> variants, bool withRun) =>
        Curves(variants, withRun, RunAnalysis.SolvedByPrograms, "Solved share vs programs generated", "programs per problem", stepped: true);

    /// <summary>Share of problems solved against tokens spent per problem, one curve per variant.</summary>
    public static byte[] SolvedByTokens(IReadOnlyList<VariantView> variants, bool withRun) =>
        Curves(variants, withRun, RunAnalysis.SolvedByTokens, "Solved share vs tokens spent", "tokens per problem", stepped: false);

    /// <summary>pass@k against k for a one-shot run (see <see cref="RunAnalysis.PassAtKCurve"/>).</summary>
    public static byte[] PassAtK(IReadOnlyList<VariantView> variants, bool withRun) =>
        Curves(variants, withRun, RunAnalysis.PassAtKCurve, "pass@k of the submitted programs", "k", stepped: false, yLabel: "pass@k");

    /// <summary>
    /// One point per problem and variant: how many programs the ranking submitted (its top group, or the whole pool)
    /// against the share of them that pass the hidden tests; problems where nothing was submitted are left out.
    /// </summary>
    public static byte[] SubmittedGroups(IReadOnlyList<VariantView> variants, bool withRun)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var shapes = new[] { MarkerShape.FilledCircle, MarkerShape.OpenSquare, MarkerShape.FilledTriangleUp, MarkerShape.OpenDiamond, MarkerShape.Cross };
        for (int i = 0; i < variants.Count; i++)
        {
            var flows = variants[i].Flows.Where(f => f.Submitted > 0).ToList();
            if (flows.Count == 0) continue;
            var points = plot.Add.ScatterPoints(flows.Select(f => (double)f.Submitted).ToArray(), flows.Select(f => f.SubmittedPassing / (double)f.Submitted).ToArray(), palette.GetColor(i));
            points.LegendText = $"{variants[i].Label(withRun)} (median group {Median(flows.Select(f => f.Submitted))})";
            points.MarkerShape = shapes[i % shapes.Length];
            points.MarkerSize = 6;
        }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.Title("Submitted group per problem");
        plot.XLabel("programs submitted (group size)");
        plot.YLabel("share passing the hidden tests");
        plot.Axes.SetLimitsY(-0.05, 1.05);
        plot.ShowLegend(Alignment.MiddleRight);
        return plot.GetImageBytes(Width, Height, ImageFormat.Png);
    }

    private static double Median(IEnumerable<int> values)
    {
        var v = values.Order().ToList();
        return v.Count == 0 ? 0 : v.Count % 2 == 1 ? v[v.Count / 2] : (v[v.Count / 2 - 1] + v[v.Count / 2]) / 2.0;
    }

    private static byte[] Curves(IReadOnlyList<VariantView> variants, bool withRun, Func<VariantView, (double[] X, double[] Y)> curve, string title, string xLabel, bool stepped, string yLabel = "solved share")
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
        plot.YLabel(yLabel);
        plot.Axes.Margins(horizontal: 0.02, vertical: 0);
        plot.Axes.SetLimitsY(0, 1.05);
        plot.ShowLegend(Alignment.LowerRight);
        return plot.GetImageBytes(Width, Height, ImageFormat.Png);
    }

    /// <summary>Variants that have a pass@1 and recorded model samples per kind (code and test samples): the cost-quality plot's points.</summary>
    public static IReadOnlyList<(VariantView Variant, double Samples, double Pass1)> CostQualityPoints(IReadOnlyList<VariantView> variants) =>
        variants.Where(v => v.Metrics.ContainsKey("pass@1") && (v.Metrics.ContainsKey("code_samples") || v.Metrics.ContainsKey("test_samples")))
            .Select(v => (v, v.Metrics.GetValueOrDefault("code_samples") + v.Metrics.GetValueOrDefault("test_samples"), v.Metrics["pass@1"]))
            .ToList();

    /// <summary>
    /// The cost-quality frontier: pass@1 against the mean model samples spent per problem (code plus test samples), one
    /// labelled point per variant, and the frontier (no other variant is both cheaper and better) as a dashed line.
    /// </summary>
    public static byte[] CostQuality(IReadOnlyList<VariantView> variants, bool withRun)
    {
        var points = CostQualityPoints(variants);
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        for (int i = 0; i < points.Count; i++)
        {
            var (v, x, y) = points[i];
            // Ten colours, then the same colours as squares and triangles, so every variant stays distinguishable.
            var shape = (i / 10) switch { 0 => MarkerShape.FilledCircle, 1 => MarkerShape.FilledSquare, _ => MarkerShape.FilledTriangleUp };
            var marker = plot.Add.Marker(x, y, shape, 9, palette.GetColor(i % 10));
            marker.LegendText = v.Label(withRun);
        }
        var frontier = new List<(double X, double Y)>();
        foreach (var (_, x, y) in points.OrderBy(p => p.Samples).ThenByDescending(p => p.Pass1))
            if (frontier.Count == 0 || y > frontier[^1].Y) frontier.Add((x, y));
        if (frontier.Count > 1)
        {
            var line = plot.Add.Scatter(frontier.Select(f => f.X).ToArray(), frontier.Select(f => f.Y).ToArray(), Colors.Gray);
            line.LinePattern = LinePattern.Dashed;
            line.MarkerSize = 0;
            line.LegendText = "frontier";
        }
        if (points.Count == 0) plot.Add.Annotation("no variant recorded samples per kind");
        plot.Title("Cost-quality: pass@1 vs samples spent");
        plot.XLabel("model samples per problem (code + tests, mean)");
        plot.YLabel("pass@1");
        plot.Axes.SetLimitsY(0, 1.05);
        plot.ShowLegend(Edge.Right); // beside the plot: points spread over the whole area
        return plot.GetImageBytes(Width + 300, 480, ImageFormat.Png);
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
