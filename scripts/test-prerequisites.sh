#!/usr/bin/env bash
# Installs what the tests need when it is missing, through apt-get as root or with sudo: the native toolchain
# (clang, zlib1g-dev), the PostgreSQL, MariaDB and Redis servers, HAProxy, dnsmasq, Chromium, npm and the
# CloudFormation resource specification.
# Used by scripts/test.sh and scripts/flake-hunt.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  as_root=(sudo)
fi

# The native executable (Native AOT) is linked by clang against zlib.
if ! command -v clang >/dev/null 2>&1 || [ ! -e /usr/include/zlib.h ]; then
  echo "==> Installing the Native AOT toolchain (Debian packages clang, zlib1g-dev)"
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends clang zlib1g-dev >/dev/null
fi

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
if [ -z "${HEALTHSERVICE_TEST_PG_BIN:-}" ] && ! postgres_binaries_found; then
  echo "==> Installing the PostgreSQL server for the integration tests (Debian package postgresql)"
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi

# Installs Debian packages whose own service must not start (the tests start their own servers, unprivileged, on
# random ports): policy-rc.d refuses every service start while they install, and is removed again afterwards.
install_without_starting() {
  "${as_root[@]}" apt-get update -qq
  local policy_rc_d=/usr/sbin/policy-rc.d created=0
  if [ ! -e "$policy_rc_d" ]; then
    printf '#!/bin/sh\nexit 101\n' | "${as_root[@]}" tee "$policy_rc_d" >/dev/null
    "${as_root[@]}" chmod 755 "$policy_rc_d"
    created=1
    trap '"${as_root[@]}" rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  if [ "$created" -eq 1 ]; then
    "${as_root[@]}" rm -f "$policy_rc_d"
    trap - EXIT
  fi
}

# The MySQL probe's tests start real MariaDB servers (tests/HealthService.Tests/Infrastructure/MariaDbServer.cs): they
# need mariadbd and mariadb-install-db from HEALTHSERVICE_TEST_MARIADB_BIN or the Debian package.
if [ -z "${HEALTHSERVICE_TEST_MARIADB_BIN:-}" ] && { [ ! -x /usr/sbin/mariadbd ] || [ ! -x /usr/bin/mariadb-install-db ]; }; then
  echo "==> Installing the MariaDB server for the integration tests (Debian package mariadb-server)"
  install_without_starting mariadb-server
fi

# The Redis probe tests start real Redis servers (tests/HealthService.Tests/Infrastructure/RedisServer.cs).
if [ -z "${HEALTHSERVICE_TEST_REDIS_SERVER:-}" ] && [ ! -x /usr/bin/redis-server ]; then
  echo "==> Installing the Redis server for the integration tests (Debian package redis-server)"
  install_without_starting redis-server
fi

# The fleet test puts a real HAProxy in front of three service processes.
if [ -z "${HEALTHSERVICE_TEST_HAPROXY:-}" ] && ! command -v haproxy >/dev/null 2>&1 && [ ! -x /usr/sbin/haproxy ]; then
  echo "==> Installing HAProxy for the fleet test (Debian package haproxy)"
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends haproxy >/dev/null
fi

# The DNS probe tests start a real DNS server on loopback (tests/HealthService.Tests/Infrastructure/DnsmasqServer.cs):
# dnsmasq from HEALTHSERVICE_TEST_DNSMASQ or PATH; dnsmasq-base is the binary without the system service.
if [ -z "${HEALTHSERVICE_TEST_DNSMASQ:-}" ] && ! command -v dnsmasq >/dev/null 2>&1 && [ ! -x /usr/sbin/dnsmasq ]; then
  echo "==> Installing dnsmasq for the DNS probe tests (Debian package dnsmasq-base)"
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dnsmasq-base >/dev/null
fi

# The browser tests drive Debian's Chromium through Playwright (tests/HealthService.Tests/Infrastructure/ChromiumBrowser.cs):
# Playwright's own browser download is never used, its node driver comes with the NuGet package.
if [ -z "${HEALTHSERVICE_TEST_CHROMIUM:-}" ] && [ ! -x /usr/bin/chromium ]; then
  echo "==> Installing Chromium for the browser tests (Debian package chromium)"
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

# The deployment tests validate deploy/aws/*.yaml against the CloudFormation resource specification (npm @aws-cdk/cfnspec).
if ! command -v npm >/dev/null 2>&1; then
  echo "==> Installing npm for the CloudFormation resource specification (Debian package npm)"
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >/dev/null
fi
echo "==> Installing the CloudFormation resource specification (deploy/aws/spec)"
npm ci --prefix deploy/aws/spec --no-audit --no-fund --loglevel=error

