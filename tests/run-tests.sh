#!/usr/bin/env bash
# Runs the whole test suite (unit + network-namespace integration) against the build in $1 and ends with
# one plain summary line ("tests: N passed, N failed, N skipped"). Under CI=true a privileged test that
# cannot run fails instead of skipping.
set -uo pipefail
out=${1:?usage: run-tests.sh OUT_DIR}
config=${CONFIG:-Release}
log=$(mktemp)
trap 'rm -f "$log"' EXIT

dotnet test tests/CocoonNet.Tests/CocoonNet.Tests.csproj -c "$config" --nologo \
  --logger "console;verbosity=normal" -e COCOON_NET_OUT="$out" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

summary=$(grep -E '(Passed|Failed)!  - Failed: ' "$log" | tail -n 1)
if [[ -z "$summary" ]]; then
  echo "tests: the test run did not complete (exit $status)"
  exit $(( status == 0 ? 1 : status ))
fi
failed=$(sed -E 's/.*Failed: *([0-9]+).*/\1/' <<<"$summary")
passed=$(sed -E 's/.*Passed: *([0-9]+).*/\1/' <<<"$summary")
skipped=$(sed -E 's/.*Skipped: *([0-9]+).*/\1/' <<<"$summary")
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit "$status"
