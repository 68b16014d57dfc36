#!/usr/bin/env bash
# Installs what the Slurm array tests need on Debian/Ubuntu: slurmctld, slurmd and the client commands (sbatch,
# squeue, scontrol, scancel) from Debian's slurm-wlm. The tests start their own single-node cluster (auth/none, state
# in a temp folder, free ports): no service is started here and no munge key is needed.
# Idempotent: does nothing when everything is present.
set -euo pipefail

missing=()
command -v slurmctld >/dev/null 2>&1 || [ -x /usr/sbin/slurmctld ] || missing+=(slurmctld)
command -v slurmd >/dev/null 2>&1 || [ -x /usr/sbin/slurmd ] || missing+=(slurmd)
command -v sbatch >/dev/null 2>&1 || missing+=(slurm-client)

if [ ${#missing[@]} -eq 0 ]; then
  echo "slurm: slurmctld, slurmd and sbatch already installed ($(slurmctld -V 2>/dev/null || /usr/sbin/slurmctld -V))"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "slurm: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi

echo "slurm: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# policy-rc.d keeps the packages from starting their services (they have no configuration): the tests start their own.
if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null; $SUDO chmod +x /usr/sbin/policy-rc.d; trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT; fi
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" slurm-wlm-basic-plugins
/usr/sbin/slurmctld -V
