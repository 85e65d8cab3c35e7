#!/usr/bin/env bash
# Measures dyncfdns and prints one Markdown table: sizes, memory, CPU, wake-ups, Cloudflare
# calls per pass, and status API throughput. Run on demand, not in the tests:
#   scripts/bench.sh                     RUNS=5 IDLE_SECONDS=60 WRK_SECONDS=10 by default
#   scripts/bench.sh hostile             only the status API under hostile clients
#   scripts/bench.sh scale               only how the cost grows with hosts and zones
#   scripts/bench.sh stalls              only the bounds with Cloudflare hanging
#   scripts/bench.sh networks            only the RSS cost of CA files, one-family dials, a proxy
#   scripts/bench.sh calls               only Cloudflare calls and detection requests per pass
#   scripts/bench.sh peak                only the peak RSS of `once` (VmHWM at its exit)
#   scripts/bench.sh lan                 only a prefix change moving 50 LAN hosts' AAAA (host IDs)
#   scripts/bench.sh watch               only the network watch, in a network namespace of its
#                                        own (root): change to write, unrelated changes, idle
#                                        cost; BEFORE=<git rev> adds that build's idle cost
# Everything runs against the fake Cloudflare on 127.0.0.1. Needs wrk and openssl
# (Debian: wrk, openssl). Values are medians of RUNS runs; the machine is noisy.
set -euo pipefail
cd "$(dirname "$0")/.."

# The watch's rows change addresses and routes: in a network namespace of their own.
if [ "${1:-}" = watch ] && [ -z "${BENCH_NETNS:-}" ]; then
    [ "$(id -u)" = 0 ] || { echo "scripts/bench.sh watch: needs root (a network namespace)" >&2; exit 1; }
    exec unshare -n env BENCH_NETNS=1 bash "$0" "$@"
fi
[ -z "${BENCH_NETNS:-}" ] || ip link set lo up

runs=${RUNS:-5}
idle_secs=${IDLE_SECONDS:-60}
wrk_secs=${WRK_SECONDS:-10}
daemon_runs=$(( runs < 3 ? runs : 3 ))
port=19787; api=19500; tls_port=19443

for tool in wrk openssl gzip; do
    command -v "$tool" >/dev/null || { echo "scripts/bench.sh: needs $tool (apt-get install $tool)" >&2; exit 1; }
done

echo "building (static release binaries, release fake)..." >&2
if [ -n "${1:-}" ]; then scripts/build-static.sh amd64 >/dev/null; else scripts/build-static.sh >/dev/null; fi
cargo build --quiet --release --example fake-cloudflare --example attack --example peak
bin=target/static/dyncfdns-amd64
fake=target/release/examples/fake-cloudflare
attack=target/release/examples/attack
# The program's own peak RSS (VmHWM at its exit), not the launcher's: see tests/fake/peak.rs.
peak=target/release/examples/peak
peak_kb() { sed -n 's/^peak-rss-kb //p' "$1" | tail -n1; }
work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

median() {
    sort -n | awk '{v[NR]=$1} END {if (NR == 0) print "n/a"; else if (NR % 2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'
}
kb() { awk -v b="$1" 'BEGIN {printf "%.2f MB", b/1e6}'; }
rows=()
row() { rows+=("| $1 | $2 | $3 | $4 |"); }

# shellcheck source=scripts/fake.sh
. scripts/fake.sh
start_fake() {
    fake_start "$port" --zone example.com --zone example.org \
        --record a.example.com:A:93.184.216.34 --record b.example.com:A:93.184.216.34 \
        --record c.example.org:A:93.184.216.34 --ip 8.8.4.4
    pids+=("$fake_pid")
}
stop_fake() { kill "$fake_pid" 2>/dev/null || true; wait "$fake_pid" 2>/dev/null || true; }

base_env=("HOST_LIST=a.example.com,b.example.com,c.example.org" CLOUDFLARE_API_TOKEN=fake-token-3f9c2a
    "CLOUDFLARE_API_URL=http://127.0.0.1:$port/client/v4" "IP4_PROVIDER=url:http://127.0.0.1:$port/ip")

# --- helpers for the service --------------------------------------------------------------
# RSS counts the code pages the kernel maps, and how many it maps around each page run depends
# on what of the binary is in the page cache: the same binary measured 1,164 or 1,292 KB idle.
# Every start is from a cold cache (as after a boot), which repeats to within 4 KB.
cold_binary() { sync "$bin"; dd if="$bin" iflag=nocache count=0 status=none; }
start_daemon() { # interval, log file, extra VAR=value...
    cold_binary
    env -i "${base_env[@]}" API_PORT="$api" API_BIND=127.0.0.1 API_TOKEN=bench UPDATE_INTERVAL="$1" "${@:3}" "$bin" 2>"$2" &
    daemon_pid=$!
    pids+=("$daemon_pid")
}
# shellcheck source=scripts/cold-segment.sh
. scripts/cold-segment.sh
cold_resident() { cold_resident_kb "$1" "$bin"; } # pid
cold_size() { echo $(( ($(cold_segment_bytes "$bin") + 1023) / 1024 )); } # KB
stop_daemon() { kill "$daemon_pid" 2>/dev/null || true; wait "$daemon_pid" 2>/dev/null || true; }
wait_passes() { # count, log file[, the pass line's word: ok or FAILED]
    for _ in $(seq 1 600); do [ "$(grep -c "pass ${3:-ok}" "$2")" -ge "$1" ] && return; sleep 0.1; done
    echo "the service did not finish $1 passes:" >&2; cat "$2" >&2; exit 1
}
cpu_ns() { awk '{print $1}' "/proc/$1/schedstat"; }
# The summary of the pass that wrote the new address 8.8.8.8.
landed='pass ok: IPv4 8.8.8.8.* [1-9][0-9]* updated'


# --- the status API under hostile clients (tests/hostile.rs has the same loads) ---------------
hostile_row() { # label, mode, extra attack args...
    local rest peak p50 p99
    sleep 1
    rest=$(awk '/^VmRSS:/ {print $2}' "/proc/$daemon_pid/status")
    read -r peak p50 p99 < <("$attack" "$api" "$daemon_pid" "$2" "${@:3}")
    row "RSS under $1 (at rest: $rest KB)" "$peak KB ($(delta $((peak - rest))))" "<= rest + 4 MB" ""
    row "  a fresh client's \`/health\` p50 / p99 meanwhile" "$p50 / $p99 ms" "" ""
}
hostile_rows() {
    local mode label
    for mode in noread slowloris pipeline; do
        case $mode in
            noread) label="1000 clients pipelining \`/widget\`, never reading" ;;
            slowloris) label="1000 slowloris heads" ;;
            *) label="10,000 pipelined \`/health\` in one write" ;;
        esac
        start_fake; start_daemon 3600 "$work/d.log"; wait_passes 1 "$work/d.log"
        hostile_row "$label" "$mode" bench
        stop_daemon; stop_fake
    done
    fake_start "$port" --zone x.io --ip 8.8.4.4
    pids+=("$fake_pid")
    start_daemon 3600 "$work/d.log" "HOST_LIST=$(seq -s, -f 'h%g.x.io' 0 9999)" METRICS_PUBLIC=true
    wait_passes 1 "$work/d.log"  # missing records: the pass is ok, and says so
    hostile_row "300 clients not reading \`/metrics\`, 10,000 hosts" metrics
    stop_daemon; stop_fake
}

# --- how the cost grows: hosts x zones ---------------------------------------------------------
calls_of() { sed -n "${1}p" | sed 's/.*; \([0-9]*\) Cloudflare calls/\1/'; }
scale_row() { # hosts, zones
    local n=$1 z=$2 args=() hosts i c0 c1 c2 c3
    for i in $(seq 0 $((z - 1))); do args+=(--zone "z$i.io"); done
    for i in $(seq 0 $((n - 1))); do args+=(--record "h$i.z$((i % z)).io:A:93.184.216.34"); done
    hosts=$(for i in $(seq 0 $((n - 1))); do printf 'h%s.z%s.io,' "$i" $((i % z)); done)
    fake_start "$port" "${args[@]}" --ip 93.184.216.34
    pids+=("$fake_pid")
    c0=0
    start_daemon 2 "$work/s.log" "HOST_LIST=${hosts%,}"
    wait_passes 1 "$work/s.log"
    c1=$(cpu_ns "$daemon_pid")
    wait_passes 2 "$work/s.log"
    c2=$(cpu_ns "$daemon_pid")
    "$fake" set-ip "$port" 8.8.8.8
    # One provider: the change lands on the pass after the one that first saw it (which makes
    # no Cloudflare call), so wait for the pass that wrote.
    for _ in $(seq 1 600); do grep -q "$landed" "$work/s.log" && break; sleep 0.1; done
    c3=$(cpu_ns "$daemon_pid")
    row "$n hosts, $z zones: calls first / steady / change" \
        "$(grep 'pass ok' "$work/s.log" | calls_of 1) / $(grep 'pass ok' "$work/s.log" | calls_of 2) / $(grep "$landed" "$work/s.log" | calls_of 1)" \
        "first <= 1 + $z x ceil(records/5000); steady 0; change <= 2 x $z x ceil(changes/200)" ""
    row "  peak RSS; CPU of the first / steady / change pass" \
        "$(awk '/^VmHWM:/ {print $2}' "/proc/$daemon_pid/status") KB; $(( (c1 - c0) / 1000000 )) / $(( (c2 - c1) / 1000000 )) / $(( (c3 - c2) / 1000000 )) ms" "" ""
    stop_daemon; stop_fake
}
scale_rows() {
    local n z
    for z in 1 50; do for n in 10 100 1000 10000; do scale_row "$n" "$z"; done; done
}

# --- bounds with Cloudflare hanging (tests/stalls.rs asserts them) ----------------------------
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
stall_rows() {
    local t0 t1 worst=0 bad=0 probes=0 took=() took_del=() end
    start_fake
    start_daemon 1 "$work/s.log" UPDATE_TIMEOUT=5 RECORD_CACHE_TTL=0
    wait_passes 1 "$work/s.log"
    "$fake" hang "$port"
    end=$(( $(now_ms) + 20000 ))
    while [ "$(now_ms)" -lt "$end" ]; do
        t0=$(now_ms)
        "$fake" get "$api" /health >"$work/h.txt" || true
        t1=$(now_ms)
        grep -q '"status":"ok"' "$work/h.txt" || bad=$((bad + 1))
        probes=$((probes + 1))
        [ $((t1 - t0)) -gt "$worst" ] && worst=$((t1 - t0))
    done
    stop_daemon; stop_fake
    row "longest \`/health\` answer while Cloudflare hangs (UPDATE_TIMEOUT=5, $probes probes in 20 s)" \
        "$(awk -v m="$worst" 'BEGIN {printf "%.1f s", m/1000}') ($bad not ok)" "<= 6 s (the stall bound), 0 not ok" ""
    for delete in false true; do
        for _ in $(seq 1 "$daemon_runs"); do
            start_fake
            start_daemon 1 "$work/s.log" UPDATE_TIMEOUT=30 RECORD_CACHE_TTL=0 DELETE_ON_STOP=$delete
            wait_passes 1 "$work/s.log"
            "$fake" hang "$port"
            c=$("$fake" calls "$port")
            for _ in $(seq 1 100); do [ "$("$fake" calls "$port")" -gt "$c" ] && break; sleep 0.1; done
            sleep 0.5
            t0=$(now_ms)
            kill -TERM "$daemon_pid"; wait "$daemon_pid" 2>/dev/null || true
            t1=$(now_ms)
            if [ "$delete" = true ]; then took_del+=("$((t1 - t0))"); else took+=("$((t1 - t0))"); fi
            stop_fake
        done
    done
    row "SIGTERM to exit during a hung Cloudflare call (UPDATE_TIMEOUT=30)" "$(printf '%s\n' "${took[@]}" | median) ms" "<= 1 s" "before: 13 s at the default 15 s"
    row "  the same with DELETE_ON_STOP (the deletes meet the hung API too)" "$(printf '%s\n' "${took_del[@]}" | median) ms" "<= 8 s" "Docker's grace: 10 s"
}

# --- what network settings cost (issue 16) ---------------------------------------------------
# RSS of the idle service after 10 passes ("ok" or "FAILED" ones), with `extra` settings.
idle_rss_with() { # ok|FAILED, extra VAR=value... -> "RSS KB" "resident KB of the cold segment"
    local r=() c=() word=$1
    shift
    for _ in $(seq 1 "$daemon_runs"); do
        start_fake
        start_daemon 1 "$work/n.log" "$@"
        wait_passes 11 "$work/n.log" "$word"
        r+=("$(awk '/^VmRSS:/ {print $2}' "/proc/$daemon_pid/status")")
        c+=("$(cold_resident "$daemon_pid")")
        stop_daemon; stop_fake
    done
    echo "$(printf '%s\n' "${r[@]}" | median) $(printf '%s\n' "${c[@]}" | median)"
}
# An HTTP proxy (CONNECT, and plain requests by absolute URL), for the proxy's row.
proxy_start() { # port
    python3 - "$1" <<'PY' &
import socket, sys, threading
def pipe(a, b):
    try:
        while (d := a.recv(65536)):
            b.sendall(d)
    except OSError:
        pass
    for s in (a, b):
        try: s.shutdown(socket.SHUT_RDWR)
        except OSError: pass
def serve(c):
    head = b""
    while b"\r\n\r\n" not in head:
        d = c.recv(1)
        if not d: return
        head += d
    method, target, version = head.split(b"\r\n", 1)[0].split()
    if method == b"CONNECT":
        host, port = target.decode().rsplit(":", 1)
        u = socket.create_connection((host, int(port)))
        c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
    else:  # GET http://host:port/path: forwarded with the path alone
        rest = target[len(b"http://"):]
        authority, _, path = rest.partition(b"/")
        host, _, port = authority.decode().rpartition(":")
        u = socket.create_connection((host, int(port or 80)))
        u.sendall(head.replace(target, b"/" + path, 1))
    threading.Thread(target=pipe, args=(u, c), daemon=True).start()
    pipe(c, u)
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(64)
while True:
    threading.Thread(target=serve, args=(s.accept()[0],), daemon=True).start()
PY
    proxy_pid=$!
    pids+=("$proxy_pid")
    for _ in $(seq 1 100); do (: <"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return; sleep 0.05; done
    echo "the proxy did not start on port $1" >&2; return 1
}
# "+12 KB" or "-24 KB".
delta() { if [ "$1" -ge 0 ]; then echo "+$1 KB"; else echo "$1 KB"; fi; }
network_rows() {
    local base via proxied tls one bundle n cold bundle_file=/etc/ssl/certs/ca-certificates.crt
    local https="CLOUDFLARE_API_URL=https://127.0.0.1:$tls_port/client/v4"
    read -r base cold < <(idle_rss_with ok)
    row "RSS of the idle service after 10 passes, no network settings" "$base KB" "<= 1.2 MB" \
        "cold code resident: $cold of $(cold_size) KB"
    read -r via cold < <(idle_rss_with ok "IP4_PROVIDER=url.via4:http://127.0.0.1:$port/ip")
    row "  detection by url.via4: (the direct client every pass)" "$via KB ($(delta $((via - base))))" "" \
        "cold code resident: $cold KB"
    proxy_start 19888
    read -r proxied cold < <(idle_rss_with ok HTTP_PROXY=http://127.0.0.1:19888)
    kill "$proxy_pid" 2>/dev/null || true
    row "  every call through HTTP_PROXY (the direct client)" "$proxied KB ($(delta $((proxied - base))))" "" \
        "cold code resident: $cold KB"
    # Over TLS (a local certificate no root vouches for: each pass's handshake runs up to
    # verification), with the built-in roots (minreq) and with CA files (the direct client).
    untrusted_tls_start "$tls_port" "$work"
    pids+=("$tls_pid")
    read -r tls cold < <(idle_rss_with FAILED "$https")
    row "RSS of the idle service after 10 passes with TLS handshakes, built-in roots" "$tls KB" "" \
        "cold code resident: $cold KB"
    read -r one cold < <(idle_rss_with FAILED "$https" SSL_CERT_FILE=tests/fixtures/isrg-root-x1.pem)
    row "  with SSL_CERT_FILE (1 certificate)" "$one KB ($(delta $((one - tls))))" "" "cold code resident: $cold KB"
    if [ -r "$bundle_file" ]; then
        n=$(grep -c 'BEGIN CERTIFICATE' "$bundle_file")
        read -r bundle cold < <(idle_rss_with FAILED "$https" SSL_CERT_FILE="$bundle_file")
        row "  with SSL_CERT_FILE=$bundle_file ($n certificates)" "$bundle KB ($(delta $((bundle - tls))))" "" \
            "$(awk -v d="$((bundle - one))" -v n="$((n - 1))" 'BEGIN {printf "%.2f KB per certificate", d/n}')"
    fi
}

# Passes asked for with SIGUSR1 (UPDATE_INTERVAL=3600), so each delta is one known pass.
# Prints: Cloudflare calls of the first pass, of a steady pass, of the change; writes of the
# change; detection requests of a steady pass; those the change cost beyond one per pass.
usr1_pass() { # log file; asks for a pass and waits for its summary line
    local before
    before=$(passes_in "$1")
    kill -USR1 "$daemon_pid"
    for _ in $(seq 1 600); do [ "$(passes_in "$1")" -gt "$before" ] && return; sleep 0.05; done
    echo "no pass after SIGUSR1:" >&2; cat "$1" >&2; exit 1
}
passes_in() { grep -cE ' pass (ok|FAILED|IN DOUBT):' "$1" || true; }
change_costs() { # IP4_PROVIDER
    local log=$work/c.log first a0 k0 steady_asks steady k1 a1 w1 p1
    start_fake
    start_daemon 3600 "$log" "IP4_PROVIDER=$1"
    wait_passes 1 "$log"
    first=$(grep -E ' pass (ok|FAILED|IN DOUBT):' "$log" | sed -n 1p | sed 's/.*; \([0-9]*\) Cloudflare calls/\1/')
    # The start's own change lands (with one provider, on its second pass).
    grep -q 'pass ok: IPv4 8.8.4.4.* [1-9][0-9]* updated' "$log" || usr1_pass "$log"
    a0=$("$fake" asks "$port"); k0=$("$fake" calls "$port")
    usr1_pass "$log"
    steady_asks=$(( $("$fake" asks "$port") - a0 )); steady=$(( $("$fake" calls "$port") - k0 ))
    a1=$("$fake" asks "$port"); k1=$("$fake" calls "$port"); w1=$("$fake" writes "$port"); p1=$(passes_in "$log")
    "$fake" set-ip "$port" 8.8.8.8
    usr1_pass "$log"
    # With one provider the next try is the service's own pass, 15 s later.
    for _ in $(seq 1 400); do grep -q "$landed" "$log" && break; sleep 0.1; done
    grep -q "$landed" "$log" || { echo "the change did not land:" >&2; cat "$log" >&2; exit 1; }
    echo "$first $steady $(( $("$fake" calls "$port") - k1 )) $(( $("$fake" writes "$port") - w1 ))" \
        "$steady_asks $(( $("$fake" asks "$port") - a1 - ($(passes_in "$log") - p1) ))"
    stop_daemon; stop_fake
}
calls_rows() {
    change_costs "url:http://127.0.0.1:$port/ip" >"$work/costs1"
    change_costs "url:http://127.0.0.1:$port/ip,url:http://127.0.0.1:$port/ip2" >"$work/costs2"
    local first steady change writes steady_asks extra1 change2 extra2
    read -r first steady change writes steady_asks extra1 <"$work/costs1"
    read -r _ _ change2 _ _ extra2 <"$work/costs2"
    row "Cloudflare calls, first pass (3 hosts, 2 zones)" "$first" "" ""
    row "Cloudflare calls, steady-state pass" "$steady" "0" "peer: 6 per cycle for 2 hosts; Python seed 5 on change"
    row "Cloudflare calls on an address change (2 zones; 1 / 2 providers)" "$change / $change2 ($writes writes)" "<= 1 read and 1 write per zone" ""
    row "detection requests: steady pass; extra on a change, 1 / 2 providers (two answers must agree)" "$steady_asks; $extra1 / $extra2" "1; 0 / 1 (1 provider: its next try, 15 s later)" ""
}

# --- peak RSS of one pass -----------------------------------------------------------------------
peak_rows() {
    local plain bundled bundle_file tls
    # Under env -i: where SSL_CERT_FILE names the system bundle (these machines, many containers)
    # the whole bundle is loaded, which the row after says.
    plain=(); bundled=()
    bundle_file=/etc/ssl/certs/ca-certificates.crt
    for _ in $(seq 1 "$runs"); do
        start_fake
        cold_binary
        env -i "${base_env[@]}" API_PORT=0 "$peak" "$bin" once 2>"$work/peak.log"
        plain+=("$(peak_kb "$work/peak.log")")
        if [ -f "$bundle_file" ]; then
            stop_fake; start_fake; cold_binary
            env -i "${base_env[@]}" API_PORT=0 SSL_CERT_FILE="$bundle_file" "$peak" "$bin" once 2>"$work/peak.log"
            bundled+=("$(peak_kb "$work/peak.log")")
        fi
        stop_fake
    done
    row "peak RSS, \`once\` (plain HTTP fake, 3 hosts, 2 zones; VmHWM at exit, env -i)" "$(printf '%s\n' "${plain[@]}" | median) KB" "" "\`/usr/bin/time\` would add its own ~800 KB"
    [ ${#bundled[@]} -eq 0 ] || row "  the same with SSL_CERT_FILE=$bundle_file (the system bundle loaded)" "$(printf '%s\n' "${bundled[@]}" | median) KB" "" ""

    untrusted_tls_start "$tls_port" "$work"
    pids+=("$tls_pid")
    tls=()
    start_fake
    for _ in $(seq 1 "$runs"); do
        cold_binary
        env -i "${base_env[@]}" API_PORT=0 \
            "CLOUDFLARE_API_URL=https://127.0.0.1:$tls_port/client/v4" "$peak" "$bin" once 2>"$work/tls.log" || true
        grep -qi "certificate" "$work/tls.log" || { echo "the TLS handshake did not reach verification:" >&2; cat "$work/tls.log" >&2; exit 1; }
        tls+=("$(peak_kb "$work/tls.log")")
    done
    stop_fake
    row "peak RSS, \`once\` with a TLS handshake (untrusted local cert; VmHWM at exit, env -i)" "$(printf '%s\n' "${tls[@]}" | median) KB" "<= 2 MB" "peer 2.2 MB; inadyn 13 MB; Python seed 73-80 MB"
}

# --- a prefix change for the whole LAN (host IDs, issue 25) ------------------------------------
lan_rows() {
    local args=(--zone example.com) hosts="" i log=$work/lan.log k0 w0 t0 took=() calls=() writes=()
    for i in $(seq 1 50); do
        args+=(--record "h$i.example.com:AAAA:2a01:4f8:10:1::$i")
        hosts+="h$i.example.com{hostid6=::$i},"
    done
    local lan_env=("HOST_LIST=${hosts%,}" IP4_PROVIDER=none API_PORT=0
        "IP6_PROVIDER=url:http://127.0.0.1:$port/ip,url:http://127.0.0.1:$port/ip2")
    for n in $(seq 1 "$runs"); do
        fake_start "$port" "${args[@]}" --ip 2a01:4f8:10:1::aaaa
        pids+=("$fake_pid")
        env -i "${base_env[@]}" "${lan_env[@]}" "$bin" once 2>"$log"
        grep -q 'pass ok: .* 50 unchanged, 0 updated' "$log" || { echo "the LAN was not in place:" >&2; cat "$log" >&2; exit 1; }
        "$fake" set-ip "$port" "2a01:4f8:10:$((n + 1))::aaaa"
        k0=$("$fake" calls "$port"); w0=$("$fake" writes "$port")
        cold_binary
        t0=$(now_ms)
        env -i "${base_env[@]}" "${lan_env[@]}" "$bin" once 2>"$log"
        took+=("$(( $(now_ms) - t0 ))")
        grep -q 'pass ok: .* 0 unchanged, 50 updated' "$log" || { echo "the prefix change did not land:" >&2; cat "$log" >&2; exit 1; }
        calls+=("$(( $("$fake" calls "$port") - k0 ))"); writes+=("$(( $("$fake" writes "$port") - w0 ))")
        stop_fake
    done
    row "prefix change, 50 LAN hosts by host ID (1 zone, \`once\`, 2 providers): Cloudflare calls (writes)" \
        "$(printf '%s\n' "${calls[@]}" | median) ($(printf '%s\n' "${writes[@]}" | median))" "<= 1 zone lookup, 1 read, 1 batch" ""
    row "  the whole \`once\` (cold page cache, env -i)" "$(printf '%s\n' "${took[@]}" | median) ms" "" ""
}

# --- the network watch (issue 24), in this script's own network namespace ----------------------
# The fake's writes, and the ms from an address change on dy0 until both zones' records hold it.
writes_now() { "$fake" writes "$port"; }
change_to_write() { # new address (dy0 gets it, the old one goes), old address -> ms
    local w0 t0
    w0=$(writes_now); t0=$(now_ms)
    ip addr add "$1/32" dev dy0 && ip addr del "$2/32" dev dy0
    for _ in $(seq 1 1000); do [ "$(writes_now)" -ge $((w0 + 2)) ] && break; sleep 0.01; done
    [ "$(writes_now)" -ge $((w0 + 2)) ] || { echo "no write after the change to $1:" >&2; cat "$work/w.log" >&2; exit 1; }
    echo $(( $(now_ms) - t0 ))
}
# Ten changes, each after the watch's gap (5 s), as the address and, with remote providers, the
# answer of both (two answers must agree) move together. Prints "median worst".
ten_changes() { # remote|interface
    local took=() old=93.184.216.34 new i
    for i in $(seq 1 10); do
        new=93.184.216.$((100 + i))
        [ "$1" = interface ] || "$fake" set-ip "$port" "$new"
        sleep 5.5
        took+=("$(change_to_write "$new" "$old")")
        old=$new
    done
    ip addr add 93.184.216.34/32 dev dy0
    ip addr del "$old/32" dev dy0
    echo "$(printf '%s\n' "${took[@]}" | median) $(printf '%s\n' "${took[@]}" | sort -n | tail -n1)"
}
watch_rows() {
    local med worst k0 a0 v1 v2 rss_on rss_off c idle=${WATCH_IDLE:-30}
    local providers="IP4_PROVIDER=url:http://127.0.0.1:$port/ip,url:http://127.0.0.1:$port/ip2"
    ip link add dy0 type veth peer name dy1
    ip link set dy0 up; ip link set dy1 up
    # /32s: deleting a subnet's primary address would take its secondaries with it.
    ip addr add 93.184.216.34/32 dev dy0
    ip route add default dev dy0
    for mode in interface remote; do
        start_fake
        if [ "$mode" = interface ]; then
            start_daemon 3600 "$work/w.log" IP4_PROVIDER=interface:dy0
        else
            start_daemon 3600 "$work/w.log" "$providers"
        fi
        wait_passes 1 "$work/w.log"
        grep -q 'watching the network' "$work/w.log" || { echo "the watch is off:" >&2; cat "$work/w.log" >&2; exit 1; }
        read -r med worst < <(ten_changes "$mode")
        row "address change to both zones written, UPDATE_INTERVAL=3600, $mode (10 changes)" \
            "median $med ms, worst $worst ms" "<= 2000 ms" "without the watch: up to UPDATE_INTERVAL"
        stop_daemon; stop_fake
    done
    # Changes that cannot move our address: a veth with a global address off the default path,
    # a link-local address on dy0.
    start_fake
    start_daemon 3600 "$work/w.log" "$providers"
    wait_passes 1 "$work/w.log"
    k0=$("$fake" calls "$port"); a0=$("$fake" asks "$port")
    ip link add dz0 type veth peer name dz1; ip link set dz0 up
    ip addr add 198.51.100.7/24 dev dz0
    ip addr add fe80::77/64 dev dy0 nodad
    ip link del dz0
    sleep 3
    row "  calls after unrelated changes (a veth off the default path, a link-local address), 3 s" \
        "$(( $("$fake" calls "$port") - k0 )) Cloudflare, $(( $("$fake" asks "$port") - a0 )) detection" "0, 0" ""
    stop_daemon; stop_fake
    # The idle cost, with the watch and without it.
    read -r rss_on c < <(idle_rss_with ok)
    read -r rss_off c < <(idle_rss_with ok WATCH_NETWORK=false)
    row "  RSS of the idle service after 10 passes, watch on / off" "$rss_on / $rss_off KB ($(delta $((rss_on - rss_off))))" "" ""
    for setting in auto false; do
        start_fake
        start_daemon 3600 "$work/w.log" WATCH_NETWORK=$setting
        wait_passes 2 "$work/w.log"  # the start's change, written on the recheck 15 s later
        sleep 1
        v1=$(awk '/^voluntary_ctxt_switches/ {print $2}' "/proc/$daemon_pid/status")
        sleep "$idle"
        v2=$(awk '/^voluntary_ctxt_switches/ {print $2}' "/proc/$daemon_pid/status")
        row "  voluntary context switches in $idle idle seconds, WATCH_NETWORK=$setting" "$((v2 - v1))" "0" ""
        stop_daemon; stop_fake
    done
    if [ -n "${BEFORE:-}" ]; then
        git worktree add --detach "$work/before" "$BEFORE" >/dev/null 2>&1
        (cd "$work/before" && scripts/build-static.sh amd64 >/dev/null)
        local now_bin=$bin
        bin=$work/before/target/static/dyncfdns-amd64
        read -r rss_off c < <(idle_rss_with ok)
        row "  RSS of the idle service after 10 passes, build $BEFORE" "$rss_off KB" "" ""
        bin=$now_bin
        git worktree remove --force "$work/before"
    fi
}

print_table() {
    cpu_model=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
    echo
    echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores ($cpu_model), $(free -g | awk '/^Mem:/ {print $2}') GB, Linux $(uname -r);"
    echo "medians of $runs runs (service measures: $daemon_runs runs; wrk ${wrk_secs} s each)."
    echo
    echo "| measure | dyncfdns | target | for scale |"
    echo "|---|---|---|---|"
    printf '%s\n' "${rows[@]}"
}

case "${1:-}" in
    hostile) hostile_rows; print_table; exit 0 ;;
    scale) scale_rows; print_table; exit 0 ;;
    stalls) stall_rows; print_table; exit 0 ;;
    networks) network_rows; print_table; exit 0 ;;
    calls) calls_rows; print_table; exit 0 ;;
    peak) peak_rows; print_table; exit 0 ;;
    watch) watch_rows; print_table; exit 0 ;;
    lan) lan_rows; print_table; exit 0 ;;
esac

# --- sizes ------------------------------------------------------------------------------------
for arch in amd64 arm64 armv7 mips mipsel; do
    f=target/static/dyncfdns-$arch
    row "binary size, $arch (static musl, stripped)" "$(kb "$(stat -c %s "$f")") ($(stat -c %s "$f") B)" \
        "$([ $arch = amd64 ] && echo '<= 1.6 MB')" "$([ $arch = amd64 ] && echo 'nearest Rust peer 2.53 MB')"
    row "binary size, $arch, gzip -9" "$(kb "$(gzip -9 -c "$f" | wc -c)")" "" ""
done
if [ "$(id -u)" = 0 ] && command -v buildah >/dev/null && command -v podman >/dev/null; then
    printf '[containers]\ndefault_ulimits = []\n[engine]\nruntime = "runc"\ncgroup_manager = "cgroupfs"\n' >"$work/c.conf"
    CONTAINERS_CONF=$work/c.conf buildah --storage-driver vfs bud --quiet --format docker -f Dockerfile.scratch \
        --ignorefile Dockerfile.scratch.dockerignore -t localhost/dyncfdns:bench . >/dev/null
    isize=$(CONTAINERS_CONF=$work/c.conf podman --storage-driver vfs image inspect localhost/dyncfdns:bench --format '{{.Size}}')
    CONTAINERS_CONF=$work/c.conf podman --storage-driver vfs rmi -f localhost/dyncfdns:bench >/dev/null 2>&1 || true
    row "scratch image size" "$(kb "$isize")" "" ""
fi

peak_rows

# --- the service ------------------------------------------------------------------------------

idle_rss=(); idle_anon=(); idle_cold=(); cpu=()
for _ in $(seq 1 "$daemon_runs"); do
    start_fake
    start_daemon 1 "$work/d.log"
    wait_passes 1 "$work/d.log"
    c1=$(cpu_ns "$daemon_pid")
    wait_passes 11 "$work/d.log"
    c2=$(cpu_ns "$daemon_pid")
    idle_rss+=("$(awk '/^VmRSS:/ {print $2}' "/proc/$daemon_pid/status")")
    idle_anon+=("$(awk '/^RssAnon:/ {print $2}' "/proc/$daemon_pid/status")")
    idle_cold+=("$(cold_resident "$daemon_pid")")
    cpu+=("$(( (c2 - c1) / 10 / 1000 ))")
    stop_daemon; stop_fake
done
row "RSS of the idle service after 10 passes" "$(printf '%s\n' "${idle_rss[@]}" | median) KB" "<= 1.2 MB" "peer 2.4 MB"
row "  of which anonymous (heap, stacks; the rest is the binary's own code pages)" "$(printf '%s\n' "${idle_anon[@]}" | median) KB" "" ""
row "  code paid only when set (scripts/cold-code.ld): resident of its $(cold_size) KB" "$(printf '%s\n' "${idle_cold[@]}" | median) KB" "0 KB" ""
# The same over TLS: every pass's handshake runs up to certificate verification (the local
# certificate is untrusted, so the pass fails), which maps the TLS code and allocates its state.
tls_rss=()
for _ in $(seq 1 "$daemon_runs"); do
    start_fake
    start_daemon 1 "$work/d.log" "CLOUDFLARE_API_URL=https://127.0.0.1:$tls_port/client/v4"
    wait_passes 10 "$work/d.log" FAILED
    grep -qi "certificate" "$work/d.log" || { echo "the TLS handshake did not reach verification:" >&2; cat "$work/d.log" >&2; exit 1; }
    tls_rss+=("$(awk '/^VmRSS:/ {print $2}' "/proc/$daemon_pid/status")")
    stop_daemon; stop_fake
done
row "RSS of the idle service after 10 passes with TLS handshakes" "$(printf '%s\n' "${tls_rss[@]}" | median) KB" "" ""
row "CPU time per steady-state pass" "$(printf '%s\n' "${cpu[@]}" | median) µs" "" "Python seed 20-29 ms"

start_fake
start_daemon 3600 "$work/d.log"
# One provider: the start's change is written on the second pass, 15 s later; idle after it.
wait_passes 2 "$work/d.log"
sleep 1
v1=$(awk '/^voluntary_ctxt_switches/ {print $2}' "/proc/$daemon_pid/status")
sleep "$idle_secs"
v2=$(awk '/^voluntary_ctxt_switches/ {print $2}' "/proc/$daemon_pid/status")
row "voluntary context switches in ${idle_secs} idle seconds" "$((v2 - v1))" "0 (no wake-ups)" ""

# --- Cloudflare calls ---------------------------------------------------------------------------
stop_daemon; stop_fake
calls_rows

# --- the status API ---------------------------------------------------------------------------
start_fake
start_daemon 3600 "$work/d.log"
wait_passes 1 "$work/d.log"
wrk_run() { # prints "rps p99_ms"
    wrk -t2 -c50 -d"${wrk_secs}s" --latency "http://127.0.0.1:$api/health" >"$work/wrk.txt"
    local rps p99
    rps=$(awk '/^Requests\/sec:/ {printf "%d", $2}' "$work/wrk.txt")
    p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}' "$work/wrk.txt")
    grep -q "Non-2xx" "$work/wrk.txt" && { echo "wrk saw errors:" >&2; cat "$work/wrk.txt" >&2; exit 1; }
    echo "$rps $p99"
}
rps=(); p99=()
for _ in $(seq 1 "$daemon_runs"); do read -r r p < <(wrk_run); rps+=("$r"); p99+=("$p"); done
row "\`/health\` requests/s, keep-alive, 50 connections (wrk)" "$(printf '%s\n' "${rps[@]}" | median)" ">= 20000" ""
row "\`/health\` p99 latency, same" "$(printf '%s\n' "${p99[@]}" | median) ms" "" ""
"$fake" hold "$api" 500 $(( (wrk_secs + 2) * daemon_runs + 5 )) >"$work/hold.txt" &
pids+=("$!")
for _ in $(seq 1 100); do grep -q holding "$work/hold.txt" && break; sleep 0.1; done
rps=(); p99=()
for _ in $(seq 1 "$daemon_runs"); do read -r r p < <(wrk_run); rps+=("$r"); p99+=("$p"); done
row "\`/health\` requests/s with 500 idle connections held" "$(printf '%s\n' "${rps[@]}" | median)" ">= 20000" ""
row "\`/health\` p99 latency, same" "$(printf '%s\n' "${p99[@]}" | median) ms" "" ""
row "RSS with 500 idle connections held" "$(awk '/^VmRSS:/ {print $2}' "/proc/$daemon_pid/status") KB" "" ""
stop_daemon; stop_fake

hostile_rows
scale_rows
stall_rows
print_table
