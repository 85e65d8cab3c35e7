#!/usr/bin/env bash
# Runs the sync and set tests again with every request checked against Cloudflare's OpenAPI schema by a
# Prism proxy (npm @stoplight/prism-cli, installed into target/prism on first use); fails on any
# "Violation: request". Twice: by 127.0.0.1 (minreq sends the calls) and by [::1] (an IPv6
# literal, so the direct client sends them).
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
"$prism" proxy -h :: -p "$prism_port" "$schema" "http://127.0.0.1:$upstream_port/client/v4" >"$log" 2>&1 &
prism_pid=$!
trap 'kill "$prism_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
    grep -q "Prism is listening" "$log" && break
    kill -0 "$prism_pid" 2>/dev/null || { cat "$log"; exit 1; }
    sleep 0.5
done
grep -q "Prism is listening" "$log" || { echo "Prism did not start:"; cat "$log"; exit 1; }

total=0
for base in "http://127.0.0.1:$prism_port" "http://[::1]:$prism_port"; do
    echo "== sync tests through Prism at $base (requests validated against $schema)"
    before=$(grep -c "Forwarding" "$log" || true)
    DYNCFDNS_TEST_PRISM="$base" DYNCFDNS_TEST_UPSTREAM_PORT="$upstream_port" \
        cargo test --test sync --test sets -- --test-threads=1
    forwarded=$(( $(grep -c "Forwarding" "$log" || true) - before ))
    echo "Prism forwarded $forwarded requests from $base"
    if [ "$forwarded" -lt 50 ]; then
        echo "too few requests went through Prism from $base: the check proved nothing" >&2
        exit 1
    fi
    total=$((total + forwarded))
done

violations=$(grep -c "Violation: request" "$log" || true)
echo "Prism forwarded $total requests; $violations request violations"
if [ "$violations" -gt 0 ]; then
    grep "Violation: request" "$log" | sort | uniq -c >&2
    exit 1
fi
echo "prism requests: $total passed, 0 failed"
