#!/usr/bin/env bash
# make bench: whole-process wall time of cocoon-net against the upstream-style reference script
# (tests/bench/upstream-reference.sh) doing the same host work, in a throwaway network namespace:
#   adopt of a 253-IP pool on a fresh node, the no-op re-run, status, --version and plugins.
# Also the host-programming time alone (the steps' own durations from COCOON_NET_LOG_LEVEL=debug).
set -euo pipefail
out=${1:?usage: bench.sh OUT_DIR}
here=$(cd "$(dirname "$0")" && pwd)
bin="$out/cocoon-net"
ns=cnbench-$$ peer=cnbench-out-$$
root=$(mktemp -d /tmp/cocoon-net-bench.XXXXXX)
runs=${BENCH_RUNS:-20}
export COCOON_NET_ROOT=$root COCOON_NET_PLUGINS_DIR=$out/plugins

cleanup() {
  for n in "$ns" "$peer"; do ip netns pids "$n" 2>/dev/null | xargs -r kill -9 2>/dev/null || true; ip netns del "$n" 2>/dev/null || true; done
  rm -rf "$root" "${json:-}" "${json:-}".*
}
trap cleanup EXIT
ip netns add "$ns"; ip netns add "$peer"
ip link add up0 netns "$ns" type veth peer name up0 netns "$peer"
ip -n "$ns" addr add 203.0.113.2/24 dev up0; ip -n "$ns" link set up0 up; ip -n "$ns" link set lo up
ip -n "$peer" link set up0 up
ip -n "$ns" route add default via 203.0.113.1 dev up0

# Back to a fresh node: no bridge, routes, rules, dnsmasq or files.
cat > "$root/reset.sh" <<RESET
ip netns pids $ns | xargs -r kill 2>/dev/null; sleep 0.05
ip -n $ns link del cni0 2>/dev/null
ip netns exec $ns iptables -F; ip netns exec $ns iptables -X; ip netns exec $ns iptables -t nat -F; ip netns exec $ns iptables -t nat -X
rm -rf $root/etc $root/var $root/run
true
RESET
adopt=(adopt --platform generic --node-name bench --subnet 172.20.0.0/24 --manage-iptables)
ours="ip netns exec $ns $bin ${adopt[*]}"
reference="ip netns exec $ns bash $here/upstream-reference.sh $root 172.20.0"
json=$(mktemp)

hyperfine -N --style basic --runs "$runs" --export-json "$json.fresh" \
  --prepare "bash $root/reset.sh" -n "cocoon-net adopt (fresh)" "$ours" -n "upstream-style (fresh)" "$reference" >/dev/null
bash "$root/reset.sh"; $ours >/dev/null; $reference >/dev/null
hyperfine -N --style basic --warmup 3 --runs "$runs" --export-json "$json.noop" \
  -n "cocoon-net adopt (no-op re-run)" "$ours" -n "upstream-style (no-op re-run)" "$reference" >/dev/null
# -i: the reference script's run leaves the node as cocoon-net would not (status exits 3, degraded); the
# report is computed in full either way.
hyperfine -N -i --style basic --warmup 3 --runs "$runs" --export-json "$json.status" \
  -n "cocoon-net status" "ip netns exec $ns $bin status" -n "cocoon-net --version (process floor)" "$bin --version" \
  -n "cocoon-net plugins (every plugin loaded)" "$bin plugins" >/dev/null

# Host programming alone: sum of the pipeline steps' durations (start-up, plugin load, state I/O excluded).
bash "$root/reset.sh"
# Prints "<all steps> <routes + iptables only>" in ms for one run.
steps() { COCOON_NET_LOG_LEVEL=debug $ours 2>&1 >/dev/null | sed -nE 's/.* step ([a-z]+): [0-9]+ changes? in ([0-9.]+) ms/\1 \2/p' \
  | awk '{s+=$2} $1=="routes"||$1=="iptables"{r+=$2} END {printf "%.1f %.1f", s, r}'; }
fresh_steps=$(steps); noop_steps=$(steps)
for i in 1 2 3 4 5 6 7 8 9 10; do noop_steps="$noop_steps
$(steps)"; done
noop_median=$(echo "$noop_steps" | sort -n -k1 | awk '{a[NR]=$0} END {print a[int((NR+1)/2)]}')

python3 - "$json" "$fresh_steps" "$noop_median" <<'PY'
import json, sys
base, fresh_steps, noop_steps = sys.argv[1:]
fresh_all, fresh_rr = fresh_steps.split()
noop_all, noop_rr = noop_steps.split()
rows = []
for part in ("fresh", "noop", "status"):
    for r in json.load(open(f"{base}.{part}"))["results"]:
        rows.append((r["command"], r["mean"] * 1000, r["stddev"] * 1000, r["min"] * 1000))
print("| run | mean ms | ± ms | min ms |")
print("|---|---:|---:|---:|")
for name, mean, sd, mn in rows:
    print(f"| {name} | {mean:.1f} | {sd:.1f} | {mn:.1f} |")
m = {n: mean for n, mean, _, _ in rows}
print()
print(f"ratio upstream-style / cocoon-net, fresh adopt:  {m['upstream-style (fresh)'] / m['cocoon-net adopt (fresh)']:.2f}")
print(f"ratio upstream-style / cocoon-net, no-op re-run: {m['upstream-style (no-op re-run)'] / m['cocoon-net adopt (no-op re-run)']:.2f}")
print(f"host programming, all pipeline steps: fresh {fresh_all} ms, no-op {noop_all} ms (median of 11)")
print(f"host programming, routes + rules only (253 routes, 5 rules): fresh {fresh_rr} ms, no-op {noop_rr} ms")
PY
