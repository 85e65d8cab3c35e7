#!/usr/bin/env bash
# The status page in headless Chromium: the service runs against the fake Cloudflare, the page
# asks for the token, and the hosts render. Needs Debian's chromium and node/npm; installs
# playwright-core (no browser download) into target/page-test. Writes target/status-page.png
# (SCREENSHOT=path to write it elsewhere, e.g. the README's picture).
set -euo pipefail
cd "$(dirname "$0")/.."

chromium=${CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || { echo "scripts/test-page.sh: needs chromium (apt-get install chromium)" >&2; exit 1; }
command -v npm >/dev/null || { echo "scripts/test-page.sh: needs node and npm" >&2; exit 1; }
prefix=target/page-test
if [ ! -d "$prefix/node_modules/playwright-core" ]; then
    npm install --prefix "$prefix" playwright-core@1.65.1 --no-audit --no-fund --loglevel=error >/dev/null
fi
cargo build --quiet --bin dyncfdns --example fake-cloudflare
fake=target/debug/examples/fake-cloudflare
port=${FAKE_PORT:-18790}
api=${API_TEST_PORT:-15090}
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

# shellcheck source=scripts/fake.sh
. scripts/fake.sh
fake_start "$port" --zone example.com --record home.example.com:A:93.184.216.34 \
    --record nas.example.com:A:8.8.4.4 --ip 8.8.4.4
pids+=("$fake_pid")
(cd "$work" && exec env -i HOST_LIST=home.example.com,nas.example.com CLOUDFLARE_API_TOKEN=fake-token-3f9c2a \
    CLOUDFLARE_API_URL="http://127.0.0.1:$port/client/v4" IP4_PROVIDER="url:http://127.0.0.1:$port/ip" \
    API_PORT="$api" API_BIND=127.0.0.1 API_TOKEN=page-token-7 "$OLDPWD/target/debug/dyncfdns" 2>"$work/log") &
pids+=("$!")
for _ in $(seq 1 100); do grep -q "pass ok" "$work/log" 2>/dev/null && break; sleep 0.1; done
grep -q "pass ok" "$work/log" || { cat "$work/log"; exit 1; }

PLAYWRIGHT_PREFIX="$PWD/$prefix" CHROMIUM="$chromium" \
    node scripts/test-page.mjs "http://127.0.0.1:$api" page-token-7 "${SCREENSHOT:-target/status-page.png}"
