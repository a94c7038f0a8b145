# shellcheck shell=bash
# Section 4, "startup": each variant (the bare app, the service as shipped, and the service published ReadyToRun
# or Native AOT when that publish works) is started STARTUP_ROUNDS times, interleaved. Per start: time from the
# process start to the first 200 on /health (polled every 10 ms; for the service that includes its first probe
# round, PostgreSQL and HTTP dependency included), VmRSS at ready, VmRSS after LOAD_SECONDS of wrk, and the peak
# (VmHWM). Medians. Goals for the service: start-up <= 1.3 x bare, memory <= bare + 30 MiB.

# Filled by run.sh's publish step: the variants to measure and what their publish said.
STARTUP_VARIANTS=(bare service)
declare -A PUBLISH_NOTE=()

# st_one VARIANT ROUND: one start; sets S_ANSWER_MS (first HTTP answer of any status: Kestrel listens; for the
# service, 503 Starting until its first probe round is done), S_READY_MS (first 200), S_RSS_READY, S_RSS_LOAD and
# S_HWM (MiB).
st_one() {
  local variant=$1 round=$2 port pid url name code="" deadline now answered=""
  free_port
  port=$PORT
  url="http://127.0.0.1:$port/health"
  name="st-$variant-r$round"
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
  # Every variant must serve with its dependency probes working, not merely answer 200.
  [[ $variant == service* ]] && require_probes_healthy "$name" "$port"
  wrk_run "$name-load" "$LOAD_SECONDS" "$THREADS" "$CONNECTIONS" "$url"
  ((W_NON2XX == 0)) || invalid "startup: $variant answered $W_NON2XX non-2xx under load (round $round)"
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
      log "startup round $round/$STARTUP_ROUNDS $variant: first answer ${S_ANSWER_MS} ms, 200 in ${S_READY_MS} ms, RSS ${S_RSS_READY} MiB ready, ${S_RSS_LOAD} after load, peak ${S_HWM}"
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
    echo "Each variant started $STARTUP_ROUNDS times, interleaved (the order rotates every round). Start-up: from the process"
    echo "start to the first \`200\` on /health, polled every 10 ms with curl (the service's first 200 needs its first"
    echo "probe round: PostgreSQL and the HTTP dependency included; before that it answers \`503 Starting\`, so \"first"
    echo "answer\" is when Kestrel listens). Memory: VmRSS at ready, VmRSS after ${LOAD_SECONDS}s of"
    echo "wrk \`-t$THREADS -c$CONNECTIONS\`, and the peak (VmHWM). Medians. Goals: start-up <= $GOAL_STARTUP x bare, memory"
    echo "<= bare + $GOAL_MEMORY_MIB MiB."
    echo
    echo "| Variant | first answer ms | start-up (first 200) ms | ratio to bare | RSS at ready MiB | after load MiB | peak MiB | minus bare (ready / load / peak) MiB |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    for variant in "${STARTUP_VARIANTS[@]}"; do
      r=$(ratio "${m_ready[$variant]}" "${m_ready[bare]}")
      dr=$(diff_of "${m_rss[$variant]}" "${m_rss[bare]}")
      dl=$(diff_of "${m_load[$variant]}" "${m_load[bare]}")
      dh=$(diff_of "${m_hwm[$variant]}" "${m_hwm[bare]}")
      echo "| $variant | $(fmt_1 "${m_answer[$variant]}") | $(fmt_1 "${m_ready[$variant]}") | $r | $(fmt_1 "${m_rss[$variant]}") | $(fmt_1 "${m_load[$variant]}") | $(fmt_1 "${m_hwm[$variant]}") | $dr / $dl / $dh |"
      [[ $variant == bare ]] && continue
      goal "4 startup" "$variant: start-up to the first 200" "$(fmt_1 "${m_ready[$variant]}") ms" "bare $(fmt_1 "${m_ready[bare]}") ms" "$r" "<= $GOAL_STARTUP" "$(verdict "$r" le "$GOAL_STARTUP")"
      goal "4 startup" "$variant: RSS at ready" "$(fmt_1 "${m_rss[$variant]}") MiB" "bare $(fmt_1 "${m_rss[bare]}") MiB" "$dr MiB" "<= +$GOAL_MEMORY_MIB MiB" "$(verdict "$dr" le "$GOAL_MEMORY_MIB")"
      goal "4 startup" "$variant: RSS after load" "$(fmt_1 "${m_load[$variant]}") MiB" "bare $(fmt_1 "${m_load[bare]}") MiB" "$dl MiB" "<= +$GOAL_MEMORY_MIB MiB" "$(verdict "$dl" le "$GOAL_MEMORY_MIB")"
      goal "4 startup" "$variant: peak RSS (VmHWM)" "$(fmt_1 "${m_hwm[$variant]}") MiB" "bare $(fmt_1 "${m_hwm[bare]}") MiB" "$dh MiB" "<= +$GOAL_MEMORY_MIB MiB" "$(verdict "$dh" le "$GOAL_MEMORY_MIB")"
    done
    echo
    echo "Publishing:"
    echo
    for variant in service-r2r service-aot; do
      [[ -n ${PUBLISH_NOTE[$variant]:-} ]] && echo "- \`$variant\`: ${PUBLISH_NOTE[$variant]}"
    done
    echo
    echo "<details><summary>Per start</summary>"
    echo
    echo "| Round | Variant | first answer ms | start-up ms | RSS at ready MiB | after load MiB | peak MiB |"
    echo "| ---: | --- | ---: | ---: | ---: | ---: | ---: |"
    for ((round = 1; round <= STARTUP_ROUNDS; round++)); do
      for variant in "${STARTUP_VARIANTS[@]}"; do
        echo "| $round | $variant | ${answer[$variant,$round]} | ${ready[$variant,$round]} | ${rss_ready[$variant,$round]} | ${rss_load[$variant,$round]} | ${hwm[$variant,$round]} |"
      done
    done
    echo
    echo "</details>"
    echo
    echo "Limits: start-up is dominated by the runtime loading and JIT-compiling on a shared 2-core machine, so other"
    echo "work on the box moves it by tens of percent; the 10 ms polling (a curl start each) adds up to ~20 ms to every"
    echo "start. RSS counts shared pages of the runtime mapped by each process. Both apps use the server GC that web"
    echo "projects default to, whose heap size follows the core count."
  } >"$MD_DIR/4-startup.md"
}

# --- publishing the variants (called by run.sh when the section runs) ------------------------------------------------
# ReadyToRun: precompiled code for the service's own assemblies and its NuGet dependencies (the shared framework
# is ReadyToRun already); needs the runtime pack and crossgen2 from NuGet. Native AOT: one native executable;
# needs the ILCompiler package and a C toolchain, and the code must be trim- and AOT-safe.
publish_startup_variants() {
  local warnings
  if ((R2R)); then
    if publish service-r2r src/HealthService -r linux-x64 --self-contained false -p:PublishReadyToRun=true; then
      warnings=$(build_warnings "$OUT_DIR/logs/publish-service-r2r.log")
      [[ -n $warnings ]] && warnings="warnings $(codes_in warning "$warnings")" || warnings="no warning"
      STARTUP_VARIANTS+=(service-r2r)
      PUBLISH_NOTE[service-r2r]="\`dotnet publish -r linux-x64 --self-contained false -p:PublishReadyToRun=true\` succeeded with $warnings; $(du -sm "$OUT_DIR/publish/service-r2r" | cut -f1) MiB published against $(du -sm "$OUT_DIR/publish/service" | cut -f1) MiB (JIT)."
    else
      PUBLISH_NOTE[service-r2r]="\`dotnet publish -p:PublishReadyToRun=true\` failed: $({ grep -m1 -E 'error' "$OUT_DIR/logs/publish-service-r2r.log" || true; } | sed 's/ \[.*//' | cut -c1-300)"
    fi
    log "R2R: ${PUBLISH_NOTE[service-r2r]}"
  fi
  if ((AOT)); then
    publish_aot
    log "AOT: ${PUBLISH_NOTE[service-aot]}"
  fi
}

# codes_in KIND TEXT: the distinct diagnostic codes of KIND (error or warning) in TEXT, comma-separated.
codes_in() { { grep -oE "$1 [A-Z]+[0-9]+" <<<"$2" || true; } | awk '{ print $2 }' | sort -u | paste -sd, - | sed 's/,/, /g'; }

# sources_in TEXT: which files, assemblies or tools the diagnostics in TEXT come from, comma-separated.
sources_in() {
  { grep -oE '[A-Za-z.]+\.dll : (warning|error)|ILC : (warning|error)|[A-Za-z]+\.cs\([0-9,]+\): (warning|error)' <<<"$1" || true; } |
    sed -E 's/ : (warning|error)|: (warning|error)|\([0-9,]+\)//g; s/^ILC$/ILC (the AOT compiler)/' | sort -u | paste -sd, - | sed 's/,/, /g'
}

publish_aot() {
  local log_strict="$OUT_DIR/logs/publish-service-aot-strict.log" errors warnings
  # First with the repository's settings (warnings are errors).
  if publish service-aot-strict src/HealthService -r linux-x64 -p:PublishAot=true; then
    rm -rf "$OUT_DIR/publish/service-aot"
    mv "$OUT_DIR/publish/service-aot-strict" "$OUT_DIR/publish/service-aot"
    cp "$log_strict" "$OUT_DIR/logs/publish-service-aot.log"
    PUBLISH_NOTE[service-aot]="\`-r linux-x64 -p:PublishAot=true\` builds under the repository's TreatWarningsAsErrors"
    return 0
  fi
  errors=$({ grep -E ': error [A-Z]+[0-9]+' "$log_strict" || true; } | sed -E 's/ \[[^]]*\]$//' | sort -u)
  # Then with warnings allowed, to learn whether it builds at all and whether the binary works.
  if publish service-aot src/HealthService -r linux-x64 -p:PublishAot=true -p:TreatWarningsAsErrors=false; then
    warnings=$(build_warnings "$OUT_DIR/logs/publish-service-aot.log")
    PUBLISH_NOTE[service-aot]="\`-r linux-x64 -p:PublishAot=true\` fails under the repository's TreatWarningsAsErrors ($(grep -c . <<<"$errors" || true) errors: $(codes_in error "$errors") in $(sources_in "$errors")); with warnings allowed it builds, with warnings $(codes_in warning "$warnings") (from $(sources_in "$warnings"))"
  else
    PUBLISH_NOTE[service-aot]="\`-r linux-x64 -p:PublishAot=true\` does not build, even with warnings allowed: $({ grep -m1 -E ': error' "$OUT_DIR/logs/publish-service-aot.log" || true; } | sed 's/ \[.*//' | cut -c1-300)"
  fi
}

# Does the AOT binary serve with every probe? Measured as a variant only if it does. Called by run.sh once the
# PostgreSQL and HTTP fixtures run.
aot_try_start() {
  local port pid code="" i status first_line statuses=""
  free_port
  port=$PORT
  start_app service-aot aot-check "$port"
  pid=$LAST_PID
  for ((i = 0; i < 150; i++)); do
    alive "$pid" || break
    code=$(http_code "http://127.0.0.1:$port/health" 1)
    [[ $code == 200 ]] && break
    sleep 0.1
  done
  [[ $code == 200 ]] && statuses=$(probe_statuses "$port")
  if [[ $statuses == *postgres:bench=Healthy* && $statuses == *http:dependency=Healthy* ]]; then
    stop_proc "$pid"
    STARTUP_VARIANTS+=(service-aot)
    PUBLISH_NOTE[service-aot]+="; the binary serves /health with every probe Healthy, so it is measured"
    return 0
  fi
  if alive "$pid"; then
    PUBLISH_NOTE[service-aot]+="; the binary runs but /health answered ${code:-nothing} (probes: ${statuses:-$(probe_statuses "$port")}): not measured"
    stop_proc "$pid"
  else
    wait "$pid" 2>/dev/null && status=0 || status=$?
    unset "PROC_NAME[$pid]"
    first_line=$(grep -m1 . "$OUT_DIR/logs/aot-check.log" | cut -c1-200)
    PUBLISH_NOTE[service-aot]+="; the binary exits at once with code $status (\`$first_line\`): not measured"
  fi
}
