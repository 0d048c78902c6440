#!/usr/bin/env bash
#SBATCH --job-name=cjm-mpi
#SBATCH --ntasks=16
#SBATCH --cpus-per-task=4
#SBATCH --mem-per-cpu=1G
#SBATCH --time=01:00:00
# tools/cluster/slurm-mpi.sh: one MPI job that shares a cjm command's work
# across its ranks (the -DCJM_MPI=ON build; docs/scale.md, "MPI"). Rank 0
# writes the one output, the same bytes as the command in one process.
#
#   sbatch tools/cluster/slurm-mpi.sh COMMAND SCENARIO [cjm options...]
#
# e.g. sbatch tools/cluster/slurm-mpi.sh sobol scenarios/beauty_clinic.lua \
#        --engine exact --samples 65536 --design sobol --format json -o sobol.json
# Each rank runs --cpus-per-task threads; the ranks together share run's
# runs, tornado's, morris's and sobol's evaluations.
set -euo pipefail
command=$1
shift
srun --mpi=pmix cjm "$command" "$@" --threads "${SLURM_CPUS_PER_TASK:-1}"
