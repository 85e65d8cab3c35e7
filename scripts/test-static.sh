#!/usr/bin/env bash
# Checks the static release binaries: static linking, --version, one real pass against the
# fake Cloudflare, a TLS handshake up to certificate verification (which runs the architecture's
# own key-exchange and AES-GCM code), and the service (poll loop, status API, `healthcheck`,
# SIGTERM) for each; all but amd64 under qemu-user (Debian qemu-user-static), the TLS peer is openssl.
set -euo pipefail
cd "$(dirname "$0")/.."

arches=(amd64 arm64 armv7 mips mipsel)
# The qemu-user emulator that runs an architecture's binary here (none for amd64).
emulator() {
    case "$1" in
        arm64) echo qemu-aarch64-static ;;
        armv7) echo qemu-arm-static ;;
        mips | mipsel) echo "qemu-$1-static" ;;
    esac
}
missing=()
for arch in "${arches[@]}"; do [ -x "target/static/dyncfdns-$arch" ] || missing+=("$arch"); done
[ ${#missing[@]} = 0 ] || scripts/build-static.sh "${missing[@]}"
for tool in openssl $(for arch in "${arches[@]}"; do emulator "$arch"; done); do
    command -v "$tool" >/dev/null ||
        { echo "scripts/test-static.sh: needs $tool (apt-get install qemu-user-static openssl)" >&2; exit 1; }
done
cargo build --quiet --example fake-cloudflare
fake=target/debug/examples/fake-cloudflare
# Free ports, not fixed ones: other programs run beside the tests.
free_port() { "$fake" free-port; }
port=${FAKE_PORT:-$(free_port)}
pass=0
fail=0
check() {
    local what=$1; shift
    if "$@"; then pass=$((pass + 1)); echo "ok: $what"; else fail=$((fail + 1)); echo "FAIL: $what"; fi
}

# shellcheck source=scripts/fake.sh
. scripts/fake.sh
# shellcheck source=scripts/cold-segment.sh
. scripts/cold-segment.sh
prints_version() { "$@" --version | grep -q '^dyncfdns '; }

work=$(mktemp -d)
tls_port=${TLS_PORT:-$(free_port)}
trap 'kill "${tls_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
untrusted_tls_start "$tls_port" "$work"
# The service: a pass, `healthcheck` against its status API, and exit 0 on SIGTERM.
serves_and_stops() {
    local api=${API_TEST_PORT:-$(free_port)} pid rc healthy=0
    env -i HOST_LIST=home.example.com CLOUDFLARE_API_TOKEN=fake-token-3f9c2a UPDATE_INTERVAL=60 \
        CLOUDFLARE_API_URL="http://127.0.0.1:$port/client/v4" IP4_PROVIDER="url:http://127.0.0.1:$port/ip" \
        API_PORT="$api" API_BIND=127.0.0.1 API_TOKEN=static-test "$@" 2>"$work/service.log" &
    pid=$!
    for _ in $(seq 1 200); do grep -q 'pass ok' "$work/service.log" && break; sleep 0.05; done
    env -i API_PORT="$api" API_BIND=127.0.0.1 "$@" healthcheck >/dev/null && healthy=1
    kill -TERM "$pid"
    rc=0; wait "$pid" || rc=$?
    [ "$healthy" = 1 ] && [ "$rc" = 0 ] && grep -q 'stopping on signal' "$work/service.log"
}
# KB of the cold code segment (scripts/cold-code.ld: the binary's last executable mapping)
# resident in the service after two passes with the given settings; amd64 only (under qemu the
# mappings are the emulator's). A page is resident only if code in it ran, so this is exact.
cold_resident_after_passes() { # word of the pass line (ok|FAILED), VAR=value..., binary
    local word=$1 pid kb
    shift
    env -i HOST_LIST=home.example.com CLOUDFLARE_API_TOKEN=fake-token-3f9c2a UPDATE_INTERVAL=1 \
        CLOUDFLARE_API_URL="http://127.0.0.1:$port/client/v4" IP4_PROVIDER="url:http://127.0.0.1:$port/ip" \
        API_PORT=0 "$@" 2>"$work/cold.log" &
    pid=$!
    for _ in $(seq 1 300); do [ "$(grep -c "pass $word" "$work/cold.log")" -ge 2 ] && break; sleep 0.05; done
    kb=$(cold_resident_kb "$pid" "${*: -1}")
    kill "$pid"; wait "$pid" 2>/dev/null || true
    [ "$(grep -c "pass $word" "$work/cold.log")" -ge 2 ] || { echo "no two passes:" >&2; cat "$work/cold.log" >&2; return 1; }
    echo "$kb"
}
cold_code_paid_only_when_set() {
    local plain tls via
    plain=$(cold_resident_after_passes ok "$@") &&
        tls=$(cold_resident_after_passes FAILED "CLOUDFLARE_API_URL=https://127.0.0.1:$tls_port/client/v4" "$@") &&
        via=$(cold_resident_after_passes ok "IP4_PROVIDER=url.via4:http://127.0.0.1:$port/ip" "$@") || return 1
    echo "   cold code resident: $plain KB (plain HTTP), $tls KB (TLS), $via KB (url.via4: the direct client)"
    [ "$plain" = 0 ] && [ "$tls" = 0 ] && [ "$via" -gt 0 ]
}
# The pass must fail on the untrusted certificate, not before it (no handshake, no key exchange).
# --ca: with a CA file, so the direct client makes the handshake instead of minreq.
reaches_verification() {
    local extra=()
    if [ "$1" = --ca ]; then extra=(SSL_CERT_FILE=tests/fixtures/isrg-root-x1.pem); shift; fi
    ! env -i HOST_LIST=home.example.com CLOUDFLARE_API_TOKEN=fake-token-3f9c2a IP4_PROVIDER=static:8.8.4.4 \
        "CLOUDFLARE_API_URL=https://127.0.0.1:$tls_port/client/v4" API_PORT=0 "${extra[@]}" "$@" once 2>"$work/tls.log" &&
        grep -q 'invalid peer certificate' "$work/tls.log"
}

for arch in "${arches[@]}"; do
    bin=target/static/dyncfdns-$arch
    # shellcheck disable=SC2207 # one word or none
    run=($(emulator "$arch") "$bin")
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
    check "$arch: TLS handshake reaches certificate verification" reaches_verification "${run[@]}"
    check "$arch: the direct client: a one-family detector" env -i HOST_LIST=home.example.com \
        CLOUDFLARE_API_TOKEN=fake-token-3f9c2a CLOUDFLARE_API_URL="http://127.0.0.1:$port/client/v4" \
        IP4_PROVIDER="url.via4:http://127.0.0.1:$port/ip" "${run[@]}" once
    check "$arch: the direct client: TLS with a CA file reaches verification" reaches_verification --ca "${run[@]}"
    check "$arch: service passes, is healthy, stops on SIGTERM" serves_and_stops "${run[@]}"
    if [ "$arch" = amd64 ]; then
        check "$arch: the idle service runs none of the cold code segment; the direct client does" \
            cold_code_paid_only_when_set "${run[@]}"
    fi
    kill "$fake_pid"; wait "$fake_pid" 2>/dev/null || true
done
echo "static binaries: $pass passed, $fail failed"
[ "$fail" = 0 ]
