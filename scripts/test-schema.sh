#!/usr/bin/env bash
# Runs the sync tests again with every request checked against Cloudflare's OpenAPI schema by a
# Prism proxy (npm @stoplight/prism-cli, installed into target/prism on first use); fails on any
# "Violation: request".
set -euo pipefail
cd "$(dirname "$0")/.."

schema=${CLOUDFLARE_SCHEMA:-../shared/cloudflare/openapi-dns-subset.json}
[ -f "$schema" ] || { echo "scripts/test-schema.sh: $schema not found (set CLOUDFLARE_SCHEMA)" >&2; exit 1; }
prism_dir=target/prism
prism=$prism_dir/node_modules/.bin/prism
if [ ! -x "$prism" ]; then
    command -v npm >/dev/null || { echo "scripts/test-schema.sh: npm is needed for the Prism schema check (apt-get install npm)" >&2; exit 1; }
    npm install --prefix "$prism_dir" @stoplight/prism-cli@5.14.2 --no-audit --no-fund --loglevel=error >/dev/null
fi

prism_port=${PRISM_PORT:-4010}
upstream_port=${PRISM_UPSTREAM_PORT:-4011}
log=target/prism.log
"$prism" proxy -h 127.0.0.1 -p "$prism_port" "$schema" "http://127.0.0.1:$upstream_port/client/v4" >"$log" 2>&1 &
prism_pid=$!
trap 'kill "$prism_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
    grep -q "Prism is listening" "$log" && break
    kill -0 "$prism_pid" 2>/dev/null || { cat "$log"; exit 1; }
    sleep 0.5
done
grep -q "Prism is listening" "$log" || { echo "Prism did not start:"; cat "$log"; exit 1; }

echo "== sync tests through Prism (requests validated against $schema)"
DYNCFDNS_TEST_PRISM="http://127.0.0.1:$prism_port" DYNCFDNS_TEST_UPSTREAM_PORT="$upstream_port" \
    cargo test --test sync -- --test-threads=1

forwarded=$(grep -c "Forwarding" "$log" || true)
violations=$(grep -c "Violation: request" "$log" || true)
echo "Prism forwarded $forwarded requests; $violations request violations"
if [ "$forwarded" -lt 50 ]; then
    echo "too few requests went through Prism: the check proved nothing" >&2
    exit 1
fi
if [ "$violations" -gt 0 ]; then
    grep "Violation: request" "$log" | sort | uniq -c >&2
    exit 1
fi
echo "prism requests: $forwarded passed, 0 failed"
