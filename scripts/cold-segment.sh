# shellcheck shell=bash
# Sourced by the scripts that look at the cold code segment of scripts/cold-code.ld: the
# binary's last executable LOAD, mapped on its own.
# cold_segment_bytes BINARY: its size from the program headers (0 if the binary has only one
# executable LOAD, i.e. no such segment).
# cold_resident_kb PID BINARY: KB of it resident in the running process PID (the binary's last
# executable mapping in /proc/PID/smaps).
cold_segment_bytes() {
    local size
    size=$(LC_ALL=C readelf -lW "$1" | awk '$1 == "LOAD" && / R E / {n++; s = $6} END {print (n >= 2) ? s : 0}')
    echo $((size))
}
cold_resident_kb() {
    awk -v b="${2##*/}" '/^[0-9a-f]+-[0-9a-f]+ / {x = ($2 == "r-xp" && index($0, b))} x && /^Rss:/ {r = $2}
        END {print r + 0}' "/proc/$1/smaps"
}
