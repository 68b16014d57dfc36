#!/usr/bin/env bash
# Installs the Elsa Studio bundle (npm package @elsa-workflows/elsa-studio-wasm, MIT) for `seidr serve`.
# The bundle is never committed: it goes to src/Seidr.Workflows.Designer/wwwroot/studio (git-ignored) or to
# the directory given as the first argument / SEIDR_STUDIO_DIR. Idempotent: does nothing when that version is there.
#
#   scripts/install-studio.sh                     # default location, version 3.8.2
#   scripts/install-studio.sh /opt/seidr/studio   # elsewhere; then `seidr serve --studio /opt/seidr/studio`
#   SEIDR_STUDIO_TGZ=/path/pkg.tgz scripts/install-studio.sh   # offline, from a tarball made by `npm pack`
set -euo pipefail

PACKAGE="@elsa-workflows/elsa-studio-wasm"
VERSION="${SEIDR_STUDIO_VERSION:-3.8.2}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET="${1:-${SEIDR_STUDIO_DIR:-$ROOT/src/Seidr.Workflows.Designer/wwwroot/studio}}"
MARKER="$TARGET/.seidr-studio-version"

if [[ -f "$MARKER" && "$(cat "$MARKER")" == "$PACKAGE@$VERSION" && -f "$TARGET/_framework/blazor.webassembly.js" ]]; then
  echo "Elsa Studio $VERSION already installed in $TARGET"
  exit 0
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

if [[ -n "${SEIDR_STUDIO_TGZ:-}" ]]; then
  cp "$SEIDR_STUDIO_TGZ" "$WORK/package.tgz"
else
  command -v npm >/dev/null || { echo "npm is required (apt-get install -y npm), or set SEIDR_STUDIO_TGZ" >&2; exit 1; }
  # npm pack downloads the registry tarball and checks its integrity against the registry's sha512.
  (cd "$WORK" && npm pack --silent "$PACKAGE@$VERSION" >/dev/null)
  mv "$WORK"/*.tgz "$WORK/package.tgz"
fi

mkdir -p "$WORK/x"
tar -xzf "$WORK/package.tgz" -C "$WORK/x"
[[ -f "$WORK/x/package/_framework/blazor.webassembly.js" ]] || { echo "the package has no _framework/blazor.webassembly.js" >&2; exit 1; }

rm -rf "$TARGET.tmp" && mkdir -p "$(dirname "$TARGET")"
mv "$WORK/x/package" "$TARGET.tmp"
echo "$PACKAGE@$VERSION" > "$TARGET.tmp/.seidr-studio-version"
rm -rf "$TARGET" && mv "$TARGET.tmp" "$TARGET"
echo "Installed Elsa Studio $VERSION ($(find "$TARGET" -type f | wc -l) files) in $TARGET"
