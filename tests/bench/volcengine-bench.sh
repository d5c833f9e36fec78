#!/usr/bin/env bash
# Volcengine init against the emulator with realistic delays, next to upstream's algorithm for the same work.
# usage: volcengine-bench.sh OUT_DIR   (the `make build` output; needs root: network namespaces)
#
# Work: 7 secondary ENIs x 20 secondary IPs (pool 140) plus the VM subnet. Emulated delays: every API call
# API_MS, subnet Pending->Available SUBNET_MS, ENI Creating->Available CREATE_MS, Attaching->InUse ATTACH_MS.
# Upstream's time is computed from the same delays (it polls nothing, so nothing else matters): per ENI in
# sequence CreateNetworkInterface + sleep 2 s + AttachNetworkInterface + sleep 4 s, plus DescribeSecurityGroups,
# DescribeSubnets, CreateSubnet, DescribeNetworkInterfaces (NEW) and one AssignPrivateIpAddresses per ENI;
# the `ve` process start-up per call is left out in upstream's favour.
# The critical path is the chain no implementation can shorten: DescribeSubnets -> CreateSubnet -> subnet
# Available -> CreateNetworkInterface -> Available -> AttachNetworkInterface -> InUse -> one Describe to see it.
set -euo pipefail
out=$(cd "${1:?usage: volcengine-bench.sh OUT_DIR}" && pwd)
runs=${RUNS:-3}
API_MS=${API_MS:-100} SUBNET_MS=${SUBNET_MS:-1000} CREATE_MS=${CREATE_MS:-1000} ATTACH_MS=${ATTACH_MS:-2000}
emulator="$out/emulators/volcengine/CocoonNet.Emulators.Volcengine.dll"
[[ -f $emulator && -x $out/cocoon-net && -d $out/plugins/volcengine ]] || { echo "volcengine-bench: build first (make test-plugins)" >&2; exit 1; }

node=cnbn$$ outside=cnbo$$ root=$(mktemp -d)
cleanup() {
  for ns in "$node" "$outside"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
  rm -rf "$root"
}
trap cleanup EXIT
ip netns add "$node"; ip netns add "$outside"
ip link add up0 netns "$node" type veth peer name up0 netns "$outside"
ip -n "$node" addr add 203.0.113.2/24 dev up0; ip -n "$outside" addr add 203.0.113.1/24 dev up0
for ns in "$node" "$outside"; do ip -n "$ns" link set up0 up; ip -n "$ns" link set lo up; done
ip -n "$node" route add default via 203.0.113.1

url=http://203.0.113.1:8081
ip netns exec "$outside" dotnet "$emulator" --urls "$url" --node-netns "$node" --access-key AKLTbench --secret-key bench-secret \
  --api-latency-ms "$API_MS" --subnet-create-ms "$SUBNET_MS" --eni-create-ms "$CREATE_MS" --eni-attach-ms "$ATTACH_MS" \
  --eni-detach-ms 200 --eni-delete-ms 100 --subnet-delete-ms 100 >"$root/emulator.log" 2>&1 &
for _ in $(seq 100); do ip netns exec "$node" busybox wget -q -O /dev/null "$url/volcstack/latest/instance_id" 2>/dev/null && break; sleep 0.1; done

cocoon() {
  ip netns exec "$node" env COCOON_NET_ROOT="$root" COCOON_NET_PLUGINS_DIR="$out/plugins" HOME="$root" \
    VOLCENGINE_ENDPOINT="$url" VOLCENGINE_DISABLE_SSL=true COCOON_NET_VOLCENGINE_METADATA_URL="$url/volcstack/latest/" \
    VOLCENGINE_ACCESS_KEY=AKLTbench VOLCENGINE_SECRET_KEY=bench-secret "$out/cocoon-net" "$@"
}

times=()
for run in $(seq "$runs"); do
  start=$(date +%s%N)
  cocoon init --platform volcengine --node-name bench --subnet 172.20.0.0/24 --pool-size 140 >"$root/init.out" 2>&1 \
    || { cat "$root/init.out" >&2; exit 1; }
  times+=($(( ($(date +%s%N) - start) / 1000000 )))
  grep -q "140 IPs provisioned" "$root/init.out" || { cat "$root/init.out" >&2; exit 1; }
  cocoon teardown >"$root/teardown.out" 2>&1 || { cat "$root/teardown.out" >&2; exit 1; }
done
ours=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
upstream=$(( 4 * API_MS + 7 * (API_MS + 2000 + API_MS + 4000) + 7 * API_MS ))
critical=$(( 2 * API_MS + SUBNET_MS + API_MS + CREATE_MS + API_MS + ATTACH_MS + API_MS ))

awk -v ours="$ours" -v up="$upstream" -v cp="$critical" -v all="${times[*]}" -v api="$API_MS" -v sn="$SUBNET_MS" -v cr="$CREATE_MS" -v at="$ATTACH_MS" 'BEGIN {
  printf "volcengine init: 7 ENIs x 20 IPs (API %d ms, subnet %d ms, ENI create %d ms, attach %d ms)\n", api, sn, cr, at
  printf "  %-34s %8s  %s\n", "", "time", "ratio"
  printf "  %-34s %7.2fs  %s\n", "cocoon-net (median of " split(all, r, " ") ")", ours / 1000, "1.00x (runs: " all " ms)"
  printf "  %-34s %7.2fs  %.2fx slower than cocoon-net (target >= 5x)\n", "upstream algorithm (computed)", up / 1000, up / ours
  printf "  %-34s %7.2fs  cocoon-net takes %.2fx of it (target <= 1.5x)\n", "critical path of emulated delays", cp / 1000, ours / cp
  exit !(up / ours >= 5 && ours / cp <= 1.5)
}'
