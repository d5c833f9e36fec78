#!/usr/bin/env bash
# Runs the whole test suite (unit + network-namespace integration) against the build in $1 and ends with
# one plain summary line ("tests: N passed, N failed, N skipped"); the release tests read the artifacts in
# COCOON_NET_DIST (make release, make deb; default dist/). Under CI=true a privileged test that
# cannot run fails instead of skipping.
# With --unit instead (make unit): only the tests that need neither root nor a build (no xUnit trait "Needs"),
# after building just the test projects, with COCOON_NET_UNIT=1 so that a test using the sandbox or out/ without
# saying so fails (tests/CocoonNet.Testing/Needs.cs).
#
# The test projects run side by side, each in its own process: most of their time is spent waiting on
# cocoon-net runs and emulators in network namespaces of their own (named by pid), which never meet, so
# the suite takes about as long as its longest project instead of the sum.
set -uo pipefail
config=${CONFIG:-Release}
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

if [[ ${1:-} == --unit ]]; then
  dotnet build tests/unit.slnf -c "$config" --nologo -v quiet || { echo "tests: the build failed"; exit 1; }
  run=(--filter "Needs!=root&Needs!=build" -e COCOON_NET_UNIT=1)
else
  out=${1:?usage: run-tests.sh OUT_DIR | --unit}
  dotnet build CocoonNet.sln -c "$config" --nologo -v quiet || { echo "tests: the build failed"; exit 1; }
  run=(-e COCOON_NET_OUT="$out" -e COCOON_NET_DIST="${COCOON_NET_DIST:-$PWD/dist}")
fi

projects=(tests/CocoonNet.Tests tests/CocoonNet.Dhcp.Tests tests/CocoonNet.Isolation.Tests tests/CocoonNet.Parity.Tests tests/CocoonNet.Gke.Tests tests/CocoonNet.Volcengine.Tests tests/CocoonNet.Kubernetes.Tests)
pids=()
for project in "${projects[@]}"; do
  name=$(basename "$project")
  dotnet test "$project" -c "$config" --no-build --nologo \
    --logger "console;verbosity=normal" --logger "trx;LogFilePrefix=$name" --results-directory "$results" \
    "${run[@]}" >"$results/$name.log" 2>&1 &
  pids+=($!)
done

status=0
for i in "${!projects[@]}"; do
  wait "${pids[$i]}" || status=$?
  # Whole logs, one project after another, so the output stays readable.
  cat "$results/$(basename "${projects[$i]}").log"
done

shopt -s nullglob
trx=("$results"/*.trx)
if (( ${#trx[@]} < ${#projects[@]} )); then
  echo "tests: the test run did not complete (${#trx[@]} of ${#projects[@]} projects reported, exit $status)"
  exit $(( status == 0 ? 1 : status ))
fi
count() { grep -ho "<Counters [^>]*" "${trx[@]}" | grep -o " $1=\"[0-9]*\"" | grep -o "[0-9]*" | awk '{ n += $1 } END { print n + 0 }'; }
total=$(count total) executed=$(count executed) passed=$(count passed) failed=$(( $(count failed) + $(count error) + $(count timeout) + $(count aborted) ))
echo "tests: $passed passed, $failed failed, $(( total - executed )) skipped"
exit "$status"
