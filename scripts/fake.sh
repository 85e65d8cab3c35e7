# shellcheck shell=bash
# Sourced by the scripts that run the standalone fake Cloudflare (cargo example fake-cloudflare,
# path in $fake). fake_start PORT [serve options...] starts it in the background, sets
# fake_pid, and returns once it listens: it prints one line when it does.
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
