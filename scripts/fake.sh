# shellcheck shell=bash
# Sourced by the scripts that run the standalone fake Cloudflare (cargo example fake-cloudflare,
# path in $fake). fake_start PORT [serve options...] starts it in the background, sets
# fake_pid, and returns once it listens: it prints one line when it does.
# untrusted_tls_start PORT DIR starts a TLS listener (openssl s_server) with a fresh self-signed
# certificate in DIR, sets tls_pid, and returns once it accepts connections: dyncfdns's handshake
# with it runs up to certificate verification and fails there.
fake_start() {
    local port=$1
    shift
    exec {fake_out}< <(exec "${fake:?}" serve "$port" "$@")
    # shellcheck disable=SC2034 # read by the scripts that source this file
    fake_pid=$!
    if ! read -r -t 30 -u "$fake_out" _; then
        echo "the fake Cloudflare did not start on port $port" >&2
        return 1
    fi
}

untrusted_tls_start() {
    local port=$1 dir=$2
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=127.0.0.1 \
        -keyout "$dir/key.pem" -out "$dir/cert.pem" >/dev/null 2>&1
    openssl s_server -quiet -www -accept "$port" -cert "$dir/cert.pem" -key "$dir/key.pem" >/dev/null 2>&1 &
    # shellcheck disable=SC2034 # read by the scripts that source this file
    tls_pid=$!
    for _ in $(seq 1 100); do (: <"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return; sleep 0.05; done
    echo "the TLS listener did not start on port $port" >&2
    return 1
}
