# shellcheck shell=bash
# Section 1, "throughput": GET /health with every kind of probe configured (memory, CPU, disk, a real PostgreSQL, a
# loopback HTTP dependency) against the bare Kestrel app, in three wrk modes: 64 keep-alive connections,
# `Connection: close` (a new TCP connection per request) and a single connection. The service is the native
# executable (what ships); with JIT_THROUGHPUT=1 its JIT build (service-jit) is measured beside it, for comparison.
# Rounds are interleaved (every mode, every target, the order rotating); medians over the rounds; goal per mode:
# service throughput >= 0.9 x bare, service p99 <= 1.2 x bare.

TP_MODES=(keepalive close single)

tp_mode_title() {
  case $1 in
    keepalive) echo "keep-alive, $CONNECTIONS connections" ;;
    close) echo "\`Connection: close\`, $CONNECTIONS connections" ;;
    single) echo "keep-alive, 1 connection" ;;
  esac
}

# tp_wrk LABEL SECONDS MODE PORT: one wrk run in that mode.
tp_wrk() {
  local label=$1 seconds=$2 mode=$3 port=$4 url="http://127.0.0.1:$4/health"
  case $mode in
    keepalive) wrk_run "$label" "$seconds" "$THREADS" "$CONNECTIONS" "$url" ;;
    close) wrk_run "$label" "$seconds" "$THREADS" "$CONNECTIONS" "$url" -H 'Connection: close' ;;
    single) wrk_run "$label" "$seconds" 1 1 "$url" ;;
  esac
}

# tp_slash FORMAT ARRAY: "a / b / c", the figure of each target in the current mode from one of section_throughput's
# arrays of medians or totals (read through bash's dynamic scope: targets, mode and the array).
tp_slash() {
  local t ref out=""
  for t in "${targets[@]}"; do
    ref="$2[$mode,$t]"
    out+="${out:+ / }$("$1" "${!ref}")"
  done
  echo "$out"
}

section_throughput() {
  local targets=(bare service)
  ((JIT_THROUGHPUT)) && targets+=(service-jit)
  local n=${#targets[@]}
  log "== section throughput: wrk, ${#TP_MODES[@]} modes x $ROUNDS rounds x $n targets (${targets[*]}) x ${DURATION}s"
  local -A port=() pid=()
  local target
  for target in "${targets[@]}"; do
    free_port
    port[$target]=$PORT
    start_app "$target" "tp-$target" "${port[$target]}"
    pid[$target]=$LAST_PID
  done
  for target in "${targets[@]}"; do
    wait_status "tp-$target" "${pid[$target]}" "http://127.0.0.1:${port[$target]}/health" 200 "$READY_TIMEOUT"
    [[ $target == bare ]] || require_probes_healthy "tp-$target" "${port[$target]}"
  done

  local -A rps=() p50=() p99=() non2xx=() sock=()
  local mode round i k close_warmup
  # JIT tiering needs a warm-up (the bare app and service-jit); the close mode also warms the connection set-up path.
  close_warmup=$(((WARMUP + 2) / 3))
  for target in "${targets[@]}"; do
    log "warm-up $target: ${WARMUP}s keep-alive, ${close_warmup}s close"
    tp_wrk "tp-warmup-$target-keepalive" "$WARMUP" keepalive "${port[$target]}"
    tp_wrk "tp-warmup-$target-close" "$close_warmup" close "${port[$target]}"
  done

  for ((round = 1; round <= ROUNDS; round++)); do
    for i in "${!TP_MODES[@]}"; do
      mode=${TP_MODES[$i]}
      # Rotate which target goes first, by round and by mode, so none always meets a cooler machine.
      for ((k = 0; k < n; k++)); do
        target=${targets[(k + round + i) % n]}
        log "throughput round $round/$ROUNDS, $mode: $target (${DURATION}s)"
        tp_wrk "tp-r$round-$mode-$target" "$DURATION" "$mode" "${port[$target]}"
        alive "${pid[$target]}" || die 1 "$target died during throughput round $round ($mode)"
        rps[$mode,$target,$round]=$W_RPS
        p50[$mode,$target,$round]=$W_P50
        p99[$mode,$target,$round]=$W_P99
        non2xx[$mode,$target,$round]=$W_NON2XX
        sock[$mode,$target,$round]=$W_SOCK
      done
    done
  done
  local probes_after
  probes_after=$(probe_statuses "${port[service]}")
  for target in "${targets[@]}"; do
    stop_proc "${pid[$target]}"
  done

  # Medians, ratios, goals.
  local -A med_rps=() med_p99=() med_p50=() tot_non2xx=() tot_sock=()
  local values_rps values_p99 values_p50 values_non2xx values_sock
  for mode in "${TP_MODES[@]}"; do
    for target in "${targets[@]}"; do
      values_rps=() values_p99=() values_p50=() values_non2xx=() values_sock=()
      for ((round = 1; round <= ROUNDS; round++)); do
        values_rps+=("${rps[$mode,$target,$round]}")
        values_p99+=("${p99[$mode,$target,$round]}")
        values_p50+=("${p50[$mode,$target,$round]}")
        values_non2xx+=("${non2xx[$mode,$target,$round]}")
        values_sock+=("${sock[$mode,$target,$round]}")
      done
      med_rps[$mode,$target]=$(median "${values_rps[@]}")
      med_p99[$mode,$target]=$(median "${values_p99[@]}")
      med_p50[$mode,$target]=$(median "${values_p50[@]}")
      tot_non2xx[$mode,$target]=$(sum "${values_non2xx[@]}")
      tot_sock[$mode,$target]=$(sum "${values_sock[@]}")
    done
  done

  local md="$MD_DIR/1-throughput.md" tput_ratio p99_ratio all_non2xx=0 jit_cols="" jit_head="" jit_rule=""
  local jit_tput jit_p99 jit_tput_ratio jit_p99_ratio
  local tp_order="${targets[*]}"
  tp_order=${tp_order// / \/ }
  local jit_note="the JIT build is not measured here (JIT_THROUGHPUT=0)"
  if ((JIT_THROUGHPUT)); then
    jit_note="\`service-jit\` the JIT build (\`dotnet HealthService.dll\`), for comparison"
    jit_head=" service-jit req/s (ratio) | service-jit p99 ms (ratio) |"
    jit_rule=" ---: | ---: |"
  fi
  {
    echo "## 1. Throughput and latency, every probe configured"
    echo
    echo "HealthService with memory, CPU, disk, \`postgres:bench\` (a real PostgreSQL on loopback, critical) and"
    echo "\`http:dependency\` (a loopback HTTP stub, non-critical), \`Health:Interval\` $HEALTH_INTERVAL, against the bare"
    echo "Kestrel app. \`service\` is the native executable (what ships; the goals are its), $jit_note. wrk \`-t$THREADS\` (1 thread in the"
    echo "single-connection mode), ${DURATION}s per run, $ROUNDS interleaved rounds (every mode, every target, rotating which"
    echo "goes first), ${WARMUP}s warm-up per target; medians."
    echo
    echo "| Mode | bare req/s | service req/s | ratio (goal >= $GOAL_THROUGHPUT) | bare p99 ms | service p99 ms | ratio (goal <= $GOAL_P99) |$jit_head p50 ms ($tp_order) | non-2xx ($tp_order) | socket errors ($tp_order) |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |$jit_rule ---: | ---: | ---: |"
    for mode in "${TP_MODES[@]}"; do
      tput_ratio=$(ratio "${med_rps[$mode,service]}" "${med_rps[$mode,bare]}")
      p99_ratio=$(ratio "${med_p99[$mode,service]}" "${med_p99[$mode,bare]}")
      jit_cols="" jit_tput="" jit_p99=""
      if ((JIT_THROUGHPUT)); then
        jit_tput_ratio=$(ratio "${med_rps[$mode,service-jit]}" "${med_rps[$mode,bare]}")
        jit_p99_ratio=$(ratio "${med_p99[$mode,service-jit]}" "${med_p99[$mode,bare]}")
        jit_tput=$(jit_cell "$(fmt_int "${med_rps[$mode,service-jit]}")" "$jit_tput_ratio" ge "$GOAL_THROUGHPUT")
        jit_p99=$(jit_cell "$(fmt_ms "${med_p99[$mode,service-jit]}") ms" "$jit_p99_ratio" le "$GOAL_P99")
        jit_cols=" $(fmt_int "${med_rps[$mode,service-jit]}") ($jit_tput_ratio) | $(fmt_ms "${med_p99[$mode,service-jit]}") ($jit_p99_ratio) |"
      fi
      echo "| $(tp_mode_title "$mode") | $(fmt_int "${med_rps[$mode,bare]}") | $(fmt_int "${med_rps[$mode,service]}") | $tput_ratio $(verdict "$tput_ratio" ge "$GOAL_THROUGHPUT") | $(fmt_ms "${med_p99[$mode,bare]}") | $(fmt_ms "${med_p99[$mode,service]}") | $p99_ratio $(verdict "$p99_ratio" le "$GOAL_P99") |$jit_cols $(tp_slash fmt_ms med_p50) | $(tp_slash echo tot_non2xx) | $(tp_slash echo tot_sock) |"
      goal "1 throughput" "$(tp_mode_title "$mode"): requests/s" "$(fmt_int "${med_rps[$mode,service]}")" "bare $(fmt_int "${med_rps[$mode,bare]}")" "$tput_ratio" ">= $GOAL_THROUGHPUT" "$(verdict "$tput_ratio" ge "$GOAL_THROUGHPUT")" "$jit_tput"
      goal "1 throughput" "$(tp_mode_title "$mode"): p99" "$(fmt_ms "${med_p99[$mode,service]}") ms" "bare $(fmt_ms "${med_p99[$mode,bare]}") ms" "$p99_ratio" "<= $GOAL_P99" "$(verdict "$p99_ratio" le "$GOAL_P99")" "$jit_p99"
      for target in "${targets[@]}"; do
        all_non2xx=$((all_non2xx + ${tot_non2xx[$mode,$target]}))
      done
    done
    echo
    echo "Service probes after the last round: \`${probes_after:-no answer}\`."
    echo
    echo "<details><summary>Per round</summary>"
    echo
    echo "| Round | Mode | Target | req/s | p50 ms | p99 ms | non-2xx | socket errors |"
    echo "| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: |"
    for ((round = 1; round <= ROUNDS; round++)); do
      for mode in "${TP_MODES[@]}"; do
        for target in "${targets[@]}"; do
          echo "| $round | $mode | $target | $(fmt_int "${rps[$mode,$target,$round]}") | $(fmt_ms "${p50[$mode,$target,$round]}") | $(fmt_ms "${p99[$mode,$target,$round]}") | ${non2xx[$mode,$target,$round]} | ${sock[$mode,$target,$round]} |"
        done
      done
    done
    echo
    echo "</details>"
    echo
    echo "Limits: wrk and the servers share the same cores and loopback, so each figure is as much wrk's as the"
    echo "server's, and the ratio only holds for this machine's balance between them; p99 in the single-connection mode"
    echo "is a few hundred microseconds, where scheduler noise dominates. In the close mode every request pays a TCP handshake"
    echo "and teardown, which dwarfs the handler."
  } >"$md"
  if ((all_non2xx > 0)); then
    goal "1 throughput" "non-2xx answers under load (all modes)" "$all_non2xx" "0" "n/a" "0" "MISS"
  else
    goal "1 throughput" "non-2xx answers under load (all modes)" "0" "0" "n/a" "0" "PASS"
  fi
}
