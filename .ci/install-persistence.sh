#!/usr/bin/env bash
# Installs what Seidr.Workflows.Persistence and .Reports need on Debian/Ubuntu: PostgreSQL server binaries (initdb,
# pg_ctl, postgres: the PostgreSQL tests start a throwaway server from them) and chromium (the report screenshot).
# Idempotent: does nothing when everything is present.
set -euo pipefail

have_pg() {
  for d in $(echo "$PATH" | tr ':' ' ') /usr/local/bin /usr/lib/postgresql/*/bin; do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then echo "$d"; return 0; fi
  done
  return 1
}

missing=()
have_pg >/dev/null || missing+=(pg)
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || missing+=(chromium)

if [ ${#missing[@]} -eq 0 ]; then
  echo "persistence: PostgreSQL server binaries ($(have_pg)) and chromium already installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "persistence: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
packages=()
for m in "${missing[@]}"; do
  case "$m" in
    pg)
      if apt-cache show postgresql-15 >/dev/null 2>&1; then packages+=(postgresql-15); else packages+=(postgresql); fi ;;
    chromium) packages+=(chromium) ;;
  esac
done
echo "persistence: installing ${packages[*]}"
# policy-rc.d keeps the package from starting a cluster service: the tests start their own server.
if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null; $SUDO chmod +x /usr/sbin/policy-rc.d; trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT; fi
$SUDO apt-get install -y -qq --no-install-recommends "${packages[@]}"

if ! have_pg >/dev/null; then
  echo "persistence: PostgreSQL server binaries still not found (looked on PATH, /usr/local/bin, /usr/lib/postgresql/*/bin)" >&2
  exit 1
fi
# The server refuses to run as root; the tests then run it as the 'postgres' user, which the package creates.
id postgres >/dev/null 2>&1 || echo "persistence: WARNING: no 'postgres' user; PostgreSQL tests must run as a non-root user" >&2
echo "persistence: PostgreSQL server binaries in $(have_pg)"
