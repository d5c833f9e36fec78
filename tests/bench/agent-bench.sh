#!/usr/bin/env bash
# make bench, the agent: in a throwaway node namespace with a 253-IP pool,
#   - repair latency from kernel events: a deleted /32 route back (as `ip -ts monitor route` stamps the deletion and the
#     re-add, no tracer attached), a guest-agent style local route for the VM range
#     on another device gone (tests/bench/agent_latency.py: both kernel events seen by one rtnetlink observer);
#   - dnsmasq killed → serving DHCP again (tests/bench/dnsmasq_restart.py);
#   - steady state over 60 s idle: CPU, RSS and PSS of the agent process and their anonymous / file / shared-memory
#     split (/proc/PID/status, smaps_rollup), with the environment the shipped unit sets (its Environment= lines);
#   - one full resync's time (the agent's own debug line, --resync 200ms for a few seconds).
set -euo pipefail
out=${1:?usage: agent-bench.sh OUT_DIR}
here=$(cd "$(dirname "$0")" && pwd)
bin="$out/cocoon-net"
ns=cnagent-$$ peer=cnagent-out-$$
root=$(mktemp -d /tmp/cocoon-net-agent-bench.XXXXXX)
rounds=${BENCH_AGENT_ROUNDS:-30}
idle=${BENCH_AGENT_IDLE:-60}
export COCOON_NET_ROOT=$root COCOON_NET_PLUGINS_DIR=$out/plugins
agent_pid=
# The agent runs as the shipped unit runs it: the unit's Environment= settings apply here too.
unit_env=()
while IFS= read -r line; do
  for kv in ${line#Environment=}; do unit_env+=("${kv//\"/}"); done
done < <(grep -E '^Environment=' "$here/../../packaging/systemd/cocoon-net.service" || true)

cleanup() {
  [ -n "$agent_pid" ] && kill -9 "$agent_pid" 2>/dev/null || true
  for n in "$ns" "$peer"; do ip netns pids "$n" 2>/dev/null | xargs -r kill -9 2>/dev/null || true; ip netns del "$n" 2>/dev/null || true; done
  rm -rf "$root"
}
trap cleanup EXIT
ip netns add "$ns"; ip netns add "$peer"
ip link add up0 netns "$ns" type veth peer name up0 netns "$peer"
ip -n "$ns" addr add 203.0.113.2/24 dev up0; ip -n "$ns" link set up0 up; ip -n "$ns" link set lo up
ip -n "$peer" link set up0 up
ip -n "$ns" route add default via 203.0.113.1 dev up0

start_agent() { # $1 = resync, $2 = log file
  env ${unit_env[@]+"${unit_env[@]}"} COCOON_NET_LOG_LEVEL=debug ip netns exec "$ns" "$bin" agent --mode adopt --platform generic --node-name bench \
    --subnet 172.20.0.0/24 --manage-iptables --resync "$1" >"$2" 2>&1 &
  agent_pid=$!
  for _ in $(seq 1 300); do
    if ip netns exec "$ns" busybox wget -qO- http://127.0.0.1:9092/readyz 2>/dev/null | grep -q ready; then return 0; fi
    sleep 0.05
  done
  echo "the agent did not become ready:" >&2; cat "$2" >&2; exit 1
}
stop_agent() { kill -TERM "$agent_pid"; wait "$agent_pid" || true; agent_pid=; }

start_agent 60s "$root/agent.log"
latency=$(ip netns exec "$ns" python3 "$here/agent_latency.py" 172.20.0 "$rounds")
dhcp=$(ip netns exec "$ns" python3 "$here/dnsmasq_restart.py" "$root/run/cocoon-net/dnsmasq-cni.pid" 3)

# Steady state: what the agent costs while nothing happens (one jittered 60 s resync may fall in the window).
tck=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$agent_pid/stat"; }
before=$(cpu); sleep "$idle"
ip netns exec "$ns" busybox wget -qO- http://127.0.0.1:9092/metrics >/dev/null # a scrape, as Prometheus would
after=$(cpu)
rss_kib=$(awk '/^VmRSS:/ {print $2}' "/proc/$agent_pid/status")
hwm_kib=$(awk '/^VmHWM:/ {print $2}' "/proc/$agent_pid/status")
anon_kib=$(awk '/^RssAnon:/ {print $2}' "/proc/$agent_pid/status")
file_kib=$(awk '/^RssFile:/ {print $2}' "/proc/$agent_pid/status")
shmem_kib=$(awk '/^RssShmem:/ {print $2}' "/proc/$agent_pid/status")
pss_kib=$(awk '/^Pss:/ {print $2}' "/proc/$agent_pid/smaps_rollup")
released=$(grep -c 'memory released while idle' "$root/agent.log" || true)
stop_agent

start_agent 200ms "$root/agent-resync.log"
sleep 6
stop_agent
resync=$(sed -nE 's/.*full reconcile \(.*\) in ([0-9.]+) ms.*/\1/p' "$root/agent-resync.log" | tail -n +2)

python3 - "$latency" "$dhcp" "$before" "$after" "$tck" "$idle" "$rss_kib" "$hwm_kib" "$resync" "$anon_kib" "$file_kib" "$shmem_kib" "$pss_kib" "$released" "${unit_env[*]:-none}" <<'PY'
import json, statistics, sys
latency, dhcp = json.loads(sys.argv[1]), json.loads(sys.argv[2])
before, after, tck, idle = float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
rss, hwm = int(sys.argv[7]) / 1024, int(sys.argv[8]) / 1024
resync = [float(x) for x in sys.argv[9].split()]
anon, mapped = int(sys.argv[10]) / 1024, int(sys.argv[11]) / 1024
shmem, pss, released, unit_env = int(sys.argv[12]) / 1024, int(sys.argv[13]) / 1024, int(sys.argv[14]), sys.argv[15]

def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]

print("| agent | median | p99 | max | n |")
print("|---|---:|---:|---:|---:|")
for name, key in (("deleted /32 route back (ms)", "route"), ("guest-agent local route gone (ms)", "local")):
    v = latency[key]
    print(f"| {name} | {statistics.median(v):.2f} | {pct(v, 99):.2f} | {max(v):.2f} | {len(v)} |")
v = dhcp["dhcp"]
print(f"| dnsmasq killed → serving DHCP again (ms) | {statistics.median(v):.0f} | {pct(v, 99):.0f} | {max(v):.0f} | {len(v)} |")
if resync:
    print(f"| one full resync, 253 IPs (ms) | {statistics.median(resync):.1f} | {pct(resync, 99):.1f} | {max(resync):.1f} | {len(resync)} |")
print()
print(f"agent steady state over {idle:.0f} s idle: CPU {(after - before) / tck / idle * 100:.2f}% of one core, RSS {rss:.1f} MiB "
      f"(peak {hwm:.1f} MiB): {anon:.1f} MiB anonymous, {mapped:.1f} MiB mapped files (clean code, in the page cache), "
      f"{shmem:.1f} MiB shared memory (the runtime's W^X double mapping); PSS {pss:.1f} MiB; "
      f"memory released {released} time(s) while idle; unit environment: {unit_env}")
PY
