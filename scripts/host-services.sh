#!/usr/bin/env bash
# Prepares a Debian machine to run Kiln's tests: Redis, the Docker engine, and
# the debian:bookworm-slim base image. Idempotent: whatever is already there is
# kept. Used by .ci/run and by developers on a fresh machine (needs root).
#   scripts/host-services.sh          Redis and Docker (everything)
#   scripts/host-services.sh redis    Redis alone: all the fast test tier needs
#   scripts/host-services.sh docker   the Docker engine and its images, for the system tier
set -euo pipefail

log() { printf '[host-services] %s\n' "$*"; }

install_missing() {
  local need_pkgs=()
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || need_pkgs+=("${pair#*:}")
  done
  [ ${#need_pkgs[@]} -gt 0 ] || return 0
  log "installing ${need_pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
}

start_redis() {
  install_missing redis-server:redis-server
  if ! redis-cli -p 6379 ping >/dev/null 2>&1; then
    log "starting redis-server on 127.0.0.1:6379"
    redis-server --port 6379 --bind 127.0.0.1 --daemonize yes --save '' --appendonly no \
      --logfile /var/log/redis-kiln.log
    for _ in $(seq 1 20); do redis-cli -p 6379 ping >/dev/null 2>&1 && break; sleep 0.25; done
  fi
  redis-cli -p 6379 ping >/dev/null 2>&1 || { log "redis-server did not start; see /var/log/redis-kiln.log"; exit 1; }
  log "redis ready"
}

start_docker() {
  local compose=()
  docker compose version >/dev/null 2>&1 || compose=(docker-compose:docker-compose)
  install_missing dockerd:docker.io debootstrap:debootstrap "${compose[@]}"
  if ! docker info >/dev/null 2>&1; then
    log "starting dockerd"
    nohup dockerd >/var/log/dockerd.log 2>&1 &
    for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
    docker info >/dev/null 2>&1 || { log "dockerd did not start; see /var/log/dockerd.log"; tail -20 /var/log/dockerd.log; exit 1; }
  fi
  log "docker $(docker version --format '{{.Server.Version}}') ready"
  seed_base_image
  # The compose test builds Kiln's image FROM node:20-bookworm-slim and runs redis:7-bookworm.
  bash "$(dirname "$0")/seed-compose-images.sh"
  # The gVisor tier (sandbox.runtime: runsc) and its tests need runsc registered with the engine.
  bash "$(dirname "$0")/register-gvisor.sh"
}

seed_base_image() {
  if ! docker image inspect debian:bookworm-slim >/dev/null 2>&1; then
    local mirror dir
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
}

case "${1:-all}" in
  redis) start_redis ;;
  docker) start_docker ;;
  all) start_redis; start_docker ;;
  *) log "usage: $0 [redis|docker]"; exit 2 ;;
esac
