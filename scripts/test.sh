#!/usr/bin/env bash
# Runs the whole test suite on a fresh Debian machine with the .NET 10 SDK: installs what the tests need,
# checks formatting, builds warning-free and runs every test. The same command runs in CI (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v dotnet >/dev/null 2>&1; then
  echo "test.sh: the .NET 10 SDK is needed (https://learn.microsoft.com/dotnet/core/install/linux-debian)" >&2
  exit 1
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

echo "==> Checking formatting (dotnet format --verify-no-changes)"
dotnet format HealthService.sln --verify-no-changes

echo "==> Building and running the tests"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
dotnet test --solution HealthService.sln --configuration Release 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# One plain summary line: "N passed, N failed".
total=$(grep -Eo 'total: [0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo 'failed: [0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
if [ "$total" -eq 0 ] && [ "$status" -eq 0 ]; then
  echo "test.sh: no test ran" >&2
  exit 1
fi
echo "$((total - failed)) passed, $failed failed"
exit "$status"
