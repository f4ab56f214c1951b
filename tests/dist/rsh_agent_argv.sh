#!/usr/bin/env bash
# Security (docs/distributed.md, "Host check"): what `loom launch --hostfile` hands to the
# remote shell. OMPI_MCA_plm_rsh_agent names a shim called `ssh` that records the exact argv
# it receives (one file per call, NUL-separated) and then does what sshd does with it: joins
# the words after the host with spaces and runs them with `bash -c` on "the host" (here).
#  1. loom itself lives under a directory whose name holds `;`, `$()`, backticks, spaces and a
#     component starting with `-`: the host check's argv is exactly
#     [-o BatchMode=yes -o ConnectTimeout=N HOST QUOTED-PATH --version]; the remote shell
#     turns QUOTED-PATH back into the literal path (the check passes: "loom x.y.z" answered),
#     and nothing in it runs (no marker file appears);
#  2. hostfiles whose host names hold `;`, `$()`, backticks, a space or a leading `-` are
#     refused before the shim is ever called;
#  3. the key path and the fake credential given to the agent appear nowhere in the run
#     directory or loom's output.
# mpirun's own daemon start through the shim is made to fail (exit 1): the test is about the
# argv, not about starting a job (tests/dist/ssh_hosts.sh starts real ones over sshd).
# Usage: rsh_agent_argv.sh LOOM MODEL WORKDIR
set -euo pipefail
loom=$1 model=$2 work=$3
rm -rf "$work" && mkdir -p "$work/bin"
fail() { echo "FAIL: $*"; exit 1; }
key="$work/id_secret_test_key"
echo "-----BEGIN FAKE KEY----- s3cr3t-token-for-the-test" >"$key"

cat >"$work/bin/ssh" <<SHIM
#!/usr/bin/env bash
n=\$(ls "$work"/argv.* 2>/dev/null | wc -l)
printf '%s\\0' "\$@" >"$work/argv.\$n"
while [[ \$1 == -o || \$1 == -i ]]; do shift 2; done
host=\$1; shift
[[ \$* == *" --version" ]] || exit 1   # not the host check: mpirun's daemon, refused
exec bash -c "\$*"
SHIM
chmod +x "$work/bin/ssh"
export OMPI_MCA_plm_rsh_agent="$work/bin/ssh -i $key"

odd="$work/odd dir; touch $work/pwned \$(touch $work/pwned2) \`touch $work/pwned3\`/-x 'q\"/bin"
mkdir -p "$odd"
cp "$loom" "$odd/loom"
printf '127.0.0.2 slots=1\n' >"$work/hosts"
rc=0
timeout 120 "$odd/loom" launch --np 1 --hostfile "$work/hosts" -- "$model" --max-steps 2 --run-dir "$work/run" \
  >"$work/launch.out" 2>"$work/launch.err" || rc=$?
[[ -f $work/argv.0 ]] || { cat "$work/launch.err"; fail "the host check never called the agent"; }
mapfile -d '' got <"$work/argv.0"
version=$("$odd/loom" --version)
expected=(-i "$key" -o BatchMode=yes -o "${got[5]}" 127.0.0.2)
for i in "${!expected[@]}"; do
  [[ ${got[$i]} == "${expected[$i]}" ]] || fail "argv[$i] is '${got[$i]}', expected '${expected[$i]}'"
done
[[ ${got[5]} =~ ^ConnectTimeout=[0-9]+$ ]] || fail "argv[5] is '${got[5]}'"
((${#got[@]} == 9)) || fail "the host check passed ${#got[@]} arguments: ${got[*]}"
[[ ${got[8]} == --version ]] || fail "the last argument is '${got[8]}'"
# The remote shell must read the quoted path back as the literal one, as one word.
back=$(bash -c "printf '%s\\n' ${got[7]}")
[[ $back == "$odd/loom" ]] || fail "the remote shell reads the loom path as '$back'"
for f in pwned pwned2 pwned3; do [[ ! -e $work/$f ]] || fail "a metacharacter in the loom path ran ($f)"; done
grep -q "hosts:1" "$work/launch.err" && { cat "$work/launch.err"; fail "the host check refused the host"; }
printf 'host check argv: '; printf '[%s] ' "${got[@]}"; echo
echo "the check passed ($version answered); mpirun then exited $rc (its daemon start through the shim is refused)"

calls=$(ls "$work"/argv.* | wc -l)
i=0
for bad in 'node1;touch' 'node$(touch)' 'node`id`' 'node 1' '-oProxyCommand=x' "node'1"; do
  printf '%s slots=1\n' "$bad" >"$work/hosts_bad$i"
  rc=0
  "$odd/loom" launch --np 1 --hostfile "$work/hosts_bad$i" -- "$model" --run-dir "$work/bad$i" \
    >"$work/bad$i.out" 2>"$work/bad$i.err" || rc=$?
  ((rc == 2)) || { cat "$work/bad$i.err"; fail "hostfile host '$bad' was not refused (exit $rc)"; }
  [[ ! -e $work/bad$i ]] || fail "hostfile host '$bad': a run directory was created"
  ((i++)) || true
done
(($(ls "$work"/argv.* | wc -l) == calls)) || fail "the agent was called for a refused hostfile"
echo "6 hostfiles with ;, \$(), backticks, a space, a leading - and a quote refused (exit 2), the agent not called"

if grep -rl -e "id_secret_test_key" -e "s3cr3t-token" "$work/run" "$work"/*.out "$work"/*.err 2>/dev/null; then
  fail "the key path or the credential was written (files above)"
fi
echo "PASS: the remote shell gets the host check's argv with the loom path as one quoted word; odd host names refused; no credential written"
