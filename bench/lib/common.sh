# shellcheck shell=bash
# Shared helpers of bench/run.sh and bench/sections/*.sh: logging, processes, ports, readiness, wrk, statistics,
# the goal table. Sourced by run.sh, never run on its own. Expects BENCH_DIR, REPO_DIR and OUT_DIR to be set.

# --- logging and failure ------------------------------------------------------------------------------------------
log() { printf '[bench %s] %s\n' "$(date -u +%H:%M:%S.%3N)" "$*" >&2; }

# die CODE MESSAGE: stops the whole run (the EXIT trap cleans up). Codes: see run.sh.
die() {
  local code=$1
  shift
  log "ERROR: $*"
  exit "$code"
}

# invalid MESSAGE: a figure that cannot be trusted (non-2xx where there must be none, socket errors, a server
# that died). The run goes on, the message goes into results.md, and run.sh exits 1 at the end.
INVALID=()
invalid() {
  INVALID+=("$*")
  log "INVALID: $*"
}

require_positive_int() {
  local name
  for name in "$@"; do
    [[ ${!name} =~ ^[1-9][0-9]*$ ]] || die 2 "$name must be a positive integer (got '${!name}')"
  done
}

require_non_negative_int() {
  local name
  for name in "$@"; do
    [[ ${!name} =~ ^[0-9]+$ ]] || die 2 "$name must be a non-negative integer (got '${!name}')"
  done
}

# Installs a Debian package when a command is missing (as the first bench did for wrk); bounded in time.
ensure_command() {
  local command=$1 package=$2 sudo=""
  command -v "$command" >/dev/null 2>&1 && return 0
  log "$command not found: installing the Debian package $package"
  ((EUID == 0)) || sudo="sudo"
  timeout 300 $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive timeout 600 $sudo apt-get install -y -qq --no-install-recommends "$package" >/dev/null
  command -v "$command" >/dev/null 2>&1 || die 2 "$command is still missing after apt-get install $package"
}

# --- time ---------------------------------------------------------------------------------------------------------
# Microseconds since the epoch, without forking (bash 5's EPOCHREALTIME).
now_us() { echo "${EPOCHREALTIME/./}"; }

# Seconds (decimal) between two now_us values.
elapsed_s() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e6 }'; }

# hh:mm:ss[.fff] (the service's duration format) to seconds.
duration_to_s() {
  awk -v d="$1" 'BEGIN { n = split(d, p, ":"); if (n != 3) exit 1; printf "%g", p[1] * 3600 + p[2] * 60 + p[3] }'
}

# --- processes ----------------------------------------------------------------------------------------------------
# Every process the run starts is registered here (pid -> name) and stopped by stop_all_procs (the EXIT trap):
# only our own PIDs are ever signalled.
declare -A PROC_NAME=()
LAST_PID=""

# start_proc NAME LOGFILE COMMAND...: starts COMMAND in the background, output to LOGFILE; its PID in LAST_PID and
# the start time (microseconds, taken just before the fork) in START_US. A simple command started with & is exec'd
# by the forked shell, so LAST_PID is the server process itself.
START_US=""
start_proc() {
  local name=$1 logfile=$2
  shift 2
  START_US=${EPOCHREALTIME/./}
  "$@" >"$logfile" 2>&1 &
  LAST_PID=$!
  PROC_NAME[$LAST_PID]=$name
}

# Alive and not a zombie (a child that exited stays a zombie until waited for, and kill -0 still succeeds on it).
alive() {
  local state
  [[ -r /proc/$1/stat ]] || return 1
  state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [[ -n $state && $state != Z && $state != X ]]
}

# stop_proc PID: SIGTERM, up to 10 s for a graceful exit, then SIGKILL; reaps it.
stop_proc() {
  local pid=$1 i
  [[ -n $pid ]] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    alive "$pid" || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset "PROC_NAME[$pid]"
}

stop_all_procs() {
  local pid
  for pid in "${!PROC_NAME[@]}"; do
    stop_proc "$pid"
  done
}

# free_port: sets PORT to a port below the Linux ephemeral range (32768+), so it cannot collide with wrk's or curl's
# own client sockets, with nothing listening on it now and not handed out before in this run. (Not $(free_port):
# the record of ports handed out must survive the call.)
declare -A PORTS_USED=()
PORT=""
free_port() {
  local port i
  for ((i = 0; i < 200; i++)); do
    port=$((20000 + RANDOM % 10000))
    [[ -n ${PORTS_USED[$port]:-} ]] && continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      PORTS_USED[$port]=1
      PORT=$port
      return 0
    fi
  done
  die 3 "no free loopback port found"
}

# http_code URL [MAX_SECONDS]: the HTTP status, or 000 when nothing answered in time.
http_code() {
  curl -s -o /dev/null -w '%{http_code}' --max-time "${2:-2}" "$1" 2>/dev/null || true
}

# wait_status NAME PID URL STATUS TIMEOUT_S [POLL_S]: polls URL until it answers STATUS; dies if the process exits
# or the time is up. Sets WAITED_S (seconds from the call to the answer).
wait_status() {
  local name=$1 pid=$2 url=$3 want=$4 timeout_s=$5 poll=${6:-0.1} start code="" deadline
  start=$(now_us)
  deadline=$((start + timeout_s * 1000000))
  while (($(now_us) < deadline)); do
    alive "$pid" || {
      tail -n 20 "$OUT_DIR/logs/$name.log" >&2 2>/dev/null || true
      die 3 "$name (pid $pid) exited while waiting for $want from $url"
    }
    code=$(http_code "$url" 1)
    if [[ $code == "$want" ]]; then
      WAITED_S=$(elapsed_s "$start" "$(now_us)")
      return 0
    fi
    sleep "$poll"
  done
  tail -n 20 "$OUT_DIR/logs/$name.log" >&2 2>/dev/null || true
  die 3 "$name did not answer $want on $url within ${timeout_s}s (last status: ${code:-none})"
}

# VmRSS / VmHWM of a process in MiB (one decimal).
mem_mib() { awk -v key="$2:" '$1 == key { printf "%.1f", $2 / 1024; found = 1 } END { if (!found) print "n/a" }' "/proc/$1/status" 2>/dev/null || echo n/a; }

# --- publishing ---------------------------------------------------------------------------------------------------
# publish NAME PROJECT [dotnet publish arguments...]: Release publish into $OUT_DIR/publish/NAME. Its bin/obj go to
# $OUT_DIR/artifacts/NAME (--artifacts-path), never to the project's own bin/obj that developers' builds use.
# Returns dotnet's exit code; the log is $OUT_DIR/logs/publish-NAME.log.
publish() {
  local name=$1 project=$2
  shift 2
  log "publishing $project ($name)"
  timeout 1200 dotnet publish "$REPO_DIR/$project" -c Release -o "$OUT_DIR/publish/$name" \
    --artifacts-path "$OUT_DIR/artifacts/$name" --nologo "$@" >"$OUT_DIR/logs/publish-$name.log" 2>&1
}

# --- wrk ----------------------------------------------------------------------------------------------------------
# wrk_run LABEL SECONDS THREADS CONNECTIONS URL [wrk options...]: one wrk run (always --latency), raw output kept in
# $OUT_DIR/raw/LABEL.txt. Sets W_RPS, W_P50, W_P99 and W_MAX (ms), W_NON2XX, W_SOCK (socket errors), W_REQS
# (requests).
wrk_run() {
  local label=$1 seconds=$2 threads=$3 connections=$4 url=$5 file
  shift 5
  file="$OUT_DIR/raw/$label.txt"
  [[ $url == http://127.0.0.1:* ]] || die 2 "wrk is only ever pointed at 127.0.0.1 (got $url)"
  timeout $((seconds + 30)) wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency "$@" "$url" >"$file" 2>&1 ||
    die 1 "wrk failed or timed out ($label): $(tail -n 3 "$file" | tr '\n' ' ')"
  W_RPS="" W_P50="" W_P99="" W_MAX="" W_NON2XX="" W_SOCK="" W_REQS=""
  read -r W_RPS W_P50 W_P99 W_MAX W_NON2XX W_SOCK W_REQS < <(parse_wrk "$file") || true
  [[ -n $W_RPS ]] || die 1 "could not parse wrk output: $file"
}

# Prints "rps p50_ms p99_ms max_ms non2xx socket_errors requests" from one wrk output; latencies in us/ms/s/m
# become ms.
parse_wrk() {
  awk '
    function to_ms(v,   n, u) {
      n = v; sub(/[a-z]+$/, "", n); u = v; sub(/^[0-9.]+/, "", u)
      if (u == "us") return n / 1000; if (u == "ms") return n + 0
      if (u == "s") return n * 1000;  if (u == "m") return n * 60000
      return -1
    }
    $1 == "Requests/sec:"           { rps = $2 }
    $1 == "50%"                     { p50 = to_ms($2) }
    $1 == "99%"                     { p99 = to_ms($2) }
    $1 == "Latency" && NF >= 4      { max = to_ms($4) }
    / requests in /                 { reqs = $1 }
    /Non-2xx or 3xx responses:/     { non2xx = $NF }
    /Socket errors:/                { gsub(/,/, ""); sock = $4 + $6 + $8 + $10 }
    END {
      if (rps == "" || p99 == "" || p99 < 0) exit 1
      printf "%s %.3f %.3f %.3f %d %d %d\n", rps, p50, p99, max, non2xx + 0, sock + 0, reqs + 0
    }' "$1"
}

# --- statistics and formatting ------------------------------------------------------------------------------------
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
sum() { printf '%s\n' "$@" | awk '{ s += $1 } END { print s + 0 }'; }
max() { printf '%s\n' "$@" | sort -g | tail -n 1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b == "n/a" || b + 0 <= 0) print "n/a"; else printf "%.3f", a / b }'; }
diff_of() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b == "n/a") print "n/a"; else printf "%+.1f", a - b }'; }
# verdict VALUE OP LIMIT (OP: le or ge): PASS, MISS, or n/a when there is no value.
verdict() {
  awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {
    if (v == "n/a" || v == "") { print "n/a"; exit }
    ok = (op == "le") ? (v + 0 <= t + 0) : (v + 0 >= t + 0)
    print ok ? "PASS" : "MISS" }'
}
fmt_int() { awk -v v="$1" 'BEGIN { if (v == "n/a") print v; else printf "%.0f", v }'; }
fmt_ms() { awk -v v="$1" 'BEGIN { if (v == "n/a") print v; else printf "%.3f", v }'; }
fmt_1() { awk -v v="$1" 'BEGIN { if (v == "n/a") print v; else printf "%.1f", v }'; }
fmt_2() { awk -v v="$1" 'BEGIN { if (v == "n/a") print v; else printf "%.2f", v }'; }

# goal SECTION GOAL MEASURED REFERENCE RATIO TARGET VERDICT [JIT]: one row of the summary table in results.md. The
# goal is the native executable's (what ships); JIT is the JIT build's cell beside it (jit_cell), when measured.
goal() {
  local IFS=$'\t'
  printf '%s\n' "$*" >>"$GOALS_TSV"
}

# jit_cell FIGURE RATIO OP LIMIT [UNIT]: the JIT build's cell of a goal row: its figure, its ratio (or difference, in
# UNIT) to the same reference, and how it fares against the same goal, e.g. "942.1 ms (2.219, MISS)".
jit_cell() { echo "$1 ($2${5:-}, $(verdict "$2" "$3" "$4"))"; }
