#!/usr/bin/env bash
# The shipped deployment files say what the README promises: compose (named volume, the port
# on 127.0.0.1, a stop grace above the stop bound, a patient healthcheck), the env files
# (API_BIND=127.0.0.1 for systemd), the systemd unit, the Kubernetes probes and the Dockerfile.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 - <<'PY'
import re, sys, yaml

STOP_BOUND = 8      # src/bounds.rs: STOP_AT_ONCE + STOP_DELETES
PROBE_WAIT = 21     # src/bounds.rs: probe_wait(15, 5), the default settings
failures = []
def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)

def seconds(v):
    m = re.fullmatch(r"(\d+)(s|m)?", str(v))
    return int(m.group(1)) * (60 if m.group(2) == "m" else 1) if m else -1

c = yaml.safe_load(open("scripts/deploy/compose.yml"))
svc = c["services"]["dyncfdns"]
vol = [v for v in svc["volumes"] if v.endswith(":/app/config")]
check(len(vol) == 1 and not vol[0].startswith((".", "/")) and vol[0].split(":")[0] in c.get("volumes", {}),
      "compose: /app/config is a named volume")
check(all(str(p).startswith("127.0.0.1:") for p in svc["ports"]), "compose: the port is published on 127.0.0.1")
check(seconds(svc.get("stop_grace_period", "0")) > STOP_BOUND, "compose: stop_grace_period above the stop bound")
check(seconds(svc["healthcheck"]["timeout"]) >= PROBE_WAIT, "compose: healthcheck timeout >= the probe's wait")
check(svc["env_file"] == ".env", "compose: reads .env")

env = lambda p: dict(l.split("=", 1) for l in open(p).read().splitlines() if l and not l.startswith("#"))
sysenv = env("scripts/deploy/systemd/dyncfdns.env")
check(sysenv.get("API_BIND") == "127.0.0.1", "systemd env: API_BIND=127.0.0.1")
check("HOST_LIST" in env("scripts/deploy/compose.env.example"), "compose env example: HOST_LIST")

unit = open("scripts/deploy/systemd/dyncfdns.service").read()
kv = dict(re.findall(r"^(\w+)=(.*)$", unit, re.M))
check(seconds(kv.get("TimeoutStopSec", "0")) > STOP_BOUND, "systemd: TimeoutStopSec above the stop bound")
check(kv.get("RestartPreventExitStatus") == "2", "systemd: no restart on a configuration error")
check(seconds(kv.get("RestartSec", "0")) >= 30, "systemd: a slow restart")
check("README" in kv.get("Documentation", ""), "systemd: Documentation points at the README")
check("/etc/dyncfdns/env" in kv.get("EnvironmentFile", ""), "systemd: reads /etc/dyncfdns/env")
check(re.search(r"kill -USR1 \$MAINPID", kv.get("ExecReload", "")) is not None, "systemd: reload asks for a pass (SIGUSR1)")

k8s = [d for d in yaml.safe_load_all(open("scripts/deploy/kubernetes/dyncfdns.yaml")) if d and d["kind"] == "Deployment"][0]
cont = k8s["spec"]["template"]["spec"]["containers"][0]
for probe in ("livenessProbe", "readinessProbe"):
    check(cont[probe].get("timeoutSeconds", 1) >= PROBE_WAIT, f"kubernetes: {probe} timeoutSeconds >= the probe's wait")

docker = open("Dockerfile.scratch").read()
m = re.search(r"HEALTHCHECK .*--timeout=(\d+)s", docker)
check(bool(m) and int(m.group(1)) >= PROBE_WAIT, "Dockerfile: HEALTHCHECK --timeout >= the probe's wait")
check(not re.search(r"ARG TARGETARCH=", docker), "Dockerfile: no default architecture")
for label in ("source", "version", "revision", "licenses", "description"):
    check(f"org.opencontainers.image.{label}=" in docker, f"Dockerfile: OCI label {label}")
if failures:
    sys.exit(1)
PY
