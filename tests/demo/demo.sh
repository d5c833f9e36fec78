#!/usr/bin/env bash
# make demo: a sandbox node and a VM in network namespaces. cocoon-net adopts the node, the VM gets its
# address by DHCP from the dnsmasq cocoon-net runs and pings "the outside" through the NAT; then the
# node is torn down and every namespace, process and file is removed. Nothing leaves this machine.
set -euo pipefail
out=${1:?usage: demo.sh OUT_DIR}
bin="$out/cocoon-net"
id=$$
node=cndemo-node-$id outside=cndemo-out-$id vm=cndemo-vm-$id
root=$(mktemp -d /tmp/cocoon-net-demo.XXXXXX)
export COCOON_NET_ROOT=$root COCOON_NET_PLUGINS_DIR=$out/plugins

cleanup() {
  for ns in "$vm" "$node" "$outside"; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
  done
  rm -rf "$root"
}
trap cleanup EXIT
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

say "sandbox: node $node (uplink 203.0.113.2), outside $outside (203.0.113.1), files under $root"
ip netns add "$node"; ip netns add "$outside"; ip netns add "$vm"
ip link add up0 netns "$node" type veth peer name up0 netns "$outside"
ip -n "$node" addr add 203.0.113.2/24 dev up0; ip -n "$outside" addr add 203.0.113.1/24 dev up0
for ns in "$node" "$outside" "$vm"; do ip -n "$ns" link set lo up; done
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
ip link add eth0 netns "$vm" type veth peer name vmport0 netns "$node"
ip -n "$node" link set vmport0 master cni0 up
ip -n "$vm" link set eth0 up
cat > "$root/udhcpc.sh" <<'SCRIPT'
#!/bin/sh
case "$1" in bound|renew)
  ip addr flush dev "$interface"; ip addr add "$ip/${mask:-24}" dev "$interface"
  ip route replace default via "${router%% *}" dev "$interface";;
esac
SCRIPT
chmod +x "$root/udhcpc.sh"
run ip netns exec "$vm" busybox udhcpc -i eth0 -n -q -f -t 10 -T 1 -s "$root/udhcpc.sh"
run ip -n "$vm" -4 addr show dev eth0

say "the VM reaches the outside (which has no route back to 172.20.0.0/24: the NAT answers)"
run ip netns exec "$vm" busybox ping -c 2 -W 2 203.0.113.1

say "status"
run ip netns exec "$node" "$bin" status

say "a second adopt changes nothing"
run ip netns exec "$node" "$bin" adopt --node-name demo --subnet 172.20.0.0/24

say "teardown (the VM is unplugged first so the bridge can go)"
ip netns pids "$vm" | xargs -r kill -9 2>/dev/null || true
ip netns del "$vm"
sleep 0.2
run ip netns exec "$node" "$bin" teardown
run ip -n "$node" -br link

say "done: the sandbox is removed on exit"
