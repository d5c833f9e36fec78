#!/usr/bin/env bash
# The host work of `cocoon-net adopt --manage-iptables` done the upstream way, for the benchmark:
# one `iptables -C`/`-A` pair per rule, `ip -batch` for the routes, `sysctl -w` per key, dnsmasq config
# compared and dnsmasq restarted on change, conflist compared, pool.json always rewritten.
# Usage: upstream-reference.sh ROOT SUBNET_PREFIX (e.g. /tmp/x 172.20.0) — run inside the node namespace.
set -euo pipefail
root=$1 p=$2 gw=$2.1 nic=up0
ip link add cni0 type bridge 2>/dev/null || true
ip addr replace "$gw/24" dev cni0
ip link set cni0 up
for kv in net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
          net.ipv4.conf.cni0.rp_filter=0 net.ipv4.conf.$nic.rp_filter=0; do
  sysctl -qw "$kv"
done
for i in $(seq 2 254); do echo "route replace $p.$i/32 dev cni0"; done | ip -batch -
rule() { local t=$1; shift; iptables -t "$t" -C "$@" 2>/dev/null || iptables -t "$t" -A "$@"; }
rule filter FORWARD -i "$nic" -o cni0 -j ACCEPT
rule filter FORWARD -i cni0 -o "$nic" -j ACCEPT
rule filter FORWARD -i cni0 -o cni0 -j ACCEPT
rule filter INPUT -i cni0 -p udp --dport 67 -j ACCEPT
rule nat POSTROUTING -s "$p.0/24" ! -o cni0 -j MASQUERADE
mkdir -p "$root/etc/dnsmasq-cni.d" "$root/etc/cni/net.d" "$root/var/lib/cocoon/net" "$root/run"
conf=$(printf 'interface=cni0\nbind-interfaces\nexcept-interface=lo\nexcept-interface=%s\ndhcp-range=%s.2,%s.254,255.255.255.0,24h\ndhcp-option=option:router,%s\ndhcp-option=option:dns-server,8.8.8.8,1.1.1.1\ndhcp-leasefile=%s/dnsmasq.leases\ndhcp-authoritative\nport=0\nlog-dhcp' "$nic" "$p" "$p" "$gw" "$root")
if [[ "$(cat "$root/etc/dnsmasq-cni.d/cni0.conf" 2>/dev/null)" != "$conf" ]]; then
  printf '%s\n' "$conf" > "$root/etc/dnsmasq-cni.d/cni0.conf"
  [[ -f "$root/run/ref.pid" ]] && kill "$(cat "$root/run/ref.pid")" 2>/dev/null && sleep 0.05
  dnsmasq --conf-file="$root/etc/dnsmasq-cni.d/cni0.conf" --pid-file="$root/run/ref.pid"
fi
conflist='{"cniVersion":"1.0.0","name":"dnsmasq-dhcp","plugins":[{"type":"bridge","bridge":"cni0","isGateway":false,"ipMasq":false,"ipam":{}}]}'
[[ "$(cat "$root/etc/cni/net.d/30-dnsmasq-dhcp.conflist" 2>/dev/null)" == "$conflist" ]] || printf '%s' "$conflist" > "$root/etc/cni/net.d/30-dnsmasq-dhcp.conflist"
printf '{"platform":"generic","nodeName":"bench","subnet":"%s.0/24","gateway":"%s","updatedAt":"%s"}' "$p" "$gw" "$(date -u +%FT%TZ)" \
  > "$root/var/lib/cocoon/net/pool.json"
