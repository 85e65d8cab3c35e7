#!/usr/bin/env bash
# Soak: the service with UPDATE_INTERVAL=1 for PASSES passes (default 1000) while the public
# address flips every second and wrk keeps requesting /health. Checks that every pass runs on
# schedule, that RSS grows by at most 64 KB after warm-up, and that open descriptors stay flat.
#   scripts/soak.sh [PASSES]        (CI runs a short form: scripts/soak.sh 30)
set -euo pipefail
cd "$(dirname "$0")/.."

passes=${1:-1000}
# The heap reaches its plateau within about 30 passes (a pass holds its whole plan, every
# zone's changes, before it writes); growth is measured from there.
warmup=30
port=19887; api=19600
# The binary users run: static musl, whose malloc is the one that must not creep.
scripts/build-static.sh amd64 >/dev/null
cargo build --quiet --release --example fake-cloudflare
bin=target/static/dyncfdns-amd64
fake=target/release/examples/fake-cloudflare
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

# shellcheck source=scripts/fake.sh
. scripts/fake.sh
fake_start "$port" --zone example.com --record a.example.com:A:93.184.216.34 \
    --record b.example.com:A:93.184.216.34 --ip 8.8.4.4
pids+=("$fake_pid")

env -i HOST_LIST=a.example.com,b.example.com CLOUDFLARE_API_TOKEN=fake-token-3f9c2a \
    CLOUDFLARE_API_URL="http://127.0.0.1:$port/client/v4" IP4_PROVIDER="url:http://127.0.0.1:$port/ip" \
    API_PORT="$api" API_BIND=127.0.0.1 API_TOKEN=soak UPDATE_INTERVAL=1 CONFIRM_CHANGES=false "$bin" 2>"$work/log" &
daemon=$!
pids+=("$daemon")

count() { grep -c '^.* pass ' "$work/log" || true; }
wait_passes() {
    for _ in $(seq 1 $(( ($1 + 30) * 20 ))); do [ "$(count)" -ge "$1" ] && return; sleep 0.05; done
    echo "only $(count) of $1 passes happened"; tail -5 "$work/log"; exit 1
}
# The address flips every second: a flapping provider, which the two-answer rule would rightly
# never write (tests/confirm.rs); here every flip is a write, for the most work per pass.
( while :; do "$fake" set-ip "$port" 8.8.8.8; sleep 1; "$fake" set-ip "$port" 8.8.4.4; sleep 1; done ) >/dev/null 2>&1 &
pids+=("$!")
if command -v wrk >/dev/null; then
    wrk -t1 -c10 -d$(( passes + warmup + 60 ))s "http://127.0.0.1:$api/health" >"$work/wrk.txt" 2>&1 &
    pids+=("$!")
else
    echo "(wrk not installed: no load on /health)"
fi

rss() { awk '/^VmRSS:/ {print $2}' "/proc/$daemon/status"; }
# The heap and stacks: what a creeping malloc would grow (the rest is code pages mapped once run).
anon() { awk '/^RssAnon:/ {print $2}' "/proc/$daemon/status"; }
fds() { find "/proc/$daemon/fd" -mindepth 1 -maxdepth 1 | wc -l; }
wait_passes "$warmup"
rss0=$(rss); anon0=$(anon); fds0=$(fds); t0=$(date +%s)
echo "warm after $warmup passes: RSS ${rss0} KB (anonymous ${anon0} KB), ${fds0} descriptors"
wait_passes $(( warmup + passes ))
rss1=$(rss); anon1=$(anon); fds1=$(fds); t1=$(date +%s)
echo "after $passes more passes (${t1}-${t0} = $((t1 - t0)) s): RSS ${rss1} KB (anonymous ${anon1} KB), ${fds1} descriptors"

pass=0; fail=0
check() { local what=$1; shift; if "$@"; then pass=$((pass + 1)); echo "ok: $what"; else fail=$((fail + 1)); echo "FAIL: $what"; fi; }
check "no failed pass" test "$(grep -c 'pass FAILED' "$work/log" || true)" = 0
check "RSS grew by at most 64 KB ($((rss1 - rss0)) KB)" test $((rss1 - rss0)) -le 64
check "descriptors flat ($fds0 -> $fds1)" test "$fds1" -le "$fds0"
# Start to start every second: consecutive pass lines (1 s resolution) at most 2 s apart,
# and no fewer passes than seconds elapsed, less one for rounding.
late=$(grep ' pass ' "$work/log" | awk '{print substr($1, 12, 8)}' |
    awk -F: '{t = $1*3600 + $2*60 + $3; if (NR > 1 && t - p > 2 && t - p < 80000) late++; p = t} END {print late + 0}')
check "every pass on schedule ($late late)" test "$late" = 0
check "passes kept pace with the clock" test "$passes" -ge $(( t1 - t0 - 1 ))
check "the address flips landed" test "$(grep -c 'updated a.example.com' "$work/log")" -ge $(( passes / 3 ))
echo "soak: $pass passed, $fail failed"
[ "$fail" = 0 ]
