#!/usr/bin/env bash
# The offline demo, as a new user runs it: it passes on free ports, and with a port taken it
# stops naming the variable, with no panic and nothing left running.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp)
trap 'rm -f "$out"; [ -n "${fake_pid:-}" ] && kill "$fake_pid" 2>/dev/null || true' EXIT
fail() { echo "FAIL: $*"; cat "$out"; exit 1; }

scripts/demo.sh >"$out" 2>&1 || fail "the demo"
grep -q '^healthy: ' "$out" || fail "the demo's healthcheck"
echo "demo: passes"

fake=target/debug/examples/fake-cloudflare
# shellcheck source=scripts/fake.sh
. scripts/fake.sh
taken=$("$fake" free-port)
fake_start "$taken"
for var in DEMO_PORT DEMO_API_PORT; do
    if env "$var=$taken" scripts/demo.sh >"$out" 2>&1; then fail "$var taken: the demo went on"; fi
    grep -q "port $taken ($var) is taken" "$out" || fail "$var taken: no message naming it"
    if grep -q panicked "$out"; then fail "$var taken: a panic"; fi
    if pgrep -f "fake-cloudflare serve" | grep -vqx "$fake_pid"; then fail "$var taken: a process left running"; fi
    echo "demo with $var taken: stops naming it"
done
