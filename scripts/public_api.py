#!/usr/bin/env python3
"""Brings the libraries' PublicAPI.Unshipped.txt files up to date with their code.

The public API of each library under src/ is pinned by Microsoft.CodeAnalysis.PublicApiAnalyzers (src/Directory.Build.props):
a public symbol missing from PublicAPI.Shipped.txt / PublicAPI.Unshipped.txt fails the build with RS0016, a listed one
that is gone with RS0017. After changing a public surface, run this script, then read the diff of the PublicAPI files:
it is the change plugins will see. It rebuilds the solution (or the given projects) and applies the analyzer's own
messages, the way its code fix would (`dotnet format analyzers` finds no diagnostics once the files are not empty):
  RS0016 "Symbol 'S' is not part of the declared public API"  -> S is added to PublicAPI.Unshipped.txt;
  RS0017 "Symbol 'S' is part of the declared API, but ..."     -> S is dropped from Unshipped, or, if a release
                                                                  shipped it, recorded there as *REMOVED*S.
Usage: scripts/public_api.py [path/to/Project.csproj ...]
"""
import collections
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
# MSBuild prints each diagnostic as "<file>(l,c): warning|error RSxxxx: <message> (<link>) [<project>]".
DIAGNOSTIC = re.compile(r"(?:warning|error) (RS0016|RS0017): Symbol '(.*?)' is (?:not part|part) of the declared .*\[(.+?\.csproj)\]\s*$")
HEADER = "#nullable enable"


def main(targets: list[str]) -> int:
    targets = targets or [str(ROOT / "Seidr.Workflows.sln")]
    found: dict[pathlib.Path, dict[str, set[str]]] = collections.defaultdict(lambda: collections.defaultdict(set))
    for target in targets:
        # --no-incremental: an up-to-date project would not run its analyzers and would report nothing.
        build = subprocess.run(["dotnet", "build", target, "-c", "Release", "--no-incremental", "-p:WarningsAsErrors="],
                               cwd=ROOT, capture_output=True, text=True)
        for line in build.stdout.splitlines():
            if m := DIAGNOSTIC.search(line):
                found[pathlib.Path(m.group(3)).parent][m.group(1)].add(m.group(2))
        if build.returncode != 0 and "error" in build.stdout and not found:
            print(build.stdout[-4000:], file=sys.stderr)
            print(f"public_api: the build of {target} failed for another reason; nothing changed", file=sys.stderr)
            return 1
    for project, codes in sorted(found.items()):
        shipped = read(project / "PublicAPI.Shipped.txt")
        unshipped = set(read(project / "PublicAPI.Unshipped.txt"))
        unshipped |= codes["RS0016"]
        for symbol in codes["RS0017"]:
            if symbol in unshipped:
                unshipped.discard(symbol)
            elif symbol in shipped:
                unshipped.add("*REMOVED*" + symbol)
        (project / "PublicAPI.Unshipped.txt").write_text(
            "\n".join([HEADER, *sorted(unshipped, key=lambda s: s.removeprefix("*REMOVED*"))]) + "\n")
        print(f"{project.relative_to(ROOT)}: {len(codes['RS0016'])} added, {len(codes['RS0017'])} removed")
    if not found:
        print("public_api: every public symbol is declared; nothing changed")
    return 0


def read(path: pathlib.Path) -> list[str]:
    return [l for l in path.read_text().splitlines() if l and l != HEADER] if path.exists() else []


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
