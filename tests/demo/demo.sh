#!/usr/bin/env bash
# make demo: a sandbox node and a VM in network namespaces. Part 1: cocoon-net adopts the node (no cloud),
# the VM gets its address by DHCP from the dnsmasq cocoon-net runs and pings "the outside" through the NAT,
# then the node is torn down. Part 2: the same node as an emulated GKE node: `init` talks to a GCE
# emulator (metadata server + Compute API) running in the outside namespace, gets the alias IP range, and
# the VM again gets an address and pings out. Every namespace, process and file is removed at the end.
# Nothing leaves this machine.
set -euo pipefail
out=${1:?usage: demo.sh OUT_DIR}
bin="$out/cocoon-net"
id=$$
node=cndemo-node-$id outside=cndemo-out-$id vm=cndemo-vm-$id vm2=cndemo-vm2-$id
root=$(mktemp -d /tmp/cocoon-net-demo.XXXXXX)
export COCOON_NET_ROOT=$root COCOON_NET_PLUGINS_DIR=$out/plugins

cleanup() {
  for ns in "$vm" "$vm2" "$node" "$outside"; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
  done
  rm -rf "$root"
}
trap cleanup EXIT
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

say "sandbox: node $node (uplink 203.0.113.2), outside $outside (203.0.113.1), files under $root"
ip netns add "$node"; ip netns add "$outside"
ip link add up0 netns "$node" type veth peer name up0 netns "$outside"
ip -n "$node" addr add 203.0.113.2/24 dev up0; ip -n "$outside" addr add 203.0.113.1/24 dev up0
for ns in "$node" "$outside"; do ip -n "$ns" link set lo up; done
ip -n "$node" link set up0 up; ip -n "$outside" link set up0 up
ip -n "$node" route add default via 203.0.113.1
ip netns exec "$node" iptables -P FORWARD DROP   # only cocoon-net's rules will let VM traffic through

say "installed plugins"
run ip netns exec "$node" "$bin" plugins

say "what adopt would do (--dry-run changes nothing)"
run ip netns exec "$node" "$bin" adopt --node-name demo --subnet 172.20.0.0/24 --manage-iptables --dry-run

say "adopt"
run ip netns exec "$node" "$bin" adopt --node-name demo --subnet 172.20.0.0/24 --manage-iptables

say "a VM plugs into cni0 and asks for an address by DHCP"
cat > "$root/udhcpc.sh" <<'SCRIPT'
#!/bin/sh
case "$1" in bound|renew)
  ip addr flush dev "$interface"; ip addr add "$ip/${mask:-24}" dev "$interface"
  ip route replace default via "${router%% *}" dev "$interface";;
esac
SCRIPT
chmod +x "$root/udhcpc.sh"
plug_vm() {  # plug_vm NAMESPACE PORT: a VM whose eth0 is a port of the node's cni0, then DHCP
  ip netns add "$1"; ip -n "$1" link set lo up
  ip link add eth0 netns "$1" type veth peer name "$2" netns "$node"
  ip -n "$node" link set "$2" master cni0 up
  ip -n "$1" link set eth0 up
  run ip netns exec "$1" busybox udhcpc -i eth0 -n -q -f -t 10 -T 1 -s "$root/udhcpc.sh"
  run ip -n "$1" -4 addr show dev eth0
}
unplug_vm() { ip netns pids "$1" | xargs -r kill -9 2>/dev/null || true; ip netns del "$1"; sleep 0.2; }
plug_vm "$vm" vmport0

say "the VM reaches the outside (which has no route back to 172.20.0.0/24: the NAT answers)"
run ip netns exec "$vm" busybox ping -c 2 -W 2 203.0.113.1

say "status"
run ip netns exec "$node" "$bin" status

say "a second adopt changes nothing"
run ip netns exec "$node" "$bin" adopt --node-name demo --subnet 172.20.0.0/24

say "teardown (the VM is unplugged first so the bridge can go)"
unplug_vm "$vm"
run ip netns exec "$node" "$bin" teardown
run ip -n "$node" -br link

emulator="$out/emulators/gce/gce-emulator.dll"
if [[ ! -f "$emulator" ]]; then
  say "skipping the GKE part: $emulator is missing (make test-plugins builds it)"
  exit 0
fi

say "part 2: the same node as an emulated GKE node; a GCE emulator answers at 203.0.113.1:8080"
ip netns exec "$outside" dotnet "$emulator" --urls http://203.0.113.1:8080 >"$root/emulator.log" 2>&1 &
for _ in $(seq 100); do ip netns exec "$node" bash -c 'exec 3<>/dev/tcp/203.0.113.1/8080' 2>/dev/null && break; sleep 0.2; done
# What the GCE guest agent does for an alias range: a `local` route that would swallow VM traffic.
ip -n "$node" route add local 172.20.0.0/24 dev up0 table local
gce=(env GCE_METADATA_HOST=203.0.113.1:8080 CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE=http://203.0.113.1:8080/compute/v1/
     GOOGLE_APPLICATION_CREDENTIALS= CLOUDSDK_CONFIG="$root/gcloud" HOME="$root" NO_PROXY='*')
run ip netns exec "$node" "${gce[@]}" "$bin" init --node-name demo --subnet 172.20.0.0/24 --dry-run
run ip netns exec "$node" "${gce[@]}" "$bin" init --node-name demo --subnet 172.20.0.0/24
run ip -n "$node" route show table local dev up0

say "a VM on the GKE node gets an address and pings out"
plug_vm "$vm2" vmport1
run ip netns exec "$vm2" busybox ping -c 2 -W 2 203.0.113.1
run ip netns exec "$node" "${gce[@]}" "$bin" status

say "teardown removes this node's alias (GKE's own pod alias stays) and the host configuration"
unplug_vm "$vm2"
run ip netns exec "$node" "${gce[@]}" "$bin" teardown

say "done: the sandbox is removed on exit"
