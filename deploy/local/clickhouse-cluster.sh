#!/usr/bin/env bash
# A ClickHouse cluster on 127.0.0.1: one shard of two replicas coordinated by one ZooKeeper, the
# shape the platform's cluster schema (CLICKHOUSE_CLUSTER) runs on in production, small enough for a
# laptop. ClickHouse 18.16 (Debian's clickhouse-server) replicates through ZooKeeper (Debian's
# zookeeper package, Java); newer ClickHouse versions use ClickHouse Keeper instead (docs/operations.md).
#
#   deploy/local/clickhouse-cluster.sh up       start ZooKeeper and the replicas that are not running
#   deploy/local/clickhouse-cluster.sh down     stop what this script started (the data stays)
#   deploy/local/clickhouse-cluster.sh status   each process
#   deploy/local/clickhouse-cluster.sh env      the settings that point the platform at it, for eval:
#                                                 eval "$(bash deploy/local/clickhouse-cluster.sh env)"
#
# Each server keeps its data under $NORTHSTAR_CH_CLUSTER_DIR (.data/clickhouse-cluster/<node>/) and
# its pid there. The cluster is separate from infra.sh's single server (8123): point CLICKHOUSE_URL
# at one replica and set CLICKHOUSE_CLUSTER=northstar, then run the migrate step.
#
# Environment: NORTHSTAR_CH_CLUSTER_DIR, NORTHSTAR_CH_CLUSTER_HTTP_PORT (first replica's HTTP port,
# 8221; the second uses the next one), NORTHSTAR_CH_CLUSTER_TCP_PORT (9221),
# NORTHSTAR_CH_CLUSTER_INTERSERVER_PORT (9321), NORTHSTAR_ZK_PORT (2281), NORTHSTAR_INFRA_TIMEOUT
# (seconds to wait, 90). Delete the folder (after `down`) to start from nothing.
set -euo pipefail

# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Debian puts clickhouse-server in /usr/sbin, which is not on a normal user's PATH.
PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

DIR="${NORTHSTAR_CH_CLUSTER_DIR:-$NS_ROOT/.data/clickhouse-cluster}"
TIMEOUT="${NORTHSTAR_INFRA_TIMEOUT:-90}"
HTTP_PORT="${NORTHSTAR_CH_CLUSTER_HTTP_PORT:-8221}"
TCP_PORT="${NORTHSTAR_CH_CLUSTER_TCP_PORT:-9221}"
INTERSERVER_PORT="${NORTHSTAR_CH_CLUSTER_INTERSERVER_PORT:-9321}"
ZK_PORT="${NORTHSTAR_ZK_PORT:-2281}"
CLUSTER=northstar
REPLICAS=(r1 r2)
ZK_JAR=/usr/share/java/zookeeper.jar

port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/$NS_HOST/$1" 2>/dev/null; }

# The pid in DIR/NAME.pid when that process still runs with MARKER on its command line.
running_pid() {
  local file="$DIR/$1.pid" pid
  [[ -f "$file" ]] || return 1
  pid="$(head -n1 "$file")"
  if [[ -r "/proc/$pid/cmdline" ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$2"; then
    echo "$pid"
  else
    rm -f "$file"
    return 1
  fi
}

zk_marker() { echo "$DIR/zookeeper/zoo.cfg"; }
ch_marker() { echo "$DIR/$1/config.xml"; }

zk_ok() { [[ "$(timeout 2 bash -c "exec 3<>/dev/tcp/$NS_HOST/$ZK_PORT; echo srvr >&3; cat <&3" 2>/dev/null | head -c 9)" == Zookeeper ]]; }
ch_ok() { [[ "$(curl -s --max-time 2 "http://$NS_HOST:$((HTTP_PORT + $1))/ping" 2>/dev/null)" == "Ok." ]]; }

# Installs a Debian package when its file or command is missing (needs root, as infra.sh).
need() {
  local path="$1" package="$2"
  [[ -e "$path" ]] || command -v "$path" >/dev/null 2>&1 && return 0
  [[ "$(id -u)" -eq 0 ]] || die "$package is not installed (sudo apt-get install -y $package)"
  log "apt-get install -y $package"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null; }
}

# waits until CHECK succeeds, or dies naming LOG when the process PID is gone or the time is up
wait_for() {
  local name="$1" pid="$2" logfile="$3" deadline=$((SECONDS + TIMEOUT))
  shift 3
  until "$@"; do
    if [[ ! -d "/proc/$pid" ]]; then
      tail -n 25 "$logfile" >&2 || true
      die "clickhouse-cluster: $name exited while starting (log: $logfile)"
    fi
    ((SECONDS < deadline)) || die "clickhouse-cluster: $name not ready within ${TIMEOUT}s (log: $logfile)"
    sleep 0.5
  done
}

start_zookeeper() {
  local zk="$DIR/zookeeper" pid
  if pid="$(running_pid zookeeper "$(zk_marker)")"; then
    log "clickhouse-cluster: zookeeper running (pid $pid)"
    return
  fi
  port_open "$ZK_PORT" && die "something else listens on $NS_HOST:$ZK_PORT; free it or set NORTHSTAR_ZK_PORT"
  mkdir -p "$zk/data"
  cat >"$zk/zoo.cfg" <<EOF
tickTime=2000
dataDir=$zk/data
clientPort=$ZK_PORT
clientPortAddress=$NS_HOST
admin.enableServer=false
4lw.commands.whitelist=srvr
maxClientCnxns=200
EOF
  log "clickhouse-cluster: starting zookeeper on $NS_HOST:$ZK_PORT (data $zk/data)"
  setsid java -Xmx256m -cp "/etc/zookeeper/conf:$ZK_JAR" -Dzookeeper.log.dir="$zk" \
    org.apache.zookeeper.server.quorum.QuorumPeerMain "$(zk_marker)" </dev/null >>"$zk/out.log" 2>&1 &
  pid=$!
  echo "$pid" >"$DIR/zookeeper.pid"
  wait_for zookeeper "$pid" "$zk/out.log" zk_ok
}

render_replica_config() {
  local i="$1" node="${REPLICAS[$1]}" replicas="" j
  for j in "${!REPLICAS[@]}"; do
    replicas+="<replica><host>$NS_HOST</host><port>$((TCP_PORT + j))</port></replica>"
  done
  mkdir -p "$DIR/$node/tmp" "$DIR/$node/user_files" "$DIR/$node/format_schemas"
  cp /etc/clickhouse-server/users.xml "$DIR/$node/users.xml"
  cat >"$(ch_marker "$node")" <<EOF
<?xml version="1.0"?>
<!-- Rendered by deploy/local/clickhouse-cluster.sh: replica $node of the local cluster. -->
<yandex>
  <logger><level>warning</level><log>$DIR/$node/clickhouse.log</log><errorlog>$DIR/$node/clickhouse.err.log</errorlog></logger>
  <listen_host>$NS_HOST</listen_host>
  <http_port>$((HTTP_PORT + i))</http_port>
  <tcp_port>$((TCP_PORT + i))</tcp_port>
  <!-- Replicas fetch parts from each other over this port. -->
  <interserver_http_port>$((INTERSERVER_PORT + i))</interserver_http_port>
  <interserver_http_host>$NS_HOST</interserver_http_host>
  <path>$DIR/$node/</path>
  <tmp_path>$DIR/$node/tmp/</tmp_path>
  <user_files_path>$DIR/$node/user_files/</user_files_path>
  <format_schema_path>$DIR/$node/format_schemas/</format_schema_path>
  <users_config>$DIR/$node/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>268435456</mark_cache_size>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <mlock_executable>false</mlock_executable>
  <zookeeper><node><host>$NS_HOST</host><port>$ZK_PORT</port></node></zookeeper>
  <!-- internal_replication: a Distributed insert writes one replica, replication copies it. -->
  <remote_servers><$CLUSTER><shard><internal_replication>true</internal_replication>$replicas</shard></$CLUSTER></remote_servers>
  <macros><shard>1</shard><replica>$node</replica></macros>
  <distributed_ddl><path>/clickhouse/task_queue/ddl</path></distributed_ddl>
</yandex>
EOF
}

start_replica() {
  local i="$1" node="${REPLICAS[$1]}" pid
  if pid="$(running_pid "$node" "$(ch_marker "$node")")"; then
    log "clickhouse-cluster: $node running (pid $pid)"
    return
  fi
  port_open "$((TCP_PORT + i))" &&
    die "something else listens on $NS_HOST:$((TCP_PORT + i)); free it or set NORTHSTAR_CH_CLUSTER_TCP_PORT"
  render_replica_config "$i"
  log "clickhouse-cluster: starting $node on $NS_HOST:$((HTTP_PORT + i)) (tcp $((TCP_PORT + i)), data $DIR/$node)"
  pid="$(cd "$DIR/$node" && { setsid clickhouse-server --config-file="$(ch_marker "$node")" </dev/null >>"$DIR/$node/out.log" 2>&1 & echo $!; })"
  echo "$pid" >"$DIR/$node.pid"
  wait_for "$node" "$pid" "$DIR/$node/clickhouse.err.log" ch_ok "$i"
}

stop() {
  local name="$1" marker="$2" pid n
  pid="$(running_pid "$name" "$marker")" || return 0
  log "clickhouse-cluster: stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((n = 0; n < 60; n++)); do
    running_pid "$name" "$marker" >/dev/null || return 0
    sleep 0.5
  done
  warn "clickhouse-cluster: $name (pid $pid) did not stop within 30s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$DIR/$name.pid"
}

cmd_up() {
  need java default-jre-headless
  need "$ZK_JAR" zookeeper
  need clickhouse-server clickhouse-server
  command -v curl >/dev/null 2>&1 || die "curl is needed (apt-get install curl)"
  mkdir -p "$DIR"
  start_zookeeper
  local i
  for i in "${!REPLICAS[@]}"; do start_replica "$i"; done
  log "clickhouse-cluster: up. Point the platform at it:"
  cmd_env >&2
}

cmd_down() {
  local i
  for i in "${!REPLICAS[@]}"; do stop "${REPLICAS[$i]}" "$(ch_marker "${REPLICAS[$i]}")"; done
  stop zookeeper "$(zk_marker)"
}

cmd_status() {
  local i pid rc=0
  if pid="$(running_pid zookeeper "$(zk_marker)")" && zk_ok; then
    printf 'zookeeper  %s:%s  pid %s\n' "$NS_HOST" "$ZK_PORT" "$pid"
  else
    printf 'zookeeper  %s:%s  not running\n' "$NS_HOST" "$ZK_PORT"
    rc=3
  fi
  for i in "${!REPLICAS[@]}"; do
    if pid="$(running_pid "${REPLICAS[$i]}" "$(ch_marker "${REPLICAS[$i]}")")" && ch_ok "$i"; then
      printf '%s  http://%s:%s  pid %s\n' "${REPLICAS[$i]}" "$NS_HOST" "$((HTTP_PORT + i))" "$pid"
    else
      printf '%s  http://%s:%s  not running\n' "${REPLICAS[$i]}" "$NS_HOST" "$((HTTP_PORT + i))"
      rc=3
    fi
  done
  return "$rc"
}

cmd_env() {
  echo "export CLICKHOUSE_URL=http://$NS_HOST:$HTTP_PORT"
  echo "export CLICKHOUSE_CLUSTER=$CLUSTER"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) cmd_env ;;
  *)
    echo "usage: bash deploy/local/clickhouse-cluster.sh up|down|status|env" >&2
    exit 2
    ;;
esac
