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

# PostgreSQL, HAProxy, npm and the CloudFormation resource specification, installed when missing.
./scripts/test-prerequisites.sh

# The native executable, published once as the Dockerfile does: the real-process tests start it (in-process
# WebApplicationFactory tests use the JIT build). A trim or AOT warning fails here (warnings are errors).
echo "==> Publishing the native executable (Native AOT, about 2 minutes)"
native=artifacts/native
rm -rf "$native"
dotnet publish src/HealthService/HealthService.csproj --configuration Release --output "$native"
export HEALTHSERVICE_TEST_EXECUTABLE="$PWD/$native/HealthService"

echo "==> Building and running the tests"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
dotnet test --solution HealthService.sln --configuration Release 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

total=$(grep -Eo 'total: [0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo 'failed: [0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
if [ "$total" -eq 0 ] && [ "$status" -eq 0 ]; then
  echo "test.sh: no test ran" >&2
  exit 1
fi

# The container image, built from the real Dockerfile and run with podman (it installs what it needs).
echo "==> Container smoke test"
skipped=0
smoke=0
./deploy/container/container-smoke.sh || smoke=$?
case $smoke in
  0) total=$((total + 1)) ;;
  10) skipped=1 ;; # skipped on purpose (HEALTHSERVICE_CONTAINER_SMOKE, or GitHub's own container job): not a pass
  *)
    total=$((total + 1))
    failed=$((failed + 1))
    status=1
    ;;
esac

# The failed tests' names and first message lines, last, where a truncated log still shows them.
if grep -Eq '^[[:space:]]*failed [A-Za-z_]' "$log"; then
  echo "==> Failed tests"
  awk '/^[[:space:]]*failed [A-Za-z_]/ { print; left = 6; next } left > 0 { print; left-- }' "$log"
fi

# One plain summary line: "N passed, N failed" (and ", 1 skipped" when the container test was skipped on purpose).
echo "$((total - failed)) passed, $failed failed$( ((skipped)) && echo ", $skipped skipped")"
exit "$status"
