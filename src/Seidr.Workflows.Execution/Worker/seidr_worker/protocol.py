"""The protocol with the runner: one JSON object per line, each way. The runner writes requests
({"op": ..., "id": n, ...}) to the worker's stdin; the worker answers each with one line carrying the same id, after
a first {"ready": true, ...} line. A request the worker cannot handle gets {"workerError": ..., "trace": ...}.
The line format is mirrored by WorkerProtocol.cs on the C# side."""
import json
import os


class Channel(object):
    """Framed JSON over two file descriptors (the worker's private copies of stdin and stdout, see config.setup)."""

    def __init__(self, fd_in, fd_out):
        self.fd_in = fd_in
        self.fd_out = fd_out
        self._inbuf = bytearray()

    def send(self, obj):
        """Writes obj as one ASCII JSON line (non-ASCII escaped, so the line is valid whatever the program printed)."""
        data = (json.dumps(obj, ensure_ascii=True) + "\n").encode("ascii")
        view = memoryview(data)
        while view:
            n = os.write(self.fd_out, view)
            view = view[n:]

    def recv(self):
        """The next request, or None at the end of the input (the runner closed the pipe)."""
        while True:
            i = self._inbuf.find(b"\n")
            if i >= 0:
                line = bytes(self._inbuf[:i])
                del self._inbuf[:i + 1]
                return json.loads(line.decode("utf-8"))
            chunk = os.read(self.fd_in, 1 << 16)     # from the heap: 1 MiB reads were an mmap, faults, mremap and munmap each
            if not chunk:
                return None
            self._inbuf += chunk
