#!/usr/bin/env bash
# Exercises dyncfdns.init without OpenWrt: stand-ins for UCI's config_* functions (reading the
# shipped dyncfdns.config) and procd's procd_* functions record the instance it would start.
# Then the real binary runs once with exactly that environment against the fake Cloudflare.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."

pass=0
fail=0
check() { # description, then a command that must succeed
    local what=$1; shift
    if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $what"; fi
}

# --- UCI stand-ins: sections, options and lists from a config file -------------------------
declare -A OPT
declare -a SECTIONS TYPES
config_load() {
    local file=${UCI_FILE:?} kind key value section="" n=0
    OPT=(); SECTIONS=(); TYPES=()
    while read -r kind key value; do
        value=${value#[\'\"]}; value=${value%[\'\"]}
        case "$kind" in
            config)
                n=$((n + 1)); section=${value:-cfg$n}
                section=${section#[\'\"]}; section=${section%[\'\"]}
                SECTIONS+=("$section"); TYPES+=("$key") ;;
            option) OPT["$section.$key"]=$value ;;
            list) OPT["$section.$key"]="${OPT["$section.$key"]:-}${OPT["$section.$key"]:+$'\n'}$value" ;;
        esac
    done < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$file")
}
config_foreach() {
    local fn=$1 type=$2 i
    for i in "${!SECTIONS[@]}"; do
        [ "${TYPES[$i]}" = "$type" ] && "$fn" "${SECTIONS[$i]}"
    done
    return 0
}
config_get() { printf -v "$1" '%s' "${OPT["$2.$3"]:-${4:-}}"; }
config_get_bool() {
    local v=${OPT["$2.$3"]:-${4:-0}}
    case "$v" in 1|on|true|yes|enabled) v=1 ;; *) v=0 ;; esac
    printf -v "$1" '%s' "$v"
}
config_list_foreach() {
    local item
    while IFS= read -r item; do [ -n "$item" ] && "$3" "$item"; done <<<"${OPT["$1.$2"]:-}"
}
# --- procd stand-ins: record what would be started ----------------------------------------
INSTANCES=0
declare -a ENV CMD RESPAWN
procd_open_instance() { INSTANCES=$((INSTANCES + 1)); ENV=(); CMD=(); RESPAWN=(); }
procd_set_param() { local k=$1; shift; case "$k" in command) CMD=("$@") ;; env) ENV=("$@") ;; respawn) RESPAWN=("$@") ;; esac; }
procd_append_param() { local k=$1; shift; case "$k" in env) ENV+=("$@") ;; command) CMD+=("$@") ;; esac; }
procd_close_instance() { :; }
procd_add_reload_trigger() { :; }

run_init() { # UCI file -> INSTANCES, CMD, ENV
    UCI_FILE=$1
    INSTANCES=0
    # shellcheck source=scripts/openwrt/dyncfdns.init
    . "$here/dyncfdns.init"
    start_service
}
has_env() { local e; for e in "${ENV[@]}"; do [ "$e" = "$1" ] && return 0; done; return 1; }
no_env_named() { local e; for e in "${ENV[@]}"; do [ "${e%%=*}" = "$1" ] && return 1; done; return 0; }

echo "== the shipped config (disabled)"
run_init "$here/dyncfdns.config"
check "a disabled section starts nothing" [ "$INSTANCES" = 0 ]

echo "== the shipped config, enabled"
cfg=$(mktemp)
trap 'rm -f "$cfg"; [ -n "${fake_pid:-}" ] && kill "$fake_pid" 2>/dev/null || true' EXIT
sed "s/option enabled '0'/option enabled '1'/" "$here/dyncfdns.config" >"$cfg"
run_init "$cfg"
printf '  command: %s\n' "${CMD[*]}"
printf '  env: %s\n' "${ENV[@]}"
check "one instance" [ "$INSTANCES" = 1 ]
check "runs /usr/bin/dyncfdns with no command" [ "${CMD[*]}" = /usr/bin/dyncfdns ]
check "hosts joined with commas" has_env "HOST_LIST=home.example.com,vpn.example.com"
check "token passed" has_env "CLOUDFLARE_API_TOKEN=your_api_token"
check "providers passed" has_env "IP4_PROVIDER=interface:pppoe-wan,cloudflare,ipify"
check "status API off" has_env "API_PORT=0"
check "logs to syslog by default" has_env "LOG_FORMAT=syslog"
check "booleans off are left out" no_env_named ALLOW_CREATE_HOSTS
check "respawn set" [ "${#RESPAWN[@]}" = 3 ]

echo "== that environment drives the real binary (against the fake Cloudflare)"
cargo build --quiet --bin dyncfdns --example fake-cloudflare
fake=target/debug/examples/fake-cloudflare
port=${FAKE_PORT:-18788}
# shellcheck source=scripts/fake.sh
. scripts/fake.sh
fake_start "$port" --zone example.com --record home.example.com:A:93.184.216.34 --ip 8.8.4.4
sed -i -e "s|option api_token 'your_api_token'|option api_token 'fake-token-3f9c2a'\n\toption api_url 'http://127.0.0.1:$port/client/v4'|" \
    -e "s|option ip4_provider .*|option ip4_provider 'url:http://127.0.0.1:$port/ip'|" \
    -e "s|option allow_create '0'|option allow_create '1'|" "$cfg"
run_init "$cfg"
check "allow_create=1 becomes ALLOW_CREATE_HOSTS=true" has_env "ALLOW_CREATE_HOSTS=true"
# LOG_FORMAT=text: the assertions read stderr, and this machine may have a /dev/log.
check "the generated environment passes one real pass" env -i "${ENV[@]}" LOG_FORMAT=text target/debug/dyncfdns once
check "the records hold the fake's address" test "$("$fake" records "$port" | grep -c ' A 8.8.4.4 ')" = 2

echo "== the hotplug script asks the running instance for a pass (under BusyBox sh)"
hot=$(mktemp -d)
trap 'rm -rf "$cfg" "$hot"; [ -n "${fake_pid:-}" ] && kill "$fake_pid" 2>/dev/null; [ -n "${dyn_pid:-}" ] && kill "$dyn_pid" 2>/dev/null || true' EXIT
mkdir -p "$hot/config"
cp "$cfg" "$hot/config/dyncfdns"
env -i "${ENV[@]}" LOG_FORMAT=text UPDATE_INTERVAL=3600 target/debug/dyncfdns 2>"$hot/log" &
dyn_pid=$!
seen() { [ "$(grep -c "$1" "$hot/log")" -ge "$2" ]; }
wait_log() { # text, count: waits up to 30 s for the service's log to say it
    local i
    for i in $(seq 1 300); do seen "$1" "$2" && return 0; sleep 0.1; done
    cat "$hot/log"; return 1
}
# Like /sbin/hotplug-call: /lib/functions.sh loaded, then the script sourced in a subshell.
# shellcheck disable=SC2016 # the inner shell expands its own arguments
hotplug() { # ACTION INTERFACE
    : >"$hot/ubus.log"
    env -i PATH="$here/stand-ins/bin:/usr/bin:/bin" UCI_CONFIG_DIR="$hot/config" \
        UBUS_LOG="$hot/ubus.log" DYNCFDNS_PID="$dyn_pid" ACTION="$1" INTERFACE="$2" \
        busybox sh -c '. "$1"; ( . "$2" )' hotplug-call "$here/stand-ins/lib/functions.sh" "$here/dyncfdns.hotplug"
}
usr1=$(busybox sh -c 'kill -l USR1')
check "the service's first pass" wait_log "pass ok" 1
hotplug ifdown wan
check "ifdown asks for nothing" test ! -s "$hot/ubus.log"
hotplug ifup lan
check "an interface not watched asks for nothing" test ! -s "$hot/ubus.log"
hotplug ifup wan
check "ifup wan signals the instance through procd" \
    grep -q "^call service signal {\"name\":\"dyncfdns\",\"instance\":\"main\",\"signal\":$usr1}$" "$hot/ubus.log"
check "the service runs a pass at once" wait_log "pass ok" 2
check "and says why" seen "SIGUSR1: a pass is asked for; starting now" 1
hotplug ifupdate wan6
check "an address change on wan6 asks too" wait_log "pass ok" 3
sed -i "0,/^\tlist host/s//\tlist interface 'pppoe'\n&/" "$hot/config/dyncfdns"
hotplug ifup wan
check "a 'list interface' replaces the default" test ! -s "$hot/ubus.log"
hotplug ifup pppoe
check "and is watched" test -s "$hot/ubus.log"
sed -i "s/option enabled '1'/option enabled '0'/" "$hot/config/dyncfdns"
hotplug ifup pppoe
check "a disabled instance is not asked" test ! -s "$hot/ubus.log"
kill -TERM "$dyn_pid"
wait "$dyn_pid" && dyn_pid=

echo "openwrt: $pass passed, $fail failed"
[ "$fail" = 0 ]
