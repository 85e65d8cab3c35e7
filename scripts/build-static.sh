#!/usr/bin/env bash
# Builds stripped, static musl binaries of dyncfdns into target/static/ and prints their sizes:
#   target/static/dyncfdns-amd64   (x86_64-unknown-linux-musl)
#   target/static/dyncfdns-arm64   (aarch64-unknown-linux-musl)
#   target/static/dyncfdns-armv7   (armv7-unknown-linux-musleabihf: 32-bit ARM routers and boards)
#   target/static/dyncfdns-mips    (mips-unknown-linux-musl: OpenWrt mips_24kc, e.g. ath79)
#   target/static/dyncfdns-mipsel  (mipsel-unknown-linux-musl: OpenWrt mipsel_24kc, e.g. MT7621)
# Zig (PyPI packages ziglang + cargo-zigbuild) is the C compiler, C library and linker for all,
# so one toolchain builds them on any Linux host. Usage: scripts/build-static.sh [ARCH]...
#
# std is rebuilt from source (rustup's rust-src) with the release profile, size-optimised and
# without its backtrace symbolizer, which a panic=abort binary never uses: -0.25 MB of code that
# was otherwise mapped and resident. -Zbuild-std is unstable, so the stable compiler is told to
# allow it (RUSTC_BOOTSTRAP=1); the toolchain is pinned by rust-version in Cargo.toml and CI.
# Zig then also supplies the C start files (-Clink-self-contained=no), so no target needs rustup's
# prebuilt std. BUILD_STD=0 builds against the prebuilt std instead (bigger, needs no rust-src,
# needs `rustup target add` for each target).
#
# Two more link-time choices, both for size and memory, neither changes behaviour:
# - no unwind tables (-Cforce-unwind-tables=no): a panic=abort binary never unwinds; the tables
#   made 165 KB of the amd64 binary (only a panic's backtrace walked them, which now prints
#   fewer frames);
# - scripts/cold-code.ld moves the code paid only when a setting asks for it (the direct client,
#   CA loading, `check`, ...) into a segment of its own, so a process that never runs it keeps
#   none of it resident (why: that file). The build fails if that segment came out empty.
set -euo pipefail
cd "$(dirname "$0")/.."
# RUSTFLAGS splits on spaces, so the script's path must have none.
case "$PWD" in *[[:space:]]*) echo "scripts/build-static.sh: cannot build under a path with spaces ($PWD)" >&2; exit 2 ;; esac
layout_flags="-Cforce-unwind-tables=no -Clink-arg=-Wl,-T,$PWD/scripts/cold-code.ld"

arches=("$@")
[ ${#arches[@]} -gt 0 ] || arches=(amd64 arm64 armv7 mips mipsel)

triple() {
    case "$1" in
        amd64) echo x86_64-unknown-linux-musl ;;
        arm64) echo aarch64-unknown-linux-musl ;;
        armv7) echo armv7-unknown-linux-musleabihf ;;
        mips) echo mips-unknown-linux-musl ;;
        mipsel) echo mipsel-unknown-linux-musl ;;
        *) echo "scripts/build-static.sh: unknown architecture $1 (amd64, arm64, armv7, mips, mipsel)" >&2; exit 2 ;;
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
std_flags=()
if [ "${BUILD_STD:-1}" != 0 ]; then
    rustup component list --installed | grep -q '^rust-src' || rustup component add rust-src
    export RUSTC_BOOTSTRAP=1
    base_rustflags="${RUSTFLAGS:-} $layout_flags -Clink-self-contained=no"
    std_flags=('-Zbuild-std=std,panic_abort' -Zbuild-std-features=optimize_for_size)
else
    base_rustflags="${RUSTFLAGS:-} $layout_flags"
    for arch in "${arches[@]}"; do
        t=$(triple "$arch")
        case "$arch" in mips*) echo "scripts/build-static.sh: $arch needs BUILD_STD=1 (rustup ships no std for $t)" >&2; exit 2 ;; esac
        rustup target list --installed | grep -qx "$t" || rustup target add "$t"
    done
fi

# A pattern of scripts/cold-code.ld that no longer matches (a module renamed) would leave the
# cold segment small or absent.
# shellcheck source=scripts/cold-segment.sh
. scripts/cold-segment.sh
cold_segment_check() { # binary
    local size
    size=$(cold_segment_bytes "$1")
    if [ "$size" -lt 16384 ]; then
        echo "scripts/build-static.sh: $1 has no cold code segment (${size} bytes; see scripts/cold-code.ld)" >&2
        exit 1
    fi
}

mkdir -p target/static/rootfs/app/config
for arch in "${arches[@]}"; do
    t=$(triple "$arch")
    echo "== building $t"
    flags=$base_rustflags
    # MIPS static-pie crashes at start-up (its self-relocation, seen under qemu): link it non-PIE,
    # like the other targets come out of zig's linker anyway.
    case "$arch" in mips*) flags="$flags -Crelocation-model=static" ;; esac
    RUSTFLAGS=$flags cargo zigbuild --quiet --release --locked --target "$t" "${std_flags[@]}"
    cp "target/$t/release/dyncfdns" "target/static/dyncfdns-$arch"
    cold_segment_check "target/static/dyncfdns-$arch"
done

# The binary for this machine, for an image built without a target platform (the classic
# docker builder): Dockerfile.scratch falls back to it, and to nothing else.
case "$(uname -m)" in
    x86_64) host=amd64 ;;
    aarch64) host=arm64 ;;
    armv7l) host=armv7 ;;
    mips) host=mips ;;
    mipsel) host=mipsel ;;
    *) host= ;;
esac
if [ -n "$host" ] && [ -f "target/static/dyncfdns-$host" ]; then
    cp "target/static/dyncfdns-$host" target/static/dyncfdns-host
fi

echo
printf '%-30s %12s %12s\n' binary bytes "gzip -9"
for arch in "${arches[@]}"; do
    f=target/static/dyncfdns-$arch
    printf '%-30s %12s %12s\n' "$f" "$(stat -c %s "$f")" "$(gzip -9 -c "$f" | wc -c)"
done
