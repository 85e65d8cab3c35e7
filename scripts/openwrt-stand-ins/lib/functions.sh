# shellcheck shell=sh disable=SC3043
# A stand-in for OpenWrt's /lib/functions.sh, for scripts/test-openwrt.sh: the UCI part only.
# Written from how the real one behaves (openwrt/openwrt,
# package/base-files/files/lib/functions.sh): config_load turns a config file into calls of
# `config`, `option` and `list`, which keep each value in a CONFIG_<section>_<option>
# variable (lists also as _ITEMn/_LENGTH, and space-joined); config_get reads one with a
# default, config_get_bool maps 1/on/true/yes/enabled and 0/off/false/no/disabled,
# config_foreach calls a function per section of a type, config_list_foreach per list item.
# Simplified: config_load reads ${UCI_CONFIG_DIR:-/etc/config}/<name> itself (the real one asks
# uci), with one value per line and quotes that do not nest; no callbacks, no state files.

CONFIG_SECTIONS=""
CONFIG_NUM_SECTIONS=0

config() {
	CONFIG_NUM_SECTIONS=$((CONFIG_NUM_SECTIONS + 1))
	CONFIG_SECTION="${2:-cfg$CONFIG_NUM_SECTIONS}"
	CONFIG_SECTIONS="${CONFIG_SECTIONS:+$CONFIG_SECTIONS }$CONFIG_SECTION"
	config_set "$CONFIG_SECTION" TYPE "$1"
}

option() {
	local name="$1"
	shift
	config_set "$CONFIG_SECTION" "$name" "$*"
}

list() {
	local name="$1" len joined
	shift
	config_get len "$CONFIG_SECTION" "${name}_LENGTH" 0
	len=$((len + 1))
	config_set "$CONFIG_SECTION" "${name}_ITEM$len" "$*"
	config_set "$CONFIG_SECTION" "${name}_LENGTH" "$len"
	config_get joined "$CONFIG_SECTION" "$name"
	config_set "$CONFIG_SECTION" "$name" "${joined:+$joined }$*"
}

config_set() {
	eval "CONFIG_${1}_${2}=\$3"
}

config_get() {
	case "$3" in
		"") eval "echo \"\${CONFIG_${1}_${2}:-}\"" ;;
		*) eval "$1=\${CONFIG_${2}_${3}:-\${4:-}}" ;;
	esac
}

config_get_bool() {
	local _v
	config_get _v "$2" "$3" "$4"
	case "$_v" in
		1 | on | true | yes | enabled) _v=1 ;;
		0 | off | false | no | disabled) _v=0 ;;
		*) _v="$4" ;;
	esac
	eval "$1=\$_v"
}

config_foreach() {
	local fn="$1" type="$2" section t
	for section in $CONFIG_SECTIONS; do
		config_get t "$section" TYPE
		[ -n "$type" ] && [ "$t" != "$type" ] && continue
		"$fn" "$section"
	done
}

config_list_foreach() {
	local section="$1" name="$2" fn="$3" len c=1 v
	config_get len "$section" "${name}_LENGTH" 0
	while [ "$c" -le "$len" ]; do
		config_get v "$section" "${name}_ITEM$c"
		"$fn" "$v"
		c=$((c + 1))
	done
}

config_load() {
	local file="${UCI_CONFIG_DIR:-/etc/config}/$1" kind rest
	CONFIG_SECTIONS=""
	CONFIG_NUM_SECTIONS=0
	[ -f "$file" ] || return 1
	while read -r kind rest; do
		case "$kind" in
			config | option | list) eval "$kind $rest" ;;
		esac
	done <"$file"
}

# Users and groups, as the real ones keep them: lines appended to ${IPKG_INSTROOT}/etc/group,
# passwd and shadow; new ids from 32768 up. Simplified: no locking.
group_exists() {
	grep -qs "^${1}:" "${IPKG_INSTROOT}/etc/group"
}

group_add() {
	echo "${1}:x:${2}:" >>"${IPKG_INSTROOT}/etc/group"
}

group_add_next() {
	local gid
	gid=$(grep -s "^${1}:" "${IPKG_INSTROOT}/etc/group" | cut -d: -f3)
	if [ -n "$gid" ]; then
		echo "$gid"
		return
	fi
	gid=32768
	while cut -d: -f3 "${IPKG_INSTROOT}/etc/group" | grep -qx "$gid"; do
		gid=$((gid + 1))
	done
	group_add "$1" "$gid"
	echo "$gid"
}

user_exists() {
	grep -qs "^${1}:" "${IPKG_INSTROOT}/etc/passwd"
}

user_add() { # name [uid] [gid] [desc] [home] [shell]
	local uid="$2"
	if [ -z "$uid" ]; then
		uid=32768
		while cut -d: -f3 "${IPKG_INSTROOT}/etc/passwd" | grep -qx "$uid"; do
			uid=$((uid + 1))
		done
	fi
	echo "${1}:x:${uid}:${3:-$uid}:${4:-$1}:${5:-/var/run/$1}:${6:-/bin/false}" >>"${IPKG_INSTROOT}/etc/passwd"
	echo "${1}:x:0:0:99999:7:::" >>"${IPKG_INSTROOT}/etc/shadow"
}
