#!/usr/bin/env bash
# Checks the static release binaries: static linking, --version, and one real pass against the
# fake Cloudflare for each; the aarch64 one under qemu-aarch64-static (Debian qemu-user-static).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x target/static/dyncfdns-amd64 ] || [ ! -x target/static/dyncfdns-arm64 ]; then scripts/build-static.sh; fi
command -v qemu-aarch64-static >/dev/null ||
    { echo "scripts/test-static.sh: needs qemu-aarch64-static (apt-get install qemu-user-static)" >&2; exit 1; }
cargo build --quiet --example fake-cloudflare
fake=target/debug/examples/fake-cloudflare
port=${FAKE_PORT:-18789}
pass=0
fail=0
check() {
    local what=$1; shift
    if "$@"; then pass=$((pass + 1)); echo "ok: $what"; else fail=$((fail + 1)); echo "FAIL: $what"; fi
}

# shellcheck source=scripts/fake.sh
. scripts/fake.sh
prints_version() { "$@" --version | grep -q '^dyncfdns '; }

for arch in amd64 arm64; do
    bin=target/static/dyncfdns-$arch
    run=("$bin")
    [ "$arch" = arm64 ] && run=(qemu-aarch64-static "$bin")
    echo "== $bin ($(stat -c %s "$bin") bytes)"
    check "$arch: statically linked" sh -c "file '$bin' | grep -q 'statically linked'"
    check "$arch: stripped" sh -c "file '$bin' | grep -q ', stripped'"
    check "$arch: --version" prints_version "${run[@]}"

    fake_start "$port" --zone example.com --record "home.example.com:A:93.184.216.34" --ip 8.8.4.4
    check "$arch: once against the fake" env -i HOST_LIST=home.example.com,new.example.com \
        ALLOW_CREATE_HOSTS=true CLOUDFLARE_API_TOKEN=fake-token-3f9c2a \
        CLOUDFLARE_API_URL="http://127.0.0.1:$port/client/v4" \
        IP4_PROVIDER="url:http://127.0.0.1:$port/ip" "${run[@]}" once
    check "$arch: records updated" test "$("$fake" records "$port" | grep -c ' A 8.8.4.4 ')" = 2
    kill "$fake_pid"; wait "$fake_pid" 2>/dev/null || true
done
echo "static binaries: $pass passed, $fail failed"
[ "$fail" = 0 ]
