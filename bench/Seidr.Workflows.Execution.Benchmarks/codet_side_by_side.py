# The whole CodeT experiment, side by side: CodeT's own code (microsoft/CodeT main.py, default settings) against
# `seidr run workflows/codet.yaml`, on the same recorded CodeGen-16B pools, then a re-run of ours with one more ranking
# variant sharing the first run's verdict cache. Prints wall time and CPU time (user + system of every process either
# side started, children and sandboxes included) of each, the ratios, and both sides' pass@1.
#
#   python3 bench/Seidr.Workflows.Execution.Benchmarks/codet_side_by_side.py --codet /path/to/CodeT/CodeT [--problems 40]
#   options: --problems N (the first N HumanEval problems; default all 164)  --seidr "dotnet .../seidr.dll"
#            --codet-python python3  --work DIR  --skip-codet  --skip-ours  --no-rerun
#
# CPU is measured with `perf stat -e task-clock` around each command (perf counts every descendant, including processes
# that left the command's process group, e.g. the sandboxes); without perf, with the children's rusage (which misses
# processes their parents did not wait for). CodeT's main.py needs numpy only for its final pass@k print; where numpy
# is missing a minimal stand-in (numpy_shim/) is put on its path, which changes no execution. The checkout of CodeT is
# not part of this repository (github.com/microsoft/CodeT).
import argparse
import gzip
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
repo = os.path.normpath(os.path.join(here, "..", ".."))
ap = argparse.ArgumentParser()
ap.add_argument("--codet", help="the CodeT folder of a microsoft/CodeT checkout (holding main.py and src/)")
ap.add_argument("--problems", type=int, default=164)
ap.add_argument("--seidr", default="dotnet " + os.path.join(repo, "src/Seidr.Workflows.Cli/bin/Release/net10.0/seidr.dll"))
ap.add_argument("--codet-python", default="python3")
ap.add_argument("--work", default=None)
ap.add_argument("--skip-codet", action="store_true")
ap.add_argument("--skip-ours", action="store_true")
ap.add_argument("--no-rerun", action="store_true")
args = ap.parse_args()

work = args.work or tempfile.mkdtemp(prefix="seidr-codet-bench-")
os.makedirs(work, exist_ok=True)
data = os.path.join(repo, "data", "humaneval")
have_perf = shutil.which("perf") is not None


def load(name):
    with gzip.open(os.path.join(data, name), "rt", encoding="utf8") as f:
        return [json.loads(l) for l in f if l.strip()]


def loadavg():
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


def timed(cmd, cwd, env=None, log=None):
    """Runs cmd; returns (wall s, cpu s, stdout+stderr text, load before, load after)."""
    load0 = loadavg()
    stat = os.path.join(work, "perf-stat.txt")
    full = (["perf", "stat", "-e", "task-clock", "-x", ",", "-o", stat, "--"] if have_perf else []) + cmd
    before = os.times()
    t0 = time.monotonic()
    with open(log or os.devnull, "w") as out:
        p = subprocess.run(full, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    wall = time.monotonic() - t0
    after = os.times()
    if p.returncode != 0:
        sys.exit("failed (exit %d): %s; see %s" % (p.returncode, " ".join(cmd), log))
    if have_perf:
        cpu = None
        with open(stat) as f:
            for line in f:
                parts = line.strip().split(",")
                if len(parts) > 2 and parts[2] == "task-clock":
                    cpu = float(parts[0]) / 1000.0
    else:
        cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    text = open(log).read() if log else ""
    return wall, cpu, text, load0, loadavg()


def fmt(wall, cpu):
    return "%.1f s wall, %.1f s CPU" % (wall, cpu)


ids = ["HumanEval/%d" % i for i in range(args.problems)]
results = {}

if not args.skip_codet:
    if not args.codet or not os.path.exists(os.path.join(args.codet, "main.py")):
        sys.exit("--codet must name the CodeT folder of a microsoft/CodeT checkout (with main.py)")
    inputs = os.path.join(work, "codet-inputs")
    os.makedirs(inputs, exist_ok=True)
    # CodeT's inputs: problems (HumanEval without its examples, as its code-generation prompts) and the pools, whose
    # prompts it matches to the problems.
    wanted = set(ids)
    sol_src = [p for p in load("HumanEval_no_examples.jsonl.gz") if p["task_id"] in wanted]
    test_src = [p for p in load("HumanEval_test_generation_prompts.jsonl.gz") if p["task_id"] in wanted]
    sol_prompts = set(p["prompt"] for p in sol_src)
    test_prompts = set(p["prompt"] for p in test_src)
    files = {"sol_src": sol_src, "test_src": test_src,
             "sol_pred": [x for x in load("codegen16B_code_samples.jsonl.gz") if x["prompt"] in sol_prompts],
             "test_pred": [x for x in load("codegen16B_test_samples.jsonl.gz") if x["prompt"] in test_prompts]}
    for name, rows in files.items():
        with open(os.path.join(inputs, name + ".jsonl"), "w", encoding="utf8") as f:
            for r in rows:
                f.write(json.dumps(r) + "\n")
    cache = os.path.join(work, "codet-cache")
    os.makedirs(cache, exist_ok=True)
    env = dict(os.environ)
    if subprocess.run([args.codet_python, "-c", "import numpy"], stderr=subprocess.DEVNULL).returncode != 0:
        env["PYTHONPATH"] = os.path.join(here, "numpy_shim") + os.pathsep + env.get("PYTHONPATH", "")
    cmd = [args.codet_python, "main.py",
           "--source_path_for_solution", os.path.join(inputs, "sol_src.jsonl"),
           "--predict_path_for_solution", os.path.join(inputs, "sol_pred.jsonl"),
           "--source_path_for_test", os.path.join(inputs, "test_src.jsonl"),
           "--predict_path_for_test", os.path.join(inputs, "test_pred.jsonl"),
           "--cache_dir", cache]
    print("CodeT main.py on %d problems (load %s) ..." % (args.problems, loadavg()), flush=True)
    wall, cpu, text, l0, l1 = timed(cmd, args.codet, env, os.path.join(work, "codet.log"))
    ranked = re.findall(r"pass rates of ranked solutions.*?\n.*?(\{.*?\})", text, re.S)
    random_ = re.findall(r"pass rates of random solutions.*?\n.*?(\{.*?\})", text, re.S)
    results["codet"] = (wall, cpu)
    print("  CodeT main.py: %s (load %s -> %s); ranked %s, random %s" % (
        fmt(wall, cpu), l0, l1, ranked[-1] if ranked else "?", random_[-1] if random_ else "?"), flush=True)


def ours(workflow, out, extra, label):
    cmd = shlex.split(args.seidr) + ["run", workflow, "--problems", "0-%d" % (args.problems - 1), "--out", out, "-q"] + extra
    env = dict(os.environ, DOTNET_TieredPGO="0")
    wall, cpu, text, l0, l1 = timed(cmd, repo, env, out + ".log")
    with open(os.path.join(out, "summary.json")) as f:
        s = json.load(f)
    figs = ", ".join("%s %.2f" % (v["id"].split("=")[-1], 100 * v["metrics"]["pass@1"]) for v in s["variants"])
    ex = s.get("execution") or {}
    print("  %s: %s (load %s -> %s); pass@1 %s; executed %s, from the verdict cache %s" % (
        label, fmt(wall, cpu), l0, l1, figs, ex.get("executed"), ex.get("fromVerdictCache")), flush=True)
    return wall, cpu


if not args.skip_ours:
    out1 = os.path.join(work, "ours")
    shutil.rmtree(out1, ignore_errors=True)
    print("seidr run workflows/codet.yaml on %d problems (load %s) ..." % (args.problems, loadavg()), flush=True)
    results["ours"] = ours(os.path.join(repo, "workflows", "codet.yaml"), out1, [], "seidr run")
    if not args.no_rerun:
        # One more ranking variant ('score': the pool ranked by generated tests passed), reading the first run's
        # verdicts: nothing needs to execute.
        with open(os.path.join(repo, "workflows", "codet.yaml")) as f:
            wf = f.read()
        wf = wf.replace("ranking: [random, codet, behaviour]", "ranking: [random, codet, behaviour, score]")
        wf = wf.replace("../data/", os.path.join(repo, "data") + "/")
        four = os.path.join(work, "codet-4-variants.yaml")
        with open(four, "w") as f:
            f.write(wf)
        out2 = os.path.join(work, "ours-rerun")
        shutil.rmtree(out2, ignore_errors=True)
        results["rerun"] = ours(four, out2, ["--verdicts", os.path.join(out1, "verdicts.db")], "re-run with a 4th variant")

if "codet" in results and "ours" in results:
    (cw, cc), (ow, oc) = results["codet"], results["ours"]
    print("ratio (CodeT / ours): wall %.2fx, CPU %.2fx" % (cw / ow, cc / oc))
print("work folder: %s" % work)
