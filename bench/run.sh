#!/usr/bin/env bash
# The performance record of HealthService: one command, everything on loopback, results in bench/results.md.
#
#   bash bench/run.sh                                    # every section (about 20 minutes on a 2-core machine)
#   SECTIONS="throughput hang" bash bench/run.sh         # only some sections
#   DURATION=3 ROUNDS=1 WARMUP=2 DURATION_FLOOD=10 DURATION_IDLE=10 HANG_ROUNDS=1 STARTUP_ROUNDS=1 \
#     LOAD_SECONDS=3 AOT=0 bash bench/run.sh              # a quick check that everything works (figures meaningless)
#
# The machines are shared and noisy, so every goal is a ratio against a reference measured in the same run (the
# bare Kestrel app bench/BareKestrel, the healthy service, the quiet window), runs are interleaved and figures are
# medians. These are benchmarks, not tests: nothing here fails a build, and no timing goes into the test suite.
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
#   startup        start-up to the first 200 and RSS (at ready, after load, peak) against the bare app (goals: <= 1.3 x,
#                  <= bare + 30 MiB); the ReadyToRun and Native AOT publishes are tried and measured when they work.
#   handler        BenchmarkDotNet: time and allocations of the /health handler against the bare handler (goal: no
#                  allocation beyond the bare handler).
#
# Parameters (environment variables; defaults in brackets):
#   SECTIONS [all five]   ROUNDS [5] interleaved wrk rounds   DURATION [10] s per wrk run   WARMUP [10] s per target
#   CONNECTIONS [64]  THREADS [2]   DURATION_FLOOD [60] s   DURATION_IDLE [60] s quiet reference window (0: none)
#   HANG_ROUNDS [3]   HANG_FAULTS ["postgres http"] the dependencies the hang section breaks (one alone: to tell
#   which one costs what)   HANG_SLOW [1] the hung non-critical probe phase of the hang section (0: skip)
#   STARTUP_ROUNDS [5]   LOAD_SECONDS [10] s of wrk between "ready" and "after load"
#   R2R [1] / AOT [1] try the ReadyToRun / Native AOT publish (0: skip; AOT compiles for a few minutes)
#   HEALTH_INTERVAL / HEALTH_TIMEOUT [appsettings.json's] the service's Health:Interval and Health:Timeout
#   READY_TIMEOUT [30] s for a server to become ready   HEALTHSERVICE_TEST_PG_BIN: PostgreSQL binaries, as for the tests
#   RESULTS [bench/results.md] where the report goes (e.g. bench/.out/trial.md for a quick check)
#
# Needs: the .NET 10 SDK, wrk, curl and the PostgreSQL server binaries (wrk and postgresql are installed with apt-get
# when missing). Runs as root (PostgreSQL then runs as the postgres user) or as a user who can run initdb.
# Output: bench/results.md (kept in the repository); raw wrk output, logs and builds in bench/.out (gitignored).
# Exit codes: 0 = ran (each goal's PASS or MISS is in the report), 1 = some figure is invalid (listed in the report:
# non-2xx while healthy, a server that died, unparsable output), 2 = bad parameters or a missing tool, 3 = a server
# or build did not start or become ready.
set -Eeuo pipefail
# A command that fails under set -e says where, instead of a silent exit (not in $(...) subshells, whose failures
# the caller handles or reports).
_err_status=0
trap '_err_status=$?; [[ $BASHPID == "$$" ]] && echo "[bench] ERROR: \"$BASH_COMMAND\" failed (exit $_err_status) at ${BASH_SOURCE[0]}:$LINENO" >&2' ERR

ALL_SECTIONS="throughput amplification hang startup handler"
SECTIONS=${SECTIONS:-$ALL_SECTIONS}
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-10}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
DURATION_FLOOD=${DURATION_FLOOD:-60}
DURATION_IDLE=${DURATION_IDLE:-60}
HANG_ROUNDS=${HANG_ROUNDS:-3}
HANG_FAULTS=${HANG_FAULTS:-postgres http}
HANG_SLOW=${HANG_SLOW:-1}
STARTUP_ROUNDS=${STARTUP_ROUNDS:-5}
LOAD_SECONDS=${LOAD_SECONDS:-10}
R2R=${R2R:-1}
AOT=${AOT:-1}
READY_TIMEOUT=${READY_TIMEOUT:-30}

# The goals of the issue, each against a reference measured in the same run.
GOAL_THROUGHPUT=0.9   # service req/s >= 0.9 x bare
GOAL_P99=1.2          # service p99 <= 1.2 x bare; p99 during a hang <= 1.2 x healthy
GOAL_STARTUP=1.3      # start-up to the first 200 <= 1.3 x bare
GOAL_MEMORY_MIB=30    # RSS <= bare + 30 MiB

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

# --- parameters ---------------------------------------------------------------------------------------------------
require_positive_int ROUNDS DURATION WARMUP CONNECTIONS THREADS DURATION_FLOOD HANG_ROUNDS STARTUP_ROUNDS LOAD_SECONDS READY_TIMEOUT
require_non_negative_int DURATION_IDLE R2R AOT
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
NEED_SERVERS=0
for section in throughput amplification hang startup; do
  [[ -n ${RUN[$section]:-} ]] && NEED_SERVERS=1
done

command -v dotnet >/dev/null 2>&1 || die 2 "the .NET 10 SDK (dotnet) is needed"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
if ((NEED_SERVERS)); then
  ensure_command wrk wrk
  ensure_command curl curl
  ensure_command pgrep procps
fi

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
# Release publishes, framework-dependent, like the container image.
if ((NEED_SERVERS)); then
  for app in "bare bench/BareKestrel" "service src/HealthService" "dependency bench/DependencyStub"; do
    read -r name project <<<"$app"
    publish "$name" "$project" || {
      tail -n 30 "$OUT_DIR/logs/publish-$name.log" >&2
      die 3 "dotnet publish of $project failed"
    }
  done
fi
[[ -n ${RUN[startup]:-} ]] && publish_startup_variants

# --- fixtures -------------------------------------------------------------------------------------------------------
if ((NEED_SERVERS)); then
  pg_start
  start_stub
fi
# The AOT binary is checked against the running fixtures (it is measured only if it serves with every probe).
if [[ -n ${RUN[startup]:-} ]] && ((AOT)) && [[ -x $OUT_DIR/publish/service-aot/HealthService ]]; then
  aot_try_start
  log "AOT: ${PUBLISH_NOTE[service-aot]}"
fi

# --- sections, in order -------------------------------------------------------------------------------------------
for section in $ALL_SECTIONS; do
  [[ -n ${RUN[$section]:-} ]] || continue
  "section_$section"
done

# --- report ---------------------------------------------------------------------------------------------------------
COMMIT=$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$REPO_DIR" diff --quiet HEAD 2>/dev/null || COMMIT="$COMMIT (+ uncommitted changes)"
CPU_MODEL=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
ELAPSED=$((SECONDS - START_SECONDS))
MISSES=$(awk -F'\t' '$7 == "MISS"' "$GOALS_TSV" | wc -l)

{
  echo "# HealthService performance record"
  echo
  echo "Written by \`bash bench/run.sh\` (see bench/README.md). Every goal is a ratio against a reference measured in the"
  echo "same run; rounds are interleaved and figures are medians. Client and servers share one machine and loopback."
  echo
  echo "- Date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'); run time ${ELAPSED}s; sections: ${ran[*]}"
  echo "- Machine: nproc=$(nproc), ${CPU_MODEL:-unknown CPU}, $(uname -sr); load average (1/5/15 min) at start $LOAD_BEFORE, at end $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
  echo "- .NET SDK $(dotnet --version), commit $COMMIT; Release builds, framework-dependent, \`ASPNETCORE_ENVIRONMENT=Production\`"
  echo "- Parameters: ROUNDS=$ROUNDS DURATION=${DURATION}s WARMUP=${WARMUP}s CONNECTIONS=$CONNECTIONS THREADS=$THREADS DURATION_FLOOD=${DURATION_FLOOD}s DURATION_IDLE=${DURATION_IDLE}s HANG_ROUNDS=$HANG_ROUNDS HANG_FAULTS=\"$HANG_FAULTS\" HANG_SLOW=$HANG_SLOW STARTUP_ROUNDS=$STARTUP_ROUNDS LOAD_SECONDS=${LOAD_SECONDS}s; service Health:Interval $HEALTH_INTERVAL, Health:Timeout $HEALTH_TIMEOUT"
  if ((NEED_SERVERS)); then
    echo "- Fixtures: PostgreSQL $("$PG_BIN/postgres" --version 2>/dev/null | awk '{ print $3 }') on 127.0.0.1 (throwaway cluster, fsync off), HTTP dependency bench/DependencyStub on 127.0.0.1"
  fi
  echo
  echo "## Goals"
  echo
  echo "| Section | Measure | Measured | Reference (same run) | Ratio or difference | Goal | Result |"
  echo "| --- | --- | ---: | ---: | ---: | ---: | --- |"
  awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7 }' "$GOALS_TSV"
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
