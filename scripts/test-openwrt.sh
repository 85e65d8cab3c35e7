#!/usr/bin/env bash
# Runs dyncfdns.init and dyncfdns.hotplug as OpenWrt would, under BusyBox sh, with stand-ins for
# /etc/rc.common, /lib/functions.sh, /lib/functions/procd.sh, jshn.sh, ubus, logger and chown
# (scripts/openwrt-stand-ins: each says what it models and where it simplifies). What procd
# would be told (`ubus call service set <json>`) is read back and checked; then the real
# binary runs with exactly the instance's environment against the fake Cloudflare.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
command -v busybox >/dev/null || { echo "openwrt test: needs busybox (apt-get install busybox)" >&2; exit 1; }

pass=0
fail=0
check() { # description, then a command that must succeed
    local what=$1; shift
    if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $what"; fi
}

cargo build --quiet --bin dyncfdns --example fake-cloudflare
work=$(mktemp -d)
root="$work/root"
trap 'rm -rf "$work"; [ -n "${fake_pid:-}" ] && kill "$fake_pid" 2>/dev/null; [ -n "${dyn_pid:-}" ] && kill "$dyn_pid" 2>/dev/null || true' EXIT
mkdir -p "$root/etc/config" "$root/usr/bin" "$root/var/run" "$root/sbin"
printf 'root:x:0:0:root:/root:/bin/ash\n' >"$root/etc/passwd"
printf 'root:x:0:\n' >"$root/etc/group"
ln -s "$PWD/target/debug/dyncfdns" "$root/usr/bin/dyncfdns"

# Runs the init script: rc.common stand-in, BusyBox sh, the stand-ins first in PATH.
init() { # action
    : >"$work/ubus.log"
    env -i PATH="$here/openwrt-stand-ins/bin:/usr/bin:/bin" IPKG_INSTROOT="$root" \
        IPKG_INSTROOT_STANDINS="$here/openwrt-stand-ins" UCI_CONFIG_DIR="$root/etc/config" \
        UBUS_LOG="$work/ubus.log" CHOWN_LOG="$work/chown.log" \
        busybox sh "$here/openwrt-stand-ins/etc/rc.common" "$here/deploy/openwrt/dyncfdns.init" "$1" 2>"$work/init.err"
}
# The JSON procd was given, or a field of its instance `main` (python3 reads it).
sent() { sed -n 's/^call service set //p' "$work/ubus.log"; }
field() { # python expression on i (the instance) or s (the service)
    sent | python3 -c "import json,sys; s=json.load(sys.stdin); i=s['instances'].get('main', {}); print(($1))"
}
env_of() { field "i.get('env', {}).get('$1', '')"; }
config() { # a config file from the shipped one with sed expressions applied
    sed "$@" "$here/deploy/openwrt/dyncfdns.config" >"$root/etc/config/dyncfdns"
}

echo "== the shipped config (disabled)"
config -e ''
init start
check "procd is told the service" test -n "$(sent)"
check "a disabled section starts nothing" test "$(field 'len(s["instances"])')" = 0
check "a config change reloads" test "$(field 's["triggers"][0][1][1]')" = "['eq', 'package', 'dyncfdns']"

echo "== the shipped config, enabled"
config -e "s/option enabled '0'/option enabled '1'/"
init start
check "one instance" test "$(field 'len(s["instances"])')" = 1
check "runs the binary with no command" test "$(field 'i["command"]')" = "['$root/usr/bin/dyncfdns']"
check "hosts joined with commas" test "$(env_of HOST_LIST)" = "home.example.com,vpn.example.com"
check "the token goes as a file" test "$(env_of CLOUDFLARE_API_TOKEN_FILE)" = "$root/var/run/dyncfdns/main/CLOUDFLARE_API_TOKEN"
check "which holds it" test "$(cat "$root/var/run/dyncfdns/main/CLOUDFLARE_API_TOKEN")" = your_api_token
check "readable by its owner only" test "$(stat -c %a "$root/var/run/dyncfdns/main/CLOUDFLARE_API_TOKEN")" = 600
check "owned by the service user" grep -q "chown dyncfdns:dyncfdns $root/var/run/dyncfdns/main " "$work/chown.log"
check "no secret in procd's data" bash -c "! grep -q your_api_token '$work/ubus.log'"
check "providers passed" test "$(env_of IP4_PROVIDER)" = "interface:pppoe-wan,cloudflare,ipify"
check "status API off" test "$(env_of API_PORT)" = 0
check "logs to syslog by default" test "$(env_of LOG_FORMAT)" = syslog
check "booleans set to 0 are passed as false" test "$(env_of ALLOW_CREATE_HOSTS)" = false
check "runs as the user dyncfdns" test "$(field 'i["user"], i["group"]')" = "('dyncfdns', 'dyncfdns')"
check "which is created" grep -q '^dyncfdns:x:32768:32768:' "$root/etc/passwd"
check "no new privileges" test "$(field 'i["no_new_privs"]')" = True
check "respawns 60 s apart, at most 5 in a row" test "$(field 'i["respawn"]')" = "[3600, 60, 5]"
check "a stop may take 15 s" test "$(field 'i["term_timeout"]')" = 15
check "reload asks an unchanged instance for a pass" test "$(field 'i["reload_signal"]')" = "$(busybox sh -c 'kill -l USR1')"
check "no jail without ujail" test "$(field "'jail' in i")" = False
init start
check "starting again keeps one user" test "$(grep -c '^dyncfdns:' "$root/etc/passwd")" = 1

echo "== with ujail"
printf '#!/bin/sh\n' >"$root/sbin/ujail"; chmod +x "$root/sbin/ujail"
init start
check "jailed, with its log and /proc" test "$(field 'i["jail"]["name"], i["jail"]["log"], i["jail"]["procfs"]')" = "('dyncfdns', True, True)"
check "resolv.conf read-only, its state dir writable" \
    test "$(field 'i["jail"]["mount"]["/etc/resolv.conf"], i["jail"]["mount"]["'"$root"'/etc/dyncfdns"]')" = "('0', '1')"
rm "$root/sbin/ujail"

echo "== every UCI option reaches the process"
config -e "s/option enabled '0'/option enabled '1'/" -e '/^\t#/d' -e '/option \(api_token\|status_port\|ip6_provider\)/d'
cat >>"$root/etc/config/dyncfdns" <<'UCI'
	list host4 'a.example.com'
	list host6 'b.example.com'
	option ip6_provider 'static:2606:4700:4700::64'
	option api_token 'tok-123'
	option api_key 'key-456'
	option api_email 'me@example.com'
	option api_url 'http://127.0.0.1:1/client/v4'
	option status_token 'st-789'
	option notify_url 'https://hook.example.com/n'
	option healthchecks 'https://hc-ping.com/u'
	option uptimekuma 'https://kuma.example.com/api/push/k'
	option detection_timeout '4'
	option watch_network 'false'
	option update_timeout '9'
	option record_cache_ttl '600'
	option record_comment 'by dyncfdns'
	option status_port '5001'
	option log_format 'json'
	option log_syslog_socket '/tmp/log'
	option metrics_public '1'
	option delete_on_stop '1'
	option debug '1'
	option update_on_start '0'
	option confirm_changes '0'
	option dry_run '1'
	option https_proxy 'http://u:proxy-pw@proxy.lan:3128'
	option http_proxy 'http://proxy.lan:3128'
	option no_proxy 'localhost,.lan'
	option ssl_cert_file '$ca'
	option ssl_cert_dir '$cadir'
	option tls_roots 'file'
UCI
sed -i -e "s|\$cadir|$root/etc/ssl/lan:$root/etc/ssl/more|" -e "s|\$ca|$root/etc/ssl/lan-ca.pem|" "$root/etc/config/dyncfdns"
mkdir -p "$root/etc/ssl/lan" "$root/etc/ssl/more"
cp tests/fixtures/isrg-root-x1.pem "$root/etc/ssl/lan-ca.pem"
cp tests/fixtures/isrg-root-x1.pem "$root/etc/ssl/lan/ca.pem"
cp tests/fixtures/isrg-root-x1.pem "$root/etc/ssl/more/ca.crt"
printf '#!/bin/sh\n' >"$root/sbin/ujail"; chmod +x "$root/sbin/ujail"
init start
rm "$root/sbin/ujail"
check "CA files and directories shown read-only in the jail" test "$(field 'tuple(i["jail"]["mount"].get(p) for p in ["'"$root/etc/ssl/lan-ca.pem"'", "'"$root/etc/ssl/lan"'", "'"$root/etc/ssl/more"'"])')" = "('0', '0', '0')"
for pair in HOST_LIST=home.example.com,vpn.example.com IP4_HOST_LIST=a.example.com IP6_HOST_LIST=b.example.com \
    CLOUDFLARE_API_EMAIL=me@example.com CLOUDFLARE_API_URL=http://127.0.0.1:1/client/v4 \
    IP4_PROVIDER=interface:pppoe-wan,cloudflare,ipify IP6_PROVIDER=static:2606:4700:4700::64 UPDATE_INTERVAL=300 \
    DETECTION_TIMEOUT=4 WATCH_NETWORK=false UPDATE_TIMEOUT=9 RECORD_CACHE_TTL=600 TTL=1 RECORD_COMMENT="by dyncfdns" \
    API_PORT=5001 API_BIND=127.0.0.1 CONFIG_FILE="$root/etc/dyncfdns/config.json" LOG_LEVEL=info \
    LOG_FORMAT=json LOG_SYSLOG_SOCKET=/tmp/log ALLOW_CREATE_HOSTS=false PROXIED=false DRY_RUN=true \
    METRICS_PUBLIC=true DELETE_ON_STOP=true DEBUG=true UPDATE_ON_START=false CONFIRM_CHANGES=false NO_PROXY=localhost,.lan \
    SSL_CERT_FILE="$root/etc/ssl/lan-ca.pem" SSL_CERT_DIR="$root/etc/ssl/lan:$root/etc/ssl/more" TLS_ROOTS=file; do
    check "$pair" test "$(env_of "${pair%%=*}")" = "${pair#*=}"
done
for pair in CLOUDFLARE_API_TOKEN=tok-123 CLOUDFLARE_API_KEY=key-456 API_TOKEN=st-789 \
    NOTIFY_URL=https://hook.example.com/n HEALTHCHECKS=https://hc-ping.com/u UPTIMEKUMA=https://kuma.example.com/api/push/k \
    HTTPS_PROXY=http://u:proxy-pw@proxy.lan:3128 HTTP_PROXY=http://proxy.lan:3128; do
    var=${pair%%=*}
    check "$var as a file" test "$(cat "$(env_of "${var}_FILE")")" = "${pair#*=}"
    check "$var not in procd's data" bash -c "! grep -qF '${pair#*=}' '$work/ubus.log'"
done
covered=$(grep -o '[a-z0-9_]*:[A-Z0-9_]*' "$here/deploy/openwrt/dyncfdns.init" | cut -d: -f2 | sort -u | tr '\n' ' ')
for var in $(sed -n '/^pub const OURS/,/^];/p' src/config/names.rs | grep -o '"[A-Z0-9_]*"' | tr -d '"'); do
    case " $covered CONFIG_FILE LOG_FORMAT " in
        *" $var "* | *" ${var}_FILE "*) ;;
        *) check "$var has a UCI option" false ;;
    esac
done

echo "== a configuration the binary refuses starts nothing"
config -e "s/option enabled '0'/option enabled '1'/" -e "s/option ttl '1'/option ttl 'soon'/"
init start
check "no instance" test "$(field 'len(s["instances"])')" = 0
check "the reason is logged" grep -q "instance main not started: .*TTL" "$work/init.err"

echo "== stop and reload"
config -e "s/option enabled '0'/option enabled '1'/"
init stop
check "stop deletes the service" grep -qx 'call service delete {"name":"dyncfdns"}' "$work/ubus.log"
init reload
check "reload sends the service again" test "$(field 'len(s["instances"])')" = 1

echo "== that environment drives the real binary (against the fake Cloudflare)"
fake=target/debug/examples/fake-cloudflare
port=$("$fake" free-port)
# shellcheck source=scripts/fake.sh
. scripts/fake.sh
fake_start "$port" --zone example.com --record home.example.com:A:93.184.216.34 --ip 8.8.4.4
config -e "s/option enabled '0'/option enabled '1'/" \
    -e "s|option api_token 'your_api_token'|option api_token 'fake-token-3f9c2a'\n\toption api_url 'http://127.0.0.1:$port/client/v4'|" \
    -e "s|option ip4_provider .*|option ip4_provider 'url:http://127.0.0.1:$port/ip'|" \
    -e "s|option allow_create '0'|option allow_create '1'|"
init start
mapfile -t instance_env < <(field "'\\n'.join(k + '=' + v for k, v in i['env'].items())")
# LOG_FORMAT=text: the assertions read stderr, and this machine may have a /dev/log.
check "the instance's environment passes one real pass" env -i "${instance_env[@]}" LOG_FORMAT=text target/debug/dyncfdns once
check "the records hold the fake's address" test "$("$fake" records "$port" | grep -c ' A 8.8.4.4 ')" = 2

echo "== the hotplug script asks the running instance for a pass (under BusyBox sh)"
env -i "${instance_env[@]}" LOG_FORMAT=text UPDATE_INTERVAL=3600 target/debug/dyncfdns 2>"$work/log" &
dyn_pid=$!
seen() { [ "$(grep -c "$1" "$work/log")" -ge "$2" ]; }
wait_log() { # text, count: waits up to 30 s for the service's log to say it
    local _
    for _ in $(seq 1 300); do seen "$1" "$2" && return 0; sleep 0.1; done
    cat "$work/log"; return 1
}
# Like /sbin/hotplug-call: /lib/functions.sh loaded, then the script sourced in a subshell.
# shellcheck disable=SC2016 # the inner shell expands its own arguments
hotplug() { # ACTION INTERFACE
    : >"$work/ubus.log"
    env -i PATH="$here/openwrt-stand-ins/bin:/usr/bin:/bin" UCI_CONFIG_DIR="$root/etc/config" \
        UBUS_LOG="$work/ubus.log" DYNCFDNS_PID="$dyn_pid" ACTION="$1" INTERFACE="$2" \
        busybox sh -c '. "$1"; ( . "$2" )' hotplug-call "$here/openwrt-stand-ins/lib/functions.sh" "$here/deploy/openwrt/dyncfdns.hotplug"
}
usr1=$(busybox sh -c 'kill -l USR1')
check "the service's first pass" wait_log "pass ok" 1
hotplug ifdown wan
check "ifdown asks for nothing" test ! -s "$work/ubus.log"
hotplug ifup lan
check "an interface not watched asks for nothing" test ! -s "$work/ubus.log"
hotplug ifup wan
check "ifup wan signals the instance through procd" \
    grep -q "^call service signal {\"name\":\"dyncfdns\",\"instance\":\"main\",\"signal\":$usr1}$" "$work/ubus.log"
check "the service runs a pass at once" wait_log "pass ok" 2
check "and says why" seen "SIGUSR1: a pass is asked for; starting now" 1
hotplug ifupdate wan6
check "an address change on wan6 asks too" wait_log "pass ok" 3
sed -i "0,/^\tlist host/s//\tlist interface 'pppoe'\n&/" "$root/etc/config/dyncfdns"
hotplug ifup wan
check "a 'list interface' replaces the default" test ! -s "$work/ubus.log"
hotplug ifup pppoe
check "and is watched" test -s "$work/ubus.log"
sed -i "s/option enabled '1'/option enabled '0'/" "$root/etc/config/dyncfdns"
hotplug ifup pppoe
check "a disabled instance is not asked" test ! -s "$work/ubus.log"
kill -TERM "$dyn_pid"
wait "$dyn_pid" && dyn_pid=

echo "openwrt: $pass passed, $fail failed"
[ "$fail" = 0 ]
