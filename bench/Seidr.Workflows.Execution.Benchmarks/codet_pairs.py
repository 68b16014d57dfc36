# Pair-by-pair verdicts: every (program, generated test) pair that CodeT's own code ran (its cache
# dual_exec_result.pkl) against the verdict `seidr run workflows/codet.yaml` stored for the same pair (run.db), and
# optionally against a second run of ours (run-to-run differences). Each differing pair is executed again alone, with
# no limit that matters (2 s of CPU), to measure the CPU time the test takes: a difference is "near the limit" when
# that time is within a factor of 3 of the 0.1 s limit, or when either side's verdict came from a whole-program limit
# (CodeT kills a program after 0.1 s x its number of tests + 0.1 s of wall time and then fails all its tests).
# Everything else is listed, to be explained one by one.
#
#   python3 bench/Seidr.Workflows.Execution.Benchmarks/codet_pairs.py --codet-cache WORK/codet-cache \
#       --ours WORK/ours/run.db [--ours2 OTHER/run.db] [--variant codet] [--show 20]
#
# CodeT runs the first 5 test cases of each test sample, deduplicated per problem; its result per program is a list
# of booleans aligned with its test_cases, or the string "timed out" / "failed: ..." (all tests failed). Our program
# text is the prompt plus the completion, which is how CodeT builds its check program too.
import argparse
import collections
import gzip
import json
import os
import pickle
import sqlite3
import subprocess
import sys

ap = argparse.ArgumentParser()
ap.add_argument("--codet-cache", required=True, help="CodeT's --cache_dir (holding dual_exec_result.pkl)")
ap.add_argument("--ours", required=True, help="run.db of `seidr run workflows/codet.yaml`")
ap.add_argument("--ours2", help="run.db of a second run of ours, to count run-to-run differences")
ap.add_argument("--variant", default="codet", help="the ranking variant whose executions are read (all share them)")
ap.add_argument("--show", type=int, default=20, help="differing pairs printed per class")
ap.add_argument("--limit", type=float, default=0.1, help="the per-test limit both sides used (s)")
ap.add_argument("--python", default="/usr/bin/python3", help="interpreter for re-timing differing pairs")
ap.add_argument("--no-retime", action="store_true")
args = ap.parse_args()
repo = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def ours(path):
    """{(task, program text, test text): passed} from the store's executions of one variant's program candidates."""
    db = sqlite3.connect(path)
    variants = [r[0] for r in db.execute("SELECT variant_id FROM variants")]
    chosen = [v for v in variants if v.split("=")[-1] == args.variant] or variants[:1]
    if not chosen:
        sys.exit("%s: no variants" % path)
    variant = chosen[0]
    programs = {}
    for problem, cand, content in db.execute(
            "SELECT problem_id, candidate_id, content FROM candidates WHERE variant_id = ? AND kind = 'program'", (variant,)):
        programs[(problem, cand)] = content
    verdicts = {}
    best = {}
    for problem, cand, total, results in db.execute(
            "SELECT problem_id, candidate_id, total, results_json FROM executions WHERE variant_id = ?", (variant,)):
        if (problem, cand) not in programs:
            continue
        # A program may carry several execution rows (the execute stage's and the rank stage's score); the one with
        # per-test results for the most tests is the execution against the generated tests.
        if total <= best.get((problem, cand), -1):
            continue
        best[(problem, cand)] = total
        for r in json.loads(results):
            test = (r.get("Test") or r.get("test") or "").strip()
            status = r.get("Status") or r.get("status")
            verdicts[(problem, programs[(problem, cand)], test)] = (status == "Passed" or status == 0, str(status))
    return variant, verdicts


def codet(path):
    with open(os.path.join(path, "dual_exec_result.pkl"), "rb") as f:
        rows = pickle.load(f)
    return rows


rows = codet(args.codet_cache)
variant, mine = ours(args.ours)
print("ours: variant %s, %d (program, test) pairs with verdicts" % (variant, len(mine)))

# Our program text starts with the prompt; CodeT keeps prompt and completion apart. Index ours by task and program.
mine_by_program = collections.defaultdict(dict)
for (task, program, test), v in mine.items():
    mine_by_program[(task, program)][test] = v

programs_of = collections.defaultdict(list)
for (task, program) in mine_by_program:
    programs_of[task].append(program)
prompts = {}
with gzip.open(os.path.join(repo, "data", "humaneval", "HumanEval_no_examples.jsonl.gz"), "rt", encoding="utf8") as f:
    for line in f:
        if line.strip():
            problem = json.loads(line)
            prompts[problem["task_id"]] = problem["prompt"]

counts = collections.Counter()
diffs = collections.defaultdict(list)
programs_seen = 0
for row in rows:
    task, tests, result = row["task_id"], row["test_cases"], row["result"]
    if not tests:
        # A problem with no usable generated test: CodeT still runs the program (and reports "timed out" after its
        # 0.1 s join), ours runs nothing; there is no pair to compare.
        counts["codet programs with no test (0 pairs)"] += 1
        continue
    # CodeT's check program is prompt + completion; ours is the same text (see the header).
    key = (task, prompts.get(task, "") + row["completion"])
    if key not in mine_by_program:
        matches = [p for p in programs_of[task] if p.endswith(row["completion"])]
        key = (task, matches[0]) if len(matches) == 1 else None
    if key is None:
        counts["codet program not found in ours"] += 1
        continue
    programs_seen += 1
    whole = isinstance(result, str)
    codet_verdicts = [False] * len(tests) if whole else list(result)
    for test, cv in zip(tests, codet_verdicts):
        test = test.strip()
        ov = mine_by_program[key].get(test)
        if ov is None:
            counts["pair not run by ours"] += 1
            continue
        counts["pairs compared"] += 1
        if ov[0] == cv:
            counts["equal"] += 1
            continue
        cls = ("codet whole-program " + result.split(":")[0]) if whole else ("ours %s, codet %s" % (ov[1], "passed" if cv else "failed"))
        diffs[cls].append((task, key[1], test, ov[1], cv, result if whole else None))

print("CodeT rows %d, programs matched %d" % (len(rows), programs_seen))
for k in ("pairs compared", "equal", "codet programs with no test (0 pairs)", "codet program not found in ours", "pair not run by ours"):
    print("  %-40s %d" % (k, counts[k]))
ndiff = sum(len(v) for v in diffs.values())
print("  %-40s %d" % ("differing", ndiff))


def retime(program, test):
    """CPU seconds the test takes alone after the program is defined (None when it does not finish in 2 s)."""
    code = (
        "import resource, sys, time\n"
        "resource.setrlimit(resource.RLIMIT_CPU, (3, 3))\n"
        "g = {}\n"
        "exec(compile(sys.argv[1], 'program', 'exec'), g)\n"
        "t0 = time.process_time()\n"
        "try:\n"
        "    exec(compile(sys.argv[2], 'test', 'exec'), g)\n"
        "    ok = True\n"
        "except BaseException:\n"
        "    ok = False\n"
        "print(time.process_time() - t0, ok)\n")
    try:
        p = subprocess.run([args.python, "-c", code, program, test], capture_output=True, text=True, timeout=10,
                           stdin=subprocess.DEVNULL)
        parts = p.stdout.split()
        return (float(parts[-2]), parts[-1] == "True") if len(parts) >= 2 else (None, None)
    except subprocess.TimeoutExpired:
        return (None, None)


near = collections.Counter()
for cls, items in sorted(diffs.items(), key=lambda kv: -len(kv[1])):
    print("\n%s: %d pairs" % (cls, len(items)))
    for i, (task, program, test, ostatus, cv, whole) in enumerate(items):
        if cls.startswith("codet whole-program"):
            near["whole-program limit (CodeT)"] += 1
            tag = "whole-program"
        elif args.no_retime:
            tag = "not re-timed"
        else:
            cpu, ok = retime(program, test)
            if cpu is None:
                tag = "does not finish in 2 s alone"
                near["runs past the limit alone (a true timeout one side missed?)"] += 1
            elif args.limit / 3 <= cpu <= args.limit * 3:
                tag = "near the limit: %.3f s CPU alone, %s" % (cpu, "passes" if ok else "fails")
                near["near the limit (0.033-0.3 s CPU alone)"] += 1
            else:
                tag = "%.3f s CPU alone, %s" % (cpu, "passes" if ok else "fails")
                near["far from the limit (to explain)"] += 1
        if i < args.show:
            print("  %s  ours %s  codet %s  [%s]  test: %s" % (task, ostatus, "passed" if cv else "failed", tag, test[:100].replace("\n", " ")))
print("\nclasses of the differing pairs:")
for k, v in near.most_common():
    print("  %-60s %d" % (k, v))

if args.ours2:
    _, other = ours(args.ours2)
    shared = set(mine) & set(other)
    changed = [k for k in shared if mine[k][0] != other[k][0]]
    print("\nours vs ours2: %d shared pairs, %d differ" % (len(shared), len(changed)))
    for task, program, test in changed[: args.show]:
        print("  %s  %s -> %s  test: %s" % (task, mine[(task, program, test)][1], other[(task, program, test)][1], test[:100]))
