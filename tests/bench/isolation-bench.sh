#!/usr/bin/env bash
# make bench, isolation: what VM isolation + anti-spoofing cost a VM's traffic. One throwaway node (dnsmasq backend, its
# agent running), a VM plugged by the CNI bridge plugin from cocoon-net's conflist (by hand when the plugin is missing),
# iperf3's server in the "outside" namespace, so every packet crosses cni0, FORWARD and the NAT as a VM's egress does:
#   - TCP throughput (iperf3 -t BENCH_ISOLATION_SECONDS);
#   - small packets: UDP, 64-byte payloads, unlimited rate (-b 0): packets per second sent, whose inverse is the
#     per-packet cost of the whole path; the difference between the modes is what the bridge's nftables chain and
#     the FORWARD rules add.
# Modes alternate, BENCH_ISOLATION_RUNS times each: "on" (the defaults: --vm-isolation --anti-spoofing) and "off"
# (adopt --vm-isolation=false --anti-spoofing=false), the VM re-plugged after each adopt so its plug follows the
# conflist. Medians are reported with the on/off ratio (target >= 95 %). A cocoon-net without these flags is benched
# "off" only (its behaviour). The DHCP client runs confined, as in dhcp-bench.sh.
set -euo pipefail
out=${1:?usage: isolation-bench.sh OUT_DIR}
bin="$out/cocoon-net"
ns=cniso-$$ peer=cniso-out-$$ vm=cniso-vm-$$
root=$(mktemp -d /tmp/cocoon-net-isolation-bench.XXXXXX)
runs=${BENCH_ISOLATION_RUNS:-3}
seconds=${BENCH_ISOLATION_SECONDS:-5}
dhcp=${BENCH_ISOLATION_DHCP:-dnsmasq}
cni=/usr/lib/cni/bridge
export COCOON_NET_ROOT=$root COCOON_NET_PLUGINS_DIR=$out/plugins
export D=$root/clients
node=(--node-name bench --subnet 172.20.0.0/24 --manage-iptables --dhcp "$dhcp" --service-manager process)
agent_pid=
server_pid=

cleanup() {
  [ -n "$agent_pid" ] && kill -9 "$agent_pid" 2>/dev/null || true
  [ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null || true
  for n in "$vm" "$ns" "$peer"; do
    ip netns pids "$n" 2>/dev/null | xargs -r kill -9 2>/dev/null || true; ip netns del "$n" 2>/dev/null || true
  done
  rm -rf "$root"
}
trap cleanup EXIT
ip netns add "$ns"; ip netns add "$peer"
ip link add up0 netns "$ns" type veth peer name up0 netns "$peer"
ip -n "$ns" addr add 203.0.113.2/24 dev up0; ip -n "$ns" link set up0 up; ip -n "$ns" link set lo up
ip -n "$peer" addr add 203.0.113.1/24 dev up0; ip -n "$peer" link set up0 up; ip -n "$peer" link set lo up
ip -n "$ns" route add default via 203.0.113.1 dev up0

mkdir -p "$D"; : >"$D/resolv.conf"
cat >"$D/udhcpc.sh" <<'SCRIPT'
#!/bin/sh
case "$1" in
  bound|renew)
    ip addr flush dev "$interface"; ip addr add "$ip/${mask:-24}" dev "$interface"
    [ -n "$router" ] && ip route replace default via "${router%% *}" dev "$interface"
    ;;
esac
exit 0
SCRIPT
chmod +x "$D/udhcpc.sh"
# confined NS SCRIPT: SCRIPT in namespace NS with private mounts and hostname (see tests/CocoonNet.Testing/DhcpClients.cs).
confined() {
  ip netns exec "$1" unshare -m -u --propagation private sh -c '
    set -e
    [ -e /etc/resolv.conf ] && mount --bind "$D/resolv.conf" /etc/resolv.conf
    mount -t tmpfs -o mode=0755 cocoon-vm-run /run
    hostname cocoon-vm
    set +e
    '"$2"
}
cocoon() { ip netns exec "$ns" "$bin" "$@" >>"$root/cocoon-net.log" 2>&1; }
start_agent() {
  COCOON_NET_LOG_LEVEL=debug ip netns exec "$ns" "$bin" agent >"$root/agent.log" 2>&1 &
  agent_pid=$!
  for _ in $(seq 1 300); do
    if ip netns exec "$ns" busybox wget -qO- http://127.0.0.1:9092/readyz 2>/dev/null | grep -q ready; then return 0; fi
    sleep 0.05
  done
  echo "the agent did not become ready:" >&2; cat "$root/agent.log" >&2; exit 1
}
# cni COMMAND: the bridge plugin's ADD or DEL for $vm, its configuration derived from the conflist as a runtime does.
cni() {
  local conflist
  conflist=$(ls "$root"/etc/cni/net.d/*.conflist)
  python3 -c 'import json, sys; l = json.load(open(sys.argv[1])); print(json.dumps({**l["plugins"][0], "name": l["name"], "cniVersion": l["cniVersion"]}))' "$conflist" |
    CNI_COMMAND=$1 CNI_CONTAINERID=$vm CNI_NETNS=/var/run/netns/$vm CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni \
      ip netns exec "$ns" "$cni" >>"$root/cni.log"
}
plug() { # the VM: a namespace whose eth0 is a port of cni0, with an address by DHCP
  ip netns add "$vm"; ip -n "$vm" link set lo up
  if [ -x "$cni" ]; then
    cni ADD
  else
    ip link add eth0 netns "$vm" type veth peer name vmport netns "$ns"
    ip -n "$ns" link set vmport master cni0 up
  fi
  ip -n "$vm" link set eth0 up
  confined "$vm" 'busybox udhcpc -i eth0 -n -q -f -t 10 -T 1 -A 1 -s "$D/udhcpc.sh" >/dev/null 2>&1' ||
    { echo "the VM got no lease" >&2; tail -30 "$root/agent.log" >&2; exit 1; }
  # A lease reaches anti-spoofing's set within 100 ms of dnsmasq's lease file: wait until the VM's packets pass.
  for _ in $(seq 1 50); do ip netns exec "$vm" busybox ping -c 1 -W 1 203.0.113.1 >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "the VM cannot reach the outside" >&2; exit 1
}
unplug() {
  if [ -x "$cni" ]; then cni DEL || true; fi
  ip netns pids "$vm" | xargs -r kill -9 2>/dev/null || true; ip netns del "$vm"; sleep 0.2
}
# measure: one TCP run and one small-packet UDP run from the VM; prints "BITS_PER_SECOND PACKETS_PER_SECOND".
measure() {
  local tcp udp
  tcp=$(ip netns exec "$vm" iperf3 -c 203.0.113.1 -t "$seconds" -J |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"])')
  # Packets the VM sent per second. A veth hands each packet on in the sender's own context (bridge, nftables, routing,
  # FORWARD, NAT, up to the receiving socket), so this rate carries the path's per-packet cost; the receiving iperf3,
  # one user-space thread, drops what it cannot read and is not what is measured.
  udp=$(ip netns exec "$vm" iperf3 -c 203.0.113.1 -t "$seconds" -u -l 64 -b 0 -J |
    python3 -c 'import json, sys; e = json.load(sys.stdin)["end"]; s = e.get("sum_sent", e["sum"]); print(s["packets"] / s["seconds"])')
  echo "$tcp $udp"
}

echo "isolation: $runs x ${seconds} s per mode, $dhcp backend, VM plugged by $([ -x "$cni" ] && echo "the CNI bridge plugin" || echo hand)" >&2
ip netns exec "$peer" iperf3 -s >/dev/null 2>&1 &
server_pid=$!
modes=(on off)
if ! cocoon adopt "${node[@]}" --vm-isolation=true --anti-spoofing=true; then
  # This cocoon-net has neither flag: what it does is "off" (no isolation, no anti-spoofing).
  echo "this cocoon-net has no --vm-isolation/--anti-spoofing: benching its behaviour as \"off\" only" >&2
  cocoon adopt "${node[@]}" || { echo "adopt failed:" >&2; tail -20 "$root/cocoon-net.log" >&2; exit 1; }
  modes=(off)
fi
start_agent
results=()
lags=()
for run in $(seq 1 "$runs"); do
  for mode in "${modes[@]}"; do
    if [ ${#modes[@]} -gt 1 ]; then
      flag=$([ "$mode" = on ] && echo true || echo false)
      cocoon adopt "${node[@]}" --vm-isolation="$flag" --anti-spoofing="$flag" || { tail -20 "$root/cocoon-net.log" >&2; exit 1; }
    fi
    plug
    # What is in effect: the VM's port isolated or not, the table there or not (the agent follows pool.json).
    want=$([ "$mode" = on ] && echo 1 || echo 0)
    for _ in $(seq 1 30); do
      isolated=$(ip netns exec "$ns" bridge -d link show master cni0 | grep -c 'isolated on' || true)
      table=$(ip netns exec "$ns" nft list tables bridge 2>/dev/null | grep -c cocoon || true)
      [ "$isolated" = "$want" ] && [ "$table" = "$want" ] && break
      sleep 0.1
    done
    note=$([ "$isolated" = "$want" ] && [ "$table" = "$want" ] || echo " (NOT the mode asked for)")
    echo "  run $run, $mode: isolated ports $isolated, bridge cocoon table $table$note" >&2
    if [ "$mode" = on ] && [ "$dhcp" = dnsmasq ]; then
      # dnsmasq's lease-file write (its mtime) to the agent's log line right after the lease went into the set: the
      # anti-spoofing lag a dnsmasq node's new VM sees (target <= 100 ms).
      lags+=("$(python3 - "$root/var/lib/misc/dnsmasq.leases" "$root/agent.log" <<'PY'
import datetime, os, sys
written = os.stat(sys.argv[1]).st_mtime
lines = [l for l in open(sys.argv[2]) if "port security: leases +" in l]
if not lines:
    print("nan"); sys.exit()
stamp = datetime.datetime.fromisoformat(lines[-1].split()[0].replace("Z", "+00:00")).timestamp()
print(f"{(stamp - written) * 1000:.0f}")
PY
)")
    fi
    results+=("$mode $(measure)")
    unplug
  done
done
kill "$agent_pid"; wait "$agent_pid" 2>/dev/null || true; agent_pid=
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=
cocoon teardown || true

python3 - "${results[@]}" <<'PY'
import statistics, sys
runs = {}
for line in sys.argv[1:]:
    mode, bps, pps = line.split()
    runs.setdefault(mode, []).append((float(bps), float(pps)))
med = {m: (statistics.median(b for b, _ in r), statistics.median(p for _, p in r), len(r)) for m, r in runs.items()}
modes = [m for m in ("on", "off") if m in med]
both = len(modes) == 2
def row(name, values, compared=""):
    print(f"| {name} | " + " | ".join(values) + (f" | {compared} |" if both else " |"))
def ratio(i):
    return f"{100 * med['on'][i] / med['off'][i]:.1f} %" if both else ""
row("VM egress through the NAT", [f"isolation + anti-spoofing {m}" for m in modes], "on / off")
print("|---|" + "---:|" * (len(modes) + both))
row("TCP throughput, median (Gbit/s)", [f"{med[m][0] / 1e9:.2f}" for m in modes], ratio(0))
row("UDP 64-byte payloads, median (kpackets/s)", [f"{med[m][1] / 1e3:.0f}" for m in modes], ratio(1))
row("per packet (ns)", [f"{1e9 / med[m][1]:.0f}" for m in modes], f"{1e9 / med['on'][1] - 1e9 / med['off'][1]:+.0f} ns" if both else "")
row("runs", [str(med[m][2]) for m in modes])
if both:
    print(f"\ntarget: TCP throughput on >= 95 % of off: {'met' if med['on'][0] >= 0.95 * med['off'][0] else 'NOT met'}")
PY
if [ ${#lags[@]} -gt 0 ]; then
  echo "dnsmasq lease file -> anti-spoofing lease set (ms, each \"on\" run; target <= 100): ${lags[*]}"
fi
