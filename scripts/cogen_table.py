#!/usr/bin/env python3
"""Tables of a co-generation run (workflows/cogen.yaml) from its summary.json, as in docs/cogen.md.

Per variant: pass@1 of the submission on the hidden tests, aligned and false-aligned shares, rounds to alignment,
samples spent (code and tests: mean, median, 90th percentile, max), and CodeT one-shot at the same mean spend:
the one-shot variants (criterion=oneshot, k + k samples) are the CodeT curve, read by linear interpolation at the
variant's mean samples. Then the test-quality figures the judge measured with the reference solution. Pass a
codet.yaml summary.json too for its test-quality rows.

Usage: python3 scripts/cogen_table.py out/cogen/summary.json [out/codet/summary.json]
"""
import json
import sys


def pct(x):
    return f"{100 * x:.2f}"


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 1
    summary = json.load(open(sys.argv[1]))
    variants = [(v["id"], v["axes"], v["metrics"]) for v in summary["variants"]]
    oneshot = sorted((m["code_samples"] + m["test_samples"], m["pass@1"]) for _, a, m in variants if a.get("criterion") == "oneshot")

    def codet_at(samples):
        """CodeT one-shot pass@1 at a given total of samples, by linear interpolation between one-shot variants."""
        if not oneshot:
            return None
        if samples <= oneshot[0][0]:
            return oneshot[0][1]
        for (x0, y0), (x1, y1) in zip(oneshot, oneshot[1:]):
            if samples <= x1:
                return y0 + (y1 - y0) * (samples - x0) / (x1 - x0)
        return oneshot[-1][1]

    print(f"run {summary['runId']}: {summary['variants'][0]['metrics']['problems']:.0f} problems, {summary['durationSeconds']:.0f} s")
    print()
    print("| variant | pass@1 | aligned | false aligned | rounds to alignment (mean / p50 / max) | code samples (mean / p50 / p90 / max) | test samples (mean) | CodeT one-shot at the same mean spend | difference |")
    print("|---|---|---|---|---|---|---|---|---|")
    for vid, axes, m in variants:
        spent = m["code_samples"] + m["test_samples"]
        base = codet_at(spent)
        aligned = m.get("aligned", 0)
        rounds = f"{m['rounds_to_alignment']:.2f} / {m['rounds_to_alignment_p50']:g} / {m['rounds_to_alignment_max']:g}" if "rounds_to_alignment" in m else "–"
        code = f"{m['code_samples']:.1f} / {m['code_samples_p50']:g} / {m['code_samples_p90']:g} / {m['code_samples_max']:g}"
        same = "–" if axes.get("criterion") == "oneshot" or base is None else pct(base)
        diff = "–" if same == "–" else f"{100 * (m['pass@1'] - base):+.2f}"
        print(f"| `{vid}` | {pct(m['pass@1'])} | {pct(aligned)} | {pct(m.get('false_aligned', 0))} | {rounds} | {code} | {m['test_samples']:.1f} | {same} | {diff} |")
    print()
    print("Test quality (judge only, reference solution):")
    print()
    print("| run / variant | valid tests | valid submitted test set | wrong programs caught | agreed but wrong: tests wrong | agreed but wrong: tests too weak |")
    print("|---|---|---|---|---|---|")
    rows = [("cogen", vid, m) for vid, _, m in variants]
    if len(sys.argv) > 2:
        codet = json.load(open(sys.argv[2]))
        rows += [("codet", v["id"], v["metrics"]) for v in codet["variants"]]
    for run, vid, m in rows:
        if "valid_tests" not in m:
            continue
        print(f"| {run} `{vid}` | {pct(m['valid_tests'])} | {pct(m['valid_test_set'])} | {pct(m['wrong_caught'])} | {pct(m.get('agreed_wrong_tests_wrong', 0))} | {pct(m.get('agreed_wrong_tests_weak', 0))} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
