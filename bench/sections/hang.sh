# shellcheck shell=bash
# Section 3, "hang", against the native executable: PostgreSQL frozen (SIGSTOP of the postmaster and its children)
# and the HTTP dependency never answering, both critical. Per round: wrk p99 of /health while healthy (the
# reference), the fault, time to the first 503 (polled every 50 ms), wrk p99 during the hang (every answer is a 503
# then: wrk counts them as non-2xx), recovery (SIGCONT, the dependency answers again), time to the first 200. Goals:
# p99 during the hang <= 1.2 x healthy; time to 503 and time back to 200 <= Health:Interval + Health:Timeout.
# With HANG_SLOW=1 (the default) each round also has a phase with a hung non-critical probe, before the fault (odd
# rounds after the healthy run, even rounds before it): the command probe command:slow (Critical false, its deadline
# the whole Health:Interval) hangs on every call until the service kills it at its deadline, so a call of it is in
# flight at every moment; wrk meanwhile. Goals: every answer a 200, and p99 <= 1.2 x healthy (the same round's
# healthy run, same process).

# hang_poll PID URL STATUS LIMIT_S: polls every 50 ms until STATUS; sets POLLED_S to the seconds since FAULT_US
# (set by the caller at the fault or the recovery), or dies.
hang_poll() {
  local pid=$1 url=$2 want=$3 limit_s=$4 deadline code="" last="" started
  deadline=$((FAULT_US + limit_s * 1000000))
  # The longest time between two polls' starts: the 50 ms sleep plus one curl, unless the machine itself stalled (or
  # /health was slow, which the curl would then have waited for). Tells a late transition from a late observer.
  POLL_GAP_MS=0
  while (($(now_us) < deadline)); do
    alive "$pid" || die 1 "the service died during the hang section"
    started=$(now_us)
    if [[ -n $last ]] && (((started - last) / 1000 > POLL_GAP_MS)); then POLL_GAP_MS=$(((started - last) / 1000)); fi
    last=$started
    code=$(http_code "$url" 1)
    if [[ $code == "$want" ]]; then
      POLLED_S=$(elapsed_s "$FAULT_US" "$(now_us)")
      return 0
    fi
    sleep 0.05
  done
  die 1 "/health did not answer $want within ${limit_s}s (last: ${code:-none})"
}

# The faults: "postgres" (SIGSTOP), "http" (never answers), or both (the default; HANG_FAULTS narrows it down).
hang_fault() {
  [[ " $HANG_FAULTS " == *" postgres "* ]] && pg_freeze
  [[ " $HANG_FAULTS " == *" http "* ]] && stub_hang
  return 0
}

hang_recover() {
  pg_thaw
  [[ " $HANG_FAULTS " == *" http "* ]] && stub_recover
  return 0
}

# A random fraction of the interval: faults and recoveries land at a random phase of the evaluation loop. Without
# it the sequence "503 seen, wrk for DURATION s, recover" is locked to the loop's phase, and every recovery would
# land at the same point of a round (e.g. while a probe call is in flight, which makes recovery look instant).
random_phase_sleep() { sleep "$(awk -v i="$1" -v r="$RANDOM" 'BEGIN { printf "%.3f", i * r / 32768 }')"; }

threads_of() { awk '$1 == "Threads:" { print $2 }' "/proc/$1/status" 2>/dev/null || echo n/a; }

# The hung non-critical probe. Its script answers OK at once, or, while the flag file (its first argument) exists,
# appends its PID to the PID file (its second argument) and becomes `sleep 600`, which the service kills with its
# process group at the deadline. The healthy runs have the probe too (answering OK), so the phases of a round differ
# only in the hang. The files live in bench/.out.
SLOW_SCRIPT="" SLOW_FLAG="" SLOW_PIDS=""

hang_slow_setup() {
  SLOW_SCRIPT="$OUT_DIR/hang-slow-probe.sh"
  SLOW_FLAG="$OUT_DIR/hang-slow.on"
  SLOW_PIDS="$OUT_DIR/hang-slow.pids"
  rm -f "$SLOW_FLAG"
  : >"$SLOW_PIDS"
  cat >"$SLOW_SCRIPT" <<'SCRIPT'
#!/bin/sh
# command:slow of the benchmark's hang section: OK at once, or hung while the flag file "$1" exists.
if [ -e "$1" ]; then
  echo "$$" >>"$2"
  exec sleep 600
fi
echo "OK"
SCRIPT
  chmod 755 "$SLOW_SCRIPT"
}

# Called by run.sh's EXIT trap once the servers are stopped: no flag left behind, and no `sleep 600` of the script
# outlives the run (the service kills each at its deadline, but not if the service itself was killed). Only PIDs the
# script recorded, and only while they still are that sleep.
hang_slow_cleanup() {
  [[ -n $SLOW_FLAG ]] || return 0
  rm -f "$SLOW_FLAG"
  [[ -r $SLOW_PIDS ]] || return 0
  local pid
  while read -r pid; do
    [[ $pid =~ ^[0-9]+$ ]] || continue
    [[ $(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") == "sleep 600 " ]] && { kill -KILL "$pid" 2>/dev/null || true; }
  done <"$SLOW_PIDS"
  return 0
}

# wait_probe PID PORT PROBE STATUS LIMIT_S: polls /health/details every 100 ms until PROBE reports STATUS; sets
# WAITED_S, or dies (a bug, not a figure).
wait_probe() {
  local pid=$1 port=$2 probe=$3 want=$4 limit_s=$5 start statuses=""
  start=$(now_us)
  while (($(now_us) < start + limit_s * 1000000)); do
    alive "$pid" || die 1 "the service died during the hang section"
    statuses=$(probe_statuses "$port")
    if [[ " $statuses " == *" $probe=$want "* ]]; then
      WAITED_S=$(elapsed_s "$start" "$(now_us)")
      return 0
    fi
    sleep 0.1
  done
  die 1 "$probe did not report $want within ${limit_s}s (probes: ${statuses:-no answer from /health/details})"
}

# The two measured phases of a healthy service, run by section_hang in a rotating order; they read and append to
# section_hang's locals (round, pid, port, url, limit and the per-round arrays).
hang_healthy_run() {
  log "hang round $round: healthy (${DURATION}s)"
  wrk_run "hang-r$round-healthy" "$DURATION" "$THREADS" "$CONNECTIONS" "$url"
  healthy_p99+=("$W_P99")
  healthy_rps+=("$W_RPS")
  healthy_max+=("$W_MAX")
  healthy_threads+=("$(threads_of "$pid")")
  healthy_non2xx+=("$W_NON2XX")
  ((W_NON2XX == 0)) || invalid "hang round $round: $W_NON2XX non-2xx answers while healthy"
}

hang_slow_run() {
  local before after
  # The flag makes every call of command:slow hang; measuring starts once one has been killed at its deadline
  # (the probe reports Unhealthy) and the next is in flight. /health must not notice: 200 throughout.
  log "hang round $round: command:slow (non-critical) hangs for its whole deadline"
  touch "$SLOW_FLAG"
  wait_probe "$pid" "$port" command:slow Unhealthy "$limit"
  slow_wait+=("$WAITED_S")
  before=$(http_code "$url" 1)
  log "hang round $round: command:slow timed out after ${WAITED_S}s; measuring with it hung (${DURATION}s)"
  wrk_run "hang-r$round-slow" "$DURATION" "$THREADS" "$CONNECTIONS" "$url"
  after=$(http_code "$url" 1)
  slow_p99+=("$W_P99")
  slow_rps+=("$W_RPS")
  slow_max+=("$W_MAX")
  slow_threads+=("$(threads_of "$pid")")
  slow_non2xx+=("$W_NON2XX")
  slow_sock+=("$W_SOCK")
  slow_reqs+=("$W_REQS")
  slow_curl+=("$before / $after")
  [[ $before == 200 ]] || slow_curl_bad=$((slow_curl_bad + 1))
  [[ $after == 200 ]] || slow_curl_bad=$((slow_curl_bad + 1))
  [[ " $(probe_statuses "$port") " == *" command:slow=Unhealthy "* ]] ||
    invalid "hang round $round: command:slow was no longer timing out at the end of the measurement"
  rm -f "$SLOW_FLAG"
  wait_probe "$pid" "$port" command:slow Healthy "$limit"
  log "hang round $round: command:slow answers again (after ${WAITED_S}s); non-2xx during the phase: $W_NON2XX of $W_REQS"
}

section_hang() {
  local phases="healthy / faulted ($HANG_FAULTS) / recovered"
  ((HANG_SLOW)) && phases="healthy / a hung non-critical probe / faulted ($HANG_FAULTS) / recovered"
  log "== section hang: $HANG_ROUNDS rounds of $phases"
  local port pid url interval_s timeout_s bound limit
  interval_s=$(duration_to_s "$HEALTH_INTERVAL")
  timeout_s=$(duration_to_s "$HEALTH_TIMEOUT")
  bound=$(awk -v i="$interval_s" -v t="$timeout_s" 'BEGIN { printf "%g", i + t }')
  limit=$(awk -v b="$bound" 'BEGIN { printf "%d", 3 * b + 10 }') # the poll gives up there: a bug, not a figure
  free_port
  port=$PORT
  url="http://127.0.0.1:$port/health"
  # Both dependencies critical, so that either fault turns /health to 503. The hung probe's deadline is the whole
  # interval, the longest the service allows: a call of it is then in flight at every moment of the phase.
  local -a slow_env=()
  if ((HANG_SLOW)); then
    hang_slow_setup
    slow_env=(
      "Health__Command__slow__Path=$SLOW_SCRIPT"
      "Health__Command__slow__Arguments__0=$SLOW_FLAG"
      "Health__Command__slow__Arguments__1=$SLOW_PIDS"
      "Health__Command__slow__Timeout=$HEALTH_INTERVAL"
      "Health__Command__slow__Critical=false"
    )
  fi
  start_app service hang-service "$port" Health__Http__dependency__Critical=true "${slow_env[@]}"
  pid=$LAST_PID
  wait_status hang-service "$pid" "$url" 200 "$READY_TIMEOUT"
  require_probes_healthy hang-service "$port"
  if ((HANG_SLOW)); then
    wait_probe "$pid" "$port" command:slow Healthy "$limit"
  fi
  log "warm-up: ${WARMUP}s"
  wrk_run hang-warmup "$WARMUP" "$THREADS" "$CONNECTIONS" "$url"

  local -a healthy_p99=() hung_p99=() to_503=() to_200=() hung_non2xx=() hung_reqs=() healthy_non2xx=()
  local -a healthy_rps=() hung_rps=() healthy_threads=() hung_threads=() healthy_max=() hung_max=()
  local -a slow_p99=() slow_rps=() slow_max=() slow_threads=() slow_non2xx=() slow_sock=() slow_reqs=() slow_wait=()
  local -a slow_curl=() gap_503=() timeout_ms=()
  local slow_curl_bad=0 log_before
  local round
  for ((round = 1; round <= HANG_ROUNDS; round++)); do
    log "hang round $round/$HANG_ROUNDS"
    # With the hung probe phase, odd rounds measure healthy first, even rounds the hung probe first: neither always
    # meets a warmer process or a quieter machine.
    if ((HANG_SLOW && round % 2 == 0)); then
      hang_slow_run
      hang_healthy_run
    else
      hang_healthy_run
      if ((HANG_SLOW)); then hang_slow_run; fi
    fi

    random_phase_sleep "$interval_s"
    log "hang round $round: fault ($HANG_FAULTS)"
    log_before=$(wc -l <"$OUT_DIR/logs/hang-service.log")
    hang_fault
    FAULT_US=$(now_us)
    hang_poll "$pid" "$url" 503 "$limit"
    to_503+=("$POLLED_S")
    gap_503+=("$POLL_GAP_MS")
    # The service's own view: how long after its start each probe call that timed out was reported (the deadline
    # plus however late the process ran the continuation that ends it).
    timeout_ms+=("$(tail -n +"$((log_before + 1))" "$OUT_DIR/logs/hang-service.log" | awk '
      match($0, /"DurationMs":[0-9.]+,"Reason":"timed out after/) {
        v = substr($0, RSTART + 13, RLENGTH - 13); sub(/,.*/, "", v); if (m == "" || v + 0 > m + 0) m = v
      }
      END { if (m == "") print "none"; else printf "%.0f", m }')")
    log "hang round $round: 503 after ${to_503[-1]}s; measuring during the hang (${DURATION}s)"
    wrk_run "hang-r$round-hung" "$DURATION" "$THREADS" "$CONNECTIONS" "$url"
    hung_p99+=("$W_P99")
    hung_rps+=("$W_RPS")
    hung_max+=("$W_MAX")
    hung_threads+=("$(threads_of "$pid")")
    hung_non2xx+=("$W_NON2XX")
    hung_reqs+=("$W_REQS")
    ((W_NON2XX == W_REQS)) || invalid "hang round $round: $((W_REQS - W_NON2XX)) of $W_REQS answers were 2xx during the hang"

    random_phase_sleep "$interval_s"
    log "hang round $round: recovering"
    hang_recover
    FAULT_US=$(now_us)
    hang_poll "$pid" "$url" 200 "$limit"
    to_200+=("$POLLED_S")
    log "hang round $round: 200 after ${to_200[-1]}s"
  done
  stop_proc "$pid"

  local med_healthy med_hung p99_ratio med_503 max_503 med_200 max_200
  med_healthy=$(median "${healthy_p99[@]}")
  med_hung=$(median "${hung_p99[@]}")
  p99_ratio=$(ratio "$med_hung" "$med_healthy")
  med_503=$(median "${to_503[@]}")
  max_503=$(max "${to_503[@]}")
  med_200=$(median "${to_200[@]}")
  max_200=$(max "${to_200[@]}")
  local med_slow="n/a" slow_ratio="n/a" slow_total=0 slow_non2xx_total=0 slow_sock_total=0
  if ((HANG_SLOW)); then
    med_slow=$(median "${slow_p99[@]}")
    slow_ratio=$(ratio "$med_slow" "$med_healthy")
    slow_total=$(sum "${slow_reqs[@]}")
    slow_non2xx_total=$(sum "${slow_non2xx[@]}")
    slow_sock_total=$(sum "${slow_sock[@]}")
  fi
  local faults_text=""
  [[ " $HANG_FAULTS " == *" postgres "* ]] && faults_text="PostgreSQL frozen with SIGSTOP (postmaster and children)"
  [[ " $HANG_FAULTS " == *" http "* ]] && faults_text="${faults_text:+$faults_text and }the HTTP dependency never answering"
  {
    echo "## 3. Hung dependencies"
    echo
    echo "The service is the native executable (the JIT build is not measured here). $faults_text; both dependencies"
    echo "critical. \`Health:Interval\` $HEALTH_INTERVAL, \`Health:Timeout\` $HEALTH_TIMEOUT:"
    echo "the bound for both transitions is ${bound}s. wrk \`-t$THREADS -c$CONNECTIONS\` ${DURATION}s while healthy and during the"
    echo "hang (then every answer is a 503, which wrk counts as non-2xx); transitions polled every 50 ms; $HANG_ROUNDS rounds."
    echo "Threads: the service's OS threads (/proc) at the end of each wrk run. Timed out after: the longest duration the"
    echo "service's log reports for a probe call that timed out during the fault (the deadline, $HEALTH_TIMEOUT, plus however"
    echo "late the process ended it). Poll gap: the longest time between two polls' starts while waiting for the 503"
    echo "(50 ms plus one curl, unless the machine or /health stalled)."
    echo
    echo "| Round | healthy p99 ms | hung p99 ms | ratio | healthy / hung max ms | healthy / hung req/s | healthy / hung threads | fault to 503 s | timed out after ms | poll gap ms | recovery to 200 s | requests during the hang (503s) |"
    echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    for ((round = 1; round <= HANG_ROUNDS; round++)); do
      echo "| $round | $(fmt_ms "${healthy_p99[round - 1]}") | $(fmt_ms "${hung_p99[round - 1]}") | $(ratio "${hung_p99[round - 1]}" "${healthy_p99[round - 1]}") | $(fmt_1 "${healthy_max[round - 1]}") / $(fmt_1 "${hung_max[round - 1]}") | $(fmt_int "${healthy_rps[round - 1]}") / $(fmt_int "${hung_rps[round - 1]}") | ${healthy_threads[round - 1]} / ${hung_threads[round - 1]} | ${to_503[round - 1]} | ${timeout_ms[round - 1]} | ${gap_503[round - 1]} | ${to_200[round - 1]} | ${hung_reqs[round - 1]} (${hung_non2xx[round - 1]}) |"
    done
    echo "| median | $(fmt_ms "$med_healthy") | $(fmt_ms "$med_hung") | $p99_ratio | | $(fmt_int "$(median "${healthy_rps[@]}")") / $(fmt_int "$(median "${hung_rps[@]}")") | | $med_503 | | | $med_200 | |"
    echo
    echo "Limits: where in the loop's period a fault or a recovery lands decides the transition time (a fault: from the"
    echo "probe deadline to interval + deadline; a recovery: from at once, when a probe call is in flight, to one"
    echo "interval). Each lands at a random phase, so a few rounds show a spread and the goal is checked on the slowest;"
    echo "the 50 ms polling adds up to 50 ms (plus a curl start) to each."
    if ((HANG_SLOW)); then
      echo
      echo "### A hung non-critical probe"
      echo
      echo "The service above also runs \`command:slow\`, a command probe with \`Critical\` false and \`Timeout\` $HEALTH_INTERVAL (the"
      echo "whole interval). In each round (after the healthy run in odd rounds, before it in even ones) its script hangs"
      echo "(\`exec sleep 600\`) on every call until the service kills its process group at the deadline, so a call of it is"
      echo "in flight at every moment. wrk starts once a call has timed out (the probe reports Unhealthy) and the next one is"
      echo "running, and runs ${DURATION}s; then the probe answers OK again before the round goes on. Reference: the healthy run"
      echo "of the same round, same process (where the probe answers OK at once). /health answers only 200 or 503, and wrk"
      echo "counts every status >= 400 as non-2xx: no non-2xx and no socket error means every answer was a 200. curl before /"
      echo "after: /health's code just before and just after wrk."
      echo
      echo "| Round | healthy p99 ms | p99 ms, probe hung | ratio | healthy / hung max ms | healthy / hung req/s | healthy / hung threads | flag to timed out s | requests (non-2xx, socket errors) | curl before / after |"
      echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
      for ((round = 1; round <= HANG_ROUNDS; round++)); do
        echo "| $round | $(fmt_ms "${healthy_p99[round - 1]}") | $(fmt_ms "${slow_p99[round - 1]}") | $(ratio "${slow_p99[round - 1]}" "${healthy_p99[round - 1]}") | $(fmt_1 "${healthy_max[round - 1]}") / $(fmt_1 "${slow_max[round - 1]}") | $(fmt_int "${healthy_rps[round - 1]}") / $(fmt_int "${slow_rps[round - 1]}") | ${healthy_threads[round - 1]} / ${slow_threads[round - 1]} | ${slow_wait[round - 1]} | ${slow_reqs[round - 1]} (${slow_non2xx[round - 1]}, ${slow_sock[round - 1]}) | ${slow_curl[round - 1]} |"
      done
      echo "| median | $(fmt_ms "$med_healthy") | $(fmt_ms "$med_slow") | $slow_ratio $(verdict "$slow_ratio" le "$GOAL_P99") | | $(fmt_int "$(median "${healthy_rps[@]}")") / $(fmt_int "$(median "${slow_rps[@]}")") | | | $slow_total ($slow_non2xx_total, $slow_sock_total) | |"
      echo
      echo "Limits: the phase measures /health's request path while a probe call hangs and is killed each round; the"
      echo "fork of the script and the kill of its group each round cost the box a little CPU, which wrk shares."
    fi
  } >"$MD_DIR/3-hang.md"
  goal "3 hang" "/health p99 during the hang" "$(fmt_ms "$med_hung") ms" "healthy $(fmt_ms "$med_healthy") ms" "$p99_ratio" "<= $GOAL_P99" "$(verdict "$p99_ratio" le "$GOAL_P99")"
  # The polling cannot resolve better than its period: a transition exactly at the bound may read up to 50 ms late.
  local bound_polled
  bound_polled=$(awk -v b="$bound" 'BEGIN { printf "%g", b + 0.05 }')
  goal "3 hang" "fault to 503 (slowest of $HANG_ROUNDS; median $med_503 s)" "$max_503 s" "interval + deadline = $bound s" "$(ratio "$max_503" "$bound")" "<= 1 (+50 ms polling)" "$(verdict "$max_503" le "$bound_polled")"
  goal "3 hang" "recovery to 200 (slowest of $HANG_ROUNDS; median $med_200 s)" "$max_200 s" "interval + deadline = $bound s" "$(ratio "$max_200" "$bound")" "<= 1 (+50 ms polling)" "$(verdict "$max_200" le "$bound_polled")"
  if ((HANG_SLOW)); then
    goal "3 hang" "/health p99 with a hung non-critical probe" "$(fmt_ms "$med_slow") ms" "healthy $(fmt_ms "$med_healthy") ms" "$slow_ratio" "<= $GOAL_P99" "$(verdict "$slow_ratio" le "$GOAL_P99")"
    local others=$((slow_non2xx_total + slow_sock_total + slow_curl_bad))
    goal "3 hang" "answers other than 200 with a hung non-critical probe ($slow_total wrk requests: $slow_non2xx_total non-2xx, $slow_sock_total socket errors; curl checks: $slow_curl_bad not 200)" "$others" "0" "n/a" "0" "$( ((others == 0)) && echo PASS || echo MISS)"
  fi
}
