#!/usr/bin/env bash
# Offline demo: dyncfdns against a local fake Cloudflare and a fake IP service on 127.0.0.1.
# No token, no network. Run from anywhere: scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."

port=${DEMO_PORT:-8787}
echo "== building dyncfdns and the fake Cloudflare"
cargo build --quiet --bin dyncfdns --example fake-cloudflare
bin=target/debug/dyncfdns
fake=target/debug/examples/fake-cloudflare

# shellcheck source=scripts/fake.sh
. scripts/fake.sh
fake_start "$port" --zone example.com --zone lab.example.com \
    --record home.example.com:A:93.184.216.34 \
    --record nas.lab.example.com:A:93.184.216.34 \
    --record home.example.com:TXT:keep-me \
    --ip 8.8.4.4
trap 'kill "$fake_pid" 2>/dev/null || true' EXIT

export HOST_LIST="home.example.com,nas.lab.example.com,new.example.com"
export CLOUDFLARE_API_TOKEN="fake-token-3f9c2a"
export CLOUDFLARE_API_URL="http://127.0.0.1:$port/client/v4"
export IP4_PROVIDER="url:http://127.0.0.1:$port/ip"
export ALLOW_CREATE_HOSTS=true
export API_PORT=0

echo; echo "== records before"; "$fake" records "$port"
echo; echo "== dyncfdns once (the public IP is now 8.8.4.4)"
"$bin" once
echo; echo "== records after"; "$fake" records "$port"

"$fake" set-ip "$port" 8.8.8.8
echo; echo "== the public IP changes to 8.8.8.8: dyncfdns once"
"$bin" once
echo; echo "== records after"; "$fake" records "$port"
echo; echo "The TXT record was never touched; new.example.com was created because ALLOW_CREATE_HOSTS=true."

api_port=${DEMO_API_PORT:-5080}
echo; echo "== the service: a pass every 2 s, status API on 127.0.0.1:$api_port"
API_PORT=$api_port API_BIND=127.0.0.1 API_TOKEN=demo-token UPDATE_INTERVAL=2 "$bin" &
service_pid=$!
trap 'kill "$service_pid" "$fake_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do
    API_PORT=$api_port API_BIND=127.0.0.1 "$bin" healthcheck >/dev/null 2>&1 && break
    sleep 0.1
done
echo; echo "== GET /health (no token)"; "$fake" get "$api_port" /health
echo; echo "== GET /widget (Authorization: Bearer demo-token)"; "$fake" get "$api_port" /widget demo-token
"$fake" set-ip "$port" 8.8.4.4
echo; echo "== the public IP changes back to 8.8.4.4; the next pass picks it up"
for _ in $(seq 1 60); do
    "$fake" get "$api_port" /widget demo-token | grep -q '"current_ip":"8.8.4.4"' && break
    sleep 0.1
done
"$fake" get "$api_port" /widget demo-token
echo; echo "== dyncfdns healthcheck"; API_PORT=$api_port API_BIND=127.0.0.1 "$bin" healthcheck
kill -TERM "$service_pid"; wait "$service_pid" || true
echo; echo "Stopped with SIGTERM. Real use: set HOST_LIST and CLOUDFLARE_API_TOKEN (see README.md)."
