// The Seidr designer page: shows the latest run of the open workflow under the editor and keeps it fresh.
(function () {
    const s = window.seidr;
    if (!s || !s.definitionId) return;
    const panel = () => document.getElementById("seidr-run");
    let current = null, timer = null;

    function esc(t) { return String(t ?? "").replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]); }
    function fmt(v) { return typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toFixed(3)) : esc(v); }

    function render(run) {
        if (!run) { panel().innerHTML = ""; return; }
        const status = run.status === "Running" ? "Executing" : run.subStatus;
        let html = `<div><b>Run <a href="runs/${encodeURIComponent(run.id)}" target="_blank" id="seidr-run-link">${esc(run.id)}</a></b> · ` +
            `<span class="seidr-status ${esc(status)}" id="seidr-run-status">${esc(status)}</span>` +
            (run.totalFlows ? ` · ${run.completedFlows}/${run.totalFlows} flows` : "") +
            (run.durationSeconds != null ? ` · ${fmt(run.durationSeconds)} s` : "") + `</div>`;
        if (run.error) html += `<div class="seidr-error">${esc(run.error)}</div>`;
        if (run.messages && run.messages.length) html += `<ul>${run.messages.map(m => `<li>${esc(m)}</li>`).join("")}</ul>`;
        if (run.variants && run.variants.length) {
            const keys = Object.keys(run.variants[0].metrics).slice(0, 10);
            html += `<table id="seidr-run-summary"><tr><th>variant</th>${keys.map(k => `<th>${esc(k)}</th>`).join("")}</tr>` +
                run.variants.map(v => `<tr><td>${esc(v.id)}</td>${keys.map(k => `<td>${fmt(v.metrics[k])}</td>`).join("")}</tr>`).join("") + `</table>`;
        }
        if (run.summaryPath) html += `<div>Summary: <code>${esc(run.summaryPath)}</code></div>`;
        panel().innerHTML = html;
    }

    async function refresh() {
        try {
            const url = current ? `${s.runsApi}/${encodeURIComponent(current)}` : `${s.runsApi}?definitionId=${encodeURIComponent(s.definitionId)}`;
            const r = await fetch(url, { credentials: "same-origin" });
            if (!r.ok) return;
            const body = await r.json();
            const run = current ? body : (body.items || [])[0];
            if (!run) return;
            current = run.id;
            render(run);
            if (run.status !== "Running") { clearInterval(timer); timer = null; current = null; }
        } catch (e) { /* the server may be restarting; try again on the next tick */ }
    }

    function watch(id) {
        current = id || null;
        if (!timer) timer = setInterval(refresh, 1000);
        refresh();
    }
    s.watchRun = watch;

    document.addEventListener("DOMContentLoaded", () => {
        refresh();
        // Studio calls this with the instance id after Run; without it, it would navigate away from the page.
        customElements.whenDefined("elsa-workflow-definition-editor").then(() => {
            const editor = document.querySelector("elsa-workflow-definition-editor");
            if (editor) editor.workflowDefinitionExecuted = async id => watch(id);
        });
        // A run refused before it started has no instance id for Studio; poll briefly after clicks to show why.
        document.addEventListener("click", () => { if (!timer) { timer = setInterval(refresh, 1000); setTimeout(() => { if (!current && timer) { clearInterval(timer); timer = null; } }, 5000); } }, true);
    });
})();
