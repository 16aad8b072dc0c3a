#!/usr/bin/env bash
# npm test: dependencies, local infrastructure, build, migrations against the test databases, then
# the unit and the integration tests. Extra arguments go to both jest runs, e.g.
#   npm test -- -t 'revokes a key'
# The infrastructure stays up afterwards for quick re-runs; `npm run infra:down` stops what
# deploy/local/infra.sh started.
set -euo pipefail

# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$NS_ROOT"

ensure_node_modules
bash deploy/local/infra.sh up
# The browser tests (SDK, console) drive Debian's Chromium; CHROMIUM_PATH picks another one.
[[ -n "${CHROMIUM_PATH:-}" ]] || bash deploy/local/infra.sh browser
bash deploy/local/prometheus.sh up || warn "Prometheus unavailable: its usage test will be skipped"
export_test_env

# A private NATS server for this run: bus subjects and queue groups are global to a server, so a
# platform started with `npm start` on the shared one would answer the tests' requests.
PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
test_nats_dir="$(mktemp -d "${TMPDIR:-/tmp}/northstar-test-nats.XXXXXX")"
test_nats_port="${NORTHSTAR_TEST_NATS_PORT:-$((20000 + RANDOM % 20000))}"
nats-server -a "$NS_HOST" -p "$test_nats_port" -js -sd "$test_nats_dir" >"$test_nats_dir/log" 2>&1 &
test_nats_pid=$!
stop_test_nats() {
  local status=$?
  kill "$test_nats_pid" 2>/dev/null || true
  wait "$test_nats_pid" 2>/dev/null || true
  rm -rf "$test_nats_dir"
  return "$status"
}
trap stop_test_nats EXIT
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/$NS_HOST/$test_nats_port") 2>/dev/null && break
  kill -0 "$test_nats_pid" 2>/dev/null || { cat "$test_nats_dir/log" >&2; die "the test NATS server did not start"; }
  sleep 0.1
done
export NATS_URL="nats://$NS_HOST:$test_nats_port"
log "test environment: DATABASE_URL=$DATABASE_URL CLICKHOUSE_DATABASE=$CLICKHOUSE_DATABASE REDIS_URL=$REDIS_URL NATS_URL=$NATS_URL"

log "building (npm run build)"
npm run build
log "migrating the test databases"
node deploy/build/run.mjs migrate

# With a filter one of the two suites may match nothing: that is not a failure.
extra=()
(($# > 0)) && extra=(--passWithNoTests)

log "unit tests"
npx --no-install jest -c jest.unit.config.ts "${extra[@]}" "$@"
log "integration tests"
npx --no-install jest -c jest.int.config.ts "${extra[@]}" "$@"

log "tests passed; the infrastructure is still running (npm run infra:down stops it)"
log "not run by npm test: npm run test:cluster (the slower cluster fault tests)"
