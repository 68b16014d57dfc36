using System.Globalization;
using System.Net;
using System.Text;
using Seidr.Workflows.Engine;
using Seidr.Workflows.Persistence;

namespace Seidr.Workflows.Reports;

/// <summary>Where a report page loads its candidate trees from, one problem at a time.</summary>
/// <param name="Url">A folder next to the page (<c>report.data/</c>: files <c>N.js</c>) or a served prefix (<c>/reports/RUN/problems/</c>: <c>N</c>).</param>
/// <param name="Served">True: fetched over HTTP as HTML; false: sidecar scripts holding gzip-compressed HTML (they load from file://, where fetch cannot).</param>
public sealed record TreeSource(string Url, bool Served)
{
    /// <summary>Trees as sidecar scripts in <paramref name="folder"/> next to the page, which opens from file:// as well.</summary>
    public static TreeSource Sidecar(string folder) => new(folder.EndsWith('/') ? folder : folder + "/", false);
}

/// <summary>
/// The HTML report of one or more runs: metrics side by side, the plots (PNG, embedded as base64), a problem grid,
/// and each problem's candidate trees (draft, explanation, repair, ... with scores and failed tests). The page holds
/// no tree: a problem's trees load when it is opened (<see cref="TreeSource"/>), so the page of a full experiment
/// stays small (<see cref="RenderProblemAsync"/> renders one problem's trees).
/// </summary>
public static class HtmlReport
{
    /// <summary>Candidates shown per flow in the tree (the rest are counted).</summary>
    public const int MaxCandidatesPerFlow = 400;
    private const int MaxContent = 6000;

    private static readonly string[] Leading = ["problems", "solved", "solved_share", "pass@1", "pass@10", "pass@100", "solved_by_generated_tests", "solved_by_hidden_tests", "programs", "calls", "cached_calls", "tokens", "cost", "failed_flows", "failed_samples", "failed_calls", "budget_exhausted"];

    /// <summary>The problems of the runs, in order: problem <c>i</c>'s trees are part <c>i</c> of the page.</summary>
    public static IReadOnlyList<string> Problems(IReadOnlyList<RunAnalysis> runs) => runs.SelectMany(r => r.Run.Problems.Select(p => p.ProblemId)).Distinct().ToList();

    /// <summary>The page; its candidate trees load from <paramref name="trees"/> (default: the sidecar folder <c>report.data/</c>).</summary>
    public static string Render(IReadOnlyList<RunAnalysis> runs, TreeSource? trees = null, string? title = null)
    {
        trees ??= TreeSource.Sidecar("report.data/");
        if (runs.Count == 0) throw new ArgumentException("no runs to report");
        bool many = runs.Count > 1;
        var variants = runs.SelectMany(r => r.Variants).ToList();
        var sb = new StringBuilder();
        title ??= many ? $"Seidr runs {string.Join(" vs ", runs.Select(r => r.Run.Run.Id))}" : $"Seidr run {runs[0].Run.Run.Id}";
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(E(title)).Append("</title>\n<style>").Append(Css).Append("</style></head>")
          .Append("<body data-trees=\"").Append(E(trees.Url)).Append("\" data-served=\"").Append(trees.Served ? "true" : "false").Append("\">\n");
        sb.Append("<h1>").Append(E(title)).Append("</h1>\n");

        sb.Append("<section><h2>Runs</h2><table class=\"runs\"><tr><th>run</th><th>workflow</th><th>started</th><th>commit</th><th>seed</th><th>flows</th><th>sessions</th></tr>\n");
        foreach (var r in runs)
        {
            var run = r.Run.Run;
            sb.Append("<tr><td>").Append(E(run.Id)).Append("</td><td>").Append(E(run.WorkflowName ?? run.WorkflowId)).Append("<br><small>").Append(E(run.WorkflowPath)).Append("</small></td><td>")
              .Append(run.CreatedAt.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture)).Append("</td><td><code>").Append(E(run.GitCommit ?? "-")).Append("</code></td><td>")
              .Append(run.Seed).Append("</td><td>").Append(r.Run.FlowCount).Append(" / ").Append(run.TotalProblems * run.TotalVariants).Append("</td><td>")
              .Append(r.Run.Sessions.Length).Append(" (").Append(E(string.Join(", ", r.Run.Sessions.Select(s => s.ShardCount > 1 ? $"shard {s.ShardIndex}/{s.ShardCount} {s.Status}" : s.Status)))).Append(")</td></tr>\n");
        }
        sb.Append("</table></section>\n");

        // Metrics side by side: one column per run and variant.
        var metrics = Leading.Where(m => variants.Any(v => v.Metrics.ContainsKey(m)))
            .Concat(variants.SelectMany(v => v.Metrics.Keys).Distinct().Where(m => !Leading.Contains(m)).Order(StringComparer.Ordinal)).ToList();
        sb.Append("<section><h2>Metrics</h2><table class=\"metrics\"><tr><th>metric</th>");
        foreach (var v in variants) sb.Append("<th>").Append(E(v.Label(many))).Append("</th>");
        sb.Append("</tr>\n");
        foreach (var m in metrics)
        {
            var best = (m.StartsWith("solved", StringComparison.Ordinal) || m.StartsWith("pass@", StringComparison.Ordinal)) && !m.Contains("_per_", StringComparison.Ordinal) ? variants.Max(v => v.Metrics.GetValueOrDefault(m)) : double.NaN;
            sb.Append("<tr><td>").Append(E(m)).Append("</td>");
            foreach (var v in variants)
            {
                var has = v.Metrics.TryGetValue(m, out var x);
                sb.Append(has && variants.Count > 1 && x == best && x > 0 ? "<td class=\"best\">" : "<td>").Append(has ? Format(m, x) : "").Append("</td>");
            }
            sb.Append("</tr>\n");
        }
        sb.Append("</table></section>\n");

        sb.Append("<section><h2>Plots</h2><div class=\"plots\">");
        bool oneShot = RunAnalysis.IsOneShot(variants);
        if (oneShot)
        {
            // A fixed pool per problem (a ranking run): the solve curves would be one step at the pool size.
            Image(sb, "pass@k against k", Plots.PassAtK(variants, many));
            Image(sb, "submitted group per problem", Plots.SubmittedGroups(variants, many));
        }
        else
        {
            Image(sb, "solved share vs programs generated", Plots.SolvedByPrograms(variants, many));
            Image(sb, "solved share vs tokens spent", Plots.SolvedByTokens(variants, many));
        }
        Image(sb, "per-stage cost", Plots.StageCost(variants, many));
        Image(sb, "matrix heatmap", Plots.MatrixHeatmap(variants));
        if (Plots.CostQualityPoints(variants).Count > 0) Image(sb, "pass@1 vs samples spent (cost-quality frontier)", Plots.CostQuality(variants, many));
        sb.Append("</div></section>\n");

        // Problem grid.
        var problems = Problems(runs);
        var flowsOf = variants.Select(v => v.Flows.ToDictionary(f => f.Result.Key.ProblemId, StringComparer.Ordinal)).ToList();
        FlowView? FlowOf(int variant, string problem) => flowsOf[variant].GetValueOrDefault(problem);
        // A problem's link targets the body of its closed <details>: following it opens them (browsers reveal a
        // target's closed details ancestors), and opening loads its trees.
        sb.Append("<section><h2>Problems</h2><p>Click a problem to open its candidate trees.</p><table class=\"grid\"><tr><th>problem</th>");
        foreach (var v in variants) sb.Append("<th>").Append(E(v.Label(many))).Append("</th>");
        sb.Append("</tr>\n");
        foreach (var p in problems)
        {
            sb.Append("<tr><td><a href=\"#").Append(Anchor(p)).Append("\">").Append(E(p)).Append("</a></td>");
            for (int vi = 0; vi < variants.Count; vi++)
            {
                var f = FlowOf(vi, p);
                var solvedText = oneShot ? $"solved ({f?.SubmittedPassing}/{f?.Submitted} submitted pass)" : $"solved ({f?.ProgramsAtSolve} prog.)";
                sb.Append(f is null ? "<td class=\"none\">-</td>" : f.Solved ? $"<td class=\"ok\">{E(solvedText)}</td>" : $"<td class=\"bad\">{E(f.Result.Status == FlowStatus.Completed ? "unsolved" : f.Result.Status.ToString().ToLowerInvariant())}</td>");
            }
            sb.Append("</tr>\n");
        }
        sb.Append("</table></section>\n");

        sb.Append("<section><h2>Candidate trees</h2><p>A problem's trees load when it is opened.</p>\n");
        for (int i = 0; i < problems.Count; i++)
        {
            var p = problems[i];
            sb.Append("<details class=\"problem\" data-part=\"").Append(i).Append("\"><summary><b>").Append(E(p)).Append("</b> ");
            sb.Append(string.Join(" · ", variants.Select((v, vi) => FlowOf(vi, p) is { } f ? $"{E(v.Label(many))}: {(f.Solved ? "✔" : "✘")}" : $"{E(v.Label(many))}: -")));
            sb.Append("</summary>\n<div class=\"body\" id=\"").Append(Anchor(p)).Append("\"><p class=\"none\">loading…</p></div></details>\n");
        }
        sb.Append("</section>\n<footer>Generated by <code>seidr report</code> at ").Append(DateTimeOffset.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)).Append("</footer>\n<script>").Append(Script).Append("</script></body></html>\n");
        return sb.ToString();
    }

    /// <summary>
    /// One problem's part of the page: its prompt and, per run and variant, the flow's summary and candidate tree,
    /// read from the store for this problem only.
    /// </summary>
    public static async Task<string> RenderProblemAsync(IReadOnlyList<RunAnalysis> runs, string problem, CancellationToken cancellationToken = default)
    {
        bool many = runs.Count > 1;
        var sb = new StringBuilder();
        var prompt = runs.SelectMany(r => r.Run.Problems).FirstOrDefault(x => x.ProblemId == problem)?.Prompt;
        if (prompt is not null) sb.Append("<details class=\"prompt\"><summary>prompt</summary><pre>").Append(E(Cut(prompt))).Append("</pre></details>\n");
        foreach (var r in runs)
            foreach (var v in r.Variants)
            {
                var f = v.Flows.FirstOrDefault(x => x.Result.Key.ProblemId == problem);
                if (f is null) continue;
                sb.Append("<details class=\"flow\"><summary>").Append(E(v.Label(many))).Append(": ").Append(f.Result.Status.ToString().ToLowerInvariant())
                  .Append(f.Solved ? ", solved" : ", unsolved").Append(", ").Append(f.Result.Programs).Append(" programs, ").Append(f.Result.Calls).Append(" calls, ")
                  .Append(f.Result.Tokens.ToString("N0", CultureInfo.InvariantCulture)).Append(" tokens");
                if (!f.Result.Submission.IsEmpty)
                {
                    sb.Append(", submitted <code>").Append(E(f.Result.Submission[0].Id)).Append("</code>");
                    if (f.Submitted > 1) sb.Append(" and ").Append(f.Submitted - 1).Append(" more");
                }
                if (f.Result.Error is { } err) sb.Append(", error: ").Append(E(err));
                sb.Append("</summary>\n");
                var detail = await r.Store.LoadFlowDetailAsync(r.Run.Run.Id, v.Variant.Id, problem, cancellationToken: cancellationToken);
                Tree(sb, detail, f);
                sb.Append("</details>\n");
            }
        return sb.ToString();
    }

    private static void Tree(StringBuilder sb, FlowDetail detail, FlowView flow)
    {
        var candidates = detail.Candidates;
        var last = new Dictionary<string, ExecutionRow>(StringComparer.Ordinal);
        foreach (var e in detail.Executions) last[e.CandidateId] = e; // in time order: the last one stays
        if (candidates.IsEmpty) { sb.Append("<p class=\"none\">no candidates stored</p>"); return; }
        var ids = candidates.Select(c => c.CandidateId).ToHashSet(StringComparer.Ordinal);
        var children = candidates.Where(c => c.ParentId is not null && ids.Contains(c.ParentId)).ToLookup(c => c.ParentId!);
        var roots = candidates.Where(c => c.ParentId is null || !ids.Contains(c.ParentId)).ToList();
        var submitted = flow.Result.Submission.Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        int shown = 0;
        sb.Append("<div class=\"tree\">");
        foreach (var root in roots) Node(sb, last, root, children, submitted, ref shown, 0);
        if (shown < candidates.Length) sb.Append("<p class=\"none\">").Append(candidates.Length - shown).Append(" more candidates not shown</p>");
        sb.Append("</div>");
    }

    private static void Node(StringBuilder sb, Dictionary<string, ExecutionRow> last, CandidateRow c, ILookup<string, CandidateRow> children, HashSet<string> submitted, ref int shown, int depth)
    {
        if (shown >= MaxCandidatesPerFlow || depth > 200) return;
        shown++;
        last.TryGetValue(c.CandidateId, out var exec);
        var score = exec?.Score ?? c.Score;
        var cls = c.Kind == CandidateKinds.Program ? (score is >= 1.0 ? "cand ok" : "cand") : "cand other";
        sb.Append("<details class=\"").Append(cls).Append("\"><summary><span class=\"kind\">").Append(E(c.Kind)).Append("</span> <code>").Append(E(c.CandidateId)).Append("</code>");
        if (score is { } s) sb.Append(" score ").Append(s.ToString("0.00", CultureInfo.InvariantCulture));
        if (exec is not null && exec.Total > 0) sb.Append(" (").Append(exec.Passed).Append('/').Append(exec.Total).Append(" tests)");
        sb.Append(" · ").Append(E(c.Stage)).Append(" · gen ").Append(c.Generation);
        if (c.Model is not null) sb.Append(" · ").Append(E(c.Model));
        if (submitted.Contains(c.CandidateId)) sb.Append(" <span class=\"sub\">submitted</span>");
        sb.Append("</summary><pre>").Append(E(Cut(c.Content))).Append("</pre>");
        if (exec is not null)
        {
            var failed = StoreJson.Deserialize<TestResult[]>(exec.ResultsJson).Where(t => !t.Passed).Take(10).ToList();
            if (failed.Count > 0)
            {
                sb.Append("<div class=\"tests\"><b>failed tests</b><ul>");
                foreach (var t in failed)
                {
                    sb.Append("<li><code>").Append(E(Cut(t.Test, 300))).Append("</code> ").Append(E(t.Status.ToString().ToLowerInvariant()));
                    if (t.Expected is not null) sb.Append(" · expected <code>").Append(E(Cut(t.Expected, 200))).Append("</code>");
                    if (t.Actual is not null) sb.Append(" · actual <code>").Append(E(Cut(t.Actual, 200))).Append("</code>");
                    if (t.Message is not null) sb.Append(" · ").Append(E(Cut(t.Message, 300)));
                    sb.Append("</li>");
                }
                sb.Append("</ul></div>");
            }
        }
        foreach (var child in children[c.CandidateId]) Node(sb, last, child, children, submitted, ref shown, depth + 1);
        sb.Append("</details>\n");
    }

    private static void Image(StringBuilder sb, string alt, byte[] png) =>
        sb.Append("<figure><img alt=\"").Append(E(alt)).Append("\" src=\"data:image/png;base64,").Append(Convert.ToBase64String(png)).Append("\"><figcaption>").Append(E(alt)).Append("</figcaption></figure>");

    internal static string Format(string metric, double value) =>
        metric.StartsWith("pass@", StringComparison.Ordinal) || metric.EndsWith("_share", StringComparison.Ordinal) ? (100 * value).ToString("0.0", CultureInfo.InvariantCulture) + "%"
        : value == Math.Floor(value) && Math.Abs(value) < 1e15 ? value.ToString("N0", CultureInfo.InvariantCulture)
        : value.ToString("0.####", CultureInfo.InvariantCulture);

    private static string Anchor(string problem) => "p-" + string.Concat(problem.Select(c => char.IsLetterOrDigit(c) ? c : '-'));
    private static string Cut(string s, int max = MaxContent) => s.Length <= max ? s : s[..max] + $"\n... ({s.Length - max} more characters)";
    private static string E(string s) => WebUtility.HtmlEncode(s);

    // Loads a problem's trees the first time it is opened: from the server (fetch), or from its sidecar script,
    // which hands over gzip-compressed HTML as base64 (file:// pages may load scripts but not fetch files). A part
    // that cannot load says so in place and is tried again on the next opening.
    private const string Script = """
        (() => {
          const src = document.body.dataset.trees, served = document.body.dataset.served === 'true', waiting = {};
          window.seidrReport = { part(n, data) { const w = waiting[n]; if (w) { delete waiting[n]; w(data); } } };
          async function gunzip(b64) {
            const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
            return await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).text();
          }
          function script(n) {
            return new Promise((resolve, reject) => {
              waiting[n] = resolve;
              const s = document.createElement('script');
              s.src = src + n + '.js';
              s.onerror = () => { delete waiting[n]; s.remove(); reject(new Error('cannot load ' + s.src)); };
              s.onload = () => s.remove();
              document.head.appendChild(s);
            });
          }
          async function load(d) {
            if (d.dataset.state) return;
            d.dataset.state = 'loading';
            const body = d.querySelector(':scope > div.body'), n = d.dataset.part;
            try {
              let html;
              if (served) {
                const r = await fetch(src + n);
                if (!r.ok) throw new Error(r.status + ' ' + (await r.text()));
                html = await r.text();
              } else html = await gunzip(await script(n));
              body.innerHTML = html;
              d.dataset.state = 'loaded';
            } catch (e) {
              body.innerHTML = '';
              const p = document.createElement('p');
              p.className = 'error';
              p.textContent = 'The candidate trees could not be loaded: ' + e.message;
              body.appendChild(p);
              delete d.dataset.state;
            }
          }
          for (const d of document.querySelectorAll('details.problem')) {
            d.addEventListener('toggle', () => { if (d.open) load(d); });
            if (d.open) load(d);
          }
        })();
        """;

    private const string Css = """
        body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#222;max-width:1400px}
        h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:28px}
        table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}
        td:first-child,th:first-child{text-align:left}th{background:#f3f5f7}.runs td,.runs th{text-align:left}
        td.best{font-weight:bold;background:#e8f5e9}td.ok{background:#e8f5e9}td.bad{background:#fdecea}td.none{color:#999}
        .plots{display:flex;flex-wrap:wrap;gap:12px}figure{margin:0}figure img{border:1px solid #eee;max-width:100%}figcaption{font-size:12px;color:#666;text-align:center}
        details{margin:2px 0}details.problem{border:1px solid #ddd;border-radius:4px;padding:4px 8px;margin:6px 0}.body{scroll-margin-top:3em}
        details.flow{margin-left:12px}details.cand{margin-left:18px;border-left:3px solid #bbb;padding-left:6px}
        details.cand.ok{border-left-color:#43a047}details.cand.other{border-left-color:#1e88e5}
        summary{cursor:pointer}pre{background:#f7f7f7;padding:6px;overflow:auto;font-size:12px;max-height:360px}
        .kind{display:inline-block;font-size:11px;padding:0 5px;border-radius:3px;background:#eceff1}
        .sub{font-size:11px;padding:0 5px;border-radius:3px;background:#c8e6c9}.tests{font-size:12px}footer{margin-top:30px;color:#999;font-size:12px}.error{color:#b71c1c}
        """;
}
