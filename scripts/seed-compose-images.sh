#!/usr/bin/env bash
# The compose file builds FROM node:20-bookworm-slim and runs redis:7-bookworm.
# Where a registry answers, those are pulled as usual. On a machine without one
# (like Kiln's CI), this builds local stand-ins under the same tags from
# debian:bookworm-slim: Node.js copied from this machine, Redis from Debian.
# The Node stand-in trusts this machine's CA bundle, so `npm ci` in Kiln's
# Dockerfile reaches the registry through the same (possibly intercepting)
# network path the machine itself uses.
set -euo pipefail
log() { printf '[seed-compose] %s\n' "$*"; }

have() { docker image inspect "$1" >/dev/null 2>&1; }

seed_node() {
  have node:20-bookworm-slim && return
  docker pull -q node:20-bookworm-slim >/dev/null 2>&1 && return
  local node npm ctx
  node=$(readlink -f "$(command -v node)")
  npm=$(dirname "$(readlink -f "$(command -v npm)")")/..
  [ "$(node -p 'process.versions.node.split(".")[0]')" = 20 ] || { log "this machine's Node is not 20"; exit 1; }
  ctx=$(mktemp -d)
  cp "$node" "$ctx/node"
  cp -r "$(readlink -f "$npm")" "$ctx/npm"
  cp /etc/ssl/certs/ca-certificates.crt "$ctx/host-ca.crt"
  cat > "$ctx/Dockerfile" <<'DOCKERFILE'
FROM debian:bookworm-slim
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
COPY host-ca.crt /etc/ssl/certs/host-ca.crt
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/host-ca.crt npm_config_cafile=/etc/ssl/certs/host-ca.crt
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && groupadd -g 1000 node && useradd -u 1000 -g node -m -s /bin/bash node
CMD ["node"]
DOCKERFILE
  log "building a local node:20-bookworm-slim (Node $(node --version) from this machine)"
  docker build -q -t node:20-bookworm-slim "$ctx" >/dev/null
  rm -rf "$ctx"
}

seed_redis() {
  have redis:7-bookworm && return
  docker pull -q redis:7-bookworm >/dev/null 2>&1 && return
  local ctx
  ctx=$(mktemp -d)
  cat > "$ctx/Dockerfile" <<'DOCKERFILE'
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends redis-server \
 && rm -rf /var/lib/apt/lists/* && mkdir -p /data && chown redis:redis /data
WORKDIR /data
USER redis
EXPOSE 6379
CMD ["redis-server"]
DOCKERFILE
  log "building a local redis:7-bookworm (Debian's redis-server)"
  docker build -q -t redis:7-bookworm "$ctx" >/dev/null
  rm -rf "$ctx"
}

seed_node
seed_redis
log "node:20-bookworm-slim and redis:7-bookworm present"
