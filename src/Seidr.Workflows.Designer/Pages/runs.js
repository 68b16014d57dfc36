// The runs page: lists the runs of every store the designer reads, follows the selected one over server-sent
// events while it runs, links its report once it ends, and compares two runs side by side.
(function () {
    const api = "designer/api/live";
    const $ = id => document.getElementById(id);
    const selected = new Set();
    let current = null, source = null;

    function esc(t) { return String(t ?? "").replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]); }
    function num(v, digits) { return v == null ? "" : Number.isInteger(v) ? v.toLocaleString("en") : v.toFixed(digits ?? 3); }
    function pct(v) { return v == null ? "" : (100 * v).toFixed(1) + "%"; }
    // The time and "UTC" stay on one line when the list wraps its cells.
    function when(t) { return t ? new Date(t).toISOString().replace("T", " ").slice(0, 19) + "\u00a0UTC" : ""; }
    async function problem(r) { try { const b = await r.json(); return b.title || b.detail || r.statusText; } catch { return r.statusText; } }

    async function loadList() {
        let body;
        try {
            const r = await fetch(`${api}/runs`, { credentials: "same-origin" });
            if (!r.ok) { $("store-errors").textContent = await problem(r); return; }
            body = await r.json();
        } catch (e) { $("store-errors").textContent = "the designer does not answer: " + e; return; }
        $("stores").textContent = body.stores.length ? "stores: " + body.stores.join(", ") : "no run store yet";
        $("store-errors").innerHTML = body.errors.map(e => `<div>${esc(e.store)}: ${esc(e.message)}</div>`).join("");
        $("runs").tBodies[0].innerHTML = body.items.map(r =>
            `<tr data-run="${esc(r.id)}" class="${r.id === current ? "current" : ""}">` +
            `<td><input type="checkbox" class="pick" value="${esc(r.id)}" ${selected.has(r.id) ? "checked" : ""}></td>` +
            `<td class="l"><a href="runs?run=${encodeURIComponent(r.id)}" class="open">${esc(r.id)}</a></td>` +
            `<td class="l wrap">${esc(r.workflowName || r.workflowId)}</td>` +
            `<td class="l"><span class="status ${esc(r.status)}">${esc(r.status)}</span></td>` +
            `<td class="l wrap">${esc(when(r.createdAt))}</td><td>${num(r.variants)}</td><td>${num(r.flows)}/${num(r.expectedFlows)}</td></tr>`).join("")
            || `<tr><td colspan="7" class="l muted">No runs yet: start one from a workflow, or with seidr run --store.</td></tr>`;
    }

    function renderProgress(p) {
        $("run").hidden = false;
        $("run-id").textContent = p.id;
        $("run-workflow").textContent = p.workflowName || p.workflowId;
        $("run-status").textContent = p.status;
        $("run-status").className = "status " + p.status;
        $("run-flows").textContent = `${p.flows}/${p.expectedFlows} flows`;
        $("progress").tBodies[0].innerHTML = p.variants.map(v =>
            `<tr data-variant="${esc(v.id)}"><td class="l">${esc(v.id)}</td><td class="flows">${v.flowsDone}/${v.flowsTotal}</td>` +
            `<td><span class="bar"><i style="width:${v.flowsTotal ? (100 * v.flowsDone / v.flowsTotal).toFixed(0) : 0}%"></i></span></td>` +
            `<td>${v.solved}</td><td class="share">${pct(v.solvedShare)}</td><td class="calls">${num(v.calls)}</td><td class="tokens">${num(v.tokens)}</td><td>${num(v.cost, 4)}</td></tr>`).join("");
        const done = p.status !== "running";
        const link = $("report-link");
        link.hidden = !done;
        link.href = `${api}/runs/${encodeURIComponent(p.id)}/report`;
    }

    function follow(id) {
        current = id;
        if (source) { source.close(); source = null; }
        $("run-error").textContent = "";
        $("run-live").textContent = "";
        for (const tr of $("runs").tBodies[0].rows) tr.classList.toggle("current", tr.dataset.run === id);
        source = new EventSource(`${api}/runs/${encodeURIComponent(id)}/events`);
        source.addEventListener("progress", e => { renderProgress(JSON.parse(e.data)); if (JSON.parse(e.data).status === "running") $("run-live").textContent = "· live"; });
        source.addEventListener("end", e => { renderProgress(JSON.parse(e.data)); $("run-live").textContent = ""; source.close(); source = null; loadList(); });
        source.addEventListener("error", e => {
            if (e.data) { $("run").hidden = false; $("run-id").textContent = id; $("run-error").textContent = JSON.parse(e.data).title; source.close(); source = null; }
            // Without data it is a dropped connection: EventSource reconnects by itself.
        });
    }

    async function compare(a, b) {
        $("compare").hidden = false;
        $("compare-a").textContent = a; $("compare-b").textContent = b;
        $("compare-error").textContent = "";
        const r = await fetch(`${api}/compare?a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}`, { credentials: "same-origin" });
        if (!r.ok) { $("compare-error").textContent = await problem(r); return; }
        const c = await r.json();
        const keys = [...new Set(c.variants.flatMap(v => Object.keys(v.metrics)))];
        $("compare-variants").tHead.innerHTML = `<tr><th class="l">run</th><th class="l">variant</th>${keys.map(k => `<th>${esc(k)}</th>`).join("")}</tr>`;
        $("compare-variants").tBodies[0].innerHTML = c.variants.map(v =>
            `<tr><td class="l">${v.run === c.a ? "A" : "B"}</td><td class="l">${esc(v.variant)}</td>` +
            keys.map(k => `<td>${k.includes("share") || k.startsWith("pass@") ? pct(v.metrics[k]) : num(v.metrics[k])}</td>`).join("") + `</tr>`).join("");
        $("compare-counts").textContent = Object.entries(c.counts).map(([k, n]) => `${k}: ${n}`).join(" · ");
        $("compare-problems").tBodies[0].innerHTML = c.problems.map(p =>
            `<tr class="verdict-${esc(p.verdict)}"><td class="l">${esc(p.id)}</td><td class="l v">${esc(p.verdict)}</td>` +
            `<td class="l">${esc(p.solvedByA.join(", "))}</td><td class="l">${esc(p.solvedByB.join(", "))}</td></tr>`).join("");
    }

    document.addEventListener("click", e => {
        const a = e.target.closest("a.open");
        if (a) { e.preventDefault(); const id = a.closest("tr").dataset.run; history.replaceState(null, "", `runs?run=${encodeURIComponent(id)}`); follow(id); }
    });
    document.addEventListener("change", e => {
        if (!e.target.classList.contains("pick")) return;
        if (e.target.checked) selected.add(e.target.value); else selected.delete(e.target.value);
        $("compare-button").disabled = selected.size !== 2;
    });
    $("compare-button").addEventListener("click", () => { const [a, b] = [...selected]; compare(a, b); });

    // Start a run of a workflow file, as Studio's Run button does (the same Elsa endpoint), and follow it.
    async function loadWorkflows() {
        const r = await fetch("designer/api/workflows", { credentials: "same-origin" });
        if (!r.ok) return;
        const body = await r.json();
        $("start-workflow").innerHTML = body.items.map(w => `<option value="${esc(w.definitionId)}">${esc(w.name || w.definitionId)} (${esc(w.path)})</option>`).join("");
    }
    $("start-button").addEventListener("click", async () => {
        $("start-error").textContent = "";
        const id = $("start-workflow").value;
        const r = await fetch(`elsa/api/workflow-definitions/${encodeURIComponent(id)}/execute`, {
            method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ versionOptions: "Latest" }),
        });
        const run = r.headers.get("x-elsa-workflow-instance-id");
        if (!r.ok || !run) { $("start-error").textContent = await problem(r); return; }
        history.replaceState(null, "", `runs?run=${encodeURIComponent(run)}`);
        await loadList();
        follow(run);
    });

    const q = new URLSearchParams(location.search);
    loadWorkflows();
    loadList().then(() => {
        if (q.get("run")) follow(q.get("run"));
        if (q.get("compare")) { const [a, b] = q.get("compare").split(","); compare(a, b); }
    });
    setInterval(loadList, 3000);
})();
