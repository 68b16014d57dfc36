#!/usr/bin/env python3
"""Cross-validated figures of the group rankings on a stored CodeT run (workflows/codet.yaml).

Reads the run store of `seidr run workflows/codet.yaml --out DIR` (DIR/run.db): the `ranking=random` flows submit
their whole pool, so each flow holds every program with its per-test results and its hidden verdict, and the
flow's test sets give the multiplicity of each generated test case. From these dual execution matrices it
recomputes, with the same rules as src/Seidr.Workflows.Activities/Ranking (CodeTAgreement, BehaviourRanking):

- CodeT top-1 and the behaviour-cluster ranking for each softness gamma of a grid, and for the pool-only rule
  gamma = sqrt(T) (T: distinct generated test cases of the problem), which the workflow uses by default;
- pass@1 (share of correct samples in the top group, averaged over problems) on all problems, on the even- and on the
  odd-numbered ones;
- 2-fold cross-validation of choosing gamma on the grid by the hidden verdicts: choose on the even half, score the
  odd half, and the reverse; the held-out figure is the mean of the two held-out halves;
- the same cross-validation over the rule's family gamma = c * sqrt(T): the rule was itself found by looking at
  these problems' verdicts, so choosing its scale c on one half and scoring the other says what that look is worth.

Only the scoring reads hidden verdicts; the rankings read the code and test pools alone.

Usage: python3 scripts/ranking_cv.py out/codet/run.db [--run RUN_ID] [--grid 2,3,4,...]
"""
import argparse
import json
import math
import re
import sqlite3
import sys

GRID = [1, 2, 3, 4, 5, 6, 8, 12, 16, 32]
SCALES = [0.5, 0.75, 1, 1.25, 1.5, 2]


def exception_type(message):
    if not message:
        return ""
    last = message.rstrip().split("\n")[-1]
    colon = last.find(":")
    return (last[:colon] if colon > 0 else last).strip()


def outcome_class(r):
    """DualExecution.OutcomeClass: what a program did on one test's input."""
    status = r.get("Status")
    if status == "Passed":
        return "="
    if status == "Failed":
        return "≠" + r["Actual"] if r.get("Actual") is not None else "failed"
    if status == "Error":
        return "error:" + exception_type(r.get("Message"))
    return str(status).lower()


def test_keys(content):
    """TestSets.Parse + Key for CodeT-extracted sets (a JSON list of assert tests)."""
    text = content.lstrip()
    if not text.startswith("["):
        raise SystemExit("a test set is not a JSON list: this script reads codet.yaml runs (extraction: codet)")
    return [t["code"] for t in json.loads(text)]


def load(db_path, run_id):
    db = sqlite3.connect(db_path)
    if run_id is None:
        row = db.execute("select id from runs order by created_at desc limit 1").fetchone()
        if row is None:
            raise SystemExit(f"{db_path}: no run stored")
        run_id = row[0]
    variant = db.execute("select variant_id from variants where run_id = ? and variant_id like '%ranking=random%'", (run_id,)).fetchone()
    if variant is None:
        raise SystemExit(f"{db_path}: run {run_id} has no ranking=random variant")
    variant = variant[0]
    sets = {}
    for problem, cid, content in db.execute(
            "select problem_id, candidate_id, content from candidates where run_id = ? and variant_id = ? and kind = 'test-set'", (run_id, variant)):
        sets.setdefault(problem, {})[cid] = content
    problems = []
    for problem, result_json in db.execute("select problem_id, result_json from flows where run_id = ? and variant_id = ?", (run_id, variant)):
        result = json.loads(result_json)
        submission = result.get("Submission") or []
        hidden = result.get("Hidden") or []
        if len(hidden) != len(submission):
            raise SystemExit(f"{problem}: {len(submission)} programs but {len(hidden)} hidden verdicts")
        # Distinct tests with multiplicity, in order of first appearance (DualExecution.From).
        tests, test_index, test_counts = [], {}, []
        for cid in sorted(sets.get(problem, {}), key=lambda c: int(c.rsplit(".", 1)[1])):
            for key in test_keys(sets[problem][cid]):
                if key in test_index:
                    test_counts[test_index[key]] += 1
                else:
                    test_index[key] = len(tests)
                    tests.append(key)
                    test_counts.append(1)
        programs, index = [], {}
        for cand, verdict in zip(submission, hidden):
            content = cand["Content"]
            if content in index:
                programs[index[content]]["count"] += 1
                continue
            outcomes = ["missing"] * len(tests)
            passed = [False] * len(tests)
            for r in cand.get("Results") or []:
                t = test_index.get(r["Test"])
                if t is not None:
                    outcomes[t] = outcome_class(r)
                    passed[t] = r.get("Status") == "Passed"
            index[content] = len(programs)
            programs.append({"count": 1, "outcomes": outcomes, "passed": passed, "correct": bool(verdict["Passed"])})
        problems.append({"id": problem, "n": int(re.search(r"(\d+)$", problem).group(1)), "test_counts": test_counts, "programs": programs})
    problems.sort(key=lambda p: p["n"])
    return run_id, problems


def pool_pass1(p):
    total = sum(q["count"] for q in p["programs"])
    return sum(q["count"] for q in p["programs"] if q["correct"]) / total if total else 0.0


def top_pass1(p, groups):
    """Groups: (score, [program indices]); equal scores merged (GroupRanking.Merged); pass@1 of the top group."""
    if not groups:
        return pool_pass1(p)
    best = max(score for score, _ in groups)
    members = [i for score, group in groups if score == best for i in group]
    samples = sum(p["programs"][i]["count"] for i in members)
    return sum(p["programs"][i]["count"] for i in members if p["programs"][i]["correct"]) / samples


def codet(p):
    sets = {}
    for i, q in enumerate(p["programs"]):
        if any(q["passed"]):
            sets.setdefault(tuple(q["passed"]), []).append(i)
    groups = []
    for key, members in sets.items():
        cases = sum(c for c, ok in zip(p["test_counts"], key) if ok)
        groups.append((cases * math.sqrt(sum(p["programs"][i]["count"] for i in members)), members))
    return top_pass1(p, groups)


def behaviour(p, gamma):
    """BehaviourRanking.Rank: behaviour clusters, soft support sum_l size(l) * a(k,l)^gamma; gamma None = hard clusters."""
    progs = p["programs"]
    if not any(any(q["passed"]) for q in progs):
        return pool_pass1(p)
    clusters = {}
    for i, q in enumerate(progs):
        clusters.setdefault(tuple(q["outcomes"]), []).append(i)
    rows = list(clusters.keys())
    members = list(clusters.values())
    size = [sum(progs[i]["count"] for i in m) for m in members]
    weights = p["test_counts"]
    total = float(sum(weights))
    groups = []
    for k, row in enumerate(rows):
        passed = sum(w for w, o in zip(weights, row) if o == "=")
        if passed == 0:
            continue
        if gamma is None:
            support = size[k]
        else:
            support = 0.0
            for l, other in enumerate(rows):
                agree = sum(w for w, a, b in zip(weights, row, other) if a == b)
                support += size[l] * math.pow(agree / total, gamma)
        groups.append((passed * math.sqrt(support), members[k]))
    return top_pass1(p, groups)


def sqrt_rule(p):
    return math.sqrt(len(p["test_counts"]))


def mean(xs):
    return 100 * sum(xs) / len(xs) if xs else float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("db", help="run.db of a `seidr run workflows/codet.yaml --out DIR` run")
    ap.add_argument("--run", help="run id (default: the newest run in the store)")
    ap.add_argument("--grid", default=",".join(map(str, GRID)), help="gamma values for the cross-validated choice")
    args = ap.parse_args()
    grid = [float(g) for g in args.grid.split(",")]
    run_id, problems = load(args.db, args.run)
    even = [i for i, p in enumerate(problems) if p["n"] % 2 == 0]
    odd = [i for i, p in enumerate(problems) if p["n"] % 2 == 1]

    rules = {"random (pool)": [pool_pass1(p) for p in problems], "CodeT top-1": [codet(p) for p in problems]}
    rules["behaviour, hard clusters (no parameter)"] = [behaviour(p, None) for p in problems]
    for g in grid:
        rules[f"behaviour, gamma={g:g}"] = [behaviour(p, g) for p in problems]
    for c in SCALES:
        rules[f"behaviour, gamma={c:g}*sqrt(T)"] = [behaviour(p, c * sqrt_rule(p)) for p in problems]
    rules["behaviour, gamma=sqrt(T) (pool-only rule, default)"] = rules["behaviour, gamma=1*sqrt(T)"]

    print(f"run {run_id}: {len(problems)} problems ({len(even)} even, {len(odd)} odd); top-1 pass@1 in %")
    print(f"{'rule':52} {'all':>7} {'even':>7} {'odd':>7}")
    for name, scores in rules.items():
        print(f"{name:52} {mean(scores):7.2f} {mean([scores[i] for i in even]):7.2f} {mean([scores[i] for i in odd]):7.2f}")

    def cross_validate(label, names):
        """Choose among the named rules on one half by the hidden verdicts, score the other half, both ways."""
        held_out = []
        for choose, score, a, b in ((even, odd, "even", "odd"), (odd, even, "odd", "even")):
            best = max(names, key=lambda n: mean([rules[n][i] for i in choose]))
            figure = mean([rules[best][i] for i in score])
            held_out.append((len(score), figure))
            print(f"  {label}: chosen on the {a} half: {best}; held-out {b} half: {figure:.2f}")
        cv = sum(n * f for n, f in held_out) / sum(n for n, _ in held_out)
        print(f"  {label}: 2-fold cross-validated: {cv:.2f}")

    print("2-fold cross-validation (choose on one half by hidden verdicts, score the other, both ways):")
    cross_validate("gamma on the grid", [f"behaviour, gamma={g:g}" for g in grid])
    cross_validate("scale c of gamma = c*sqrt(T)", [f"behaviour, gamma={c:g}*sqrt(T)" for c in SCALES])
    rule = rules["behaviour, gamma=sqrt(T) (pool-only rule, default)"]
    codet_scores = rules["CodeT top-1"]
    print(f"pool-only rule gamma=sqrt(T), nothing chosen on hidden verdicts: {mean(rule):.2f} "
          f"(held-out halves {mean([rule[i] for i in even]):.2f} / {mean([rule[i] for i in odd]):.2f}); "
          f"CodeT {mean(codet_scores):.2f}; difference {mean(rule) - mean(codet_scores):+.2f} points, "
          f"better on {sum(a > b + 1e-12 for a, b in zip(rule, codet_scores))} problems, worse on {sum(a < b - 1e-12 for a, b in zip(rule, codet_scores))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
