# shellcheck shell=bash
# shellcheck disable=SC2034 # variables are used by the scripts that source this file
# Shared settings for deploy/local/*.sh. Source it; it does not run anything by itself.
#
# Ports can be overridden through the environment (all bind to 127.0.0.1):
#   NORTHSTAR_PG_PORT (5432)  NORTHSTAR_REDIS_PORT (6379)  NORTHSTAR_NATS_PORT (4222)
#   NORTHSTAR_CH_HTTP_PORT (8123)  NORTHSTAR_CH_TCP_PORT (9000)

NS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
NS_HOST=127.0.0.1
NS_PG_PORT="${NORTHSTAR_PG_PORT:-5432}"
NS_REDIS_PORT="${NORTHSTAR_REDIS_PORT:-6379}"
NS_NATS_PORT="${NORTHSTAR_NATS_PORT:-4222}"
NS_CH_HTTP_PORT="${NORTHSTAR_CH_HTTP_PORT:-8123}"
NS_CH_TCP_PORT="${NORTHSTAR_CH_TCP_PORT:-9000}"

if [[ -t 2 ]]; then
  NS_BOLD=$'\e[1m' NS_RED=$'\e[31m' NS_YELLOW=$'\e[33m' NS_RESET=$'\e[0m'
else
  NS_BOLD='' NS_RED='' NS_YELLOW='' NS_RESET=''
fi

log() { printf '%s==>%s %s\n' "$NS_BOLD" "$NS_RESET" "$*" >&2; }
warn() { printf '%swarning:%s %s\n' "$NS_YELLOW" "$NS_RESET" "$*" >&2; }
die() {
  printf '%serror:%s %s\n' "$NS_RED" "$NS_RESET" "$*" >&2
  exit 1
}

# Install npm dependencies when node_modules is missing or older than package.json / the lockfile.
# `npm ci` is not used: it fails against the registry copy these machines use (see STACK-NOTES).
ensure_node_modules() {
  local stale=0 f
  if [[ ! -d "$NS_ROOT/node_modules" ]]; then
    stale=1
  else
    for f in package.json package-lock.json; do
      [[ -f "$NS_ROOT/$f" && "$NS_ROOT/$f" -nt "$NS_ROOT/node_modules" ]] && stale=1
    done
  fi
  if ((stale)); then
    log "installing npm dependencies (npm install)"
    (cd "$NS_ROOT" && npm install --no-audit --no-fund)
    # npm install may rewrite package-lock.json; mark node_modules as up to date afterwards.
    touch "$NS_ROOT/node_modules"
  fi
}

# Development environment for the apps, pointing at the ports above. Values already set win.
export_dev_env() {
  export NODE_ENV="${NODE_ENV:-development}"
  export NATS_URL="${NATS_URL:-nats://$NS_HOST:$NS_NATS_PORT}"
  export DATABASE_URL="${DATABASE_URL:-postgresql://postgres@$NS_HOST:$NS_PG_PORT/northstar}"
  export REDIS_URL="${REDIS_URL:-redis://$NS_HOST:$NS_REDIS_PORT/0}"
  export CLICKHOUSE_URL="${CLICKHOUSE_URL:-http://$NS_HOST:$NS_CH_HTTP_PORT}"
  export CLICKHOUSE_DATABASE="${CLICKHOUSE_DATABASE:-northstar}"
}

# Test environment: always the *_test databases and Redis db 1, whatever the shell had set.
export_test_env() {
  export NODE_ENV=test
  export NATS_URL="nats://$NS_HOST:$NS_NATS_PORT"
  export DATABASE_URL="postgresql://postgres@$NS_HOST:$NS_PG_PORT/northstar_test"
  export REDIS_URL="redis://$NS_HOST:$NS_REDIS_PORT/1"
  export CLICKHOUSE_URL="http://$NS_HOST:$NS_CH_HTTP_PORT"
  export CLICKHOUSE_DATABASE=northstar_test
}
