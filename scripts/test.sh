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

# The integration tests start real PostgreSQL servers (tests/HealthService.Tests/Infrastructure/PostgresServer.cs):
# they need initdb and pg_ctl from HEALTHSERVICE_TEST_PG_BIN or /usr/lib/postgresql/*/bin.
postgres_binaries_found() {
  local bin
  for bin in /usr/lib/postgresql/*/bin; do
    if [ -x "$bin/initdb" ] && [ -x "$bin/pg_ctl" ]; then
      return 0
    fi
  done
  return 1
}
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  as_root=(sudo)
fi
if [ -z "${HEALTHSERVICE_TEST_PG_BIN:-}" ] && ! postgres_binaries_found; then
  echo "==> Installing the PostgreSQL server for the integration tests (Debian package postgresql)"
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi

# The fleet test puts a real HAProxy in front of three service processes.
if [ -z "${HEALTHSERVICE_TEST_HAPROXY:-}" ] && ! command -v haproxy >/dev/null 2>&1 && [ ! -x /usr/sbin/haproxy ]; then
  echo "==> Installing HAProxy for the fleet test (Debian package haproxy)"
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends haproxy >/dev/null
fi

# The deployment tests validate deploy/aws/*.yaml against the CloudFormation resource specification (npm @aws-cdk/cfnspec).
if ! command -v npm >/dev/null 2>&1; then
  echo "==> Installing npm for the CloudFormation resource specification (Debian package npm)"
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >/dev/null
fi
echo "==> Installing the CloudFormation resource specification (deploy/aws/spec)"
npm ci --prefix deploy/aws/spec --no-audit --no-fund --loglevel=error

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
