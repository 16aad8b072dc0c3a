#!/usr/bin/env bash
# npm run test:cluster: the tests of the clustered shape (`*.cluster-spec.ts`, jest.cluster.config.ts),
# too slow for `npm test` and so not run by CI: each starts its own servers (three NATS nodes on free
# loopback ports, say) and the parts of the platform it breaks, on the local PostgreSQL, Redis and
# ClickHouse that infra.sh brings up. Extra arguments go to jest, e.g. npm run test:cluster -- -t leader
set -euo pipefail

# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$NS_ROOT"

ensure_node_modules
bash deploy/local/infra.sh up
export_test_env
# Debian puts nats-server in /usr/sbin; the tests start it from PATH.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

log "cluster tests"
npx --no-install jest -c jest.cluster.config.ts "$@"
