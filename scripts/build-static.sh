#!/usr/bin/env bash
# Builds stripped, static musl binaries of dyncfdns into target/static/ and prints their sizes:
#   target/static/dyncfdns-amd64   (x86_64-unknown-linux-musl)
#   target/static/dyncfdns-arm64   (aarch64-unknown-linux-musl)
# Zig (PyPI packages ziglang + cargo-zigbuild) is the C compiler and linker for both, so one
# toolchain builds both on any Linux host. Usage: scripts/build-static.sh [amd64|arm64]...
set -euo pipefail
cd "$(dirname "$0")/.."

arches=("$@")
[ ${#arches[@]} -gt 0 ] || arches=(amd64 arm64)

triple() {
    case "$1" in
        amd64) echo x86_64-unknown-linux-musl ;;
        arm64) echo aarch64-unknown-linux-musl ;;
        *) echo "scripts/build-static.sh: unknown architecture $1 (amd64 or arm64)" >&2; exit 2 ;;
    esac
}

# What a fresh machine lacks, installed or named.
if ! command -v cargo-zigbuild >/dev/null || ! python3 -m ziglang version >/dev/null 2>&1; then
    if command -v pip3 >/dev/null || command -v pip >/dev/null; then
        echo "== installing ziglang and cargo-zigbuild from PyPI"
        "$(command -v pip3 || command -v pip)" install --quiet ziglang cargo-zigbuild
    else
        echo "scripts/build-static.sh: needs cargo-zigbuild and zig: pip install ziglang cargo-zigbuild" >&2
        exit 1
    fi
fi
for arch in "${arches[@]}"; do
    t=$(triple "$arch")
    rustup target list --installed | grep -qx "$t" || rustup target add "$t"
done

mkdir -p target/static/rootfs/app/config
for arch in "${arches[@]}"; do
    t=$(triple "$arch")
    echo "== building $t"
    cargo zigbuild --quiet --release --locked --target "$t"
    cp "target/$t/release/dyncfdns" "target/static/dyncfdns-$arch"
done

echo
printf '%-24s %12s %12s\n' binary bytes "gzip -9"
for arch in "${arches[@]}"; do
    f=target/static/dyncfdns-$arch
    printf '%-24s %12s %12s\n' "$f" "$(stat -c %s "$f")" "$(gzip -9 -c "$f" | wc -c)"
done
