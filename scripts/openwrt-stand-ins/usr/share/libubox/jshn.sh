# shellcheck shell=sh disable=SC3043
# A stand-in for OpenWrt's /usr/share/libubox/jshn.sh, for scripts/test-openwrt.sh: builds
# the JSON text that `json_dump` prints. Written from how the real one behaves: json_init
# starts an object, json_add_* add a member (an array's members have an empty name),
# json_add_object/array open one that json_close_* ends, json_add_boolean takes 1/0.
# Simplified: it only writes; there is no json_select, json_get_* or namespace.

json_init() {
	JSON_TEXT="{"
	JSON_FIRST="1"
}

_json_escape() {
	printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g'
}

# A member: a comma unless first at this level, its name unless in an array, its value.
_json_member() { # name, raw value
	case "$JSON_FIRST" in
		*1) JSON_FIRST="${JSON_FIRST%1}0" ;;
		*) JSON_TEXT="$JSON_TEXT," ;;
	esac
	[ -n "$1" ] && JSON_TEXT="$JSON_TEXT\"$(_json_escape "$1")\":"
	JSON_TEXT="$JSON_TEXT$2"
}

json_add_string() {
	_json_member "$1" "\"$(_json_escape "$2")\""
}

json_add_int() {
	_json_member "$1" "$2"
}

json_add_boolean() {
	case "$2" in
		1) _json_member "$1" true ;;
		*) _json_member "$1" false ;;
	esac
}

json_add_object() {
	_json_member "$1" "{"
	JSON_FIRST="${JSON_FIRST}1"
}

json_add_array() {
	_json_member "$1" "["
	JSON_FIRST="${JSON_FIRST}1"
}

json_close_object() {
	JSON_FIRST="${JSON_FIRST%?}"
	JSON_TEXT="$JSON_TEXT}"
}

json_close_array() {
	JSON_FIRST="${JSON_FIRST%?}"
	JSON_TEXT="$JSON_TEXT]"
}

json_dump() {
	echo "$JSON_TEXT}"
}

json_cleanup() {
	JSON_TEXT=""
	JSON_FIRST=""
}
