#!/usr/bin/env bash
# Runs the whole test suite (unit + network-namespace integration) against the build in $1 and ends with
# one plain summary line ("tests: N passed, N failed, N skipped"). Under CI=true a privileged test that
# cannot run fails instead of skipping.
set -uo pipefail
out=${1:?usage: run-tests.sh OUT_DIR}
config=${CONFIG:-Release}
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Every test project in the solution; each prints its own "Passed!/Failed!" line, summed below.
dotnet test CocoonNet.sln -c "$config" --nologo \
  --logger "console;verbosity=normal" -e COCOON_NET_OUT="$out" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

summaries=$(grep -E '(Passed|Failed)!  - Failed: ' "$log")
if [[ -z "$summaries" ]]; then
  echo "tests: the test run did not complete (exit $status)"
  exit $(( status == 0 ? 1 : status ))
fi
sum() { sed -E "s/.*$1: *([0-9]+).*/\1/" <<<"$summaries" | awk '{ n += $1 } END { print n + 0 }'; }
echo "tests: $(sum Passed) passed, $(sum Failed) failed, $(sum Skipped) skipped"
exit "$status"
