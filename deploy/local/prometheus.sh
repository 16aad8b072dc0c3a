#!/usr/bin/env bash
# A private Prometheus for the tests of analytics' RPC usage (PromQL over rpc_requests_total).
#
#   deploy/local/prometheus.sh up      install it if missing (Debian package), start it unless running
#   deploy/local/prometheus.sh down    stop the instance this script started
#   deploy/local/prometheus.sh status
#
# It listens on 127.0.0.1:$NORTHSTAR_PROMETHEUS_PORT (9390), scrapes every second the targets listed in
# $NORTHSTAR_PROMETHEUS_TARGETS/*.json (file service discovery: a test writes one file naming the exporter
# it runs on loopback, and removes it afterwards), and keeps its data under .data/prometheus/ for a day.
# The targets folder is outside the checkout (default ${TMPDIR:-/tmp}/northstar-prometheus-targets) so that
# a test run from another checkout can use an instance this one started.
set -euo pipefail

# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT="${NORTHSTAR_PROMETHEUS_PORT:-9390}"
DIR="$NS_ROOT/.data/prometheus"
TARGETS="${NORTHSTAR_PROMETHEUS_TARGETS:-${TMPDIR:-/tmp}/northstar-prometheus-targets}"
PID_FILE="$NS_ROOT/.data/run/prometheus.pid"
LOG="$NS_ROOT/.data/logs/prometheus.log"
TIMEOUT="${NORTHSTAR_INFRA_TIMEOUT:-90}"
PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

ready() { curl -fs --max-time 2 "http://$NS_HOST:$PORT/-/ready" >/dev/null 2>&1; }

our_pid() {
  local pid
  pid="$(cat "$PID_FILE" 2>/dev/null)" || return 1
  [[ -n "$pid" ]] && grep -q prometheus "/proc/$pid/cmdline" 2>/dev/null && echo "$pid"
}

install() {
  command -v prometheus >/dev/null 2>&1 && return 0
  [[ "$(id -u)" -eq 0 ]] || die "prometheus is not installed: sudo apt-get install -y prometheus, or run this script as root"
  log "apt-get install -y prometheus"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  command -v prometheus >/dev/null 2>&1 || die "package prometheus installed but the prometheus command is still not found"
}

write_config() {
  mkdir -p "$TARGETS" "$DIR/data" "$(dirname "$PID_FILE")" "$(dirname "$LOG")"
  cat >"$DIR/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: rpc-edge
    file_sd_configs:
      - files: ['$TARGETS/*.json']
        refresh_interval: 1s
EOF
}

up() {
  install
  if pid="$(our_pid)" && ready; then
    log "prometheus: running on $NS_HOST:$PORT (pid $pid)"
    return 0
  fi
  if ready; then
    log "prometheus: using the server already listening on $NS_HOST:$PORT (its config must read $TARGETS/*.json)"
    return 0
  fi
  write_config
  printf '=== %s: started by deploy/local/prometheus.sh\n' "$(date '+%F %T')" >>"$LOG"
  setsid prometheus --config.file="$DIR/prometheus.yml" --storage.tsdb.path="$DIR/data" \
    --storage.tsdb.retention.time=1d --web.listen-address="$NS_HOST:$PORT" \
    </dev/null >>"$LOG" 2>&1 9>&- &
  echo "$!" >"$PID_FILE"
  local deadline=$((SECONDS + TIMEOUT))
  until ready; do
    our_pid >/dev/null || { tail -n 20 "$LOG" >&2; die "prometheus exited while starting (log: $LOG)"; }
    ((SECONDS < deadline)) || die "prometheus did not answer within ${TIMEOUT}s (log: $LOG)"
    sleep 0.3
  done
  log "prometheus: started on $NS_HOST:$PORT (pid $(cat "$PID_FILE"), log $LOG)"
}

down() {
  local pid
  if pid="$(our_pid)"; then
    kill -TERM "$pid"
    for _ in $(seq 1 60); do our_pid >/dev/null || break; sleep 0.5; done
    log "prometheus: stopped (pid $pid)"
  else
    log "prometheus: not started by this script"
  fi
  rm -f "$PID_FILE"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) if ready; then log "prometheus: up on $NS_HOST:$PORT"; else log "prometheus: down"; fi ;;
  *) die "usage: deploy/local/prometheus.sh up|down|status" ;;
esac
