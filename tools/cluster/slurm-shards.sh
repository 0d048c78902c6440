#!/usr/bin/env bash
# tools/cluster/slurm-shards.sh: a Slurm job array that runs a scenario's
# runs in N shards, then a dependent job that merges them (docs/scale.md).
#
#   tools/cluster/slurm-shards.sh SCENARIO N OUTDIR [cjm run options...]
#
# e.g. tools/cluster/slurm-shards.sh scenarios/beauty_clinic.lua 50 /scratch/clinic \
#        --runs 5000 --customers 1000000
# The merged report is OUTDIR/report.json (the same bytes as one `cjm run`).
set -euo pipefail
scenario=$1 n=$2 out=$3
shift 3
mkdir -p "$out"
opts=$(printf ' %q' "$@")
array=$(sbatch --parsable --array=1-"$n" --job-name=cjm-shard --output="$out/shard-%a.log" \
  --wrap="cjm run $(printf %q "$scenario")$opts --shard \$SLURM_ARRAY_TASK_ID/$n \
          -o $(printf %q "$out")/part-\$SLURM_ARRAY_TASK_ID.json")
sbatch --dependency=afterok:"$array" --job-name=cjm-merge --output="$out/merge.log" \
  --wrap="cjm merge $(printf %q "$out")/part-*.json --format json -o $(printf %q "$out")/report.json"
