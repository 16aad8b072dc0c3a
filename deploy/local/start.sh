#!/usr/bin/env bash
# npm start: dependencies, local infrastructure, build, migrations, then every app in the foreground.
# Ctrl-C stops the apps, then `infra.sh down` stops the servers infra.sh started (never servers that
# were already running). NORTHSTAR_KEEP_INFRA=1 leaves the infrastructure running.
set -euo pipefail

# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$NS_ROOT"

ensure_node_modules

# shellcheck disable=SC2317 # called by the EXIT trap
stop_infra() {
  local status=$?
  if [[ "${NORTHSTAR_KEEP_INFRA:-0}" == 1 ]]; then
    log "infrastructure left running (npm run infra:down stops it)"
  else
    bash deploy/local/infra.sh down || true
  fi
  exit "$status"
}
trap stop_infra EXIT

bash deploy/local/infra.sh up
export_dev_env

log "building (npm run build)"
npm run build
log "migrating"
node deploy/build/run.mjs migrate

gateway="http://localhost:${PORT:-3000}"
log "starting the apps: console $gateway/, API $gateway/v1, docs $gateway/docs (Ctrl-C stops everything)"
node deploy/build/run.mjs start &
supervisor=$!
# The supervisor stops the apps on SIGTERM; a terminal Ctrl-C reaches it directly as well.
trap 'kill -TERM "$supervisor" 2>/dev/null || true' INT TERM HUP
status=0
wait "$supervisor" || status=$?
# `wait` returns early when a trapped signal arrives: wait until the supervisor is really gone.
while kill -0 "$supervisor" 2>/dev/null; do
  status=0
  wait "$supervisor" || status=$?
done
exit "$status"
