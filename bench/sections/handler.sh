# shellcheck shell=bash
# Section 5, "handler": the request-path cost of /health without sockets. bench/HandlerBenchmarks (BenchmarkDotNet,
# MemoryDiagnoser, a short in-process job) runs the service's handler (ReadinessEndpoint.HandleAsync with a
# published, fresh snapshot) and the bare app's handler on a reused DefaultHttpContext whose body is Stream.Null.
# Goal: the service's handler allocates nothing beyond the bare handler (so nothing beyond what Kestrel makes).

section_handler() {
  log "== section handler: building and running bench/HandlerBenchmarks (about a minute)"
  local dll="$OUT_DIR/artifacts/handler/bin/HandlerBenchmarks/release/HandlerBenchmarks.dll"
  local results="$OUT_DIR/raw/handler.tsv"
  timeout 900 dotnet build "$REPO_DIR/bench/HandlerBenchmarks" -c Release --artifacts-path "$OUT_DIR/artifacts/handler" \
    --nologo >"$OUT_DIR/logs/build-handler.log" 2>&1 ||
    {
      tail -n 30 "$OUT_DIR/logs/build-handler.log" >&2
      die 3 "building bench/HandlerBenchmarks failed"
    }
  [[ -f $dll ]] || die 3 "bench/HandlerBenchmarks built, but $dll is missing"
  rm -f "$results"
  (cd "$OUT_DIR" && timeout 900 dotnet "$dll" --results "$results" --artifacts "$OUT_DIR/bdn") >"$OUT_DIR/logs/handler.log" 2>&1 ||
    {
      tail -n 30 "$OUT_DIR/logs/handler.log" >&2
      die 1 "bench/HandlerBenchmarks failed"
    }

  local name median_ns mean_ns stderr_ns allocated
  local -A h_median=() h_mean=() h_err=() h_alloc=()
  while IFS=$'\t' read -r name median_ns mean_ns stderr_ns allocated; do
    h_median[$name]=$median_ns
    h_mean[$name]=$mean_ns
    h_err[$name]=$stderr_ns
    h_alloc[$name]=$allocated
  done <"$results"
  [[ -n ${h_median[bare]:-} && -n ${h_median[service]:-} ]] || die 1 "bench/HandlerBenchmarks wrote no result for bare and service ($results)"

  local time_ratio extra
  time_ratio=$(ratio "${h_median[service]}" "${h_median[bare]}")
  extra=$((${h_alloc[service]} - ${h_alloc[bare]}))
  {
    echo "## 5. Request-path cost of the handler"
    echo
    echo "BenchmarkDotNet (MemoryDiagnoser; in process, 1 launch, 5 warm-up and 20 measured iterations of ~0.5 s): one"
    echo "GET /health through each handler on a reused \`DefaultHttpContext\` whose body is \`Stream.Null\`. bare = the"
    echo "handler of bench/BareKestrel (the reference: what any Kestrel handler writing the same answer costs); service ="
    echo "\`ReadinessEndpoint.HandleAsync\` with a published, fresh snapshot of five healthy probes."
    echo
    echo "| Handler | median ns/op | mean ns/op (+- standard error) | allocated B/op |"
    echo "| --- | ---: | ---: | ---: |"
    for name in bare service; do
      echo "| $name | $(fmt_1 "${h_median[$name]}") | $(fmt_1 "${h_mean[$name]}") +- $(fmt_1 "${h_err[$name]}") | ${h_alloc[$name]} |"
    done
    echo
    echo "Time ratio service / bare: $time_ratio (no goal: a few tens of nanoseconds against the microseconds Kestrel"
    echo "spends per request, see section 1). Extra allocation of the service's handler: $extra B/op."
    echo
    echo "Limits: \`DefaultHttpContext\` is not Kestrel's own HttpContext (its header dictionary differs), so the"
    echo "absolute figures are the handler's, not a request's; the comparison holds because both handlers run on the same"
    echo "context. In process on a busy machine, nanosecond figures move by tens of percent between runs; allocations do not."
  } >"$MD_DIR/5-handler.md"
  goal "5 handler" "allocated per /health request by the handler" "${h_alloc[service]} B" "bare ${h_alloc[bare]} B" "$extra B extra" "0 B extra" "$(verdict "$extra" le 0)" \
    "same code (the benchmark runs it JIT)"
}
