#!/usr/bin/env bash
# Installs gVisor (Debian's `runsc` package) and registers it with the running
# Docker engine as the OCI runtime `runsc`, for Kiln's gVisor tier
# (sandbox.runtime: runsc). Idempotent; needs root.
#
# - /etc/docker/daemon.json keeps every other setting: only
#   `runtimes.runsc` is written (merged with Node, which every Kiln machine has).
# - `--network=none`: without it runsc refuses every container on this kind of
#   host, even one Docker starts with no network ("cannot run with network
#   enabled in root network namespace": the engine here does not run in a
#   namespace runsc takes for a container's own). Kiln's sandboxes never have a
#   network (NetworkMode none, NetworkDisabled), so gVisor is told so and
#   builds no network stack at all.
# - `--oci-seccomp`: without it runsc ignores the container's seccomp profile
#   (gVisor's kernel answers every call itself); with it Kiln's own profile
#   filters the program's calls inside gVisor as it does under runc
#   (io_uring, user namespaces, keyctl... refused: SECURITY.md).
# - dockerd is sent SIGHUP: runtimes are among the settings it reloads live.
#   It is never restarted (containers of others may be running).
set -euo pipefail
log() { printf '[register-gvisor] %s\n' "$*"; }

daemon_json=${KILN_DAEMON_JSON:-/etc/docker/daemon.json}

if ! command -v runsc >/dev/null 2>&1; then
  log "installing runsc (Debian's gVisor)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends runsc >/dev/null
fi
runsc_path=$(command -v runsc)

registered() { docker info --format '{{json .Runtimes}}' 2>/dev/null | grep -q '"runsc"'; }

mkdir -p "$(dirname "$daemon_json")"
changed=$(RUNSC_PATH="$runsc_path" DAEMON_JSON="$daemon_json" node -e '
  const fs = require("fs");
  const file = process.env.DAEMON_JSON;
  const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim() : "";
  const config = text ? JSON.parse(text) : {};
  const wanted = { path: process.env.RUNSC_PATH, runtimeArgs: ["--network=none", "--oci-seccomp"] };
  const before = JSON.stringify(config.runtimes?.runsc ?? null);
  if (before === JSON.stringify(wanted)) { console.log("no"); process.exit(0); }
  config.runtimes = { ...(config.runtimes ?? {}), runsc: wanted };
  fs.writeFileSync(`${file}.kiln-tmp`, JSON.stringify(config, null, 2) + "\n");
  fs.renameSync(`${file}.kiln-tmp`, file);
  console.log("yes");
')

if [ "$changed" = yes ] || ! registered; then
  pid=$(pidof dockerd || true)
  [ -n "$pid" ] || { log "dockerd is not running"; exit 1; }
  log "registering runsc in $daemon_json; reloading dockerd (SIGHUP, no restart)"
  kill -HUP "$pid"
  for _ in $(seq 1 40); do registered && break; sleep 0.25; done
fi
registered || { log "dockerd did not take the runsc runtime; see its log (invalid $daemon_json?)"; exit 1; }
log "runsc $(runsc --version | head -1 | awk '{print $3}') registered"
