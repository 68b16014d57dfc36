"""Jobs: one forked child per program, its directory, limits, supervision (wall clock, output bytes) and the
cleanup of everything it left behind. Also how the worker forks (libc's fork with the GIL held, see make_fork)."""
import ctypes
import errno
import gc
import os
import platform
import resource
import select
import signal
import time
import traceback

from seidr_worker import config

_gc_freeze = getattr(gc, "freeze", None)


def pidfd_open(pid):
    """A pollable fd that becomes readable when pid exits (Linux >= 5.3), or None."""
    if hasattr(os, "pidfd_open"):
        try:
            return os.pidfd_open(pid)
        except OSError:
            return None
    if config.LIBC is not None:
        try:
            fd = config.LIBC.syscall(434, pid, 0)   # SYS_pidfd_open (x86_64, aarch64)
            return fd if fd >= 0 else None
        except Exception:
            return None
    return None


def make_fork():
    """fork() for the worker. On CPython, libc's fork called with the GIL held: the worker is single-threaded, and
    skipping CPython's at-fork machinery (thread-state reinit, Python-level at-fork hooks) saves ~200 copy-on-write
    page faults per child, most of the cost of a short program. `random` is reseeded before each fork instead
    (reseed_for_child)."""
    if platform.python_implementation() == "CPython" and config.LIBC is not None and not config.CFG.get("pyfork"):
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
    return config.OS.fork, False


def minflt():
    """Minor page faults of the worker so far (for traces)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def child_usage():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (r.ru_utime + r.ru_stime, r.ru_minflt)


def reseed_for_child():
    """What CPython's own at-fork hooks would do that matters to a program: a fresh `random` state. Done in the
    worker just before forking (a child that reseeds itself copies ~100 pages doing it)."""
    if config.RAW_FORK:
        import random
        random.seed()


def make_job_dir():
    config.JOB_COUNTER[0] += 1
    path = config.JOB_DIR
    if os.path.lexists(path):
        remove_tree(path)
    os.mkdir(path, 0o700)
    if config.DROP_UID is not None:
        config.OS.chown(path, config.DROP_UID, config.DROP_GID)
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
            config.OS.unlink(path)
        except OSError:
            pass
        return
    try:
        config.OS.chmod(path, 0o700)
    except OSError:
        pass
    try:
        entries = list(os.scandir(path))
    except OSError:
        entries = []
    for e in entries:
        remove_tree(e.path)
    try:
        config.OS.rmdir(path)
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
    path = os.path.join(config.TMP_ROOT, ".stdin%d-%d" % (config.SELF, config.JOB_COUNTER[0]))
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, raw)
    os.lseek(fd, 0, 0)
    config.OS.unlink(path)
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
        add(resource.RLIMIT_NPROC, config.NPROC_BASE + int(lim["nproc"]))
    if lim.get("fsize"):
        add(resource.RLIMIT_FSIZE, int(lim["fsize"]))
    if lim.get("memMb"):
        add(resource.RLIMIT_AS, as_base + int(lim["memMb"]) * 1024 * 1024)
    return out


def child_prepare(job_dir, fd_in, fd_out, fd_err, fd_res, limits):
    """Runs in the forked child before the program: session, fds, identity, limits. Kept minimal: every
    page a forked child writes is copied, and that copy is most of what a short program costs."""
    if not config.USE_PIDFD:
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
    config.OS.chdir(job_dir)
    child_confine(limits)


def child_confine(limits):
    """The forked child's last steps before the program (worker- and zygote-forked alike): drop to the
    programs' uid, apply the limits, re-enable gc."""
    if config.DROP_UID is not None:
        os.setgroups([])
        os.setgid(config.DROP_GID)
        config.OS.setuid(config.DROP_UID)
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
    if config.CLEANUP == "namespace" and config.ZYG.pid is not None:
        cleanup_sparing_zygote(deadline)
    elif config.CLEANUP == "namespace":
        # Our own PID namespace: everything except pid 1 (bwrap's init) and us belongs to jobs.
        for _ in range(50):
            try:
                config.OS.kill(-1, signal.SIGKILL)
            except OSError:
                pass
            reap_all(0.02)
            others = [p for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, config.SELF)]
            if not others or time.monotonic() > deadline:
                break
    elif config.CLEANUP == "uid":
        # Every job process runs as config.DROP_UID: a helper with that uid kills all of them at once.
        for _ in range(20):
            pid = config.OS.fork()
            if pid == 0:
                try:
                    os.setgid(config.DROP_GID)
                    config.OS.setuid(config.DROP_UID)
                    config.OS.kill(-1, signal.SIGKILL)
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
            config.OS.killpg(pgid, signal.SIGKILL)
        except OSError:
            pass
        for _ in range(100):
            reap_all(0.01)
            kids = children_of_self()
            if not kids or time.monotonic() > deadline:
                break
            for k in kids:
                for target in (lambda: config.OS.killpg(os.getpgid(k), signal.SIGKILL), lambda: config.OS.kill(k, signal.SIGKILL)):
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
    spare = ("1", str(config.SELF), str(config.ZYG.pid))
    kill = config.OS.kill
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
            reap_all(0.05)     # the zygote dies too and is reaped (config.ZYG.lost)
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
        elif pid == config.ZYG.pid:
            config.ZYG.lost()


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
            if ppid == config.SELF:
                kids.append(int(p))
        except (OSError, ValueError):
            pass
    return kids


def any_child_left():
    return bool(children_of_self())


def drain_wake():
    if config.WAKE_R is None:
        return
    try:
        while os.read(config.WAKE_R, 4096):
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
        self.faults = [minflt()]
        pid = config.FORK()
        if pid == 0:
            code = 70
            try:
                config.TRACE.append(time.monotonic())
                child_prepare(self.job_dir, fin, out_w, err_w, res_w, limits)
                config.TRACE.append(time.monotonic())
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
        self.pidfd = pidfd_open(pid) if config.USE_PIDFD else None

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
            config.OS.killpg(self.pid, signal.SIGKILL)
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
                rl = list(self.fds) + [self.pidfd if self.pidfd is not None else config.WAKE_R]
            try:
                ready, _, _ = select.select(rl, [], [], wait)
            except InterruptedError:
                continue
            for fd in ready:
                if fd == config.WAKE_R:
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
        self.faults.append(minflt())
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
        if config.SHM_CLEAN:
            for name in os.listdir("/dev/shm"):
                p = os.path.join("/dev/shm", name)
                try:
                    remove_tree(p) if os.path.isdir(p) and not os.path.islink(p) else config.OS.unlink(p)
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


def clip(s, n=config.MAX_TEXT):
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
