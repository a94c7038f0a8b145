#!/usr/bin/env bash
# Runs the built test project again and again to find tests that fail at random, and prints each failing test with
# how often it failed and its first message.
#
#   scripts/flake-hunt.sh [RUNS] [FILTER...]      RUNS runs (default 10) of the whole suite, or of the xunit filter
#                                                 (-class NAME, -method NAME, -namespace NAME; several are ORed)
#   scripts/flake-hunt.sh RUNS --each-class [REGEX]   every test class (whose full name matches REGEX) on its own,
#                                                 RUNS runs each; FLAKE_HUNT_JOBS classes
#                                                 at a time (default 1: most tests wait on rounds, not on the CPU)
#
# It builds in Release once, publishes the native executable that the real-process tests start (as scripts/test.sh
# does; HEALTHSERVICE_TEST_EXECUTABLE, when set, is used instead), installs what the tests need, and exits 0 only
# when every run passed. Each run's results stay in FLAKE_HUNT_DIR (default: a new folder under /tmp), one CTRF JSON file a run.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:-10}
shift || true
if ! [[ $runs =~ ^[1-9][0-9]*$ ]] || [ "$runs" -gt 1000 ]; then
  echo "flake-hunt: RUNS must be a whole number from 1 to 1000 (was '$runs')" >&2
  exit 2
fi
each_class=0
if [ "${1:-}" = "--each-class" ]; then
  each_class=1
  class_pattern=${2:-.}
  shift $(($# > 1 ? 2 : 1))
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
if ! command -v jq >/dev/null 2>&1; then
  echo "==> Installing jq to read the results (Debian package jq)"
  as_root=()
  [ "$(id -u)" -ne 0 ] && as_root=(sudo)
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends jq >/dev/null
fi
./scripts/test-prerequisites.sh

echo "==> Building (Release)"
if ! build=$(dotnet build tests/HealthService.Tests/HealthService.Tests.csproj --configuration Release -nologo -v quiet 2>&1); then
  echo "$build" >&2
  echo "flake-hunt: the build failed" >&2
  exit 2
fi
exe=tests/HealthService.Tests/bin/Release/net10.0/HealthService.Tests
if [ -z "${HEALTHSERVICE_TEST_EXECUTABLE:-}" ]; then
  echo "==> Publishing the native executable (about 2 minutes)"
  if ! publish=$(dotnet publish src/HealthService/HealthService.csproj --configuration Release --output artifacts/native -nologo -v quiet 2>&1); then
    echo "$publish" >&2
    echo "flake-hunt: the native publish failed" >&2
    exit 2
  fi
  export HEALTHSERVICE_TEST_EXECUTABLE=$PWD/artifacts/native/HealthService
fi

results=${FLAKE_HUNT_DIR:-$(mktemp -d /tmp/flake-hunt.XXXXXX)}
mkdir -p "$results"
failures="$results/failures.tsv" # one line per failed test in a run: name, then the first line of its message
: >"$failures"

# One run of the given filter; its results go to $results/$2.json. Prints one progress line.
run_once() {
  local label=$1 file=$2
  shift 2
  local started=$SECONDS
  # The runner's exit code says only that something failed; the CTRF file says what.
  "$exe" -noLogo -noColor -reporter quiet -result-ctrf "$results/$file.json" "$@" >"$results/$file.log" 2>&1 || true
  if [ ! -s "$results/$file.json" ]; then
    echo "$label: the runner wrote no results (see $results/$file.log)"
    printf '%s\t%s\n' "(the test process itself: $label)" "no results; see $results/$file.log" >>"$failures"
    return
  fi
  if ! jq empty "$results/$file.json" 2>/dev/null; then
    echo "$label: the runner wrote results that are not JSON (see $results/$file.log)"
    printf '%s\t%s\n' "(the results file itself: $label)" "not JSON; see $results/$file.log" >>"$failures"
    return
  fi
  jq -r '.results.tests[] | select(.status == "failed") | [.name, ((.message // "") | split("\n")[0] | .[0:300])] | @tsv' \
    "$results/$file.json" >>"$failures"
  jq -r --arg what "$label" --arg took "$((SECONDS - started))" \
    '.results.summary | "\($what): \(.passed) passed, \(.failed) failed, \(.skipped + .pending + .other) not run (\($took) s)"' \
    "$results/$file.json"
}

if ((each_class)); then
  mapfile -t classes < <("$exe" -list classes -noColor | grep -E '^HealthService\.Tests\.' | grep -E -- "$class_pattern")
  if [ "${#classes[@]}" -eq 0 ]; then
    echo "flake-hunt: no test class matches '$class_pattern'" >&2
    exit 2
  fi
  echo "==> ${#classes[@]} test classes, $runs runs each, results in $results"
  jobs=${FLAKE_HUNT_JOBS:-1}
  if ! [[ $jobs =~ ^[1-9][0-9]?$ ]]; then
    echo "flake-hunt: FLAKE_HUNT_JOBS must be a whole number from 1 to 99 (was '$jobs')" >&2
    exit 2
  fi
  for class in "${classes[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
      wait -n || true
    done
    (
      for ((i = 1; i <= runs; i++)); do
        run_once "$class $i/$runs" "$class-$i" -class "$class"
      done
    ) &
  done
  wait
  total_runs=$((runs * ${#classes[@]}))
else
  echo "==> $runs runs of ${*:-the whole suite}, results in $results"
  for ((i = 1; i <= runs; i++)); do
    run_once "run $i/$runs" "run-$i" "$@"
  done
  total_runs=$runs
fi

echo "==> Failing tests over $total_runs runs"
if [ ! -s "$failures" ]; then
  echo "none"
  exit 0
fi
# Most frequent first: the count, the test, and the first message it failed with.
awk -F '\t' '{ count[$1]++; if (!($1 in first)) first[$1] = $2 } END { for (t in count) printf "%d\t%s\t%s\n", count[t], t, first[t] }' \
  "$failures" | sort -t $'\t' -k1,1nr -k2,2 | awk -F '\t' -v runs="$total_runs" '{ printf "%4d of %d  %s\n            %s\n", $1, runs, $2, $3 }'
exit 1
