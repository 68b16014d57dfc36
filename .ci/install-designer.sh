#!/usr/bin/env bash
# Installs what the designer's browser test needs on Debian/Ubuntu: chromium (driven by Microsoft.Playwright through
# its ExecutablePath; never `playwright install`) and the Elsa Studio bundle (scripts/install-studio.sh, from npm).
# Idempotent: does nothing when both are present.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
      echo "designer: need root (or sudo) to install: ${missing[*]}" >&2
      exit 1
    fi
  fi
  echo "designer: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "designer: chromium and npm already installed"
fi

scripts/install-studio.sh
