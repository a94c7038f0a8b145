# shellcheck shell=bash
# Section 2, "amplification": does traffic on /health reach the dependencies? The service's PostgreSQL probe runs
# SELECT nextval('probe_calls'), so the sequence counts probe queries; the HTTP dependency counts its own hits.
# Both are read before and after a quiet window (the reference, same run) and a /health flood of DURATION_FLOOD
# seconds (wrk, keep-alive), against the native executable. Goal: during the flood, queries and hits per minute
# equal 60 / Health:Interval, plus or minus one, whatever the number of /health requests served.

# amp_window LABEL SECONDS PORT [flood]: counts probe queries and dependency hits over one window; with "flood",
# wrk floods /health meanwhile. Sets A_QUERIES A_HITS A_SECONDS A_REQS.
amp_window() {
  local label=$1 seconds=$2 port=$3 flood=${4:-} q0 h0 q1 h1 t0 t1
  q0=$(pg_probe_calls)
  h0=$(stub_hits)
  t0=$(now_us)
  if [[ $flood == flood ]]; then
    log "amplification: flooding /health for ${seconds}s"
    wrk_run "amp-$label" "$seconds" "$THREADS" "$CONNECTIONS" "http://127.0.0.1:$port/health"
    A_REQS=$W_REQS
    A_NON2XX=$W_NON2XX
  else
    log "amplification: quiet window of ${seconds}s (reference)"
    sleep "$seconds"
    A_REQS=0
    A_NON2XX=0
  fi
  t1=$(now_us)
  q1=$(pg_probe_calls)
  h1=$(stub_hits)
  A_QUERIES=$((q1 - q0))
  A_HITS=$((h1 - h0))
  A_SECONDS=$(elapsed_s "$t0" "$t1")
}

per_minute() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.1f", n * 60 / s }'; }

section_amplification() {
  log "== section amplification: ${DURATION_IDLE}s quiet, ${DURATION_FLOOD}s flood"
  local port pid interval_s expected
  interval_s=$(duration_to_s "$HEALTH_INTERVAL")
  expected=$(awk -v i="$interval_s" 'BEGIN { printf "%.1f", 60 / i }')
  free_port
  port=$PORT
  start_app service amp-service "$port"
  pid=$LAST_PID
  wait_status amp-service "$pid" "http://127.0.0.1:$port/health" 200 "$READY_TIMEOUT"
  require_probes_healthy amp-service "$port"

  local idle_q="n/a" idle_h="n/a" idle_s=0 idle_qpm="n/a" idle_hpm="n/a"
  if ((DURATION_IDLE > 0)); then
    amp_window idle "$DURATION_IDLE" "$port"
    idle_q=$A_QUERIES idle_h=$A_HITS idle_s=$A_SECONDS
    idle_qpm=$(per_minute "$idle_q" "$idle_s")
    idle_hpm=$(per_minute "$idle_h" "$idle_s")
  fi
  amp_window flood "$DURATION_FLOOD" "$port" flood
  alive "$pid" || die 1 "the service died during the flood"
  local flood_q=$A_QUERIES flood_h=$A_HITS flood_s=$A_SECONDS reqs=$A_REQS flood_non2xx=$A_NON2XX
  local flood_qpm flood_hpm
  flood_qpm=$(per_minute "$flood_q" "$flood_s")
  flood_hpm=$(per_minute "$flood_h" "$flood_s")
  stop_proc "$pid"

  # Within one of 60 / interval per minute.
  local q_verdict h_verdict q_diff h_diff
  q_diff=$(awk -v m="$flood_qpm" -v e="$expected" 'BEGIN { d = m - e; printf "%+.1f", d }')
  h_diff=$(awk -v m="$flood_hpm" -v e="$expected" 'BEGIN { d = m - e; printf "%+.1f", d }')
  q_verdict=$(awk -v d="$q_diff" 'BEGIN { print (d <= 1 && d >= -1) ? "PASS" : "MISS" }')
  h_verdict=$(awk -v d="$h_diff" 'BEGIN { print (d <= 1 && d >= -1) ? "PASS" : "MISS" }')

  local per_request
  per_request=$(awk -v q="$flood_q" -v h="$flood_h" -v r="$reqs" 'BEGIN { if (r > 0) printf "%.2g", (q + h) / r; else print "n/a" }')
  {
    echo "## 2. Dependency amplification"
    echo
    echo "The service (the native executable) runs its PostgreSQL probe as \`SELECT nextval('probe_calls')\` (the sequence"
    echo "counts probe queries) and the HTTP dependency counts its own hits; both are read before and after each window."
    echo "\`Health:Interval\` is $HEALTH_INTERVAL, so the goal is $expected per minute, plus or minus one, during the flood"
    echo "(wrk \`-t$THREADS -c$CONNECTIONS\`, keep-alive). The JIT build is not measured here: the loop is the same code."
    echo
    echo "| Window | seconds | /health requests served | PostgreSQL queries | per minute | HTTP hits | per minute | expected per minute |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    if ((DURATION_IDLE > 0)); then
      echo "| quiet (reference) | $(fmt_1 "$idle_s") | 0 | $idle_q | $idle_qpm | $idle_h | $idle_hpm | $expected |"
    fi
    echo "| /health flood | $(fmt_1 "$flood_s") | $reqs | $flood_q | $flood_qpm | $flood_h | $flood_hpm | $expected |"
    echo
    echo "Dependency calls per /health request during the flood: $per_request. Non-2xx answers during the flood: $flood_non2xx."
    echo
    echo "Limits: the counts are whole rounds in a window that is not aligned with the loop, so one round more or less"
    echo "is expected; per-minute figures of a window shorter than 60 s scale that rounding up."
  } >"$MD_DIR/2-amplification.md"
  goal "2 amplification" "PostgreSQL queries per minute during the flood ($reqs /health requests)" "$flood_qpm" "60 / interval = $expected (quiet: $idle_qpm)" "$q_diff" "+-1" "$q_verdict"
  goal "2 amplification" "HTTP dependency hits per minute during the flood" "$flood_hpm" "60 / interval = $expected (quiet: $idle_hpm)" "$h_diff" "+-1" "$h_verdict"
  # A 503 during the flood would mean a probe failed under load: the counts still hold, but it is a finding.
  goal "2 amplification" "non-2xx answers during the flood" "$flood_non2xx" "0" "n/a" "0" "$( ((flood_non2xx == 0)) && echo PASS || echo MISS)"
}
