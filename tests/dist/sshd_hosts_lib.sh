# Sourced by tests that need real remote hosts on this machine (docs/distributed.md): sshd
# instances, each on its own loopback address, with a host key and a user key generated for
# the run, and an ssh config that Open MPI (and the host check) use through
# OMPI_MCA_plm_rsh_agent. Nothing contacts any other address.
#   sshd_hosts_init WORK       keys and authorized_keys in WORK (created, mode 700), a port
#   sshd_hosts_start ADDR [CMD] an sshd on ADDR:port (ForceCommand CMD when given)
#   sshd_hosts_config          writes WORK/ssh_config, exports OMPI_MCA_plm_rsh_agent
#   sshd_hosts_wait ADDR...    0 when every address answers within 10 s each, else 1
#   sshd_hosts_stop            ends the sshd instances (use in an EXIT trap)
sshd_hosts_init() {
  sshd_work=$1
  sshd_pids=()
  command -v /usr/sbin/sshd >/dev/null ||
    { echo "FAIL: /usr/sbin/sshd is missing (packaging/install-deps.sh installs openssh-server)"; return 1; }
  mkdir -p "$sshd_work" && chmod 700 "$sshd_work"
  sshd_port=$((20000 + RANDOM % 20000))
  rm -f "$sshd_work/host_key" "$sshd_work/user_key"{,.pub} "$sshd_work/host_key.pub"
  ssh-keygen -q -t ed25519 -N '' -f "$sshd_work/host_key"
  ssh-keygen -q -t ed25519 -N '' -f "$sshd_work/user_key"
  cp "$sshd_work/user_key.pub" "$sshd_work/authorized_keys"
  mkdir -p /run/sshd  # sshd's privilege-separation directory
}

sshd_hosts_start() {
  local addr=$1 forced=${2:-}
  {
    echo "ListenAddress $addr:$sshd_port"
    echo "HostKey $sshd_work/host_key"
    echo "AuthorizedKeysFile $sshd_work/authorized_keys"
    echo "PermitRootLogin prohibit-password"
    echo "PasswordAuthentication no"
    echo "KbdInteractiveAuthentication no"
    echo "UsePAM no"
    echo "StrictModes no"
    echo "PidFile $sshd_work/sshd_$addr.pid"
    [[ -z $forced ]] || echo "ForceCommand $forced"
  } >"$sshd_work/sshd_$addr.conf"
  /usr/sbin/sshd -D -f "$sshd_work/sshd_$addr.conf" -E "$sshd_work/sshd_$addr.log" &
  sshd_pids+=($!)
}

sshd_hosts_config() {
  cat >"$sshd_work/ssh_config" <<CFG
Host 127.0.0.*
  Port $sshd_port
  IdentityFile $sshd_work/user_key
  IdentitiesOnly yes
  StrictHostKeyChecking no
  UserKnownHostsFile /dev/null
  LogLevel ERROR
CFG
  export OMPI_MCA_plm_rsh_agent="ssh -F $sshd_work/ssh_config"
}

sshd_hosts_wait() {
  local addr t
  for addr in "$@"; do
    for ((t = 0; t < 100; t++)); do
      ssh -F "$sshd_work/ssh_config" -o BatchMode=yes "$addr" true 2>/dev/null && break
      sleep 0.1
    done
    ssh -F "$sshd_work/ssh_config" -o BatchMode=yes "$addr" true ||
      { echo "FAIL: sshd on $addr does not answer (see $sshd_work/sshd_$addr.log)"; return 1; }
  done
}

sshd_hosts_stop() {
  local p
  for p in "${sshd_pids[@]}"; do kill "$p" 2>/dev/null || true; done
}
