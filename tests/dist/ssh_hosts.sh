#!/usr/bin/env bash
# Real remote hosts on this machine (docs/distributed.md): sshd instances started here, each on
# its own loopback address, with a key generated for the test; Open MPI reaches them through
# ssh, as it would a cluster's nodes. Nothing contacts any other address.
#  1. A 2-host run (127.0.0.2 and 127.0.0.3, one rank each, through a hostfile) and a 4-rank
#     run over the same two hosts (two slots each) give the parameters of a 1-process run with
#     the same global batch within 1e-5 after 200 steps.
#  2. kill -9 of the rank on 127.0.0.3 ends the job within 10 s, naming rank and host, and no
#     process of the job is left 30 s later.
#  3. `loom launch`'s host check refuses, before anything starts, a host whose sshd is down
#     (127.0.0.4: nothing listens), a host that has no loom at this path and one with another
#     loom version (127.0.0.5 and .6: real sshd instances whose ForceCommand answers as such a
#     host's shell would, since every address here shares this machine's files).
# Usage: ssh_hosts.sh LOOM PYTHON MODEL WORKDIR
set -euo pipefail
loom=$(realpath "$1") python=$2 model=$3 work=$4
here=$(cd "$(dirname "$0")" && pwd)
fail() { echo "FAIL: $*"; exit 1; }
source "$here/sshd_hosts_lib.sh"  # real sshd instances on loopback addresses
rm -rf "$work"
sshd_hosts_init "$work" || fail "cannot set up the sshd hosts"
trap sshd_hosts_stop EXIT
sshd_hosts_start 127.0.0.2
sshd_hosts_start 127.0.0.3
sshd_hosts_start 127.0.0.5 "echo 'bash: line 1: $loom: No such file or directory' >&2; exit 127"
sshd_hosts_start 127.0.0.6 "echo 'loom 0.0.9'"
sshd_hosts_config
sshd_hosts_wait 127.0.0.2 127.0.0.3 || exit 1

printf '127.0.0.2 slots=1\n127.0.0.3 slots=1\n' >"$work/hosts"
common=(--threads 1 --max-steps 200 --train-limit 8000 --validation-fraction 0.1 --no-test
        --checkpoint-every 1000)
echo "== 2 hosts x 1 rank x 32 vs 1 process x 64"
"$loom" train "$model" "${common[@]}" --batch-size 64 --run-dir "$work/np1" >"$work/np1.out" 2>&1 ||
  { tail "$work/np1.out"; fail "the 1-process run failed"; }
"$loom" launch --np 2 --hostfile "$work/hosts" -- "$model" "${common[@]}" --batch-size 32 \
  --run-dir "$work/hosts2" >"$work/hosts2.out" 2>&1 || { tail -20 "$work/hosts2.out"; fail "the 2-host run failed"; }
grep -q "data-parallel: 2 ranks, global batch 64" "$work/hosts2.out" || { tail "$work/hosts2.out"; fail "no 2-rank run"; }
for addr in 127.0.0.2 127.0.0.3; do  # each host's sshd really started a session (Open MPI's daemon)
  grep -q "Accepted publickey for root" "$work/sshd_$addr.log" || fail "no ssh session was opened on $addr"
done
"$python" "$here/compare_checkpoints.py" "$work/np1/checkpoints/last.ckpt" "$work/hosts2/checkpoints/last.ckpt" --rtol 1e-5 | tail -2

echo "== 2 hosts x 2 ranks x 16 (4 ranks over ssh) vs 1 process x 64"
printf '127.0.0.2 slots=2\n127.0.0.3 slots=2\n' >"$work/hosts4"
# Two ranks per "host": on a real cluster they would talk through that host's shared memory
# (Open MPI's vader BTL). Here every "host" is this machine with one hostname and one /dev/shm,
# so the two hosts' shared-memory segments collide (a segfault in mca_btl_vader_poll_handle_frag);
# TCP between all ranks keeps what the test checks, the arithmetic over 4 ranks through ssh.
OMPI_MCA_btl=self,tcp "$loom" launch --np 4 --hostfile "$work/hosts4" -- "$model" "${common[@]}" --batch-size 16 \
  --run-dir "$work/hosts4run" >"$work/hosts4.out" 2>&1 || { tail -20 "$work/hosts4.out"; fail "the 4-rank ssh run failed"; }
grep -q "data-parallel: 4 ranks, global batch 64" "$work/hosts4.out" || { tail "$work/hosts4.out"; fail "no 4-rank run"; }
"$python" "$here/compare_checkpoints.py" "$work/np1/checkpoints/last.ckpt" "$work/hosts4run/checkpoints/last.ckpt" --rtol 1e-5 | tail -2

echo "== kill -9 of the rank on 127.0.0.3 (a remote host): the job ends naming it, nothing is left"
rank_pid() {  # rank_pid RUN_DIR RANK
  local pid
  for pid in $(pgrep -f -- "--run-dir $1" || true); do
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == loom ]] || continue
    tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -x "OMPI_COMM_WORLD_RANK=$2" >/dev/null && echo "$pid"
  done
  return 0  # the last candidate may be another rank; under set -e, victim=$(...) must not fail
}
"$loom" launch --np 2 --hostfile "$work/hosts" -- "$model" --threads 1 --epochs 50 --train-limit 4000 \
  --no-test --batch-size 16 --run-dir "$work/killed" >"$work/killed.out" 2>&1 &
launcher=$!
for ((t = 0; t < 600; t++)); do
  [[ -f $work/killed/run.json && -n $(rank_pid "$work/killed" 1) ]] && break
  sleep 0.1
done
victim=$(rank_pid "$work/killed" 1)
[[ -n $victim ]] || { cat "$work/killed.out"; fail "rank 1 of the 2-host run did not start"; }
sleep 1
killed_at=$(date +%s.%N)
kill -9 "$victim"
rc=0
wait "$launcher" || rc=$?
took=$(awk -v a="$killed_at" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
((rc != 0)) || fail "the job exited 0 after its rank was killed"
awk -v t="$took" 'BEGIN { exit !(t <= 10) }' || fail "the job took $took s to end (limit 10 s)"
grep -Eq "rank 1 .*on node 127\.0\.0\.3 exited on signal 9" "$work/killed.out" ||
  { cat "$work/killed.out"; fail "the message does not name rank 1 and host 127.0.0.3"; }
sleep 30
left=$(pgrep -f -- "$work/killed" || true)
[[ -z $left ]] || fail "processes of the killed job remain after 30 s: $left"
echo "kill -9 of rank 1 on 127.0.0.3: job ended in $took s, exit $rc: $(grep -Eo "mpirun noticed.*" "$work/killed.out" | head -1); nothing left after 30 s"

expect_refusal() {  # expect_refusal NAME HOSTFILE_TEXT REGEX
  local name=$1 text=$2 regex=$3 rc=0 start
  printf '%b' "$text" >"$work/$name.hosts"
  start=$(date +%s.%N)
  "$loom" launch --np 2 --hostfile "$work/$name.hosts" -- "$model" "${common[@]}" --batch-size 32 \
    --run-dir "$work/$name" >"$work/$name.out" 2>&1 || rc=$?
  ((rc != 0)) || fail "$name: loom launch succeeded"
  grep -Eq "$regex" "$work/$name.out" || { cat "$work/$name.out"; fail "$name: no message matching $regex"; }
  [[ ! -e $work/$name ]] || fail "$name: a run directory was created before the check"
  awk -v n="$name" -v a="$start" -v b="$(date +%s.%N)" -v m="$(tail -1 "$work/$name.out")" \
    'BEGIN { printf "%s: refused in %.2f s: %s\n", n, b - a, m }'
}
echo "== hosts that cannot run the job are named before anything starts"
expect_refusal sshd_down '127.0.0.2 slots=1\n127.0.0.4 slots=1\n' \
  "hosts:2: host 127\\.0\\.0\\.4: ssh cannot reach it: .*Connection refused"
expect_refusal no_loom '127.0.0.2 slots=1\n127.0.0.5 slots=1\n' \
  "hosts:2: host 127\\.0\\.0\\.5: loom is not installed at .* there"
expect_refusal other_version '127.0.0.6 slots=1\n127.0.0.2 slots=1\n' \
  "hosts:1: host 127\\.0\\.0\\.6: runs \"loom 0\\.0\\.9\", this machine \"loom [0-9.]+\""
echo "PASS: 2-host runs over ssh (2 and 4 ranks) match 1 process within 1e-5; a killed remote rank ends the job, named; unreachable, loom-less and other-version hosts refused before any start"
