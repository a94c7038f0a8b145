#!/usr/bin/env bash
# Benchmark: HealthService GET /health against a bare Kestrel app answering the same "OK" (bench/BareKestrel).
#
#   bash bench/run.sh                              # ROUNDS=5 DURATION=10 CONNECTIONS=64 THREADS=2
#   ROUNDS=3 DURATION=5 bash bench/run.sh
#   (also WARMUP: seconds of wrk warm-up per target, default 10: JIT tiering needs it)
#
# Publishes both apps (Release) into bench/.out, starts them on two free loopback ports, warms them up, then runs
# ROUNDS interleaved wrk rounds (alternating which target goes first), and writes medians and service/bare ratios
# to stdout and bench/results.md. Targets: throughput ratio >= 0.9, p99 ratio <= 1.2.
# Exit codes: 0 = ran (PASS or MISS is in the report), 1 = a run was invalid (non-2xx responses, unparsable
# wrk output, a server died), 2 = bad parameters, 3 = a server did not start or become ready.
set -euo pipefail

ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
WARMUP_SECONDS=${WARMUP:-10}
READY_TIMEOUT_SECONDS=30
TARGET_THROUGHPUT_RATIO=0.9
TARGET_P99_RATIO=1.2

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)
OUT_DIR="$BENCH_DIR/.out"   # gitignored (bench/.gitignore)
RESULTS_MD="$BENCH_DIR/results.md"
START_SECONDS=$SECONDS
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)   # other work on the box skews results

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { local code=$1; shift; log "ERROR: $*"; exit "$code"; }

for name in ROUNDS DURATION CONNECTIONS THREADS WARMUP_SECONDS; do
  [[ ${!name} =~ ^[1-9][0-9]*$ ]] || die 2 "$name must be a positive integer (got '${!name}')"
done
(( CONNECTIONS >= THREADS )) || die 2 "CONNECTIONS ($CONNECTIONS) must be >= THREADS ($THREADS): wrk needs a connection per thread"

# --- wrk -------------------------------------------------------------------------------------------------------
if ! command -v wrk >/dev/null 2>&1; then
  log "wrk not found: installing it with apt-get"
  SUDO=""; (( EUID == 0 )) || SUDO="sudo"
  timeout 300 $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive timeout 300 $SUDO apt-get install -y wrk
  command -v wrk >/dev/null 2>&1 || die 2 "wrk is still missing after apt-get install"
fi

# --- publish -----------------------------------------------------------------------------------------------------
# Release builds of both, so neither side pays for Debug code.
rm -rf "$OUT_DIR"
mkdir -p "$OUT_DIR/publish" "$OUT_DIR/raw" "$OUT_DIR/logs"
for project in src/HealthService bench/BareKestrel; do
  name=$(basename "$project")
  log "publishing $project (Release)"
  timeout 600 dotnet publish "$REPO_DIR/$project" -c Release -o "$OUT_DIR/publish/$name" --nologo -v quiet \
    >"$OUT_DIR/logs/publish-$name.log" 2>&1 \
    || { cat "$OUT_DIR/logs/publish-$name.log" >&2; die 3 "dotnet publish of $project failed"; }
done

# --- servers -----------------------------------------------------------------------------------------------------
BARE_PID=""
SERVICE_PID=""

# Always stop both servers, whatever ends the script (success, error, Ctrl-C). Only our own PIDs are signalled.
cleanup() {
  local pid
  for pid in $BARE_PID $SERVICE_PID; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in $BARE_PID $SERVICE_PID; do
    # Give each a few seconds for a graceful shutdown, then force it.
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A port below the Linux ephemeral range (32768+), so it cannot collide with wrk's own client sockets, and with
# nothing listening on it right now. If something grabs it before the server binds, the server exits and the
# readiness wait below reports it.
free_port() {
  local port
  for _ in $(seq 1 100); do
    port=$(( 20000 + RANDOM % 10000 ))
    [[ $port == "${1:-}" ]] && continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
  done
  return 1
}

# HTTP status of GET /health on a loopback port, empty if nothing answers (pure bash: no curl needed).
health_status() {
  timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" >&3
    head -n 1 <&3' _ "$1" 2>/dev/null | awk '{ print $2 }' || true
}

# Bounded wait until the server answers 200 on /health; fails clearly if it died or never got ready.
wait_ready() {
  local name=$1 pid=$2 port=$3 deadline=$(( SECONDS + READY_TIMEOUT_SECONDS )) status=""
  while (( SECONDS < deadline )); do
    kill -0 "$pid" 2>/dev/null || { tail -n 20 "$OUT_DIR/logs/$name.log" >&2; die 3 "$name (pid $pid) exited during start-up"; }
    status=$(health_status "$port")
    [[ $status == 200 ]] && { log "$name ready on 127.0.0.1:$port (pid $pid)"; return 0; }
    sleep 0.2
  done
  tail -n 20 "$OUT_DIR/logs/$name.log" >&2
  die 3 "$name did not answer 200 on /health within ${READY_TIMEOUT_SECONDS}s (last status: ${status:-none})"
}

BARE_PORT=$(free_port) || die 3 "no free port found"
SERVICE_PORT=$(free_port "$BARE_PORT") || die 3 "no free port found"

# Same environment for both: Production, loopback only. The service keeps its default appsettings.json (all
# resource probes on); only its console sink is raised to Warning so stdout stays quiet during the runs.
ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="http://127.0.0.1:$BARE_PORT" \
  dotnet "$OUT_DIR/publish/BareKestrel/BareKestrel.dll" >"$OUT_DIR/logs/bare.log" 2>&1 &
BARE_PID=$!
ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="http://127.0.0.1:$SERVICE_PORT" \
  Serilog__WriteTo__Console__Args__restrictedToMinimumLevel=Warning \
  dotnet "$OUT_DIR/publish/HealthService/HealthService.dll" >"$OUT_DIR/logs/service.log" 2>&1 &
SERVICE_PID=$!

wait_ready bare "$BARE_PID" "$BARE_PORT"
wait_ready service "$SERVICE_PID" "$SERVICE_PORT"

# --- wrk runs ----------------------------------------------------------------------------------------------------
port_of() { if [[ $1 == bare ]]; then echo "$BARE_PORT"; else echo "$SERVICE_PORT"; fi; }
pid_of()  { if [[ $1 == bare ]]; then echo "$BARE_PID";  else echo "$SERVICE_PID";  fi; }

# Runs wrk against one target; the raw output is kept in bench/.out/raw/<label>.txt.
run_wrk() {
  local target=$1 seconds=$2 label=$3 file="$OUT_DIR/raw/$3.txt"
  timeout $(( seconds + 30 )) wrk -t"$THREADS" -c"$CONNECTIONS" -d"${seconds}s" --latency \
    "http://127.0.0.1:$(port_of "$target")/health" >"$file" 2>&1 \
    || { cat "$file" >&2; die 1 "wrk against $target failed or timed out ($label)"; }
  kill -0 "$(pid_of "$target")" 2>/dev/null || die 1 "$target died during $label"
  echo "$file"
}

# Prints "rps p99_ms non2xx socket_errors" from one wrk output. Latency units us/ms/s/m are converted to ms.
parse_wrk() {
  awk '
    function to_ms(v,   n, u) {
      n = v; sub(/[a-z]+$/, "", n); u = v; sub(/^[0-9.]+/, "", u)
      if (u == "us") return n / 1000; if (u == "ms") return n + 0
      if (u == "s") return n * 1000;  if (u == "m") return n * 60000
      return -1
    }
    $1 == "Requests/sec:"           { rps = $2 }
    $1 == "99%"                     { p99 = to_ms($2) }
    /Non-2xx or 3xx responses:/     { non2xx = $NF }
    /Socket errors:/                { gsub(/,/, ""); sock = $4 + $6 + $8 + $10 }
    END {
      if (rps == "" || p99 == "" || p99 < 0) exit 1
      printf "%s %.3f %d %d\n", rps, p99, non2xx + 0, sock + 0
    }' "$1"
}

log "warm-up: ${WARMUP_SECONDS}s per target"
run_wrk bare "$WARMUP_SECONDS" warmup-bare >/dev/null
run_wrk service "$WARMUP_SECONDS" warmup-service >/dev/null

declare -A RPS P99 NON2XX SOCKERR
TOTAL_NON2XX=0
for (( round = 1; round <= ROUNDS; round++ )); do
  # Alternate the order so neither target always runs on a "cooler" or "warmer" machine.
  if (( round % 2 == 1 )); then order="bare service"; else order="service bare"; fi
  for target in $order; do
    log "round $round/$ROUNDS: $target (${DURATION}s)"
    file=$(run_wrk "$target" "$DURATION" "round$round-$target")
    read -r rps p99 non2xx sockerr < <(parse_wrk "$file") || die 1 "could not parse wrk output: $file"
    [[ -n ${rps:-} ]] || die 1 "could not parse wrk output: $file"
    RPS[$target,$round]=$rps; P99[$target,$round]=$p99
    NON2XX[$target,$round]=$non2xx; SOCKERR[$target,$round]=$sockerr
    TOTAL_NON2XX=$(( TOTAL_NON2XX + non2xx ))
  done
done

# --- statistics --------------------------------------------------------------------------------------------------
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
values() { local -n table=$1; local r; for (( r = 1; r <= ROUNDS; r++ )); do echo "${table[$2,$r]}"; done; }
sum() { printf '%s\n' "$@" | awk '{ s += $1 } END { print s + 0 }'; }

# shellcheck disable=SC2046 # word splitting of the per-round values is intended
{
  BARE_RPS=$(median $(values RPS bare));       SERVICE_RPS=$(median $(values RPS service))
  BARE_P99=$(median $(values P99 bare));       SERVICE_P99=$(median $(values P99 service))
  BARE_NON2XX=$(sum $(values NON2XX bare));    SERVICE_NON2XX=$(sum $(values NON2XX service))
  BARE_SOCK=$(sum $(values SOCKERR bare));     SERVICE_SOCK=$(sum $(values SOCKERR service))
}
THROUGHPUT_RATIO=$(awk -v s="$SERVICE_RPS" -v b="$BARE_RPS" 'BEGIN { printf "%.3f", s / b }')
P99_RATIO=$(awk -v s="$SERVICE_P99" -v b="$BARE_P99" 'BEGIN { printf "%.3f", (b > 0 ? s / b : 0) }')
THROUGHPUT_VERDICT=$(awk -v r="$THROUGHPUT_RATIO" -v t="$TARGET_THROUGHPUT_RATIO" 'BEGIN { print (r >= t ? "PASS" : "MISS") }')
P99_VERDICT=$(awk -v r="$P99_RATIO" -v t="$TARGET_P99_RATIO" 'BEGIN { print (r <= t ? "PASS" : "MISS") }')
if (( TOTAL_NON2XX == 0 )); then NON2XX_VERDICT="PASS (0 for both)"; else NON2XX_VERDICT="FAIL"; fi

# --- report ------------------------------------------------------------------------------------------------------
fmt_rps() { awk -v v="$1" 'BEGIN { printf "%.0f", v }'; }
fmt_ms()  { awk -v v="$1" 'BEGIN { printf "%.3f", v }'; }
COMMIT=$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$REPO_DIR" diff --quiet HEAD 2>/dev/null || COMMIT="$COMMIT (+ uncommitted changes)"
CPU_MODEL=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
ELAPSED=$(( SECONDS - START_SECONDS ))

{
  echo "# HealthService /health vs bare Kestrel"
  echo
  echo "- Date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "- Machine: nproc=$(nproc), ${CPU_MODEL:-unknown CPU}, $(uname -sr)"
  echo "- .NET SDK $(dotnet --version), commit $COMMIT"
  echo "- wrk: -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency, $ROUNDS interleaved rounds (order alternates), ${WARMUP_SECONDS}s warm-up each"
  echo "- Client and both servers share the same machine and loopback (127.0.0.1); Release builds; service with default appsettings.json (all resource probes on)"
  echo "- Load average (1/5/15 min) at start: $LOAD_BEFORE, at end: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
  echo "- Run time: ${ELAPSED}s"
  echo
  echo "## Per round"
  echo
  echo "| Round | Target | Requests/sec | p99 (ms) | Non-2xx | Socket errors |"
  echo "|------:|--------|-------------:|---------:|--------:|--------------:|"
  for (( round = 1; round <= ROUNDS; round++ )); do
    for target in bare service; do
      echo "| $round | $target | $(fmt_rps "${RPS[$target,$round]}") | $(fmt_ms "${P99[$target,$round]}") | ${NON2XX[$target,$round]} | ${SOCKERR[$target,$round]} |"
    done
  done
  echo
  echo "## Medians"
  echo
  echo "| Target | Requests/sec | p99 (ms) | Non-2xx (total) | Socket errors (total) |"
  echo "|--------|-------------:|---------:|----------------:|----------------------:|"
  echo "| bare | $(fmt_rps "$BARE_RPS") | $(fmt_ms "$BARE_P99") | $BARE_NON2XX | $BARE_SOCK |"
  echo "| service | $(fmt_rps "$SERVICE_RPS") | $(fmt_ms "$SERVICE_P99") | $SERVICE_NON2XX | $SERVICE_SOCK |"
  echo
  echo "## Targets (service / bare)"
  echo
  echo "| Metric | Ratio | Target | Result |"
  echo "|--------|------:|-------:|--------|"
  echo "| Throughput (median Requests/sec) | $THROUGHPUT_RATIO | >= $TARGET_THROUGHPUT_RATIO | $THROUGHPUT_VERDICT |"
  echo "| p99 latency (median) | $P99_RATIO | <= $TARGET_P99_RATIO | $P99_VERDICT |"
  echo "| Non-2xx responses | $BARE_NON2XX / $SERVICE_NON2XX | 0 | $NON2XX_VERDICT |"
} >"$RESULTS_MD"

cat "$RESULTS_MD"
log "done in ${ELAPSED}s; results in ${RESULTS_MD#"$REPO_DIR"/}, raw wrk output in ${OUT_DIR#"$REPO_DIR"/}/raw"

(( TOTAL_NON2XX == 0 )) || die 1 "non-2xx responses seen (bare: $BARE_NON2XX, service: $SERVICE_NON2XX)"
