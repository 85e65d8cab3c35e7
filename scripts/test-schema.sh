#!/usr/bin/env bash
# Runs the sync and set tests again with every request checked against Cloudflare's OpenAPI schema by a
# Prism proxy (npm @stoplight/prism-cli, installed into target/prism on first use), and the WAF
# list tests against the Lists cut; fails on any "Violation: request". Each twice: by 127.0.0.1
# (minreq sends the calls) and by [::1] (an IPv6 literal, so the direct client sends them).
set -euo pipefail
cd "$(dirname "$0")/.."

dns_schema=${CLOUDFLARE_SCHEMA:-../shared/cloudflare/openapi-dns-subset.json}
lists_schema=${CLOUDFLARE_LISTS_SCHEMA:-../shared/cloudflare/openapi-lists-subset.json}
for schema in "$dns_schema" "$lists_schema"; do
    [ -f "$schema" ] || { echo "scripts/test-schema.sh: $schema not found (set CLOUDFLARE_SCHEMA / CLOUDFLARE_LISTS_SCHEMA)" >&2; exit 1; }
done
prism_dir=target/prism
prism=$prism_dir/node_modules/.bin/prism
if [ ! -x "$prism" ]; then
    command -v npm >/dev/null || { echo "scripts/test-schema.sh: npm is needed for the Prism schema check (apt-get install npm)" >&2; exit 1; }
    npm install --prefix "$prism_dir" @stoplight/prism-cli@5.14.2 --no-audit --no-fund --loglevel=error >/dev/null
fi

prism_port=${PRISM_PORT:-4010}
upstream_port=${PRISM_UPSTREAM_PORT:-4011}
prism_pid=
trap 'kill "$prism_pid" 2>/dev/null || true' EXIT
total=0

# check SCHEMA LOG MINIMUM AUTH TESTS...: the tests through a Prism that validates against SCHEMA.
check() {
    local schema=$1 log=$2 minimum=$3 auth=$4
    shift 4
    "$prism" proxy -h :: -p "$prism_port" "$schema" "http://127.0.0.1:$upstream_port/client/v4" >"$log" 2>&1 &
    prism_pid=$!
    for _ in $(seq 1 120); do
        grep -q "Prism is listening" "$log" && break
        kill -0 "$prism_pid" 2>/dev/null || { cat "$log"; exit 1; }
        sleep 0.5
    done
    grep -q "Prism is listening" "$log" || { echo "Prism did not start:"; cat "$log"; exit 1; }
    local base before forwarded
    for base in "http://127.0.0.1:$prism_port" "http://[::1]:$prism_port"; do
        echo "== $* through Prism at $base (requests validated against $schema)"
        before=$(grep -c "Forwarding" "$log" || true)
        DYNCFDNS_TEST_PRISM="$base" DYNCFDNS_TEST_UPSTREAM_PORT="$upstream_port" DYNCFDNS_TEST_AUTH="$auth" \
            cargo test "$@" -- --test-threads=1
        forwarded=$(( $(grep -c "Forwarding" "$log" || true) - before ))
        echo "Prism forwarded $forwarded requests from $base"
        if [ "$forwarded" -lt "$minimum" ]; then
            echo "too few requests went through Prism from $base: the check proved nothing" >&2
            exit 1
        fi
        total=$((total + forwarded))
    done
    kill "$prism_pid" 2>/dev/null || true
    wait "$prism_pid" 2>/dev/null || true
}

check "$dns_schema" target/prism.log 50 token --test sync --test sets
# This revision of the Lists cut names only the Global API Key (see ../shared/cloudflare's
# README): the list tests send it, so a Bearer token is not reported as a violation.
check "$lists_schema" target/prism-lists.log 20 key --test waf

violations=$(cat target/prism.log target/prism-lists.log | grep -c "Violation: request" || true)
echo "Prism forwarded $total requests; $violations request violations"
if [ "$violations" -gt 0 ]; then
    cat target/prism.log target/prism-lists.log | grep "Violation: request" | sort | uniq -c >&2
    exit 1
fi
echo "prism requests: $total passed, 0 failed"
