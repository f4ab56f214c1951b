# Sourced by the dist tests: the processes of a `loom launch` job, found through /proc.
# rank_pids RUN_DIR: "RANK PID" lines of the loom processes whose command line names RUN_DIR
# and whose environment has mpirun's OMPI_COMM_WORLD_RANK (the launcher itself has none).
# Each command's status is guarded, so `x=$(rank_pids d)` never ends a `set -e` script.
rank_pids() {
  local pid rank
  for pid in $(pgrep -f -- "--run-dir $1" || true); do
    [[ $(cat "/proc/$pid/comm" 2>/dev/null || true) == loom ]] || continue
    rank=$({ tr '\0' '\n' 2>/dev/null <"/proc/$pid/environ" || true; } | sed -n 's/^OMPI_COMM_WORLD_RANK=//p')
    [[ -n $rank ]] && echo "$rank $pid"
  done
  return 0
}

# job_pids RUN_DIR: every process (launcher, mpirun, ranks) whose command line names RUN_DIR.
job_pids() {
  pgrep -f -- "--run-dir $1" || true
}

# wait_gone SECONDS PID...: 0 when none of the PIDs exists within SECONDS, else 1.
wait_gone() {
  local limit=$1 t pid alive
  shift
  for ((t = 0; t < limit * 10; t++)); do
    alive=0
    for pid in "$@"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || return 0
    sleep 0.1
  done
  return 1
}
