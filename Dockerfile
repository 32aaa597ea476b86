# syntax=docker/dockerfile:1

# narrate: one image for every role (worker, dashboard, submit, status), chosen by the command.
#   docker build -t narrate .
#   docker run --rm -e REDIS_URL=redis://redis:6379 -v narrate-data:/data narrate worker

# ---- build: compile TypeScript with the dev dependencies, then drop them ----
FROM node:20-bookworm-slim AS build
WORKDIR /app
# Manifests first, so the dependency layer is reused until the lockfile changes.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

# ---- runtime: node + ffmpeg (the finalizer's only external tool); no browser needed ----
FROM node:20-bookworm-slim
RUN apt-get update \
  && apt-get install -y --no-install-recommends ffmpeg \
  && rm -rf /var/lib/apt/lists/*

ENV NODE_ENV=production \
    NARRATE_STORE_DIR=/data/segments

WORKDIR /app
# Owned by root and read-only to the process: the app writes only under /data.
COPY package.json package-lock.json ./
COPY bin ./bin
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist

# Segments and finished books live on /data. Creating it here owned by `node` means a fresh named
# volume mounted on it starts with that ownership, so the non-root user can write to it.
RUN mkdir -p /data/segments /data/out && chown -R node:node /data

USER node
ENTRYPOINT ["node", "bin/narrate.js"]
CMD ["worker"]
