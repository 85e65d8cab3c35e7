#!/usr/bin/env bash
# Offline demo: dyncfdns against a local fake Cloudflare and a fake IP service on 127.0.0.1.
# No token, no network. Run from anywhere: scripts/demo.sh
# Ports: free ones are picked; DEMO_PORT (the fake) and DEMO_API_PORT (the status API) choose
# them, and the demo stops if one is taken. It only talks to the processes it started, and
# stops them on every way out.
set -euo pipefail
cd "$(dirname "$0")/.."

fake_pid=""; service_pid=""
cleanup() {
    for p in $service_pid $fake_pid; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM
die() { echo "demo: $*" >&2; exit 1; }

echo "== building dyncfdns and the fake Cloudflare (a first build compiles the dependencies: a minute or two)"
built=0
cargo build --bin dyncfdns --example fake-cloudflare 2>&1 |
    { grep --line-buffered -E '^ *(Compiling|Finished|error)' || true; } || built=$?
[ "$built" = 0 ] || die "the build failed"
bin=target/debug/dyncfdns
fake=target/debug/examples/fake-cloudflare

pick_port() { # variable name: its value if set and free, else a free port
    local name=$1 value=${!1:-}
    if [ -n "$value" ]; then
        "$fake" free-port "$value" || die "port $value ($name) is taken; set $name to a free port, or unset it to pick one"
        echo "$value"
    else
        "$fake" free-port
    fi
}
port=$(pick_port DEMO_PORT)
api_port=$(pick_port DEMO_API_PORT)
[ "$port" != "$api_port" ] || die "DEMO_PORT and DEMO_API_PORT are the same port"

# shellcheck source=scripts/fake.sh
. scripts/fake.sh
fake_start "$port" --zone example.com --zone lab.example.com \
    --record home.example.com:A:93.184.216.34 \
    --record nas.lab.example.com:A:93.184.216.34 \
    --record home.example.com:TXT:keep-me \
    --ip 8.8.4.4 || die "the fake Cloudflare did not start on port $port"

export HOST_LIST="home.example.com,nas.lab.example.com,new.example.com"
export CLOUDFLARE_API_TOKEN="fake-token-3f9c2a"
export CLOUDFLARE_API_URL="http://127.0.0.1:$port/client/v4"
export IP4_PROVIDER="url:http://127.0.0.1:$port/ip"
export ALLOW_CREATE_HOSTS=true
export API_PORT=0

echo; echo "== records before (fake Cloudflare on 127.0.0.1:$port)"; "$fake" records "$port"
echo; echo "== dyncfdns check: what a pass would do (writes nothing)"
"$bin" check | sed -n '/^Cloudflare:/,$p' || true
echo; echo "== dyncfdns once (the public IP is now 8.8.4.4)"
"$bin" once
echo; echo "== records after"; "$fake" records "$port"

"$fake" set-ip "$port" 8.8.8.8
echo; echo "== the public IP changes to 8.8.8.8: dyncfdns once"
"$bin" once
echo; echo "== records after"; "$fake" records "$port"
echo; echo "The TXT record was never touched; new.example.com was created because ALLOW_CREATE_HOSTS=true."

echo; echo "== the service: a pass every 2 s, status API on 127.0.0.1:$api_port"
API_PORT=$api_port API_BIND=127.0.0.1 API_TOKEN=demo-token UPDATE_INTERVAL=2 "$bin" &
service_pid=$!
alive() { kill -0 "$service_pid" 2>/dev/null || die "the service stopped (see its log above)"; }
for _ in $(seq 1 50); do
    alive
    API_PORT=$api_port API_BIND=127.0.0.1 "$bin" healthcheck >/dev/null 2>&1 && break
    sleep 0.1
done
alive
echo; echo "== GET /health (no token)"; "$fake" get "$api_port" /health
echo; echo "== GET /widget (Authorization: Bearer demo-token)"; "$fake" get "$api_port" /widget demo-token
"$fake" set-ip "$port" 8.8.4.4
echo; echo "== the public IP changes back to 8.8.4.4; SIGUSR1 asks for a pass now"
kill -USR1 "$service_pid"
for _ in $(seq 1 60); do
    alive
    "$fake" get "$api_port" /widget demo-token | grep -q '"current_ip":"8.8.4.4"' && break
    sleep 0.1
done
"$fake" get "$api_port" /widget demo-token
echo; echo "== dyncfdns healthcheck"; API_PORT=$api_port API_BIND=127.0.0.1 "$bin" healthcheck
kill -TERM "$service_pid"; wait "$service_pid" || true
service_pid=""
echo; echo "Stopped with SIGTERM. Real use: set HOST_LIST and CLOUDFLARE_API_TOKEN (see README.md)."
