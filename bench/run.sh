#!/usr/bin/env bash
# The performance record of HealthService: one command, everything on loopback, results in bench/results.md.
#
#   bash bench/run.sh                                    # every section (about 22 minutes on a 2-core machine)
#   SECTIONS="throughput hang" bash bench/run.sh         # only some sections
#   RESULTS=bench/.out/trial.md DURATION=3 ROUNDS=1 WARMUP=2 DURATION_FLOOD=10 DURATION_IDLE=10 HANG_ROUNDS=1 \
#     STARTUP_ROUNDS=1 LOAD_SECONDS=3 PROBE_RUNS=5 bash bench/run.sh   # a quick check that everything works
#                                                        # (about 6 minutes, figures meaningless)
#
# What is measured is what ships: the native executable that `dotnet publish` of the service makes (Native AOT), with
# the Dockerfile's command, published once into bench/.out. The JIT build (`dotnet HealthService.dll`, what
# `dotnet run` runs) is measured beside it where that is cheap (startup, image, probe, and throughput unless
# JIT_THROUGHPUT=0) and reported next to each goal as `service-jit`; the goals are the native executable's.
#
# The machines are shared and noisy, so every goal is a ratio against a reference measured in the same run (the
# bare Kestrel app bench/BareKestrel, a JIT app; the healthy service; the quiet window) or a fixed limit (the image's
# size, the probe command's CPU time), runs are interleaved and figures are medians. These are benchmarks, not tests:
# nothing here fails a build, and no timing goes into the test suite.
#
# Sections (bench/sections/NAME.sh; shared helpers in bench/lib/):
#   throughput     wrk against the service with every probe (memory, CPU, disk, a real PostgreSQL, a loopback HTTP
#                  dependency) and against bare Kestrel: 64 keep-alive connections, `Connection: close`, 1 connection.
#                  Goals: throughput >= 0.9 x bare, p99 <= 1.2 x bare, in each mode.
#   amplification  /health flooded for DURATION_FLOOD s: PostgreSQL probe queries and HTTP dependency hits per minute
#                  against 60 / Health:Interval (goal: +-1), and against the /health requests served.
#   hang           PostgreSQL frozen (SIGSTOP) and the HTTP dependency never answering: p99 during the hang against
#                  healthy (goal <= 1.2 x), fault to 503 and recovery to 200 (goal <= Health:Interval + Health:Timeout);
#                  and a non-critical command probe hung for its whole deadline every round: every answer a 200, p99
#                  against healthy (goal <= 1.2 x).
#   startup        start-up to the first 200 and RSS (at ready, after load, peak) against the bare app, with the default
#                  probes and with PostgreSQL + HTTP probes (goals: start-up <= 0.5 x bare with the defaults, <= 0.7 x
#                  with PostgreSQL + HTTP; RSS after load <= bare's).
#   handler        BenchmarkDotNet: time and allocations of the /health handler against the bare handler (goal: no
#                  allocation beyond the bare handler).
#   image          what the image adds over runtime-deps, the files the Dockerfile's final stage copies (goal <= 40 MiB)
#   probe          CPU time of the HEALTHCHECK's `HealthService probe --path /health/live` against a running service
#                  (goal <= 40 ms per health check).
#
# Parameters (environment variables; defaults in brackets):
#   SECTIONS [all seven]   ROUNDS [5] interleaved wrk rounds   DURATION [10] s per wrk run   WARMUP [10] s per target
#   CONNECTIONS [64]  THREADS [2]   JIT_THROUGHPUT [1] the JIT build in the throughput section too (0: native only)
#   DURATION_FLOOD [60] s   DURATION_IDLE [60] s quiet reference window (0: none)
#   HANG_ROUNDS [3]   HANG_FAULTS ["postgres http"] the dependencies the hang section breaks (one alone: to tell
#   which one costs what)   HANG_SLOW [1] the hung non-critical probe phase of the hang section (0: skip)
#   STARTUP_ROUNDS [5]   LOAD_SECONDS [10] s of wrk between "ready" and "after load"   PROBE_RUNS [20] health checks
#   per probe command   HEALTH_INTERVAL / HEALTH_TIMEOUT [appsettings.json's] the service's Health:Interval and
#   Health:Timeout   READY_TIMEOUT [30] s for a server to become ready
#   HEALTHSERVICE_TEST_PG_BIN: PostgreSQL binaries, as for the tests
#   RESULTS [bench/results.md] where the report goes (e.g. bench/.out/trial.md for a quick check)
#
# Needs: the .NET 10 SDK, the Native AOT toolchain (clang or gcc, zlib1g-dev; scripts/test-prerequisites.sh installs
# them), wrk, curl and the PostgreSQL server binaries (wrk and postgresql are installed with apt-get when missing).
# Runs as root (PostgreSQL then runs as the postgres user) or as a user who can run initdb.
# Output: bench/results.md (kept in the repository); raw wrk output, logs and builds in bench/.out (gitignored).
# Exit codes: 0 = ran (each goal's PASS or MISS is in the report), 1 = some figure is invalid (listed in the report:
# non-2xx while healthy, a server that died, unparsable output), 2 = bad parameters or a missing tool, 3 = a server
# or build did not start or become ready.
set -Eeuo pipefail
# A command that fails under set -e says where, instead of a silent exit (not in $(...) subshells, whose failures
# the caller handles or reports).
_err_status=0
trap '_err_status=$?; [[ $BASHPID == "$$" ]] && echo "[bench] ERROR: \"$BASH_COMMAND\" failed (exit $_err_status) at ${BASH_SOURCE[0]}:$LINENO" >&2' ERR

ALL_SECTIONS="throughput amplification hang startup handler image probe"
SECTIONS=${SECTIONS:-$ALL_SECTIONS}
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-10}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
JIT_THROUGHPUT=${JIT_THROUGHPUT:-1}
DURATION_FLOOD=${DURATION_FLOOD:-60}
DURATION_IDLE=${DURATION_IDLE:-60}
HANG_ROUNDS=${HANG_ROUNDS:-3}
HANG_FAULTS=${HANG_FAULTS:-postgres http}
HANG_SLOW=${HANG_SLOW:-1}
STARTUP_ROUNDS=${STARTUP_ROUNDS:-5}
LOAD_SECONDS=${LOAD_SECONDS:-10}
PROBE_RUNS=${PROBE_RUNS:-20}
READY_TIMEOUT=${READY_TIMEOUT:-30}

# The goals of the issue, for the native executable, each against a reference measured in the same run or a limit.
GOAL_THROUGHPUT=0.9            # service req/s >= 0.9 x bare
GOAL_P99=1.2                   # service p99 <= 1.2 x bare; p99 during a hang <= 1.2 x healthy
GOAL_STARTUP_DEFAULTS=0.5      # start-up to the first 200, default probes <= 0.5 x bare
GOAL_STARTUP_DEPENDENCIES=0.7  # start-up to the first 200, PostgreSQL + HTTP probes <= 0.7 x bare
#                                RSS after load <= bare's (a difference <= 0)
GOAL_IMAGE_MIB=40              # what the image adds over runtime-deps <= 40 MiB
GOAL_PROBE_CPU_MS=40           # the probe command's CPU time per health check <= 40 ms

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)
OUT_DIR="$BENCH_DIR/.out" # gitignored (bench/.gitignore)
MD_DIR="$OUT_DIR/md"
GOALS_TSV="$OUT_DIR/goals.tsv"
RESULTS_MD=${RESULTS:-$BENCH_DIR/results.md}
START_SECONDS=$SECONDS
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown) # other work on the box skews results

# shellcheck source=bench/lib/common.sh
source "$BENCH_DIR/lib/common.sh"
# shellcheck source=bench/lib/postgres.sh
source "$BENCH_DIR/lib/postgres.sh"
# shellcheck source=bench/lib/apps.sh
source "$BENCH_DIR/lib/apps.sh"
# shellcheck source=bench/sections/throughput.sh
source "$BENCH_DIR/sections/throughput.sh"
# shellcheck source=bench/sections/amplification.sh
source "$BENCH_DIR/sections/amplification.sh"
# shellcheck source=bench/sections/hang.sh
source "$BENCH_DIR/sections/hang.sh"
# shellcheck source=bench/sections/startup.sh
source "$BENCH_DIR/sections/startup.sh"
# shellcheck source=bench/sections/handler.sh
source "$BENCH_DIR/sections/handler.sh"
# shellcheck source=bench/sections/image.sh
source "$BENCH_DIR/sections/image.sh"
# shellcheck source=bench/sections/probe.sh
source "$BENCH_DIR/sections/probe.sh"

# --- parameters ---------------------------------------------------------------------------------------------------
require_positive_int ROUNDS DURATION WARMUP CONNECTIONS THREADS DURATION_FLOOD HANG_ROUNDS STARTUP_ROUNDS LOAD_SECONDS \
  PROBE_RUNS READY_TIMEOUT
require_non_negative_int DURATION_IDLE
[[ $JIT_THROUGHPUT == 0 || $JIT_THROUGHPUT == 1 ]] || die 2 "JIT_THROUGHPUT must be 0 or 1 (got '$JIT_THROUGHPUT')"
((CONNECTIONS >= THREADS)) || die 2 "CONNECTIONS ($CONNECTIONS) must be >= THREADS ($THREADS): wrk needs a connection per thread"
duration_to_s "$HEALTH_INTERVAL" >/dev/null || die 2 "HEALTH_INTERVAL must be hh:mm:ss[.fff] (got '$HEALTH_INTERVAL')"
duration_to_s "$HEALTH_TIMEOUT" >/dev/null || die 2 "HEALTH_TIMEOUT must be hh:mm:ss[.fff] (got '$HEALTH_TIMEOUT')"
for fault in $HANG_FAULTS; do
  [[ $fault == postgres || $fault == http ]] || die 2 "HANG_FAULTS takes postgres and/or http (got '$HANG_FAULTS')"
done
[[ -n ${HANG_FAULTS// /} ]] || die 2 "HANG_FAULTS is empty (postgres and/or http)"
[[ $HANG_SLOW == 0 || $HANG_SLOW == 1 ]] || die 2 "HANG_SLOW must be 0 or 1 (got '$HANG_SLOW')"
declare -A RUN=()
for section in $SECTIONS; do
  [[ " $ALL_SECTIONS " == *" $section "* ]] || die 2 "unknown section '$section' (sections: $ALL_SECTIONS)"
  RUN[$section]=1
done
((${#RUN[@]} > 0)) || die 2 "SECTIONS is empty (sections: $ALL_SECTIONS)"
# The publishes: every section but handler. The fixtures (PostgreSQL, the HTTP dependency) and wrk: those that
# start servers with every probe.
NEED_PUBLISH=0 NEED_SERVERS=0
for section in throughput amplification hang startup image probe; do
  [[ -n ${RUN[$section]:-} ]] && NEED_PUBLISH=1
done
for section in throughput amplification hang startup; do
  [[ -n ${RUN[$section]:-} ]] && NEED_SERVERS=1
done

command -v dotnet >/dev/null 2>&1 || die 2 "the .NET 10 SDK (dotnet) is needed"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
if ((NEED_SERVERS)); then
  ensure_command wrk wrk
  ensure_command pgrep procps
fi
((NEED_PUBLISH)) && ensure_command curl curl

# --- clean-up: whatever ends the run (success, error, Ctrl-C) --------------------------------------------------------
cleanup() {
  set +e
  pg_thaw # never leave the database stopped
  stop_all_procs
  hang_slow_cleanup # a hung probe's sleep, should the service have been killed while one ran
  pg_stop
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Everything from scratch, builds included: an up-to-date (incremental) build would print no warnings to report.
rm -rf "$OUT_DIR"
mkdir -p "$OUT_DIR/publish" "$OUT_DIR/raw" "$OUT_DIR/logs" "$MD_DIR"
: >"$GOALS_TSV"
ran=()
for section in $ALL_SECTIONS; do [[ -n ${RUN[$section]:-} ]] && ran+=("$section"); done
log "sections: ${ran[*]}; output in ${OUT_DIR#"$REPO_DIR"/}"

# --- builds ---------------------------------------------------------------------------------------------------------
# The service as it ships: `dotnet publish` of the project, the Dockerfile's command, which makes the native executable
# (Native AOT; a few minutes). The JIT build beside it, framework-dependent (PublishAot off), for comparison; the bare
# app and the HTTP dependency framework-dependent, started by the dotnet host.
if ((NEED_PUBLISH)); then
  for app in "service src/HealthService/HealthService.csproj" \
    "service-jit src/HealthService/HealthService.csproj -p:PublishAot=false" \
    "bare bench/BareKestrel" "dependency bench/DependencyStub"; do
    read -r name project options <<<"$app"
    # shellcheck disable=SC2086 # options: words of dotnet publish, or none
    publish "$name" "$project" $options || {
      tail -n 30 "$OUT_DIR/logs/publish-$name.log" >&2
      die 3 "dotnet publish of $project ($name) failed"
    }
  done
  [[ -x $OUT_DIR/publish/service/HealthService && ! -e $OUT_DIR/publish/service/HealthService.dll ]] ||
    die 3 "dotnet publish of src/HealthService did not make the native executable (bench/.out/publish/service/HealthService): is PublishAot still on?"
  [[ -f $OUT_DIR/publish/service-jit/HealthService.dll ]] || die 3 "the JIT publish (-p:PublishAot=false) made no HealthService.dll"
  log "native executable: $(du -m "$OUT_DIR/publish/service/HealthService" | cut -f1) MiB"
fi

# --- fixtures -------------------------------------------------------------------------------------------------------
if ((NEED_SERVERS)); then
  pg_start
  start_stub
fi

# The commit measured: taken before the sections run, so that an edit made while they run cannot be mistaken for
# part of what was measured (nor mark a clean run as having uncommitted changes).
COMMIT=$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$REPO_DIR" diff --quiet HEAD 2>/dev/null || COMMIT="$COMMIT (+ uncommitted changes)"

# --- sections, in order -------------------------------------------------------------------------------------------
for section in $ALL_SECTIONS; do
  [[ -n ${RUN[$section]:-} ]] || continue
  "section_$section"
done

# --- report ---------------------------------------------------------------------------------------------------------
CPU_MODEL=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
ELAPSED=$((SECONDS - START_SECONDS))
MISSES=$(awk -F'\t' '$7 == "MISS"' "$GOALS_TSV" | wc -l)

{
  echo "# HealthService performance record"
  echo
  echo "Written by \`bash bench/run.sh\` (see bench/README.md). Every goal is a ratio against a reference measured in the"
  echo "same run, or a fixed limit; rounds are interleaved and figures are medians. Client and servers share one machine"
  echo "and loopback."
  echo
  echo "- Date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'); run time ${ELAPSED}s; sections: ${ran[*]}"
  echo "- Machine: nproc=$(nproc), ${CPU_MODEL:-unknown CPU}, $(uname -sr); load average (1/5/15 min) at start $LOAD_BEFORE, at end $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
  echo "- .NET SDK $(dotnet --version), commit $COMMIT; Release builds, \`ASPNETCORE_ENVIRONMENT=Production\`: \`service\` is the native executable of \`dotnet publish\` (Native AOT, as the image ships it), \`service-jit\` the JIT build (\`dotnet HealthService.dll\`), the bare app framework-dependent (\`dotnet BareKestrel.dll\`)"
  echo "- Parameters: ROUNDS=$ROUNDS DURATION=${DURATION}s WARMUP=${WARMUP}s CONNECTIONS=$CONNECTIONS THREADS=$THREADS DURATION_FLOOD=${DURATION_FLOOD}s DURATION_IDLE=${DURATION_IDLE}s HANG_ROUNDS=$HANG_ROUNDS HANG_FAULTS=\"$HANG_FAULTS\" HANG_SLOW=$HANG_SLOW STARTUP_ROUNDS=$STARTUP_ROUNDS LOAD_SECONDS=${LOAD_SECONDS}s PROBE_RUNS=$PROBE_RUNS JIT_THROUGHPUT=$JIT_THROUGHPUT; service Health:Interval $HEALTH_INTERVAL, Health:Timeout $HEALTH_TIMEOUT"
  if ((NEED_SERVERS)); then
    echo "- Fixtures: PostgreSQL $("$PG_BIN/postgres" --version 2>/dev/null | awk '{ print $3 }') on 127.0.0.1 (throwaway cluster, fsync off), HTTP dependency bench/DependencyStub on 127.0.0.1"
  fi
  echo
  echo "## Goals"
  echo
  echo "The goals are the native executable's (\`service\`, what ships). The last column gives the JIT build's figure"
  echo "(\`service-jit\`, \`dotnet HealthService.dll\`) against the same reference and goal, where it is measured."
  echo
  echo "| Section | Measure | Measured | Reference (same run) | Ratio or difference | Goal | Result | JIT build (ratio, result) |"
  echo "| --- | --- | ---: | ---: | ---: | ---: | --- | ---: |"
  awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7, ($8 == "" ? "not measured" : $8) }' "$GOALS_TSV"
  echo
  echo "$(awk -F'\t' '$7 == "PASS"' "$GOALS_TSV" | wc -l) PASS, $MISSES MISS."
  if ((${#INVALID[@]} > 0)); then
    echo
    echo "**Invalid figures** (the run exits 1):"
    echo
    printf -- '- %s\n' "${INVALID[@]}"
  fi
  for fragment in "$MD_DIR"/*.md; do
    [[ -e $fragment ]] || continue
    echo
    cat "$fragment"
  done
} >"$RESULTS_MD"

cat "$RESULTS_MD"
log "done in ${ELAPSED}s: $MISSES goal(s) missed; results in ${RESULTS_MD#"$REPO_DIR"/}, raw output and logs in ${OUT_DIR#"$REPO_DIR"/}"
((${#INVALID[@]} == 0)) || die 1 "${#INVALID[@]} invalid figure(s), listed in ${RESULTS_MD#"$REPO_DIR"/}"
