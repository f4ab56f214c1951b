#!/usr/bin/env bash
# Runs loom_workers_mode_test (tests/widgets/workers_mode_test.cpp) under Xvfb with two real
# remote hosts: sshd on 127.0.0.2 and 127.0.0.3 (tests/dist/sshd_hosts_lib.sh); 127.0.0.4 has
# none. Usage: workers_mode.sh TEST_BINARY WORKDIR [xvfb-run]
set -euo pipefail
test_bin=$1 work=$2 xvfb=${3:-xvfb-run}
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../dist/sshd_hosts_lib.sh"
rm -rf "$work"
sshd_hosts_init "$work"
trap sshd_hosts_stop EXIT
sshd_hosts_start 127.0.0.2
sshd_hosts_start 127.0.0.3
sshd_hosts_config
sshd_hosts_wait 127.0.0.2 127.0.0.3
export LOOM_WORKERS_TEST_DIR=$work LOOM_WORKERS_SSHD_PORT=$sshd_port
rc=0
"$xvfb" -a -s "-screen 0 1600x1000x24" "$test_bin" || rc=$?
for addr in 127.0.0.2 127.0.0.3; do  # the run really went through each host's sshd
  grep -q "Accepted publickey for root" "$work/sshd_$addr.log" ||
    { echo "FAIL: no ssh session was opened on $addr"; rc=1; }
done
exit "$rc"
