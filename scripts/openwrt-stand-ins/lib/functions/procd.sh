# shellcheck shell=sh disable=SC3043
# A stand-in for OpenWrt's /lib/functions/procd.sh, for scripts/test-openwrt.sh. Written from
# how the real one behaves: procd_open_service starts a JSON message {name, script,
# instances}; each instance's parameters go in by type (env as a table of NAME=value,
# command/respawn/file as arrays, term_timeout as a number, reload_signal as the signal's
# number from `kill -l`, user/group/seccomp as strings, stdout/stderr/no_new_privs as
# booleans; a respawn without values gets 3600 5 5); procd_add_jail adds
# {name, flags, mount}; procd_close_service adds the triggers and calls
# `ubus call service set <json>`; procd_kill calls `service delete`, procd_send_signal
# `service signal`.
# Simplified: an instance's parameters are gathered in variables and written when it closes
# (the real one writes as it goes and reads back with json_select); only the types and
# trigger kinds the init script uses.

# shellcheck source=scripts/openwrt-stand-ins/usr/share/libubox/jshn.sh
. "$IPKG_INSTROOT_STANDINS/usr/share/libubox/jshn.sh"

PROCD_RELOAD_DELAY=1000

procd_open_service() {
	json_init
	json_add_string name "$1"
	[ -n "$2" ] && json_add_string script "$2"
	json_add_object instances
	_PROCD_SEQ=0
	_PROCD_TRIGGERS=""
}

procd_open_instance() {
	_PROCD_SEQ=$((_PROCD_SEQ + 1))
	_PI_NAME="${1:-instance$_PROCD_SEQ}"
	_PI_COMMAND=""
	_PI_ENV=""
	_PI_RESPAWN=""
	_PI_SCALARS=""
	_PI_JAIL=""
	_PI_MOUNTS=""
	_PI_HAS_RESPAWN=""
}

_procd_nl='
'

procd_set_param() {
	local type="$1"
	shift
	case "$type" in
		env) _PI_ENV="" ;;
		command) _PI_COMMAND="" ;;
		respawn) _PI_RESPAWN="" _PI_HAS_RESPAWN=1 ;;
	esac
	procd_append_param "$type" "$@"
}

procd_append_param() {
	local type="$1" v
	shift
	case "$type" in
		env) for v in "$@"; do _PI_ENV="${_PI_ENV:+$_PI_ENV$_procd_nl}$v"; done ;;
		command) for v in "$@"; do _PI_COMMAND="${_PI_COMMAND:+$_PI_COMMAND$_procd_nl}$v"; done ;;
		respawn) _PI_RESPAWN="$*" ;;
		term_timeout | nice) _PI_SCALARS="$_PI_SCALARS${_procd_nl}int $type $1" ;;
		reload_signal) _PI_SCALARS="$_PI_SCALARS${_procd_nl}int $type $(kill -l "$1")" ;;
		user | group | seccomp | pidfile | capabilities | facility)
			_PI_SCALARS="$_PI_SCALARS${_procd_nl}string $type $1" ;;
		stdout | stderr | no_new_privs) _PI_SCALARS="$_PI_SCALARS${_procd_nl}boolean $type $1" ;;
		*) echo "procd stand-in: parameter $type is not modelled" >&2 ;;
	esac
}

procd_add_jail() {
	_PI_JAIL="$*"
}

procd_add_jail_mount() {
	local m
	for m in "$@"; do _PI_MOUNTS="$_PI_MOUNTS${_procd_nl}$m 0"; done
}

procd_add_jail_mount_rw() {
	local m
	for m in "$@"; do _PI_MOUNTS="$_PI_MOUNTS${_procd_nl}$m 1"; done
}

procd_close_instance() {
	local line kind key value
	json_add_object "$_PI_NAME"
	json_add_array command
	IFS="$_procd_nl"
	for line in $_PI_COMMAND; do json_add_string "" "$line"; done
	json_close_array
	json_add_object env
	for line in $_PI_ENV; do json_add_string "${line%%=*}" "${line#*=}"; done
	json_close_object
	for line in $_PI_SCALARS; do
		kind="${line%% *}"
		value="${line#* }"
		key="${value%% *}"
		value="${value#* }"
		"json_add_$kind" "$key" "$value"
	done
	unset IFS
	if [ -n "$_PI_HAS_RESPAWN" ]; then
		json_add_array respawn
		for value in ${_PI_RESPAWN:-3600 5 5}; do json_add_int "" "$value"; done
		json_close_array
	fi
	if [ -n "$_PI_JAIL" ]; then
		# shellcheck disable=SC2086 # the name and flags, split
		set -- $_PI_JAIL
		json_add_object jail
		json_add_string name "$1"
		shift
		for value in "$@"; do json_add_boolean "$value" 1; done
		json_add_object mount
		IFS="$_procd_nl"
		for line in $_PI_MOUNTS; do json_add_string "${line% *}" "${line##* }"; done
		unset IFS
		json_close_object
		json_close_object
	fi
	json_close_object
}

procd_add_reload_trigger() {
	_PROCD_TRIGGERS="$_PROCD_TRIGGERS $*"
}

procd_close_service() {
	local package
	json_close_object
	service_triggers
	json_add_array triggers
	for package in $_PROCD_TRIGGERS; do
		json_add_array
		json_add_string "" config.change
		json_add_array
		json_add_string "" if
		json_add_array
		json_add_string "" eq
		json_add_string "" package
		json_add_string "" "$package"
		json_close_array
		json_add_array
		json_add_string "" run_script
		# shellcheck disable=SC2154 # rc.common sets the service's name
		json_add_string "" "/etc/init.d/$name"
		json_add_string "" reload
		json_close_array
		json_close_array
		json_add_int "" "$PROCD_RELOAD_DELAY"
		json_close_array
	done
	json_close_array
	ubus call service "${1:-set}" "$(json_dump)"
	json_cleanup
}

procd_kill() {
	json_init
	[ -n "$1" ] && json_add_string name "$1"
	[ -n "$2" ] && json_add_string instance "$2"
	ubus call service delete "$(json_dump)"
	json_cleanup
}

procd_send_signal() {
	local signal="$3"
	case "$signal" in
		[A-Z]*) signal="$(kill -l "$signal" 2>/dev/null)" || return 1 ;;
	esac
	json_init
	json_add_string name "$1"
	[ -n "$2" ] && [ "$2" != "*" ] && json_add_string instance "$2"
	[ -n "$signal" ] && json_add_int signal "$signal"
	ubus call service signal "$(json_dump)"
	json_cleanup
}
