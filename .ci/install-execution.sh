#!/usr/bin/env bash
# Installs what Seidr.Workflows.Execution needs on Debian/Ubuntu: bubblewrap (the sandbox), pypy3 (optional
# interpreter), g++ (C++ programs) and python3-pytest (the worker package's own tests, run by WorkerPythonTests). Idempotent: does nothing when everything is present.
set -euo pipefail

missing=()
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
command -v pypy3 >/dev/null 2>&1 || missing+=(pypy3)
command -v g++ >/dev/null 2>&1 || missing+=(g++)
/usr/bin/python3 -c "import pytest" >/dev/null 2>&1 || missing+=(python3-pytest)

if [ ${#missing[@]} -eq 0 ]; then
  echo "execution: bubblewrap, pypy3, g++ and python3-pytest already installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "execution: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi

echo "execution: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"

# bubblewrap must be able to create namespaces here; report (not fail) when it cannot, since the runner then
# falls back to resource limits only and says so loudly.
if ! bwrap --ro-bind / / --unshare-pid --unshare-net --dev /dev --proc /proc true 2>/dev/null; then
  echo "execution: WARNING: bwrap is installed but cannot create namespaces on this machine" >&2
fi
