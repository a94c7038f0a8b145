#!/usr/bin/env bash
# Container smoke test: builds the real Dockerfile with podman and checks the image end to end, on a Debian machine
# that has no Docker daemon and no container registry (CI runs it as root, CI=true, no stdin).
#
#   deploy/container/container-smoke.sh
#
# How: the registry's base images are replaced by stand-ins built here: a `debootstrap --variant=minbase bookworm`
# root file system plus this machine's own .NET installation for SDK_IMAGE (standin-sdk.Containerfile), and the
# root file system alone, with no .NET, for RUNTIME_IMAGE (standin-runtime-deps.Containerfile). The Dockerfile is
# built unchanged with those as build arguments (its build stage installs clang and zlib1g-dev from Debian and
# compiles the native executable), then the script checks that the image adds at most 40 MiB to its base and holds
# the native executable and appsettings.json only (no .NET, no SDK, sources, tests or debug symbols), that /health
# answers OK on a loopback port, that `podman healthcheck run` (the native self-probe) reports healthy, that the
# service runs as UID 1654 (not root), and that `podman stop` drains (/health answers 503 Draining) and ends the
# container with exit code 0 within Health:DrainDelay plus a margin.
#
# It installs what is missing (apt-get: podman, runc, debootstrap, curl) and caches between runs, under
# $HEALTHSERVICE_CONTAINER_CACHE (default /var/cache/healthservice): the debootstrap root file system (a tar), the
# stand-in images (localhost/healthservice-standin-*, rebuilt when their inputs change) and podman's layer cache.
#
# Environment:
#   HEALTHSERVICE_CONTAINER_SMOKE    auto (default): run, except on GitHub Actions, whose `container` job builds
#                                    the same Dockerfile with the real base images; run: always; skip: never.
#   HEALTHSERVICE_CONTAINER_REBUILD  1: ignore the caches (new debootstrap, stand-ins and image layers).
#   HEALTHSERVICE_CONTAINER_CACHE    cache directory (default /var/cache/healthservice).
#   HEALTHSERVICE_DEBIAN_MIRROR      Debian mirror for debootstrap (default http://deb.debian.org/debian).
#
# Exit codes: 0 passed, 10 skipped on purpose (see HEALTHSERVICE_CONTAINER_SMOKE), anything else failed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
started_ms=$(date +%s%3N)

step() { printf '==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
die() {
  printf 'container-smoke: FAILED: %s\n' "$*" >&2
  exit 1
}
now_ms() { date +%s%3N; }

case "${HEALTHSERVICE_CONTAINER_SMOKE:-auto}" in
  skip)
    step "Container smoke test skipped (HEALTHSERVICE_CONTAINER_SMOKE=skip)"
    exit 10
    ;;
  auto)
    if [ "${GITHUB_ACTIONS:-}" = true ]; then
      step "Container smoke test skipped on GitHub Actions: the workflow's container job builds the Dockerfile with the real base images"
      exit 10
    fi
    ;;
  run) ;;
  *) die "HEALTHSERVICE_CONTAINER_SMOKE must be auto, run or skip (was '${HEALTHSERVICE_CONTAINER_SMOKE}')" ;;
esac

# Rootful podman: re-run as root when possible, without ever prompting.
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    exec sudo -n env "PATH=$PATH" "DOTNET_ROOT=${DOTNET_ROOT:-}" "CI=${CI:-}" \
      "HEALTHSERVICE_CONTAINER_SMOKE=${HEALTHSERVICE_CONTAINER_SMOKE:-auto}" \
      "HEALTHSERVICE_CONTAINER_REBUILD=${HEALTHSERVICE_CONTAINER_REBUILD:-}" \
      "HEALTHSERVICE_CONTAINER_CACHE=${HEALTHSERVICE_CONTAINER_CACHE:-}" \
      "HEALTHSERVICE_DEBIAN_MIRROR=${HEALTHSERVICE_DEBIAN_MIRROR:-}" \
      bash "$0" "$@"
  fi
  die "needs root (rootful podman, apt-get, debootstrap); run it as root or with passwordless sudo, or set HEALTHSERVICE_CONTAINER_SMOKE=skip"
fi

cache=${HEALTHSERVICE_CONTAINER_CACHE:-/var/cache/healthservice}
mirror=${HEALTHSERVICE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
rebuild=${HEALTHSERVICE_CONTAINER_REBUILD:-}
suite=bookworm
# What the .NET runtime and SDK need beyond minbase (ICU for the SDK; the service itself runs invariant).
includes=ca-certificates,libssl3,libicu72,tzdata,passwd
drain_seconds=3 # Health:DrainDelay inside the container, shortened from 10 s for speed
stop_margin_seconds=5
base_image=localhost/healthservice-standin-base:$suite
sdk_image=localhost/healthservice-standin-sdk:10.0
runtime_image=localhost/healthservice-standin-runtime-deps:10.0
max_added_mib=40 # what the image may add to runtime-deps: the native executable and appsettings.json
app_image=localhost/healthservice:smoke
container=healthservice-smoke-$$
export DEBIAN_FRONTEND=noninteractive

work=$(mktemp -d)
mounted=
cleanup() {
  local status=$?
  if [ -n "$mounted" ]; then
    timeout 60 podman image unmount "$app_image" >/dev/null 2>&1 || true
  fi
  if timeout 30 podman container exists "$container" 2>/dev/null; then
    timeout 60 podman rm --force --time 0 "$container" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# podman with a time bound. Without systemd, podman cannot schedule health checks and says so on every run, stop
# and rm ("unable to get systemd connection ... healthchecks"); the checks are run here with `podman healthcheck
# run` instead, so that message is dropped.
pm() {
  local status=0
  timeout 300 podman "$@" 2>"$work/podman.err" </dev/null || status=$?
  grep -v 'unable to get systemd connection' "$work/podman.err" >&2 || true
  return "$status"
}

# --- Tools --------------------------------------------------------------------------------------------------------
missing=()
command -v podman >/dev/null 2>&1 || missing+=(podman)
command -v runc >/dev/null 2>&1 || missing+=(runc)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v iptables >/dev/null 2>&1 || missing+=(iptables)
[ -f /usr/share/keyrings/debian-archive-keyring.gpg ] || missing+=(debian-archive-keyring)
if [ "${#missing[@]}" -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 || die "needs ${missing[*]}, and this machine has no apt-get (the script expects Debian)"
  step "Installing ${missing[*]} (apt-get)"
  timeout 600 apt-get update -qq </dev/null || die "apt-get update failed"
  timeout 900 apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >"$work/apt.log" 2>&1 \
    || { tail -n 30 "$work/apt.log" >&2; die "apt-get install ${missing[*]} failed"; }
fi
command -v dotnet >/dev/null 2>&1 || die "needs the .NET 10 SDK on PATH (its installation becomes the stand-in base images)"

mkdir -p "$cache"
# One run at a time: the caches and image tags are shared.
exec 9>"$cache/lock"
flock -w 900 9 || die "another container smoke test held $cache/lock for 15 minutes"

# podman's configuration for this machine, from the template; the machine's own files are left alone.
nofile=$(ulimit -Hn)
[ "$nofile" = unlimited ] && nofile=$(cat /proc/sys/fs/nr_open)
nproc=$(cat /proc/sys/kernel/pid_max)
sed -e "s/@NOFILE@/$nofile/g" -e "s/@NPROC@/$nproc/g" "$here/containers.conf.in" >"$cache/containers.conf"
export CONTAINERS_CONF=$cache/containers.conf
step "podman $(podman version --format '{{.Client.Version}}' 2>/dev/null) with runc, cgroupfs, nofile=$nofile, nproc=$nproc ($CONTAINERS_CONF)"

# Containers left by an interrupted run.
stale=$(pm ps --all --quiet --filter label=healthservice.smoke=1)
if [ -n "$stale" ]; then
  note "removing containers left by an earlier run"
  # shellcheck disable=SC2086
  pm rm --force --time 0 $stale >/dev/null
fi

# --- Stand-in base images -----------------------------------------------------------------------------------------
label_of() { pm image inspect --format "{{index .Labels \"healthservice.standin.key\"}}" "$1" 2>/dev/null || true; }
key_of() { sha256sum | cut -c1-16; }

base_key=$(printf '%s\n' "$suite" "$includes" "$mirror" minbase | key_of)
rootfs_tar=$cache/rootfs-$suite-minbase-$base_key.tar
if [ -n "$rebuild" ]; then
  step "Rebuilding everything (HEALTHSERVICE_CONTAINER_REBUILD=$rebuild)"
  rm -f "$rootfs_tar"
fi
if [ -z "$rebuild" ] && [ "$(label_of "$base_image")" = "$base_key" ]; then
  step "Base root file system: reusing $base_image"
else
  if [ -f "$rootfs_tar" ]; then
    step "Base root file system: reusing $rootfs_tar"
  else
    step "Base root file system: debootstrap --variant=minbase $suite from $mirror (about a minute)"
    rootfs=$cache/rootfs-$suite.tmp
    rm -rf "$rootfs"
    timeout 900 debootstrap --variant=minbase --include="$includes" "$suite" "$rootfs" "$mirror" \
      </dev/null >"$work/debootstrap.log" 2>&1 \
      || { tail -n 30 "$work/debootstrap.log" >&2; rm -rf "$rootfs"; die "debootstrap failed"; }
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    tar --numeric-owner -C "$rootfs" -cf "$rootfs_tar.tmp" .
    mv "$rootfs_tar.tmp" "$rootfs_tar"
    rm -rf "$rootfs"
  fi
  step "Base root file system: importing it as $base_image"
  pm import --quiet \
    --change "LABEL healthservice.standin.key=$base_key" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["/bin/bash"]' \
    "$rootfs_tar" "$base_image" >/dev/null
fi
base_id=$(pm image inspect --format '{{.Id}}' "$base_image")

# The machine's .NET installation, as `dotnet --list-sdks` reports it ("10.0.401 [/usr/share/dotnet/sdk]").
dotnet_root=$(dotnet --list-sdks | sed -n 's/^[^[]*\[\(.*\)\/sdk\]$/\1/p' | tail -n 1)
[ -n "$dotnet_root" ] && [ -x "$dotnet_root/dotnet" ] && [ -d "$dotnet_root/shared" ] \
  || die "cannot find the .NET installation's root from 'dotnet --list-sdks'"
dotnet_versions=$(dotnet --list-sdks; dotnet --list-runtimes)
ca_bundle=/etc/ssl/certs/ca-certificates.crt
[ -f "$ca_bundle" ] || die "no CA bundle at $ca_bundle (Debian package ca-certificates)"
cp "$ca_bundle" "$work/ca-certificates.crt"

# Builds a stand-in unless an image with the same inputs is already there.
standin() {
  local name=$1 image=$2 containerfile=$3 key old
  key=$(cat "$containerfile" <(printf '%s\n' "$base_id" "$dotnet_root" "$dotnet_versions") "$work/ca-certificates.crt" | key_of)
  old=$(label_of "$image")
  if [ -z "$rebuild" ] && [ "$old" = "$key" ]; then
    step "Stand-in $name image: reusing $image"
    return
  fi
  step "Stand-in $name image: building $image from $base_image and $dotnet_root"
  if ! timeout 900 podman build --pull=never --format docker --label "healthservice.standin.key=$key" \
    --build-arg "BASE_IMAGE=$base_image" --build-context "dotnet=$dotnet_root" \
    --file "$containerfile" --tag "$image" "$work" </dev/null >"$work/standin.log" 2>&1; then
    tail -n 40 "$work/standin.log" >&2
    die "building the stand-in $name image failed"
  fi
}
standin SDK "$sdk_image" "$here/standin-sdk.Containerfile"
standin runtime-deps "$runtime_image" "$here/standin-runtime-deps.Containerfile"

# --- The real Dockerfile ------------------------------------------------------------------------------------------
# --format docker: the OCI image format has no HEALTHCHECK, and podman would drop it.
step "Building the Dockerfile (SDK_IMAGE=$sdk_image, RUNTIME_IMAGE=$runtime_image)"
build_args=(--pull=never --format docker --layers
  --build-arg "SDK_IMAGE=$sdk_image" --build-arg "RUNTIME_IMAGE=$runtime_image"
  --file "$repo/Dockerfile" --tag "$app_image")
[ -n "$rebuild" ] && build_args+=(--no-cache)
build_started=$(now_ms)
if ! timeout 1200 podman build "${build_args[@]}" "$repo" </dev/null >"$work/build.log" 2>&1; then
  tail -n 60 "$work/build.log" >&2
  die "podman build of the Dockerfile failed"
fi
cached=$(grep -c -- '--> Using cache' "$work/build.log" || true)
note "built $app_image in $(($(now_ms) - build_started)) ms ($cached steps from the layer cache)"

# --- The image ----------------------------------------------------------------------------------------------------
step "Checking the image's configuration (user, port, HEALTHCHECK)"
user=$(pm image inspect --format '{{.Config.User}}' "$app_image")
[ "$user" = 1654 ] || die "the image's user is '$user', expected 1654 (app)"
ports=$(pm image inspect --format '{{json .Config.ExposedPorts}}' "$app_image")
[[ "$ports" == *'"8080/tcp"'* ]] || die "the image does not expose 8080/tcp (exposes $ports)"
healthcheck=$(pm image inspect --format '{{json .Config.Healthcheck}}' "$app_image")
[[ "$healthcheck" == *'"/app/HealthService","probe"'*'"--path"'*'"/health/live"'* ]] \
  || die "the image's HEALTHCHECK is not the native self-probe of /health/live: $healthcheck"
note "user 1654, exposes 8080/tcp, HEALTHCHECK $healthcheck"

step "Checking the image's size: at most ${max_added_mib} MiB over $runtime_image"
image_bytes=$(pm image inspect --format '{{.Size}}' "$app_image")
base_bytes=$(pm image inspect --format '{{.Size}}' "$runtime_image")
added_kib=$(((image_bytes - base_bytes) / 1024))
[ "$added_kib" -le $((max_added_mib * 1024)) ] \
  || die "the image adds $((added_kib / 1024)) MiB to $runtime_image, more than ${max_added_mib} MiB"
note "$((image_bytes / 1024 / 1024)) MiB in all, $(awk -v k="$added_kib" 'BEGIN { printf "%.1f", k / 1024 }') MiB over the base"

step "Checking the image's files (the native executable and appsettings.json; no .NET, SDK, sources or tests)"
root=$(pm image mount "$app_image")
mounted=yes
[ -x "$root/app/HealthService" ] || die "/app/HealthService is missing or not executable"
[ "$(head -c 4 "$root/app/HealthService" | od -An -c | tr -d ' ')" = '177ELF' ] || die "/app/HealthService is not a native (ELF) executable"
app_files=$(cd "$root/app" && find . -mindepth 1 -printf '%P\n' | sort | tr '\n' ' ')
[ "$app_files" = "HealthService appsettings.json " ] || die "/app holds more than the executable and appsettings.json: $app_files"
dotnet_files=$(find "$root" -xdev -path "$root/proc" -prune -o \( -name 'libcoreclr.so' -o -name 'System.Private.CoreLib.dll' -o -name dotnet -type f -o -name 'Microsoft.Build.dll' \) -print | head -n 5)
[ -z "$dotnet_files" ] || die "the image holds .NET files: $dotnet_files"
[ ! -e "$root/src" ] || die "the image holds the build stage's /src"
cmp -s "$root/app/appsettings.json" "$repo/appsettings.json" || die "/app/appsettings.json is not the repository's appsettings.json"
[ "$(stat -c %u "$root/app/HealthService")" = 0 ] || die "/app/HealthService is not owned by root"
pm image unmount "$app_image" >/dev/null
mounted=
note "/app holds the native executable and the root appsettings.json; no .NET runtime or SDK"

# --- The container ------------------------------------------------------------------------------------------------
step "Starting the container on a loopback port (Health__DrainDelay=${drain_seconds}s)"
container_started=$(now_ms)
pm run --detach --name "$container" --label healthservice.smoke=1 \
  --publish 127.0.0.1::8080 --env "Health__DrainDelay=$(printf '00:00:%02d' "$drain_seconds")" "$app_image" >/dev/null
address=$(pm port "$container" 8080/tcp | head -n 1)
[[ "$address" == 127.0.0.1:* ]] || die "port 8080 is published on '$address', expected 127.0.0.1 only"
url=http://$address/health
note "$url"

step "Waiting for /health to answer OK (at most 60 s)"
deadline=$(($(now_ms) + 60000))
body=
while :; do
  body=$(curl --silent --show-error --fail --max-time 2 "$url" 2>/dev/null) && [ "$body" = OK ] && break
  state=$(pm inspect --format '{{.State.Status}}' "$container")
  if [ "$state" != running ] || [ "$(now_ms)" -ge "$deadline" ]; then
    pm logs "$container" 2>&1 | tail -n 30 >&2
    die "/health did not answer OK within 60 s (container $state, last answer '$body')"
  fi
  sleep 0.5
done
note "200 OK $(($(now_ms) - container_started)) ms after podman run"

step "Running the image's HEALTHCHECK (podman healthcheck run, at most 30 s)"
deadline=$(($(now_ms) + 30000))
until pm healthcheck run "$container" >/dev/null; do
  [ "$(now_ms)" -lt "$deadline" ] || die "podman healthcheck run did not report healthy within 30 s"
  sleep 1
done
health=$(pm inspect --format '{{.State.Health.Status}}' "$container" 2>/dev/null) \
  || health=$(pm inspect --format '{{.State.Healthcheck.Status}}' "$container")
[ "$health" = healthy ] || die "the container's health is '$health', expected healthy"
note "healthy"

step "Checking that the service does not run as root"
read -r proc_user proc_huser < <(pm top "$container" user huser | sed -n 2p)
[ "$proc_huser" = 1654 ] && [ "$proc_user" != root ] \
  || die "the service runs as '$proc_user' (host UID $proc_huser), expected app (1654)"
note "PID 1 runs as $proc_user (UID $proc_huser)"

step "Stopping the container (podman stop --time 30): drains, then exits 0 within ${drain_seconds}s + ${stop_margin_seconds}s"
stop_started=$(now_ms)
timeout 60 podman stop --time 30 "$container" >/dev/null 2>"$work/stop.err" </dev/null &
stopper=$!
draining=
deadline=$((stop_started + drain_seconds * 1000 - 500))
while [ "$(now_ms)" -lt "$deadline" ]; do
  if [ "$(curl --silent --max-time 1 "$url" 2>/dev/null)" = Draining ]; then
    draining=yes
    break
  fi
  sleep 0.1
done
stop_status=0
wait "$stopper" || stop_status=$?
stop_ms=$(($(now_ms) - stop_started))
grep -v 'unable to get systemd connection' "$work/stop.err" >&2 || true
[ "$stop_status" -eq 0 ] || die "podman stop failed (exit $stop_status)"
[ -n "$draining" ] || die "/health did not answer 503 Draining after SIGTERM"
exit_code=$(pm inspect --format '{{.State.ExitCode}}' "$container")
[ "$exit_code" = 0 ] || die "the container exited with $exit_code, expected 0"
[ "$stop_ms" -ge $((drain_seconds * 1000 - 500)) ] || die "stopped after $stop_ms ms, before the drain delay of ${drain_seconds}s: no drain?"
[ "$stop_ms" -le $(((drain_seconds + stop_margin_seconds) * 1000)) ] \
  || die "stopping took $stop_ms ms, more than ${drain_seconds}s + ${stop_margin_seconds}s"
logs=$(pm logs "$container" 2>&1)
grep -q '"Name":"DrainStarted"' <<<"$logs" || die "the logs have no DrainStarted event"
if grep -E '"@l":"(Error|Fatal)"' <<<"$logs" >&2; then
  die "the service logged errors"
fi
note "503 Draining during the drain, exit code 0 after $stop_ms ms"

pm rm "$container" >/dev/null
step "Container smoke test passed in $((($(now_ms) - started_ms) / 1000)) s"
