#!/usr/bin/env bash
# Acceptance (docs/distributed.md, "Slurm"), on a real single-machine Slurm started here
# (slurm_cluster.sh) and stopped at the end:
#  1. `loom launch --slurm --np 2` (srun --mpi=pmix) trains, and its final checkpoint is
#     byte-identical to the same run through mpirun (`loom launch --np 2`);
#  2. a worker started by srun without PMIx, or in a step of another size, refuses before
#     training with a message that says so;
#  3. `loom launch --slurm --sbatch-script FILE` writes a batch script that `sbatch --wait`
#     runs to the same byte-identical result, with a run directory holding shell
#     metacharacters passed literally;
#  4. kill -9 of rank 1 under srun ends the job within 10 s, srun naming the task and host.
# Usage: slurm.sh LOOM PYTHON MODEL WORKDIR
set -euo pipefail
loom=$1 python=$2 model=$3 work=$4
here=$(cd "$(dirname "$0")" && pwd)
source "$here/job_pids.sh"
source "$here/slurm_cluster.sh"
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }
trap stop_slurm EXIT
start_slurm "$work/slurm" 4 || fail "Slurm did not start"
echo "Slurm: $(sinfo -h -o '%P %D node(s), %c CPUs, %t')"
host=$(hostname)
common=(--threads 1 --max-steps 60 --train-limit 2000 --validation-fraction 0.1 --no-test
        --batch-size 16 --checkpoint-every 1000)

# 1. srun against mpirun.
"$loom" launch --np 2 -- "$model" "${common[@]}" --run-dir "$work/mpirun" >"$work/mpirun.log" 2>&1 ||
  { cat "$work/mpirun.log"; fail "the mpirun run failed"; }
"$loom" launch --slurm --np 2 --dry-run -- "$model" "${common[@]}" --run-dir "$work/srun" >"$work/argv"
head -4 "$work/argv" | tr '\n' ' ' | grep -q "srun --mpi=pmix --ntasks=2 --kill-on-bad-exit=1" ||
  { cat "$work/argv"; fail "unexpected srun argv"; }
"$loom" launch --slurm --np 2 -- "$model" "${common[@]}" --run-dir "$work/srun" >"$work/srun.log" 2>&1 ||
  { cat "$work/srun.log"; fail "the srun run failed"; }
grep -q "data-parallel: 2 ranks" "$work/srun.log" || fail "the srun run did not train on 2 ranks"
"$python" "$here/compare_checkpoints.py" "$work/mpirun/checkpoints/last.ckpt" "$work/srun/checkpoints/last.ckpt" --identical | tail -1
cmp "$work/mpirun/trained.loom" "$work/srun/trained.loom" || fail "srun and mpirun trained different models"

# 2. Workers that cannot be the job asked for.
rc=0
srun --mpi=none --ntasks=2 "$loom" train "$model" "${common[@]}" --run-dir "$work/nopmi" --world-size 2 \
  >"$work/nopmi.log" 2>&1 || rc=$?
((rc != 0)) || fail "srun --mpi=none started training"
grep -q "was started by srun without PMIx, so it cannot join a job of 2 ranks: use srun --mpi=pmix" "$work/nopmi.log" ||
  { cat "$work/nopmi.log"; fail "no clear message for srun without PMIx"; }
[[ ! -e $work/nopmi/run.json ]] || fail "srun without PMIx wrote a run"
rc=0
srun --mpi=pmix --ntasks=1 "$loom" train "$model" "${common[@]}" --run-dir "$work/one" --world-size 2 \
  >"$work/one.log" 2>&1 || rc=$?
((rc != 0)) || fail "a 1-task step accepted --world-size 2"
grep -q "rank 0 on $host is in a job of 1 rank(s), but --world-size 2 was requested" "$work/one.log" ||
  { cat "$work/one.log"; fail "no world-size message under srun"; }
echo "srun without PMIx: $(grep -m1 'loom: error' "$work/nopmi.log")"
echo "srun of 1 task, --world-size 2: $(grep -m1 'loom: error' "$work/one.log")"

# 3. A batch script, with a run directory that a shell would otherwise interpret.
odd="$work/batch dir; touch $work/pwned \$(touch $work/pwned2) \`touch $work/pwned3\`"
"$loom" launch --slurm --np 2 --sbatch-script "$work/job.sh" -- "$model" "${common[@]}" --run-dir "$odd" \
  >"$work/sbatch-write.log" 2>&1 || { cat "$work/sbatch-write.log"; fail "writing the batch script failed"; }
bash -n "$work/job.sh" || fail "the batch script is not valid bash"
grep -q "^#SBATCH --ntasks=2$" "$work/job.sh" || { cat "$work/job.sh"; fail "no #SBATCH --ntasks=2"; }
sbatch --wait "$work/job.sh" >"$work/sbatch.log" 2>&1 || { cat "$work/sbatch.log" "$odd"/slurm-*.out || true; fail "the batch job failed"; }
for f in pwned pwned2 pwned3; do [[ ! -e $work/$f ]] || fail "a metacharacter in the batch script was executed ($f)"; done
"$python" "$here/compare_checkpoints.py" "$work/mpirun/checkpoints/last.ckpt" "$odd/checkpoints/last.ckpt" --identical | tail -1
echo "sbatch: $(cat "$work/sbatch.log") (no #SBATCH --output for a path with shell characters: Slurm reads those lines without a shell)"

# 4. kill -9 of rank 1 under srun.
# --epochs: the Dense kernels got fast enough that the model's 20 epochs end within the 1 s
# this script waits before the kill.
"$loom" launch --slurm --np 2 -- "$model" "${common[@]/60/100000}" --epochs 10000 --run-dir "$work/kill" >"$work/kill.log" 2>&1 &
launcher=$!
for ((t = 0; t < 600; t++)); do
  [[ -f $work/kill/run.json ]] && break
  sleep 0.1
done
pid=
for p in $(pgrep -f -- "--run-dir $work/kill" || true); do
  [[ $(cat "/proc/$p/comm" 2>/dev/null || true) == loom ]] || continue
  { tr '\0' '\n' 2>/dev/null <"/proc/$p/environ" || true; } | grep -qx "SLURM_PROCID=1" && pid=$p
done
[[ -n $pid ]] || { cat "$work/kill.log"; fail "rank 1 of the srun job not found"; }
sleep 1
killed_at=$(date +%s.%N)
kill -9 "$pid"
ended=0
for ((t = 0; t < 100; t++)); do
  kill -0 "$launcher" 2>/dev/null || { ended=1; break; }
  sleep 0.1
done
elapsed=$(awk -v a="$killed_at" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
((ended)) || { kill -9 "$launcher" 2>/dev/null || true; fail "the srun job was still running 10 s after the kill"; }
rc=0
wait "$launcher" || rc=$?
((rc != 0)) || fail "the killed srun job exited 0"
grep -Eq "srun: error: $host: task 1: Killed" "$work/kill.log" || { cat "$work/kill.log"; fail "srun did not name task 1 on $host"; }
echo "kill -9 of task 1 under srun: ended in ${elapsed}s, exit $rc: $(grep -m1 'task 1: Killed' "$work/kill.log")"
sleep 2
left=$(job_pids "$work/kill")
[[ -z $left ]] || { ps -fp $left; fail "processes left after the srun job: $left"; }
echo "PASS: srun --mpi=pmix matches mpirun byte for byte; srun without PMIx and a wrong step size are refused before training; the sbatch script runs the same job literally; a killed task ends the job, named"
