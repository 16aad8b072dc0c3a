#!/usr/bin/env bash
# Prints a .env of fresh secrets for `docker compose up` (which reads ./.env):
#   bash deploy/docker/secrets.sh > .env
# The apps run with NODE_ENV=production there and refuse to start with a secret unset or left at its
# development value. .env is ignored by git: keep it out of the repository.
set -euo pipefail
secret() { printf 's%s' "$(openssl rand -hex 24)"; }
for name in JWT_SECRET WEBHOOK_SECRETS_KEY BUS_SIGNING_KEY EVENT_TOKENS_KEY; do
  echo "${name}=$(secret)"
done
for user in GATEWAY IDENTITY TENANCY KEYS CHAINS INGESTION ANALYTICS NOTIFICATIONS; do
  echo "NATS_${user}_PASSWORD=$(secret)"
done
