# Sourced by tests/dist/slurm.sh: a real single-machine Slurm cluster (Debian's slurm-wlm
# 22.05: slurmctld + slurmd, authenticated by munge) that lives in one directory.
#   start_slurm DIR CPUS   generates a munge key and slurm.conf in DIR, starts munged,
#                          slurmctld and slurmd on free ports, exports SLURM_CONF, and waits
#                          until the node is idle. CPUS: the slots the node offers (may exceed
#                          the cores: SlurmdParameters=config_overrides).
#   stop_slurm             stops the three daemons it started (by their pid files).
# Nothing is installed or changed outside DIR; the system's own munge and Slurm services are
# not used.

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_slurm() {
  local dir=$1 cpus=$2 node t
  node=$(hostname)
  SLURM_DIR=$dir
  mkdir -p "$dir/munge" "$dir/state" "$dir/spool/$node" "$dir/log"
  chmod 700 "$dir/munge"
  head -c 1024 /dev/urandom >"$dir/munge/munge.key"
  chmod 400 "$dir/munge/munge.key"
  munged --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
    --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" \
    --seed-file="$dir/munge/munged.seed" --force
  cat >"$dir/slurm.conf" <<CONF
ClusterName=loomtest
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool/%n
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmdParameters=config_overrides
MpiDefault=none
ReturnToService=2
SchedulerType=sched/builtin
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
InactiveLimit=0
KillWait=5
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus Sockets=1 CoresPerSocket=$cpus ThreadsPerCore=1 RealMemory=2000 State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
CONF
  export SLURM_CONF=$dir/slurm.conf
  slurmctld -f "$SLURM_CONF"
  slurmd -f "$SLURM_CONF"
  for ((t = 0; t < 300; t++)); do
    [[ $(sinfo -h -o %t 2>/dev/null || true) == idle ]] && return 0
    sleep 0.1
  done
  echo "the Slurm node did not become idle:"; sinfo || true; tail -5 "$dir/log/"*.log || true
  return 1
}

stop_slurm() {
  local f
  [[ -n ${SLURM_DIR:-} ]] || return 0
  for f in "$SLURM_DIR/slurmd.pid" "$SLURM_DIR/slurmctld.pid" "$SLURM_DIR/munge/munged.pid"; do
    [[ -f $f ]] && kill "$(cat "$f")" 2>/dev/null || true
  done
  return 0
}
