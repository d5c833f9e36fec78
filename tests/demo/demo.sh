#!/usr/bin/env bash
# make demo: a sandbox node and a VM in network namespaces. Part 1: cocoon-net adopts the node (no cloud),
# the VM gets its address by DHCP from the dnsmasq cocoon-net runs and pings "the outside" through the NAT,
# then the node is torn down. Part 2: the same node as an emulated GKE node: `init` talks to a GCE
# emulator (metadata server + Compute API) running in the outside namespace, gets the alias IP range, and
# the VM again gets an address and pings out. Beside the dnsmasq node of part 1, a second node runs the agent's
# embedded DHCP server (--dhcp embedded): its VM's lease in leases.json with a /32 route of its own, looked up and
# released with vk-cocoon's own client code. Every namespace, process and file is removed at the end.
# Nothing leaves this machine.
set -euo pipefail
out=${1:?usage: demo.sh OUT_DIR}
bin="$out/cocoon-net"
id=$$
node=cndemo-node-$id outside=cndemo-out-$id vm=cndemo-vm-$id vm2=cndemo-vm2-$id
node2=cndemo-node2-$id vm3=cndemo-vm3-$id
root=$(mktemp -d /tmp/cocoon-net-demo.XXXXXX)
root2=$root/node2   # the embedded node's COCOON_NET_ROOT
agent_pid=
export COCOON_NET_ROOT=$root COCOON_NET_PLUGINS_DIR=$out/plugins

cleanup() {
  [ -n "$agent_pid" ] && kill -9 "$agent_pid" 2>/dev/null || true
  for ns in "$vm" "$vm2" "$vm3" "$node" "$node2" "$outside"; do
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
: >"$root/resolv.conf"
# The client runs confined: private mounts (an empty resolv.conf, tmpfs over /run) and a private hostname.
confine='{ [ ! -e /etc/resolv.conf ] || mount --bind "$0/resolv.conf" /etc/resolv.conf; } && mount -t tmpfs none /run && hostname vm && exec "$@"'
plug_vm() {  # plug_vm NAMESPACE PORT [NODE]: a VM whose eth0 is a port of the node's cni0, then DHCP
  local at=${3:-$node}
  ip netns add "$1"; ip -n "$1" link set lo up
  ip link add eth0 netns "$1" type veth peer name "$2" netns "$at"
  ip -n "$at" link set "$2" master cni0 up
  ip -n "$1" link set eth0 up
  printf '$ %s\n' "ip netns exec $1 busybox udhcpc -i eth0 -n -q -f -t 10 -T 1 -s $root/udhcpc.sh   (confined)"
  ip netns exec "$1" unshare -m -u --propagation private sh -c "$confine" "$root" \
    busybox udhcpc -i eth0 -n -q -f -t 10 -T 1 -s "$root/udhcpc.sh"
  run ip -n "$1" -4 addr show dev eth0
}
unplug_vm() { ip netns pids "$1" | xargs -r kill -9 2>/dev/null || true; ip netns del "$1"; sleep 0.2; }
plug_vm "$vm" vmport0

say "the VM reaches the outside (which has no route back to 172.20.0.0/24: the NAT answers)"
run ip netns exec "$vm" busybox ping -c 2 -W 2 203.0.113.1

say "status"
run ip netns exec "$node" "$bin" status

say "beside it, a second node whose agent serves DHCP itself (--dhcp embedded), uplink 198.51.100.2"
ip netns add "$node2"; ip -n "$node2" link set lo up
ip link add up0 netns "$node2" type veth peer name up1 netns "$outside"
ip -n "$node2" addr add 198.51.100.2/24 dev up0; ip -n "$outside" addr add 198.51.100.1/24 dev up1
ip -n "$node2" link set up0 up; ip -n "$outside" link set up1 up
ip -n "$node2" route add default via 198.51.100.1
at2=(env COCOON_NET_ROOT="$root2" ip netns exec "$node2")
run "${at2[@]}" "$bin" adopt --node-name demo2 --subnet 172.20.0.0/24 --manage-iptables --dhcp embedded --lease-time 1h
"${at2[@]}" "$bin" agent >"$root/agent2.log" 2>&1 &
agent_pid=$!
for _ in $(seq 100); do ip netns exec "$node2" busybox wget -qO- http://127.0.0.1:9092/readyz 2>/dev/null | grep -q ready && break; sleep 0.1; done
echo "(the agent runs: cocoon-net agent, pid $agent_pid)"
plug_vm "$vm3" vmport2 "$node2"
mac3=$(ip -n "$vm3" -o link show eth0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
say "the lease is in leases.json (what vk-cocoon reads), with a /32 route of its own: only leased addresses are routed"
run cat "$root2/var/lib/cocoon/net/leases.json"; echo
run ip -n "$node2" route show proto 204
run "${at2[@]}" "$bin" status
# vk-cocoon's client code: COCOON_NET_VKCOCOON_SRC, else shared/thirdparty/vkcocoon beside the repository or a directory above.
vkcocoon=${COCOON_NET_VKCOCOON_SRC:-}
for d in "$(cd "$(dirname "$0")/../.." && pwd)"/{..,../..,../../..}; do
  [[ -z "$vkcocoon" && -f "$d/shared/thirdparty/vkcocoon/go.mod" ]] && vkcocoon=$d/shared/thirdparty/vkcocoon
done
if command -v go >/dev/null && [[ -f "$vkcocoon/go.mod" ]]; then
  say "vk-cocoon's own client code finds the VM by its MAC, then frees its lease over the control socket"
  (cd "$vkcocoon" && GOCACHE="$root/gocache" GOFLAGS=-mod=mod GOTOOLCHAIN=local go build -o "$root/vkclient" ./cmd)
  run "$root/vkclient" lookup "$root2/var/lib/cocoon/net/leases.json" "$mac3"
  run "$root/vkclient" release "$root2/run/cocoon-net/control.sock" "$mac3"
else
  say "the lease freed over the control socket, as vk-cocoon does when it deletes a VM (go or vk-cocoon's code missing)"
  run curl -s -o /dev/null -w '%{http_code}\n' --unix-socket "$root2/run/cocoon-net/control.sock" -X DELETE "http://cocoon-net/v1/leases/$mac3"
fi
run cat "$root2/var/lib/cocoon/net/leases.json"; echo
run ip -n "$node2" route show proto 204
say "the embedded node's teardown (the agent stopped first)"
kill -TERM "$agent_pid"; wait "$agent_pid" || true; agent_pid=
unplug_vm "$vm3"
run "${at2[@]}" "$bin" teardown

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
