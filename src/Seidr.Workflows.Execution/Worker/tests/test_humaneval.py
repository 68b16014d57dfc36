"""human-eval's check semantics: the result strings of openai/human-eval's check_correctness, in-process (the
check body) and through real workers (a child per check, guarded and unguarded)."""
import pytest

from conftest import LIMITS
from seidr_worker import humaneval

PASSING = "def add(a, b):\n    return a + b\n\n\ndef check(candidate):\n    assert candidate(2, 3) == 5\n\ncheck(add)\n"
CASES = [
    (PASSING, "passed"),
    ("def check(c):\n    assert c() == 2\ncheck(lambda: 1)", "failed: "),
    ("assert 1 == 2, 'one is not two'", "failed: one is not two"),
    ("raise ValueError('bad value')", "failed: bad value"),
    ("{}['k']", "failed: 'k'"),
    ("import sys\nsys.exit(3)", "failed: 3"),                  # SystemExit is caught as any BaseException
    ("print(input())", "failed: "),                           # stdin is a write-only stream (IOError, no message)
    ("print('noise')\nassert True", "passed"),
    ("def f(:\n    pass", "failed: invalid syntax (<string>, line 1)"),
    ("while True:\n    pass", "timed out"),
]


def compile_program(src):
    try:
        return compile(src, "<string>", "exec", dont_inherit=True), None
    except Exception as e:
        return None, e


@pytest.mark.parametrize("program,expected", CASES)
def test_check_body_result_strings(program, expected):
    code, error = compile_program(program)
    assert humaneval.check_result(code, error, 0.5) == expected


@pytest.mark.parametrize("guarded", [False, True])
@pytest.mark.parametrize("program,expected", CASES)
def test_checks_in_a_worker(start_worker, guarded, program, expected):
    w = start_worker({"guarded": guarded})
    resp = w.request("check", program=program, timeout=0.5, limits=LIMITS)
    assert resp["result"] == expected and resp["passed"] is (expected == "passed")


def test_a_check_that_kills_itself_is_timed_out(worker):
    resp = worker.request("check", program="import os, signal\nos.kill(os.getpid(), signal.SIGKILL)", timeout=1,
                          limits=LIMITS)
    # The official harness reports a child that dies without reporting as "timed out"; here os.kill is None
    # (reliability_guard), so the program fails first.
    assert resp["result"] == "failed: 'NoneType' object is not callable"
    resp = worker.request("check", program="import ctypes\nctypes.CDLL(None).abort()", timeout=1, limits=LIMITS)
    assert resp["result"] == "timed out" and resp["signal"] == 6


def test_the_guard_is_on_in_the_check(worker):
    for program in ("import os\nos.system('true')", "import shutil\nshutil.rmtree('/x')", "import subprocess\nsubprocess.Popen(['true'])",
                    "exit()"):
        assert worker.request("check", program=program, timeout=1, limits=LIMITS)["result"] == \
            "failed: 'NoneType' object is not callable"


# The 'imports after the function' class: programs importing a module after their function, which the official harness
# passes because its child had these modules loaded before the guard (importing them fresh after it would fail).
@pytest.mark.parametrize("guarded", [False, True])
@pytest.mark.parametrize("imports", ["import multiprocessing", "import concurrent.futures", "from multiprocessing import Pool",
                                     "import logging", "import queue, pickle"])
def test_imports_after_the_function_pass(start_worker, guarded, imports):
    program = PASSING.replace("\n\ndef check", "\n" + imports + "\n\n\ndef check")
    w = start_worker({"guarded": guarded})
    assert w.request("check", program=program, timeout=3, limits=LIMITS)["result"] == "passed"


def test_large_result_strings_come_back_whole(worker):
    msg = "x" * 100000
    resp = worker.request("check", program="raise ValueError('%s')" % msg, timeout=3, limits=LIMITS)
    assert resp["result"] == "failed: " + msg

