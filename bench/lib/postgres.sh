# shellcheck shell=bash
# A throwaway PostgreSQL server for the benchmark, as the tests' fixture makes one
# (tests/HealthService.Tests/Infrastructure/PostgresServer.cs): initdb into a temporary directory, listening only on
# 127.0.0.1 on a free port, its unix socket in that directory, run as the "postgres" user when we are root
# (PostgreSQL refuses to run as root). Trust authentication: it is a benchmark on loopback, nothing else reaches it.
# Holds the sequence probe_calls that the service's probe query increments, so the benchmark counts probe queries.
#
#   pg_start / pg_stop, pg_sql SQL, pg_probe_calls, pg_freeze / pg_thaw (SIGSTOP / SIGCONT of the postmaster and
#   every process it started). pg_stop thaws first; run.sh's EXIT trap calls it.

PG_BIN=""
PG_DIR=""
PG_PORT=""
PG_PID=""
PG_FROZEN=0
PG_RUNAS=()

pg_find_binaries() {
  local dir best="" version best_version=-1
  if [[ -n ${HEALTHSERVICE_TEST_PG_BIN:-} ]]; then
    [[ -x $HEALTHSERVICE_TEST_PG_BIN/initdb && -x $HEALTHSERVICE_TEST_PG_BIN/pg_ctl ]] ||
      die 2 "HEALTHSERVICE_TEST_PG_BIN=$HEALTHSERVICE_TEST_PG_BIN holds no initdb and pg_ctl"
    PG_BIN=$HEALTHSERVICE_TEST_PG_BIN
    return 0
  fi
  for dir in /usr/lib/postgresql/*/bin; do
    [[ -x $dir/initdb && -x $dir/pg_ctl && -x $dir/psql ]] || continue
    version=$(basename "$(dirname "$dir")")
    [[ $version =~ ^[0-9]+$ ]] || continue
    ((version > best_version)) && { best=$dir; best_version=$version; }
  done
  PG_BIN=$best
  [[ -n $PG_BIN ]]
}

# Runs a PostgreSQL tool as the server's user, from /, with no inherited PG* variable and messages in English.
pg_tool() {
  local tool=$1
  shift
  (cd / && env -i PATH=/usr/bin:/bin LC_ALL=C "${PG_RUNAS[@]}" "$PG_BIN/$tool" "$@")
}

pg_start() {
  if ! pg_find_binaries; then
    log "PostgreSQL server binaries not found: installing the Debian package postgresql"
    local sudo=""
    ((EUID == 0)) || sudo="sudo"
    timeout 300 $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive timeout 600 $sudo apt-get install -y -qq --no-install-recommends postgresql >/dev/null
    pg_find_binaries || die 2 "no initdb/pg_ctl/psql under /usr/lib/postgresql/*/bin after installing postgresql"
  fi
  if ((EUID == 0)); then
    id postgres >/dev/null 2>&1 || die 2 "running as root, but there is no 'postgres' user to run PostgreSQL as"
    [[ -x /usr/sbin/runuser ]] || die 2 "running as root, but /usr/sbin/runuser (util-linux) is missing"
    PG_RUNAS=(/usr/sbin/runuser -u postgres --)
  fi

  # In /tmp, which the postgres user can reach whatever TMPDIR says.
  PG_DIR=$(mktemp -d /tmp/healthservice-bench-pg.XXXXXX)
  ((EUID == 0)) && chown postgres: "$PG_DIR"
  log "initdb into $PG_DIR ($PG_BIN)"
  pg_tool initdb -D "$PG_DIR/data" -U postgres --auth=trust --encoding=UTF8 --locale=C --no-sync --no-instructions \
    >"$OUT_DIR/logs/initdb.log" 2>&1 || { cat "$OUT_DIR/logs/initdb.log" >&2; die 3 "initdb failed"; }

  local attempt
  for attempt in 1 2 3; do
    free_port
    PG_PORT=$PORT
    # Appending keeps the file's owner; the last setting of a name wins.
    cat >>"$PG_DIR/data/postgresql.conf" <<EOF

# HealthService benchmark: a throwaway server on loopback, quick rather than durable
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_DIR'
max_connections = 50
shared_buffers = 16MB
huge_pages = off
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
    if pg_tool pg_ctl start -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 30 -s >"$OUT_DIR/logs/pg_ctl.log" 2>&1; then
      PG_PID=$(head -n 1 "$PG_DIR/data/postmaster.pid")
      log "PostgreSQL ready on 127.0.0.1:$PG_PORT (postmaster $PG_PID)"
      pg_sql "CREATE SEQUENCE probe_calls" >/dev/null
      return 0
    fi
    grep -q 'Address already in use' "$PG_DIR/server.log" 2>/dev/null || break
  done
  cat "$OUT_DIR/logs/pg_ctl.log" "$PG_DIR/server.log" >&2 2>/dev/null || true
  die 3 "PostgreSQL did not start"
}

# The service's connection string: TCP on loopback, trust authentication.
pg_connection_string() { echo "Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres"; }

# pg_sql SQL: runs one statement over TCP (as the probe connects), prints the result unaligned; bounded.
pg_sql() {
  timeout 30 env -i PATH=/usr/bin:/bin LC_ALL=C "$PG_BIN/psql" -X -q -A -t -h 127.0.0.1 -p "$PG_PORT" -U postgres \
    -d postgres -v ON_ERROR_STOP=1 -c "$1"
}

# How many times the probe query SELECT nextval('probe_calls') has run (reading it does not increment it).
pg_probe_calls() { pg_sql "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM probe_calls"; }

pg_children() { pgrep -P "$PG_PID" 2>/dev/null || true; }

# SIGSTOP the postmaster first (so that it forks nothing new), then every process it started: connections and
# queries hang, as on a frozen host. Always undone by pg_thaw (run.sh's EXIT trap calls pg_stop, which thaws).
pg_freeze() {
  local i state
  PG_FROZEN=1
  kill -STOP "$PG_PID" || die 1 "could not stop the postmaster $PG_PID"
  for ((i = 0; i < 300; i++)); do
    state=$(sed 's/.*) //' "/proc/$PG_PID/stat" 2>/dev/null | cut -d' ' -f1)
    [[ $state == T || $state == t ]] && break
    sleep 0.01
  done
  # shellcheck disable=SC2046 # one PID per word
  kill -STOP $(pg_children) 2>/dev/null || true
}

pg_thaw() {
  ((PG_FROZEN)) || return 0
  # shellcheck disable=SC2046 # one PID per word
  kill -CONT $(pg_children) 2>/dev/null || true
  kill -CONT "$PG_PID" 2>/dev/null || true
  PG_FROZEN=0
}

pg_stop() {
  [[ -n $PG_DIR ]] || return 0
  pg_thaw
  if [[ -n $PG_PID ]]; then
    pg_tool pg_ctl stop -D "$PG_DIR/data" -m immediate -w -t 30 -s >/dev/null 2>&1 || kill -KILL "$PG_PID" 2>/dev/null || true
  fi
  rm -rf "$PG_DIR"
  PG_DIR="" PG_PID=""
}
