#!/usr/bin/env bash
# Builds the scratch image with buildah and runs it with podman against the fake Cloudflare on
# 127.0.0.1: read-only root, non-root, no capabilities, no-new-privileges, host network.
# Checks the records are updated, the HEALTHCHECK passes and `podman stop` takes under 2 s.
# Needs root, buildah, podman and runc (Debian packages); see ../shared/notes/containers.md.
# (Without systemd, podman says it cannot set up healthcheck timers; `healthcheck run` works.)
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in buildah podman runc; do
    command -v "$tool" >/dev/null || { echo "scripts/test-image.sh: needs $tool (apt-get install buildah podman runc)" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "scripts/test-image.sh: run as root (rootful podman)" >&2; exit 1; }

work=$(mktemp -d)
# crun/runc may not raise RLIMIT_NOFILE here, crun refuses hybrid cgroups, and there is no overlayfs.
cat >"$work/containers.conf" <<'CONF'
[containers]
default_ulimits = []
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
CONF
export CONTAINERS_CONF=$work/containers.conf
P=(podman --storage-driver vfs)
image=localhost/dyncfdns:test
name=dyncfdns-image-test
fake_port=${FAKE_PORT:-18787}
api_port=${API_TEST_PORT:-15000}
fake=target/debug/examples/fake-cloudflare

cleanup() {
    "${P[@]}" rm -f "$name" >/dev/null 2>&1 || true
    "${P[@]}" rmi -f "$image" >/dev/null 2>&1 || true
    if [ -n "${fake_pid:-}" ]; then kill "$fake_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

[ -x target/static/dyncfdns-amd64 ] || scripts/build-static.sh amd64
cargo build --quiet --example fake-cloudflare

echo "== buildah bud"
revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)
buildah --storage-driver vfs bud --quiet --format docker -f Dockerfile.scratch \
    --build-arg VERSION=9.9.9-test --build-arg REVISION="$revision" \
    --ignorefile Dockerfile.scratch.dockerignore -t "$image" . >/dev/null
size=$("${P[@]}" image inspect "$image" --format '{{.Size}}')
user=$("${P[@]}" image inspect "$image" --format '{{.Config.User}}')
echo "image $image: $size bytes, user $user"
label() { "${P[@]}" image inspect "$image" --format "{{index .Labels \"org.opencontainers.image.$1\"}}"; }
if ! { [ "$(label version)" = 9.9.9-test ] && [ "$(label revision)" = "$revision" ] &&
    [ "$(label licenses)" = MIT ] && [ "$(label source)" = https://github.com/dyncfdns/dyncfdns ] &&
    [ -n "$(label description)" ]; }; then
    echo "FAIL: OCI labels: $("${P[@]}" image inspect "$image" --format '{{.Labels}}')"; exit 1
fi
echo "OCI labels: version $(label version), revision $(label revision), licenses $(label licenses)"

echo "== no platform and no binary for this machine: the build stops naming the file"
mv target/static/dyncfdns-host "$work/host" 2>/dev/null || true
if buildah --storage-driver vfs bud --quiet --build-arg TARGETARCH= --format docker -f Dockerfile.scratch \
    --ignorefile Dockerfile.scratch.dockerignore -t "$image-noarch" . >"$work/noarch.log" 2>&1; then
    echo "FAIL: an image was built without an architecture"; exit 1
fi
[ -f "$work/host" ] && mv "$work/host" target/static/dyncfdns-host
grep -q "dyncfdns-host" "$work/noarch.log" || { echo "FAIL: the error does not name the file:"; cat "$work/noarch.log"; exit 1; }
echo "refused: $(grep -o '[^ ]*dyncfdns-host[^ ]*' "$work/noarch.log" | head -1)"

# shellcheck source=scripts/fake.sh
. scripts/fake.sh
fake_start "$fake_port" --zone example.com --record home.example.com:A:93.184.216.34 --ip 8.8.4.4

echo "== podman run (read-only, non-root, cap-drop ALL, no-new-privileges, host network)"
"${P[@]}" run -d --name "$name" --read-only --network host --cap-drop ALL \
    --security-opt no-new-privileges \
    -e HOST_LIST=home.example.com,new.example.com -e ALLOW_CREATE_HOSTS=true \
    -e CLOUDFLARE_API_TOKEN=fake-token-3f9c2a \
    -e CLOUDFLARE_API_URL="http://127.0.0.1:$fake_port/client/v4" \
    -e IP4_PROVIDER="url:http://127.0.0.1:$fake_port/ip" \
    -e API_PORT="$api_port" -e UPDATE_INTERVAL=5 "$image" >/dev/null 2>"$work/podman.err" ||
    { cat "$work/podman.err"; exit 1; }

ok=
# One provider: its new address is written on the next pass (UPDATE_INTERVAL=5), when it says
# the same again.
for _ in $(seq 1 300); do
    if [ "$("$fake" records "$fake_port" | grep -c ' A 8.8.4.4 ')" = 2 ]; then ok=1; break; fi
    sleep 0.1
done
[ -n "$ok" ] || { echo "FAIL: records were not updated"; "$fake" records "$fake_port"; "${P[@]}" logs "$name"; exit 1; }
echo "records hold the fake's address:"; "$fake" records "$fake_port" | sed 's/^/  /'

pid=$("${P[@]}" inspect "$name" --format '{{.State.Pid}}')
uid=$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")
caps=$(awk '/^CapEff:/ {print $2}' "/proc/$pid/status")
nnp=$(awk '/^NoNewPrivs:/ {print $2}' "/proc/$pid/status")
echo "container process: uid $uid, CapEff $caps, NoNewPrivs $nnp"
[ "$uid" != 0 ] || { echo "FAIL: runs as root"; exit 1; }
[ "$caps" = 0000000000000000 ] || { echo "FAIL: has capabilities"; exit 1; }
[ "$nnp" = 1 ] || { echo "FAIL: no-new-privileges is off"; exit 1; }

echo "== podman healthcheck run"
"${P[@]}" healthcheck run "$name" || { echo "FAIL: unhealthy"; "${P[@]}" logs "$name"; exit 1; }
echo healthy

echo "== podman stop"
start=$(date +%s%N)
"${P[@]}" stop -t 5 "$name" >/dev/null 2>>"$work/podman.err"
took_ms=$(( ($(date +%s%N) - start) / 1000000 ))
code=$("${P[@]}" inspect "$name" --format '{{.State.ExitCode}}')
echo "stopped in ${took_ms} ms, exit code $code"
"${P[@]}" logs "$name" 2>&1 | sed 's/^/  log: /'
[ "$took_ms" -lt 2000 ] || { echo "FAIL: stop took ${took_ms} ms"; exit 1; }
[ "$code" = 0 ] || { echo "FAIL: exit code $code"; exit 1; }

# The other platforms: each image must carry that platform's binary (TARGETARCH + TARGETVARIANT).
echo "== buildah bud --platform linux/arm64, linux/arm/v7"
for pair in linux/arm64:arm64 linux/arm/v7:armv7; do
    platform=${pair%%:*} arch=${pair#*:}
    [ -x "target/static/dyncfdns-$arch" ] || scripts/build-static.sh "$arch" >/dev/null
    buildah --storage-driver vfs bud --quiet --platform "$platform" --format docker -f Dockerfile.scratch \
        --ignorefile Dockerfile.scratch.dockerignore -t "$image-$arch" . >/dev/null
    ctr=$(buildah --storage-driver vfs from "$image-$arch" 2>/dev/null)
    inside=$(sha256sum "$(buildah --storage-driver vfs mount "$ctr")/usr/local/bin/dyncfdns" | cut -d' ' -f1)
    buildah --storage-driver vfs rm "$ctr" >/dev/null
    "${P[@]}" rmi -f "$image-$arch" >/dev/null 2>&1
    [ "$inside" = "$(sha256sum "target/static/dyncfdns-$arch" | cut -d' ' -f1)" ] ||
        { echo "FAIL: the $platform image does not hold dyncfdns-$arch"; exit 1; }
    echo "$platform image holds dyncfdns-$arch"
done
echo "image test: 4 passed, 0 failed"
