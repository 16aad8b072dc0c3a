#!/usr/bin/env bash
# Local infrastructure for Northstar: PostgreSQL, Redis, NATS (JetStream) and ClickHouse on 127.0.0.1.
#
#   deploy/local/infra.sh up      start what is not already listening, create the databases
#   deploy/local/infra.sh down    stop only what this script started (never a server it found running)
#   deploy/local/infra.sh status  show each server and who started it
#   deploy/local/infra.sh browser install Debian's Chromium for the browser tests if it is missing
#
# A server already listening on its address is used as it is. Otherwise the Debian package is
# installed if missing (needs root) and the server runs in the background with its data under
# .data/<server>/, its log under .data/logs/ and a pid file under .data/run/.
#
# Environment: NORTHSTAR_PG_PORT (5432), NORTHSTAR_REDIS_PORT (6379), NORTHSTAR_NATS_PORT (4222),
# NORTHSTAR_CH_HTTP_PORT (8123), NORTHSTAR_CH_TCP_PORT (9000), NORTHSTAR_INFRA_TIMEOUT (seconds to
# wait for each server, 90), NORTHSTAR_CH_MAX_MEMORY (per-query limit in bytes, 2000000000).
# Alternative without installing anything locally: `docker compose up postgres redis nats clickhouse`.
set -euo pipefail

# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Debian puts nats-server and clickhouse-server in /usr/sbin, which is not on a normal user's PATH.
PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

DATA="$NS_ROOT/.data"
RUN="$DATA/run"
LOGS="$DATA/logs"
TIMEOUT="${NORTHSTAR_INFRA_TIMEOUT:-90}"
CH_MAX_MEMORY="${NORTHSTAR_CH_MAX_MEMORY:-2000000000}"
DATABASES=(northstar northstar_test)
APT_UPDATED=0

is_root() { [[ "$(id -u)" -eq 0 ]]; }

# ---------------------------------------------------------------------------------------------
# helpers

# True when something accepts TCP connections on 127.0.0.1:$1.
port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/$NS_HOST/$1" 2>/dev/null
}

# Install a Debian package (apt-get update at most once per run).
apt_install() {
  local pkg="$1"
  if ! is_root; then
    die "$pkg is not installed. Install it (sudo apt-get install -y $pkg), run this script as root," \
      "or run the infrastructure in containers instead: docker compose up -d postgres redis nats clickhouse"
  fi
  if ((!APT_UPDATED)); then
    log "apt-get update"
    apt-get update -qq
    APT_UPDATED=1
  fi
  log "apt-get install -y $pkg"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >/dev/null
}

# ensure_cmd PACKAGE COMMAND: install PACKAGE unless COMMAND is available.
ensure_cmd() {
  command -v "$2" >/dev/null 2>&1 || apt_install "$1"
  command -v "$2" >/dev/null 2>&1 || die "package $1 installed but $2 is still not found"
}

pid_file() { echo "$RUN/$1.pid"; }

# proc_matches PID PATTERN: the process is alive (not a zombie) and its command line matches.
proc_matches() {
  [[ -n "$1" && -r "/proc/$1/cmdline" ]] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -q -- "$2"
}

# Print the pid of NAME if this script started it and it still runs; drop stale pid files.
our_pid() {
  local name="$1" pattern="$2" file pid
  file="$(pid_file "$name")"
  [[ -f "$file" ]] || return 1
  pid="$(head -n1 "$file")"
  if proc_matches "$pid" "$pattern"; then
    echo "$pid"
  else
    rm -f "$file" "$RUN/$name.port"
    return 1
  fi
}

record_pid() {
  echo "$2" >"$(pid_file "$1")"
  echo "$3" >"$RUN/$1.port"
}

show_log_tail() {
  local f
  for f in "$@"; do
    if [[ -s "$f" ]]; then
      printf -- '----- last lines of %s -----\n' "$f" >&2
      tail -n 25 "$f" >&2
      printf -- '-----\n' >&2
    fi
  done
}

# wait_ready NAME PID PATTERN LOGS CHECK...: poll CHECK until it succeeds, the process dies or
# NORTHSTAR_INFRA_TIMEOUT passes. LOGS: the log files to show on failure, separated by spaces.
wait_ready() {
  local name="$1" pid="$2" pattern="$3" logfile="$4"
  shift 4
  local -a logs
  read -r -a logs <<<"$logfile"
  local deadline=$((SECONDS + TIMEOUT))
  until "$@" >/dev/null 2>&1; do
    if ! proc_matches "$pid" "$pattern"; then
      show_log_tail "${logs[@]}"
      rm -f "$(pid_file "$name")" "$RUN/$name.port"
      die "$name exited while starting (log: $logfile)"
    fi
    if ((SECONDS >= deadline)); then
      show_log_tail "${logs[@]}"
      die "$name (pid $pid) did not answer within ${TIMEOUT}s (log: $logfile);" \
        "it is left running: stop it with deploy/local/infra.sh down"
    fi
    sleep 0.5
  done
}

# stop_pid NAME PID PATTERN: SIGTERM, wait up to 30 s, then SIGKILL.
stop_pid() {
  local name="$1" pid="$2" pattern="$3" i
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 60; i++)); do
    proc_matches "$pid" "$pattern" || return 0
    sleep 0.5
  done
  warn "$name (pid $pid) did not stop within 30s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
}

# Start a command detached from this shell (own session, no terminal), output appended to LOG.
# Prints its pid. setsid execs in place here (a background job is never a group leader).
spawn() {
  local logfile="$1"
  shift
  printf '=== %s: started by deploy/local/infra.sh: %s\n' "$(date '+%F %T')" "$*" >>"$logfile"
  # 9>&-: the server must not inherit (and so hold) infra.sh's lock.
  setsid "$@" </dev/null >>"$logfile" 2>&1 9>&- &
  echo "$!"
}

# up_server NAME PORT PATTERN INSTALL_FN START_FN CHECK_FN: the common flow of `up`.
up_server() {
  local name="$1" port="$2" pattern="$3" install_fn="$4" start_fn="$5" check_fn="$6" pid
  if pid="$(our_pid "$name" "$pattern")"; then
    if "$check_fn"; then
      log "$name: running on $NS_HOST:$port (started by infra.sh, pid $pid)"
      return 0
    fi
    die "$name started by infra.sh (pid $pid) listens on port $(cat "$RUN/$name.port" 2>/dev/null || echo '?')," \
      "not $port. Run deploy/local/infra.sh down first."
  fi
  if port_open "$port"; then
    "$check_fn" || die "something listens on $NS_HOST:$port but it does not answer like $name;" \
      "free the port or choose another one (see the top of deploy/local/infra.sh)"
    log "$name: using the server already listening on $NS_HOST:$port"
    return 0
  fi
  "$install_fn"
  if port_open "$port" && "$check_fn"; then
    # Some packages start their service on install (on machines with an init system).
    log "$name: using the server started by its package on $NS_HOST:$port"
    return 0
  fi
  "$start_fn"
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL

PG_DIR="$DATA/postgres"
PG_LOG="$LOGS/postgres.log"

pg_bindir() {
  local dir
  dir="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n1)"
  [[ -n "$dir" && -x "$dir/pg_ctl" ]] && echo "$dir"
}

# Run a PostgreSQL server binary as the postgres user (it refuses to run as root).
as_pg() {
  if is_root; then
    runuser -u postgres -- "$@" 9>&-
  else
    "$@" 9>&-
  fi
}

pg_check() {
  PGCONNECT_TIMEOUT=3 psql -h "$NS_HOST" -p "$NS_PG_PORT" -U postgres -d postgres -tAqc 'SELECT 1' 2>/dev/null |
    grep -qx 1
}

pg_install() {
  pg_bindir >/dev/null || apt_install postgresql
  pg_bindir >/dev/null || die "postgresql installed but no /usr/lib/postgresql/*/bin/pg_ctl found"
}

pg_start() {
  local bin pid
  bin="$(pg_bindir)"
  if is_root; then
    id postgres >/dev/null 2>&1 || die "user postgres does not exist (it comes with the postgresql package)"
  fi
  mkdir -p "$PG_DIR"
  touch "$PG_LOG"
  if is_root; then
    chown postgres:postgres "$PG_DIR" "$PG_LOG"
  fi
  chmod 700 "$PG_DIR"
  as_pg test -w "$PG_DIR" ||
    die "user postgres cannot write $PG_DIR; make its parent directories readable (chmod o+x) or move the repo"

  if [[ ! -s "$PG_DIR/PG_VERSION" ]]; then
    log "postgres: initdb $PG_DIR"
    as_pg "$bin/initdb" -D "$PG_DIR" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >>"$PG_LOG" 2>&1 ||
      {
        show_log_tail "$PG_LOG"
        die "initdb failed"
      }
    cat >>"$PG_DIR/postgresql.conf" <<'EOF'

# --- deploy/local/infra.sh (development only) ---
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
max_connections = 200
synchronous_commit = off
EOF
  fi

  log "postgres: starting on $NS_HOST:$NS_PG_PORT (data $PG_DIR, log $PG_LOG)"
  if ! as_pg "$bin/pg_ctl" -D "$PG_DIR" -l "$PG_LOG" -o "-p $NS_PG_PORT" -w -t "$TIMEOUT" start >/dev/null; then
    show_log_tail "$PG_LOG"
    die "postgres did not start (log: $PG_LOG)"
  fi
  pid="$(head -n1 "$PG_DIR/postmaster.pid")"
  record_pid postgres "$pid" "$NS_PG_PORT"
  wait_ready postgres "$pid" postgres "$PG_LOG" pg_check
}

pg_stop() {
  local pid="$1" bin
  bin="$(pg_bindir || true)"
  if [[ -n "$bin" ]] && as_pg "$bin/pg_ctl" -D "$PG_DIR" -m fast -w -t 30 stop >/dev/null 2>&1; then
    return 0
  fi
  stop_pid postgres "$pid" postgres
}

pg_create_databases() {
  local db
  for db in "${DATABASES[@]}"; do
    if ! PGCONNECT_TIMEOUT=5 psql -h "$NS_HOST" -p "$NS_PG_PORT" -U postgres -d postgres -tAqc \
      "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -qx 1; then
      log "postgres: CREATE DATABASE $db"
      psql -h "$NS_HOST" -p "$NS_PG_PORT" -U postgres -d postgres -qc "CREATE DATABASE $db" >/dev/null
    fi
  done
}

# ---------------------------------------------------------------------------------------------
# Redis

REDIS_DIR="$DATA/redis"
REDIS_LOG="$LOGS/redis.log"

redis_check() {
  local reply
  reply="$(timeout 3 bash -c "exec 3<>/dev/tcp/$NS_HOST/$NS_REDIS_PORT && printf 'PING\r\n' >&3 && IFS= read -r line <&3 && echo \"\$line\"" 2>/dev/null)" || return 1
  [[ "$reply" == +PONG* ]]
}

redis_install() { ensure_cmd redis-server redis-server; }

redis_start() {
  local pid
  mkdir -p "$REDIS_DIR"
  log "redis: starting on $NS_HOST:$NS_REDIS_PORT (data $REDIS_DIR, log $REDIS_LOG)"
  pid="$(spawn "$REDIS_LOG" redis-server --bind "$NS_HOST" --port "$NS_REDIS_PORT" --dir "$REDIS_DIR" \
    --daemonize no --save '60 1000' --appendonly no)"
  record_pid redis "$pid" "$NS_REDIS_PORT"
  wait_ready redis "$pid" redis-server "$REDIS_LOG" redis_check
}

# ---------------------------------------------------------------------------------------------
# NATS with JetStream

NATS_DIR="$DATA/nats"
NATS_LOG="$LOGS/nats.log"

# Prints the server's INFO line.
nats_info() {
  timeout 3 bash -c "exec 3<>/dev/tcp/$NS_HOST/$NS_NATS_PORT && IFS= read -r line <&3 && echo \"\$line\"" 2>/dev/null
}

nats_check() { nats_info | grep -q '^INFO '; }

nats_install() { ensure_cmd nats-server nats-server; }

nats_start() {
  local pid
  mkdir -p "$NATS_DIR"
  log "nats: starting on $NS_HOST:$NS_NATS_PORT with JetStream (store $NATS_DIR, log $NATS_LOG)"
  pid="$(spawn "$NATS_LOG" nats-server -a "$NS_HOST" -p "$NS_NATS_PORT" -js -sd "$NATS_DIR")"
  record_pid nats "$pid" "$NS_NATS_PORT"
  wait_ready nats "$pid" nats-server "$NATS_LOG" nats_check
}

nats_require_jetstream() {
  nats_info | grep -q '"jetstream":true' ||
    warn "the NATS server on $NS_HOST:$NS_NATS_PORT does not have JetStream enabled (start it with -js);" \
      "ingestion will not work"
}

# ---------------------------------------------------------------------------------------------
# ClickHouse (Debian's 18.16 has no usable system service here: run the binary with our config)

CH_DIR="$DATA/clickhouse"
CH_LOG="$LOGS/clickhouse.log"
CH_ERR_LOG="$LOGS/clickhouse.err.log"
CH_OUT_LOG="$LOGS/clickhouse.stdout.log"
CH_TEMPLATE="$NS_ROOT/deploy/local/clickhouse-config.xml.template"

ch_url() { echo "http://$NS_HOST:$NS_CH_HTTP_PORT/"; }

ch_check() { [[ "$(curl -s --max-time 3 "$(ch_url)ping" 2>/dev/null)" == "Ok." ]]; }

ch_install() {
  ensure_cmd curl curl
  ensure_cmd clickhouse-server clickhouse-server
}

ch_render_config() {
  local users_src=/etc/clickhouse-server/users.xml
  [[ -r "$users_src" ]] || die "$users_src not found (it comes with the clickhouse-server package)"
  mkdir -p "$CH_DIR/tmp" "$CH_DIR/user_files" "$CH_DIR/format_schemas"
  sed -e "s|@HTTP_PORT@|$NS_CH_HTTP_PORT|g" -e "s|@TCP_PORT@|$NS_CH_TCP_PORT|g" \
    -e "s|@DATA_DIR@|$CH_DIR|g" -e "s|@LOG_DIR@|$LOGS|g" "$CH_TEMPLATE" >"$CH_DIR/config.xml"
  # The package's users.xml (user default, no password) with a smaller per-query memory limit.
  sed -e "s|<max_memory_usage>[0-9]*</max_memory_usage>|<max_memory_usage>$CH_MAX_MEMORY</max_memory_usage>|" \
    "$users_src" >"$CH_DIR/users.xml"
}

ch_start() {
  local pid
  if port_open "$NS_CH_TCP_PORT"; then
    die "port $NS_CH_TCP_PORT (ClickHouse native TCP) is taken by another program;" \
      "set NORTHSTAR_CH_TCP_PORT to a free port"
  fi
  ch_render_config
  log "clickhouse: starting on $NS_HOST:$NS_CH_HTTP_PORT (tcp $NS_CH_TCP_PORT, data $CH_DIR, log $CH_LOG)"
  pid="$(cd "$CH_DIR" && spawn "$CH_OUT_LOG" clickhouse-server --config-file="$CH_DIR/config.xml")"
  record_pid clickhouse "$pid" "$NS_CH_HTTP_PORT"
  wait_ready clickhouse "$pid" clickhouse "$CH_OUT_LOG $CH_ERR_LOG" ch_check
}

ch_create_databases() {
  local db out
  for db in "${DATABASES[@]}"; do
    out="$(curl -sS --max-time 30 -w '\n%{http_code}' --data-binary "CREATE DATABASE IF NOT EXISTS $db" "$(ch_url)")" ||
      die "clickhouse: could not reach $(ch_url)"
    [[ "${out##*$'\n'}" == 200 ]] || die "clickhouse: CREATE DATABASE $db failed: ${out%$'\n'*}"
  done
  log "clickhouse: databases ${DATABASES[*]} present"
}

# ---------------------------------------------------------------------------------------------
# commands

# A ClickHouse that another checkout's infra.sh started keeps answering pings after that checkout
# (and its .data/) was deleted, but every query on its tables then fails. Stop such an orphan so that
# a working server can take the port.
ch_stop_orphans() {
  local pid config
  for pid in $(pgrep -x clickhouse-serv 2>/dev/null; pgrep -f '^clickhouse-server --config-file=' 2>/dev/null); do
    config="$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | sed -n 's/^--config-file=//p' | head -n1)"
    if [[ -n "$config" && ! -e "$config" ]]; then
      warn "clickhouse: pid $pid runs from $config, which no longer exists; stopping it"
      stop_pid clickhouse "$pid" clickhouse
    fi
  done
}

cmd_up() {
  # Clients the readiness checks use (also when the servers themselves run elsewhere).
  ensure_cmd postgresql-client psql
  ensure_cmd curl curl
  up_server postgres "$NS_PG_PORT" postgres pg_install pg_start pg_check
  up_server redis "$NS_REDIS_PORT" redis-server redis_install redis_start redis_check
  up_server nats "$NS_NATS_PORT" nats-server nats_install nats_start nats_check
  nats_require_jetstream
  ch_stop_orphans
  up_server clickhouse "$NS_CH_HTTP_PORT" clickhouse ch_install ch_start ch_check

  pg_create_databases
  log "postgres: databases ${DATABASES[*]} present"
  ch_create_databases
  log "infrastructure is up (deploy/local/infra.sh down stops what this script started)"
}

cmd_down() {
  local pid stopped=0
  if pid="$(our_pid clickhouse clickhouse)"; then
    log "clickhouse: stopping pid $pid"
    stop_pid clickhouse "$pid" clickhouse
    stopped=1
  fi
  if pid="$(our_pid nats nats-server)"; then
    log "nats: stopping pid $pid"
    stop_pid nats "$pid" nats-server
    stopped=1
  fi
  if pid="$(our_pid redis redis-server)"; then
    log "redis: stopping pid $pid"
    stop_pid redis "$pid" redis-server
    stopped=1
  fi
  if pid="$(our_pid postgres postgres)"; then
    log "postgres: stopping pid $pid"
    pg_stop "$pid"
    stopped=1
  fi
  rm -f "$RUN"/*.pid "$RUN"/*.port
  ((stopped)) || log "nothing to stop (infra.sh started no server that is still running)"
}

# status_line NAME PORT PATTERN CHECK_FN
status_line() {
  local name="$1" port="$2" pattern="$3" check_fn="$4" state owner pid
  if "$check_fn"; then state=up; else state=down; fi
  if pid="$(our_pid "$name" "$pattern")"; then
    owner="started by infra.sh, pid $pid, port $(cat "$RUN/$name.port" 2>/dev/null || echo '?')"
  elif [[ "$state" == up ]]; then
    owner="not started by infra.sh"
  else
    owner="-"
  fi
  printf '%-11s %-22s %-5s %s\n' "$name" "$NS_HOST:$port" "$state" "$owner"
  [[ "$state" == up ]]
}

cmd_status() {
  local rc=0
  status_line postgres "$NS_PG_PORT" postgres pg_check || rc=3
  status_line redis "$NS_REDIS_PORT" redis-server redis_check || rc=3
  status_line nats "$NS_NATS_PORT" nats-server nats_check || rc=3
  status_line clickhouse "$NS_CH_HTTP_PORT" clickhouse ch_check || rc=3
  return "$rc"
}

# The browser the end-to-end tests drive through playwright-core: Debian's Chromium (playwright's own
# browser download cannot work on machines without general internet access).
cmd_browser() {
  ensure_cmd chromium chromium
  log "browser: $(command -v chromium) ($(chromium --version 2>/dev/null || echo 'version unknown'))"
}

main() {
  local cmd="${1:-}"
  case "$cmd" in
    up | down | status | browser) ;;
    *)
      echo "usage: $0 up|down|status|browser" >&2
      exit 2
      ;;
  esac
  mkdir -p "$RUN" "$LOGS"
  if [[ "$cmd" == up || "$cmd" == down ]]; then
    # One up/down at a time (npm start and npm test may run side by side).
    exec 9>"$RUN/infra.lock"
    flock -w 600 9 || die "another deploy/local/infra.sh is still running"
  fi
  "cmd_$cmd"
}

main "$@"
