#!/usr/bin/env bash
# Prepares a Debian machine to run Kiln's tests: Docker engine, Redis, and the
# debian:bookworm-slim base image. Idempotent: whatever is already there is kept.
# Used by .ci/run and by developers on a fresh machine (needs root).
set -euo pipefail

log() { printf '[host-services] %s\n' "$*"; }

need_pkgs=()
command -v dockerd >/dev/null 2>&1 || need_pkgs+=(docker.io)
command -v redis-server >/dev/null 2>&1 || need_pkgs+=(redis-server)
command -v debootstrap >/dev/null 2>&1 || need_pkgs+=(debootstrap)
docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null 2>&1 || need_pkgs+=(docker-compose)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  log "installing ${need_pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  log "starting dockerd"
  nohup dockerd >/var/log/dockerd.log 2>&1 &
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { log "dockerd did not start; see /var/log/dockerd.log"; tail -20 /var/log/dockerd.log; exit 1; }
fi
log "docker $(docker version --format '{{.Server.Version}}') ready"

if ! redis-cli -p 6379 ping >/dev/null 2>&1; then
  log "starting redis-server on 127.0.0.1:6379"
  redis-server --port 6379 --bind 127.0.0.1 --daemonize yes --save '' --appendonly no \
    --logfile /var/log/redis-kiln.log
  for _ in $(seq 1 20); do redis-cli -p 6379 ping >/dev/null 2>&1 && break; sleep 0.25; done
fi
log "redis ready"

if ! docker image inspect debian:bookworm-slim >/dev/null 2>&1; then
  mirror=$( (grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}';
              grep -hE '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}') \
            | grep -v security | head -1 || true)
  mirror=${mirror:-http://deb.debian.org/debian}
  dir=$(mktemp -d /tmp/kiln-bookworm.XXXXXX)
  log "seeding debian:bookworm-slim with debootstrap from $mirror (about a minute)"
  debootstrap --variant=minbase bookworm "$dir" "$mirror" >/tmp/kiln-debootstrap.log 2>&1 \
    || { tail -20 /tmp/kiln-debootstrap.log; exit 1; }
  tar -C "$dir" -c . | docker import - debian:bookworm-slim >/dev/null
  rm -rf "$dir"
fi
log "debian:bookworm-slim present"

# The compose test builds Kiln's image FROM node:20-bookworm-slim and runs redis:7-bookworm.
bash "$(dirname "$0")/seed-compose-images.sh"

# The gVisor tier (sandbox.runtime: runsc) and its tests need runsc registered with the engine.
bash "$(dirname "$0")/register-gvisor.sh"
