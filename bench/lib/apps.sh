# shellcheck shell=bash
# The processes under test and their fixtures: the bare Kestrel reference (bench/BareKestrel), HealthService (the
# native executable, or its JIT build) with every kind of probe configured or with the defaults, and the loopback HTTP
# dependency (bench/DependencyStub). Sourced by run.sh.

STUB_PORT=""
STUB_PID=""

# The service's evaluation period and probe deadline: HEALTH_INTERVAL / HEALTH_TIMEOUT when set, else the values
# of the repository's appsettings.json (what the service runs with), else the built-in defaults.
appsettings_value() {
  sed -n "s/^ *\"$1\": *\"\([0-9:.]*\)\".*/\1/p" "$REPO_DIR/appsettings.json" 2>/dev/null | head -n 1
}
HEALTH_INTERVAL=${HEALTH_INTERVAL:-$(appsettings_value Interval)}
HEALTH_INTERVAL=${HEALTH_INTERVAL:-00:00:05}
HEALTH_TIMEOUT=${HEALTH_TIMEOUT:-$(appsettings_value Timeout)}
HEALTH_TIMEOUT=${HEALTH_TIMEOUT:-00:00:02}

# The apps start_app knows. "service" is what ships: the native executable that `dotnet publish` makes (Native AOT),
# as the Dockerfile publishes it. "service-jit" is the same code as `dotnet run` runs it: the framework-dependent
# publish started by the dotnet host (HealthService.dll), measured beside it for comparison.
app_command() {
  case $1 in
    bare) APP_CMD=(dotnet "$OUT_DIR/publish/bare/BareKestrel.dll") ;;
    service) APP_CMD=("$OUT_DIR/publish/service/HealthService") ;;
    service-jit) APP_CMD=(dotnet "$OUT_DIR/publish/service-jit/HealthService.dll") ;;
    *) die 2 "unknown app $1" ;;
  esac
}

# start_app VARIANT NAME PORT [ENV=VALUE...]: starts one app on 127.0.0.1:PORT (log: $OUT_DIR/logs/NAME.log); PID in
# LAST_PID. VARIANT is an app of app_command, for the service optionally with ":defaults".
#
# A service runs with all probes: memory, CPU and disk (appsettings.json defaults), the benchmark's PostgreSQL
# (critical, its query counts itself) and the loopback HTTP dependency (non-critical unless the caller adds
# Health__Http__dependency__Critical=true). /health/details is enabled, on the service's local listener
# (Health:Details:LocalPort, 127.0.0.1 only; a free port of its own per service, in DETAILS_PORT[PORT]), so that the
# benchmark can check every probe is Healthy; it costs /health nothing. With ":defaults" (the startup section) it runs
# with the repository's appsettings.json alone: memory, CPU and disk, nothing else configured. Either way
# Health:Interval and Health:Timeout are the run's, and DrainDelay is 0, so that stopping takes no 10 s.
declare -A DETAILS_PORT=()
start_app() {
  local variant=$1 name=$2 port=$3 app probes
  shift 3
  app=${variant%%:*}
  probes=${variant#"$app"}
  local environment=(ASPNETCORE_ENVIRONMENT=Production "ASPNETCORE_URLS=http://127.0.0.1:$port" DOTNET_NOLOGO=1)
  if [[ $app == service* ]]; then
    environment+=(
      "Health__Interval=$HEALTH_INTERVAL"
      "Health__Timeout=$HEALTH_TIMEOUT"
      "Health__DrainDelay=00:00:00"
    )
    case $probes in
      "")
        free_port
        DETAILS_PORT[$port]=$PORT
        environment+=(
          "Health__Details__LocalPort=$PORT"
          "Health__Details__Enabled=true"
          "Health__Postgres__bench__ConnectionString=$(pg_connection_string)"
          "Health__Postgres__bench__Query=SELECT nextval('probe_calls')"
          "Health__Http__dependency__Url=http://127.0.0.1:$STUB_PORT/dependency"
        )
        ;;
      :defaults) ;;
      *) die 2 "unknown service configuration in $variant" ;;
    esac
  fi
  app_command "$app"
  start_proc "$name" "$OUT_DIR/logs/$name.log" env "${environment[@]}" "$@" "${APP_CMD[@]}"
}

# probe_statuses PORT: the statuses of the probes of the service started on PORT, from /health/details on its local
# listener, "name=Status" space-separated (the body is the HealthChecks UI JSON: "entries": { "name": { ...,
# "status": "Healthy", ... } }).
probe_statuses() {
  curl -s --max-time 2 "http://127.0.0.1:${DETAILS_PORT[$1]:-0}/health/details" 2>/dev/null | tr -d '\n ' |
    grep -o '"[a-z:-]*":{"data":{[^}]*},\("description":"[^"]*",\)\?"duration":"[^"]*","status":"[A-Za-z]*"' |
    sed -E 's/^"([^"]*)".*"status":"([A-Za-z]*)"$/\1=\2/' | sort | paste -sd' ' - || true
}

# require_probes_healthy NAME PORT: the service's PostgreSQL and HTTP probes must be Healthy before measuring, or
# the figures would be those of a service that skips or fails its dependencies. Waits up to two intervals.
require_probes_healthy() {
  local name=$1 port=$2 statuses="" i
  local rounds
  rounds=$(awk -v s="$(duration_to_s "$HEALTH_INTERVAL")" 'BEGIN { printf "%d", s * 20 + 20 }')
  for ((i = 0; i < rounds; i++)); do
    statuses=$(probe_statuses "$port")
    if [[ $statuses == *postgres:bench=Healthy* && $statuses == *http:dependency=Healthy* ]]; then
      log "$name probes: $statuses"
      return 0
    fi
    sleep 0.1
  done
  die 3 "$name: the PostgreSQL and HTTP probes are not both Healthy (probes: ${statuses:-no answer from /health/details})"
}

start_stub() {
  free_port
  STUB_PORT=$PORT
  start_proc dependency "$OUT_DIR/logs/dependency.log" env ASPNETCORE_ENVIRONMENT=Production DOTNET_NOLOGO=1 \
    "ASPNETCORE_URLS=http://127.0.0.1:$STUB_PORT" dotnet "$OUT_DIR/publish/dependency/DependencyStub.dll"
  STUB_PID=$LAST_PID
  wait_status dependency "$STUB_PID" "http://127.0.0.1:$STUB_PORT/hits" 200 "$READY_TIMEOUT"
  log "HTTP dependency ready on 127.0.0.1:$STUB_PORT (pid $STUB_PID)"
}

stub_hits() { curl -s --max-time 2 "http://127.0.0.1:$STUB_PORT/hits" || die 1 "the HTTP dependency does not answer /hits"; }
stub_hang() { curl -s -o /dev/null --max-time 2 -X POST "http://127.0.0.1:$STUB_PORT/hang" || die 1 "could not make the HTTP dependency hang"; }
stub_recover() { curl -s -o /dev/null --max-time 2 -X POST "http://127.0.0.1:$STUB_PORT/recover" || die 1 "could not make the HTTP dependency recover"; }
