# shellcheck shell=bash
# Section 7, "probe": the CPU time of one container health check. The image's HEALTHCHECK runs
# `/app/HealthService probe --path /health/live` every 10 s; here the native executable runs that command against a
# running native service (default probes), PROBE_RUNS times, and beside it the JIT form
# (`dotnet HealthService.dll probe --path /health/live`), interleaved, after one untimed run of each (page cache).
# Per run: the probe's user + system CPU time (getrusage of the waited-for child, through bash's `times`, all its
# threads included) and its wall time. Medians. Goal: the native probe <= 40 ms CPU per health check.

PROBE_FORMS=(service service-jit)

# probe_once FORM PORT LABEL: one health check by FORM's probe command; sets P_CPU_MS, P_WALL_MS, P_STATUS (its exit
# code) and P_LINE (what it printed). The command finds the service as in the container, from the listen address in
# its environment (ASPNETCORE_URLS here, ASPNETCORE_HTTP_PORTS there).
probe_once() {
  local form=$1 port=$2 label=$3 out start end
  local file="$OUT_DIR/raw/$label.txt"
  app_command "$form"
  start=${EPOCHREALTIME/./}
  # $(...) is a subshell whose only child is the probe: `times` prints the subshell's own CPU time, then its waited-
  # for children's (user and system, from getrusage, to the millisecond), after the exit code.
  out=$(
    # No `timeout` wrapper (its CPU would count): the probe's own 2 s deadline bounds it.
    env ASPNETCORE_ENVIRONMENT=Production DOTNET_NOLOGO=1 "ASPNETCORE_URLS=http://127.0.0.1:$port" \
      "${APP_CMD[@]}" probe --path /health/live >"$file" 2>&1
    echo "$?"
    times
  )
  end=${EPOCHREALTIME/./}
  P_STATUS=$(sed -n 1p <<<"$out")
  P_CPU_MS=$(sed -n 3p <<<"$out" | awk '
    function s(t,   m) { m = t; sub(/m.*/, "", m); sub(/^[0-9]+m/, "", t); sub(/s$/, "", t); return m * 60 + t }
    NF == 2 { printf "%.1f", (s($1) + s($2)) * 1000; ok = 1 } END { if (!ok) print "n/a" }')
  P_WALL_MS=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", (b - a) / 1000 }')
  P_LINE=$(head -n 1 "$file" | cut -c1-160)
}

section_probe() {
  log "== section probe: $PROBE_RUNS health checks by each probe command (${PROBE_FORMS[*]})"
  local port pid form round i n=${#PROBE_FORMS[@]}
  free_port
  port=$PORT
  start_app service:defaults probe-service "$port"
  pid=$LAST_PID
  wait_status probe-service "$pid" "http://127.0.0.1:$port/health/live" 200 "$READY_TIMEOUT"

  local -A cpu=() wall=() line=()
  local failed=0
  for form in "${PROBE_FORMS[@]}"; do
    probe_once "$form" "$port" "probe-$form-warmup"
  done
  for ((round = 1; round <= PROBE_RUNS; round++)); do
    for ((i = 0; i < n; i++)); do
      form=${PROBE_FORMS[(i + round) % n]}
      probe_once "$form" "$port" "probe-$form-r$round"
      cpu[$form,$round]=$P_CPU_MS
      wall[$form,$round]=$P_WALL_MS
      line[$form]=$P_LINE
      if [[ $P_STATUS != 0 || $P_CPU_MS == n/a ]]; then
        failed=$((failed + 1))
        invalid "probe: $form's probe command exited ${P_STATUS:-?} (run $round): ${P_LINE:-no output}"
      fi
    done
  done
  alive "$pid" || die 1 "the service died during the probe section"
  stop_proc "$pid"

  local -A m_cpu=() m_wall=() max_cpu=()
  local values_cpu values_wall
  for form in "${PROBE_FORMS[@]}"; do
    values_cpu=() values_wall=()
    for ((round = 1; round <= PROBE_RUNS; round++)); do
      values_cpu+=("${cpu[$form,$round]}")
      values_wall+=("${wall[$form,$round]}")
    done
    m_cpu[$form]=$(median "${values_cpu[@]}")
    m_wall[$form]=$(median "${values_wall[@]}")
    max_cpu[$form]=$(max "${values_cpu[@]}")
  done

  local r
  r=$(ratio "${m_cpu[service]}" "$GOAL_PROBE_CPU_MS")
  {
    echo "## 7. The probe command"
    echo
    echo "The image's HEALTHCHECK: \`/app/HealthService probe --path /health/live\`, a process per health check (every 10 s"
    echo "by default). Here: \`service\`, the native executable, and \`service-jit\`, the same command through the dotnet host"
    echo "(\`dotnet HealthService.dll probe --path /health/live\`), each run $PROBE_RUNS times, interleaved (after one untimed"
    echo "run each), against the native service with its default probes on loopback, found from \`ASPNETCORE_URLS\` as in"
    echo "the container from \`ASPNETCORE_HTTP_PORTS\`. CPU: user + system time of the probe process, all threads, from"
    echo "getrusage (bash's \`times\` of a subshell whose only child it is); wall: fork to exit. Medians. Goal: the native"
    echo "probe <= $GOAL_PROBE_CPU_MS ms CPU per health check."
    echo
    echo "| Probe command | CPU ms (median) | CPU ms (max) | wall ms (median) | what it printed (last run) |"
    echo "| --- | ---: | ---: | ---: | --- |"
    for form in "${PROBE_FORMS[@]}"; do
      echo "| $form | $(fmt_1 "${m_cpu[$form]}") | $(fmt_1 "${max_cpu[$form]}") | $(fmt_1 "${m_wall[$form]}") | \`${line[$form]:-}\` |"
    done
    echo
    echo "<details><summary>Per run (CPU ms / wall ms)</summary>"
    echo
    echo "| Run | $(printf '%s | ' "${PROBE_FORMS[@]}" | sed 's/ | $//') |"
    echo "| ---: |$(printf ' ---: |%.0s' "${PROBE_FORMS[@]}")"
    for ((round = 1; round <= PROBE_RUNS; round++)); do
      printf '| %s |' "$round"
      for form in "${PROBE_FORMS[@]}"; do
        printf ' %s / %s |' "${cpu[$form,$round]}" "${wall[$form,$round]}"
      done
      echo
    done
    echo
    echo "</details>"
    echo
    echo "Limits: the CPU time is the kernel's accounting of the process (exact in total; its split between user and"
    echo "system is estimated); what the container runtime spends to start the process (namespaces, cgroup) is not in"
    echo "it. Failed runs: $failed."
  } >"$MD_DIR/7-probe.md"
  goal "7 probe" "CPU time of the probe command per health check" "$(fmt_1 "${m_cpu[service]}") ms" "limit $GOAL_PROBE_CPU_MS ms" \
    "$r" "<= $GOAL_PROBE_CPU_MS ms" "$(verdict "${m_cpu[service]}" le "$GOAL_PROBE_CPU_MS")" \
    "$(jit_cell "$(fmt_1 "${m_cpu[service-jit]}") ms" "$(ratio "${m_cpu[service-jit]}" "$GOAL_PROBE_CPU_MS")" le 1)"
}
