#!/usr/bin/env bash
# make bench, DHCP: dnsmasq against the agent's embedded server on the same throwaway node (a 253-IP pool), switched
# with `adopt --dhcp`:
#   - one exchange, DISCOVER to bound (busybox udhcpc, a fresh MAC each time), BENCH_DHCP_RUNS times per backend.
#     dnsmasq pings a new address (3 s) before offering it, but only a handful per 30 s (its ping cache): in a burst the
#     first few fresh VMs wait 3 s and the rest do not, so the table counts the exchanges that waited;
#   - 253 clients at once (macvlans with their own MACs on one VM's eth0, one udhcpc each), until all are bound;
#   - the agent's RSS after BENCH_DHCP_IDLE s idle with the embedded server running and the pool fully leased.
# The clients run confined (private mount and UTS namespaces, a private resolv.conf, tmpfs over /run and their lease
# directories) with a script of ours that only records the lease: nothing of the machine's is touched.
set -euo pipefail
out=${1:?usage: dhcp-bench.sh OUT_DIR}
here=$(cd "$(dirname "$0")" && pwd)
bin="$out/cocoon-net"
ns=cndhcp-$$ peer=cndhcp-out-$$ vm=cndhcp-vm-$$ crowd=cndhcp-crowd-$$
root=$(mktemp -d /tmp/cocoon-net-dhcp-bench.XXXXXX)
runs=${BENCH_DHCP_RUNS:-30}
idle=${BENCH_DHCP_IDLE:-20}
export COCOON_NET_ROOT=$root COCOON_NET_PLUGINS_DIR=$out/plugins
export D=$root/clients
node=(--node-name bench --subnet 172.20.0.0/24 --manage-iptables)
agent_pid=
unit_env=()
while IFS= read -r line; do
  for kv in ${line#Environment=}; do unit_env+=("${kv//\"/}"); done
done < <(grep -E '^Environment=' "$here/../../packaging/systemd/cocoon-net.service" || true)

cleanup() {
  [ -n "$agent_pid" ] && kill -9 "$agent_pid" 2>/dev/null || true
  for n in "$vm" "$crowd" "$ns" "$peer"; do
    ip netns pids "$n" 2>/dev/null | xargs -r kill -9 2>/dev/null || true; ip netns del "$n" 2>/dev/null || true
  done
  rm -rf "$root"
}
trap cleanup EXIT
ip netns add "$ns"; ip netns add "$peer"
ip link add up0 netns "$ns" type veth peer name up0 netns "$peer"
ip -n "$ns" addr add 203.0.113.2/24 dev up0; ip -n "$ns" link set up0 up; ip -n "$ns" link set lo up
ip -n "$peer" link set up0 up
ip -n "$ns" route add default via 203.0.113.1 dev up0

mkdir -p "$D"; : >"$D/resolv.conf"
cat >"$D/record.sh" <<'SCRIPT'
#!/bin/sh
[ "$1" = bound ] && echo "$interface $ip" >>"$D/bound"
exit 0
SCRIPT
chmod +x "$D/record.sh"
# confined NS SCRIPT: SCRIPT in namespace NS with private mounts and hostname (see tests/CocoonNet.Testing/DhcpClients.cs).
confined() {
  ip netns exec "$1" unshare -m -u --propagation private sh -c '
    set -e
    [ -e /etc/resolv.conf ] && mount --bind "$D/resolv.conf" /etc/resolv.conf
    mount -t tmpfs -o mode=0755 cocoon-vm-run /run
    for d in /var/lib/dhcp /var/lib/dhcpcd; do [ -d "$d" ] && mount -t tmpfs -o mode=0755 cocoon-vm-lib "$d"; done
    hostname cocoon-vm
    set +e
    '"$2"
}
cocoon() { ip netns exec "$ns" "$bin" "$@" >>"$root/cocoon-net.log" 2>&1 || { echo "cocoon-net $*: failed" >&2; tail -20 "$root/cocoon-net.log" >&2; exit 1; }; }
start_agent() {
  env ${unit_env[@]+"${unit_env[@]}"} COCOON_NET_LOG_LEVEL=debug ip netns exec "$ns" "$bin" agent >"$root/agent.log" 2>&1 &
  agent_pid=$!
  for _ in $(seq 1 300); do
    if ip netns exec "$ns" busybox wget -qO- http://127.0.0.1:9092/readyz 2>/dev/null | grep -q ready; then return 0; fi
    sleep 0.05
  done
  echo "the agent did not become ready:" >&2; cat "$root/agent.log" >&2; exit 1
}
stop_agent() { kill -TERM "$agent_pid"; wait "$agent_pid" || true; agent_pid=; }
plug() { # plug NS PORT: a namespace whose eth0 is a port of cni0
  ip netns add "$1"; ip -n "$1" link set lo up
  ip link add eth0 netns "$1" type veth peer name "$2" netns "$ns"
  ip -n "$ns" link set "$2" master cni0 up; ip -n "$1" link set eth0 up
}
unplug() { ip netns pids "$1" | xargs -r kill -9 2>/dev/null || true; ip netns del "$1"; sleep 0.2; }

# exchanges PREFIX: $runs exchanges from $vm, a fresh MAC (02:b0:PREFIX:00:00:i) each; prints one time (ms) per line.
exchanges() {
  confined "$vm" "
    for i in \$(seq 1 $runs); do
      ip link set eth0 address 02:b0:$1:00:00:\$(printf %02x \$i)
      t0=\$(date +%s%N)
      busybox udhcpc -i eth0 -n -q -f -t 10 -T 1 -A 1 -s \"\$D/record.sh\" >/dev/null 2>&1 || { echo failed; continue; }
      t1=\$(date +%s%N)
      echo \$(( (t1 - t0) / 1000 ))
    done"
}
# crowd PREFIX: 253 clients at once in $crowd (macvlans 02:b1:PREFIX:00:00:i); prints "SECONDS BOUND".
crowd() {
  plug "$crowd" crowdport
  for i in $(seq 0 252); do
    ip -n "$crowd" link add "m$i" link eth0 address "02:b1:$1:00:00:$(printf %02x "$i")" type macvlan mode private
    ip -n "$crowd" link set "m$i" up
  done
  rm -f "$D/bound"
  local t0 t1
  t0=$(date +%s%N)
  confined "$crowd" 'seq 0 252 | xargs -P 253 -I@ busybox udhcpc -i m@ -n -q -f -t 30 -T 1 -A 1 -s "$D/record.sh" >/dev/null 2>&1; exit 0'
  t1=$(date +%s%N)
  # Clients bound (interfaces) and distinct addresses among them: a server giving one address twice shows here.
  echo "$(( (t1 - t0) / 1000000 )) $(awk '{print $1}' "$D/bound" 2>/dev/null | sort -u | wc -l) $(awk '{print $2}' "$D/bound" 2>/dev/null | sort -u | wc -l)"
  unplug "$crowd"
}

echo "dnsmasq: $runs exchanges" >&2
cocoon adopt "${node[@]}" --dhcp dnsmasq --service-manager process
plug "$vm" vmport
dnsmasq_times=$(exchanges 01)

echo "embedded (the same node, switched by adopt --dhcp embedded): $runs exchanges" >&2
unplug "$vm"   # a switch is refused while VMs are plugged into cni0 (their CNI network and leases would change)
cocoon adopt "${node[@]}" --dhcp embedded
start_agent
plug "$vm" vmport
embedded_times=$(exchanges 02)
stop_agent
unplug "$vm"

echo "dnsmasq: 253 clients at once" >&2
cocoon teardown
cocoon adopt "${node[@]}" --dhcp dnsmasq --service-manager process
dnsmasq_crowd=$(crowd 03)

echo "embedded: 253 clients at once, then ${idle} s idle" >&2
cocoon teardown
cocoon adopt "${node[@]}" --dhcp embedded
start_agent
embedded_crowd=$(crowd 04)
sleep "$idle"
rss_kib=$(awk '/^VmRSS:/ {print $2}' "/proc/$agent_pid/status")
released=$(grep -c 'memory released while idle' "$root/agent.log" || true)
hwm_kib=$(awk '/^VmHWM:/ {print $2}' "/proc/$agent_pid/status")
leases=$(ip netns exec "$ns" busybox wget -qO- http://127.0.0.1:9092/metrics | sed -n 's/^cocoon_net_dhcp_lease_active //p')
stop_agent
cocoon teardown

python3 - "$dnsmasq_times" "$embedded_times" "$dnsmasq_crowd" "$embedded_crowd" "$rss_kib" "$hwm_kib" "${leases:-?}" "${unit_env[*]:-none}" "$released" <<'PY'
import statistics, sys
def times(text):
    values = text.split()
    return [int(v) / 1000 for v in values if v != "failed"], values.count("failed")
def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]
print("| DHCP | dnsmasq | embedded |")
print("|---|---:|---:|")
(d, dfail), (e, efail) = times(sys.argv[1]), times(sys.argv[2])
for name, f in (("exchange, DISCOVER to bound: median (ms)", statistics.median), ("p90 (ms)", lambda v: pct(v, 90)), ("max (ms)", max)):
    print(f"| {name} | {f(d):.0f} | {f(e):.0f} |" if d and e else f"| {name} | - | - |")
print(f"| exchanges (failed) | {len(d)} ({dfail}) | {len(e)} ({efail}) |")
print(f"| exchanges that took 2.5 s or more | {sum(v >= 2500 for v in d)} | {sum(v >= 2500 for v in e)} |")
(dt, dn, da), (et, en, ea) = (map(int, sys.argv[i].split()) for i in (3, 4))
print(f"| 253 clients at once: until all done (s) | {dt / 1000:.1f} | {et / 1000:.1f} |")
print(f"| clients bound (distinct addresses) | {dn} ({da}) | {en} ({ea}) |")
rss, hwm = int(sys.argv[5]) / 1024, int(sys.argv[6]) / 1024
print()
print(f"agent idle RSS with the embedded server running and {sys.argv[7]} leases: {rss:.1f} MiB (peak {hwm:.1f} MiB); "
      f"memory released {sys.argv[9]} time(s) while idle; unit environment: {sys.argv[8]}")
targets = [("embedded median <= 200 ms", e and statistics.median(e) <= 200), ("agent RSS <= 60 MiB", rss <= 60),
           ("253 bound at once to distinct addresses (embedded)", en == 253 and ea == 253)]
print("targets: " + ", ".join(f"{name}: {'met' if ok else 'NOT met'}" for name, ok in targets))
PY
