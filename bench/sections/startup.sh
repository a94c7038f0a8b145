# shellcheck shell=bash
# Section 4, "startup": the bare app and the service, the service in two configurations (the repository's defaults:
# memory, CPU and disk probes, nothing else configured; and with the PostgreSQL and HTTP probes too), each as it
# ships (the native executable) and as the JIT build (`dotnet HealthService.dll`, for comparison). Each variant is
# started STARTUP_ROUNDS times, interleaved. Per start: time from the process start to the first 200 on /health
# (polled every 10 ms; for the service that includes its first probe round, PostgreSQL and HTTP dependency included
# when configured), VmRSS at ready, VmRSS after LOAD_SECONDS of wrk, and the peak (VmHWM). Medians. Goals for the
# native service: start-up <= 0.5 x bare with the default probes, <= 0.7 x bare with PostgreSQL and HTTP probes;
# RSS after load <= bare's.

# The variants, in start_app's terms: the service's native executable and its JIT build, each with the default probes
# (":defaults") and with every probe.
STARTUP_VARIANTS=(bare service:defaults service service-jit:defaults service-jit)

# The variant's name in the report.
st_label() {
  case $1 in
    *:defaults) echo "${1%:defaults}, default probes" ;;
    service*) echo "$1, PostgreSQL + HTTP probes" ;;
    *) echo "$1" ;;
  esac
}

# st_one VARIANT ROUND: one start; sets S_ANSWER_MS (first HTTP answer of any status: Kestrel listens; for the
# service, 503 Starting until its first probe round is done), S_READY_MS (first 200), S_RSS_READY, S_RSS_LOAD and
# S_HWM (MiB).
st_one() {
  local variant=$1 round=$2 port pid url name code="" deadline now answered=""
  free_port
  port=$PORT
  url="http://127.0.0.1:$port/health"
  name="st-${variant/:/-}-r$round"
  start_app "$variant" "$name" "$port"
  pid=$LAST_PID
  deadline=$((START_US + READY_TIMEOUT * 1000000))
  while :; do
    code=$(http_code "$url" 1)
    now=${EPOCHREALTIME/./}
    [[ -z $answered && $code != 000 ]] && answered=$now
    [[ $code == 200 ]] && break
    alive "$pid" || {
      tail -n 20 "$OUT_DIR/logs/$name.log" >&2
      die 3 "$variant exited during start-up (round $round)"
    }
    ((now < deadline)) || die 3 "$variant did not answer 200 within ${READY_TIMEOUT}s (round $round, last: $code)"
    sleep 0.01
  done
  S_READY_MS=$(awk -v a="$START_US" -v b="$now" 'BEGIN { printf "%.1f", (b - a) / 1000 }')
  S_ANSWER_MS=$(awk -v a="$START_US" -v b="$answered" 'BEGIN { printf "%.1f", (b - a) / 1000 }')
  S_RSS_READY=$(mem_mib "$pid" VmRSS)
  # With its dependency probes configured, the service must serve with them working, not merely answer 200.
  [[ $variant == service || $variant == service-jit ]] && require_probes_healthy "$name" "$port"
  wrk_run "$name-load" "$LOAD_SECONDS" "$THREADS" "$CONNECTIONS" "$url"
  ((W_NON2XX == 0)) || invalid "startup: $(st_label "$variant") answered $W_NON2XX non-2xx under load (round $round)"
  S_RSS_LOAD=$(mem_mib "$pid" VmRSS)
  S_HWM=$(mem_mib "$pid" VmHWM)
  stop_proc "$pid"
}

section_startup() {
  local n=${#STARTUP_VARIANTS[@]}
  log "== section startup: ${STARTUP_VARIANTS[*]}, $STARTUP_ROUNDS rounds, ${LOAD_SECONDS}s load each"
  local -A answer=() ready=() rss_ready=() rss_load=() hwm=()
  local round i variant
  for ((round = 1; round <= STARTUP_ROUNDS; round++)); do
    # Rotate the order every round, so that no variant always starts first (cold caches) or last.
    for ((i = 0; i < n; i++)); do
      variant=${STARTUP_VARIANTS[(i + round - 1) % n]}
      st_one "$variant" "$round"
      log "startup round $round/$STARTUP_ROUNDS $(st_label "$variant"): first answer ${S_ANSWER_MS} ms, 200 in ${S_READY_MS} ms, RSS ${S_RSS_READY} MiB ready, ${S_RSS_LOAD} after load, peak ${S_HWM}"
      ready[$variant,$round]=$S_READY_MS
      answer[$variant,$round]=$S_ANSWER_MS
      rss_ready[$variant,$round]=$S_RSS_READY
      rss_load[$variant,$round]=$S_RSS_LOAD
      hwm[$variant,$round]=$S_HWM
    done
  done

  local -A m_answer=() m_ready=() m_rss=() m_load=() m_hwm=()
  local a b c d e
  for variant in "${STARTUP_VARIANTS[@]}"; do
    a=() b=() c=() d=() e=()
    for ((round = 1; round <= STARTUP_ROUNDS; round++)); do
      e+=("${answer[$variant,$round]}")
      a+=("${ready[$variant,$round]}")
      b+=("${rss_ready[$variant,$round]}")
      c+=("${rss_load[$variant,$round]}")
      d+=("${hwm[$variant,$round]}")
    done
    m_answer[$variant]=$(median "${e[@]}")
    m_ready[$variant]=$(median "${a[@]}")
    m_rss[$variant]=$(median "${b[@]}")
    m_load[$variant]=$(median "${c[@]}")
    m_hwm[$variant]=$(median "${d[@]}")
  done

  local r dr dl dh
  {
    echo "## 4. Start-up and memory"
    echo
    echo "\`service\` is what ships: the native executable of \`dotnet publish\` (Native AOT). \`service-jit\` is the same code"
    echo "built for the JIT (\`dotnet HealthService.dll\`, framework-dependent), for comparison. Each runs with the default"
    echo "probes (the repository's appsettings.json: memory, CPU and disk, nothing else configured) and with the PostgreSQL"
    echo "and HTTP probes as well (and \`/health/details\` on its local listener, to check them). Each variant started"
    echo "$STARTUP_ROUNDS times, interleaved (the order rotates every round). Start-up: from the process start to the first"
    echo "\`200\` on /health, polled every 10 ms with curl (the service's first 200 needs its first probe round, PostgreSQL"
    echo "and the HTTP dependency included when configured; before that it answers \`503 Starting\`, so \"first answer\" is"
    echo "when Kestrel listens). Memory: VmRSS at ready, VmRSS after ${LOAD_SECONDS}s of wrk \`-t$THREADS -c$CONNECTIONS\`, and"
    echo "the peak (VmHWM). Medians. Goals for \`service\`: start-up <= $GOAL_STARTUP_DEFAULTS x bare with the default"
    echo "probes and <= $GOAL_STARTUP_DEPENDENCIES x bare with PostgreSQL + HTTP probes; RSS after load <= bare's."
    echo
    echo "| Variant | first answer ms | start-up (first 200) ms | ratio to bare | RSS at ready MiB | after load MiB | peak MiB | minus bare (ready / load / peak) MiB |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    for variant in "${STARTUP_VARIANTS[@]}"; do
      r=$(ratio "${m_ready[$variant]}" "${m_ready[bare]}")
      dr=$(diff_of "${m_rss[$variant]}" "${m_rss[bare]}")
      dl=$(diff_of "${m_load[$variant]}" "${m_load[bare]}")
      dh=$(diff_of "${m_hwm[$variant]}" "${m_hwm[bare]}")
      echo "| $(st_label "$variant") | $(fmt_1 "${m_answer[$variant]}") | $(fmt_1 "${m_ready[$variant]}") | $r | $(fmt_1 "${m_rss[$variant]}") | $(fmt_1 "${m_load[$variant]}") | $(fmt_1 "${m_hwm[$variant]}") | $dr / $dl / $dh |"
    done
    echo
    echo "<details><summary>Per start</summary>"
    echo
    echo "| Round | Variant | first answer ms | start-up ms | RSS at ready MiB | after load MiB | peak MiB |"
    echo "| ---: | --- | ---: | ---: | ---: | ---: | ---: |"
    for ((round = 1; round <= STARTUP_ROUNDS; round++)); do
      for variant in "${STARTUP_VARIANTS[@]}"; do
        echo "| $round | $(st_label "$variant") | ${answer[$variant,$round]} | ${ready[$variant,$round]} | ${rss_ready[$variant,$round]} | ${rss_load[$variant,$round]} | ${hwm[$variant,$round]} |"
      done
    done
    echo
    echo "</details>"
    echo
    echo "Limits: the bare app's and the JIT build's start-up is dominated by the runtime loading and JIT-compiling on a"
    echo "shared 2-core machine, so other work on the box moves it by tens of percent; the 10 ms polling (a curl start"
    echo "each) adds up to ~20 ms to every start, a larger share of the native executable's. RSS counts shared pages of"
    echo "the runtime mapped by each process. Every app uses the server GC that web projects default to, whose heap size"
    echo "follows the core count."
  } >"$MD_DIR/4-startup.md"

  # The goals, for the native executable; the JIT build's figure and ratio beside each.
  local config native jit title limit
  for config in defaults dependencies; do
    if [[ $config == defaults ]]; then
      native=service:defaults jit=service-jit:defaults title="default probes" limit=$GOAL_STARTUP_DEFAULTS
    else
      native=service jit=service-jit title="PostgreSQL + HTTP probes" limit=$GOAL_STARTUP_DEPENDENCIES
    fi
    r=$(ratio "${m_ready[$native]}" "${m_ready[bare]}")
    goal "4 startup" "start-up to the first 200, $title" "$(fmt_1 "${m_ready[$native]}") ms" "bare $(fmt_1 "${m_ready[bare]}") ms" \
      "$r" "<= $limit" "$(verdict "$r" le "$limit")" \
      "$(jit_cell "$(fmt_1 "${m_ready[$jit]}") ms" "$(ratio "${m_ready[$jit]}" "${m_ready[bare]}")" le "$limit")"
    dl=$(diff_of "${m_load[$native]}" "${m_load[bare]}")
    goal "4 startup" "RSS after load, $title" "$(fmt_1 "${m_load[$native]}") MiB" "bare $(fmt_1 "${m_load[bare]}") MiB" \
      "$dl MiB" "<= bare (+0 MiB)" "$(verdict "$dl" le 0)" \
      "$(jit_cell "$(fmt_1 "${m_load[$jit]}") MiB" "$(diff_of "${m_load[$jit]}" "${m_load[bare]}")" le 0 " MiB")"
  done
}
