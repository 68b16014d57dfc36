#!/usr/bin/env bash
# A sharded Seidr run on Slurm: one array task per shard, all writing into one run in a shared PostgreSQL.
#
#   export SEIDR_STORE='Host=db.cluster;Port=5432;Database=seidr;Username=seidr'   # password: ~/.pgpass or PGPASSWORD
#   mkdir -p logs && sbatch scripts/sbatch-example.sh workflows/quickstart.yaml    # Slurm opens logs/ before the script runs
#
# One variant per task instead (SEIDR's hyperparameter tables: one row per array task), with as many tasks as the
# matrix has variants; any further arguments go to `seidr run`:
#
#   sbatch --array=0-1 scripts/sbatch-example.sh workflows/seidr.yaml --shard-by variant
#
# Every program committed to git as it is scored, one branch per task (seidr/slurm-JOB-shard-i-of-n), pushed to a
# shared remote when the task ends (author: GIT_USER / GIT_EMAIL):
#
#   export PROGRAMS_REMOTE=git@git.cluster:me/seidr-programs.git GIT_USER='Ada' GIT_EMAIL='ada@example.org'
#
# Each task runs `seidr run FILE` with its shard taken from SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT (every
# n-th problem, or variant) and the run id `slurm-$SLURM_ARRAY_JOB_ID`, shared by all tasks. A task that dies (preempted, out of
# time, node failure) is requeued and resumes: flows it finished are kept, the rest run again with the answers of
# its response cache (per-task folder below), so no model call is paid twice. When all tasks are done:
#
#   seidr runs --store "$SEIDR_STORE"
#   seidr report slurm-<jobid> --store "$SEIDR_STORE" --html report.html --csv flows.csv
#
#SBATCH --job-name=seidr
#SBATCH --array=0-7                 # 8 shards (the command line's --array wins); the array must start at 0
#SBATCH --cpus-per-task=4
#SBATCH --mem=8G
#SBATCH --time=08:00:00
#SBATCH --requeue                   # requeued tasks resume where they stopped
#SBATCH --output=logs/seidr-%A_%a.out

set -euo pipefail
WORKFLOW=${1:?usage: sbatch scripts/sbatch-example.sh WORKFLOW.yaml [seidr run options...]}
shift
: "${SEIDR_STORE:?set SEIDR_STORE to a PostgreSQL connection string}"
RUN_ID="slurm-${SLURM_ARRAY_JOB_ID}"
OUT="runs/${RUN_ID}/shard-${SLURM_ARRAY_TASK_ID}"   # summary.json, flows.jsonl and this shard's response cache
mkdir -p "$OUT" logs

# `seidr` is the CLI (dotnet publish src/Seidr.Workflows.Cli -o bin; or `dotnet bin/seidr.dll`).
# The same command starts a shard and resumes it after a requeue: the store already knows the run.
GIT_ARGS=()
if [ -n "${PROGRAMS_REMOTE:-}" ]; then GIT_ARGS=(--commit-programs "$OUT/programs" --commit-every --commit-remote "$PROGRAMS_REMOTE"); fi
exec seidr run "$WORKFLOW" --run-id "$RUN_ID" --store "$SEIDR_STORE" --out "$OUT" --quiet "${GIT_ARGS[@]}" "$@"
