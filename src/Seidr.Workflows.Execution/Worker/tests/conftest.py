"""Shared fixtures: the package importable from this checkout, and real workers started as the runner starts them
(python -s -B .../seidr_worker/__main__.py CONFIG), without bubblewrap (the C# tests cover the sandbox)."""
import json
import os
import subprocess
import sys

import pytest

WORKER_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENTRY = os.path.join(WORKER_DIR, "seidr_worker", "__main__.py")
if WORKER_DIR not in sys.path:
    sys.path.insert(0, WORKER_DIR)

LIMITS = {"wall": 5.0, "cpu": 5.0, "nproc": 64, "fsize": 16 << 20, "memMb": 1024, "outBytes": 1 << 20}


class WorkerUnderTest(object):
    """A running worker and its framed protocol, one request at a time."""

    def __init__(self, cfg, tmp, env=None):
        cfg = dict({"tmp": str(tmp)}, **cfg)
        self.proc = subprocess.Popen([sys.executable, "-s", "-B", ENTRY, json.dumps(cfg)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=str(tmp),
                                     env=dict({"PATH": "/usr/bin:/bin"}, **(env or {})))
        self.hello = json.loads(self.proc.stdout.readline())
        self.next_id = 0

    def send_line(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def read(self):
        line = self.proc.stdout.readline()
        return json.loads(line) if line else None

    def request(self, op, **fields):
        self.next_id += 1
        req = dict(fields, op=op, id=self.next_id)
        self.send_line((json.dumps(req) + "\n").encode("utf-8"))
        resp = self.read()
        assert resp is not None, "worker exited: " + self.proc.stderr.read().decode("utf-8", "replace")
        assert resp.get("id") == self.next_id
        return resp

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for f in (self.proc.stdout, self.proc.stderr):
            f.close()


@pytest.fixture
def start_worker(tmp_path):
    started = []

    def start(cfg=None, env=None):
        w = WorkerUnderTest(cfg or {}, tmp_path, env)
        started.append(w)
        return w
    yield start
    for w in started:
        w.close()


@pytest.fixture
def worker(start_worker):
    return start_worker()


@pytest.fixture
def guarded_worker(start_worker):
    return start_worker({"guarded": True})
