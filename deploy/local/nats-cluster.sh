#!/usr/bin/env bash
# A three-node NATS cluster with JetStream on 127.0.0.1, to run the platform (or try an outage) the
# way a production bus runs: streams with 3 replicas survive the loss of any one node.
#
#   deploy/local/nats-cluster.sh up       start the nodes that are not running, wait for the cluster
#   deploy/local/nats-cluster.sh down     stop the nodes this script started (their data stays)
#   deploy/local/nats-cluster.sh status   each node, and the cluster's JetStream state
#   deploy/local/nats-cluster.sh env      the settings that point the platform at it, for eval:
#                                           eval "$(bash deploy/local/nats-cluster.sh env)"
#
# `up` and `down` can be run any number of times. Each node has its own JetStream store under
# .data/nats-cluster/<node>/, its log under .data/logs/ and a pid file under .data/run/. The cluster
# is a separate bus from the single server of infra.sh (4222): point NATS_URL at one or the other,
# then run the migrate step (it brings existing streams to NATS_STREAM_REPLICAS).
#
# Environment: NORTHSTAR_NATS_CLUSTER_PORT (first client port, 4241: the nodes use it and the two
# after it), NORTHSTAR_NATS_CLUSTER_ROUTE_PORT (first cluster route port, 6241),
# NORTHSTAR_NATS_CLUSTER_HTTP_PORT (first monitoring port, 8241), NORTHSTAR_INFRA_TIMEOUT (seconds
# to wait for the cluster, 90). Delete .data/nats-cluster/ (after `down`) to start from nothing.
set -euo pipefail

# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Debian puts nats-server in /usr/sbin, which is not on a normal user's PATH.
PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

DATA="$NS_ROOT/.data"
RUN="$DATA/run"
LOGS="$DATA/logs"
STORE="$DATA/nats-cluster"
TIMEOUT="${NORTHSTAR_INFRA_TIMEOUT:-90}"
CLIENT_PORT="${NORTHSTAR_NATS_CLUSTER_PORT:-4241}"
ROUTE_PORT="${NORTHSTAR_NATS_CLUSTER_ROUTE_PORT:-6241}"
HTTP_PORT="${NORTHSTAR_NATS_CLUSTER_HTTP_PORT:-8241}"
CLUSTER_NAME=northstar
NODES=(n1 n2 n3)

client_port() { echo $((CLIENT_PORT + $1)); }
route_port() { echo $((ROUTE_PORT + $1)); }
http_port() { echo $((HTTP_PORT + $1)); }
pid_file() { echo "$RUN/nats-cluster-${NODES[$1]}.pid"; }

servers_list() {
  local i list=()
  for i in "${!NODES[@]}"; do list+=("nats://$NS_HOST:$(client_port "$i")"); done
  (IFS=,; echo "${list[*]}")
}

port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/$NS_HOST/$1" 2>/dev/null; }

# The pid of node I if this script started it and it still runs (a stale pid file is removed).
node_pid() {
  local file pid
  file="$(pid_file "$1")"
  [[ -f "$file" ]] || return 1
  pid="$(head -n1 "$file")"
  if [[ -r "/proc/$pid/cmdline" ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "server_name=northstar-${NODES[$1]} "; then
    echo "$pid"
  else
    rm -f "$file"
    return 1
  fi
}

# A node's health: JetStream enabled and caught up with the cluster's meta leader.
node_healthy() {
  curl -fsS --max-time 2 "http://$NS_HOST:$(http_port "$1")/healthz" 2>/dev/null | grep -q '"ok"'
}

start_node() {
  local i="$1" node="${NODES[$1]}" routes=() j pid logfile
  for j in "${!NODES[@]}"; do
    [[ "$j" == "$i" ]] || routes+=("nats-route://$NS_HOST:$(route_port "$j")")
  done
  mkdir -p "$STORE/$node" "$RUN" "$LOGS"
  logfile="$LOGS/nats-cluster-$node.log"
  if port_open "$(client_port "$i")"; then
    die "something else listens on $NS_HOST:$(client_port "$i"); free it or set NORTHSTAR_NATS_CLUSTER_PORT"
  fi
  log "nats-cluster: starting $node on $NS_HOST:$(client_port "$i") (routes :$(route_port "$i"), monitoring :$(http_port "$i"), store $STORE/$node)"
  printf '=== %s: started by deploy/local/nats-cluster.sh\n' "$(date '+%F %T')" >>"$logfile"
  # The server name doubles as the marker node_pid looks for; setsid: detached from this shell.
  setsid nats-server -a "$NS_HOST" -p "$(client_port "$i")" -m "$(http_port "$i")" \
    --server_name="northstar-$node" -js -sd "$STORE/$node" \
    --cluster_name "$CLUSTER_NAME" --cluster "nats://$NS_HOST:$(route_port "$i")" \
    --routes "$(IFS=,; echo "${routes[*]}")" </dev/null >>"$logfile" 2>&1 &
  pid=$!
  echo "$pid" >"$(pid_file "$i")"
}

cmd_up() {
  command -v nats-server >/dev/null 2>&1 || die "nats-server is not installed (apt-get install nats-server, or run deploy/local/infra.sh up once)"
  command -v curl >/dev/null 2>&1 || die "curl is needed to check the cluster's health (apt-get install curl)"
  local i pid deadline
  for i in "${!NODES[@]}"; do
    if pid="$(node_pid "$i")"; then
      log "nats-cluster: ${NODES[$i]} running (pid $pid)"
    else
      start_node "$i"
    fi
  done
  # A node alone cannot elect JetStream's meta leader: wait for all of them together.
  deadline=$((SECONDS + TIMEOUT))
  for i in "${!NODES[@]}"; do
    until node_healthy "$i"; do
      if ! node_pid "$i" >/dev/null; then
        tail -n 25 "$LOGS/nats-cluster-${NODES[$i]}.log" >&2 || true
        die "nats-cluster: ${NODES[$i]} exited while starting (log: $LOGS/nats-cluster-${NODES[$i]}.log)"
      fi
      ((SECONDS < deadline)) || die "nats-cluster: ${NODES[$i]} not healthy within ${TIMEOUT}s (log: $LOGS/nats-cluster-${NODES[$i]}.log)"
      sleep 0.5
    done
  done
  log "nats-cluster: up. Point the platform at it:"
  cmd_env >&2
}

cmd_down() {
  local i pid n
  for i in "${!NODES[@]}"; do
    pid="$(node_pid "$i")" || continue
    log "nats-cluster: stopping ${NODES[$i]} (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
  done
  for i in "${!NODES[@]}"; do
    for ((n = 0; n < 60; n++)); do
      node_pid "$i" >/dev/null || break
      sleep 0.5
    done
    if pid="$(node_pid "$i")"; then
      warn "nats-cluster: ${NODES[$i]} (pid $pid) did not stop within 30s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$(pid_file "$i")"
  done
}

cmd_status() {
  local i pid rc=0
  for i in "${!NODES[@]}"; do
    if pid="$(node_pid "$i")"; then
      if node_healthy "$i"; then
        printf '%s  %s:%s  pid %s  healthy\n' "${NODES[$i]}" "$NS_HOST" "$(client_port "$i")" "$pid"
      else
        printf '%s  %s:%s  pid %s  NOT healthy\n' "${NODES[$i]}" "$NS_HOST" "$(client_port "$i")" "$pid"
        rc=3
      fi
    else
      printf '%s  %s:%s  not running\n' "${NODES[$i]}" "$NS_HOST" "$(client_port "$i")"
      rc=3
    fi
  done
  return "$rc"
}

cmd_env() {
  echo "export NATS_URL=$(servers_list)"
  echo "export NATS_STREAM_REPLICAS=${#NODES[@]}"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) cmd_env ;;
  *)
    echo "usage: bash deploy/local/nats-cluster.sh up|down|status|env" >&2
    exit 2
    ;;
esac
