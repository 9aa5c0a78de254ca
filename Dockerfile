# Image of one mesh-demo service: `docker build --build-arg SERVICE=customer -t mesh-demo/customer .` (see docs/containers.md).
# Base: Node 24 LTS slim. OpenShift users may pass BASE_IMAGE=registry.access.redhat.com/ubi9/nodejs-24-minimal.
ARG BASE_IMAGE=node:24-slim

# --- build: whole workspace, dev tooling included; only its /out directory reaches the runtime image.
FROM ${BASE_IMAGE} AS build
# UBI images default to a non-root user; installing pnpm globally needs root (a no-op on node:24-slim).
USER 0
WORKDIR /src
# pnpm at exactly the version package.json pins (packageManager), so the build matches a developer's machine.
COPY package.json ./
RUN npm install --global --no-fund --no-audit --no-update-notifier \
      "pnpm@$(node -p 'require("./package.json").packageManager.replace(/^pnpm@/, "")')" \
 && pnpm --version
# Every locked package into pnpm's store from the lockfile alone: this layer is reused until the lockfile changes.
COPY pnpm-lock.yaml pnpm-workspace.yaml ./
RUN pnpm fetch
COPY . .
RUN pnpm install --frozen-lockfile --offline && pnpm build
# Everything above is the same for all four services, so one build's cache serves the other three. `pnpm build` ends
# by bundling each service (packages/builder/src/bundle.ts): its code and every dependency in dist/bundle, so the
# runtime image installs no packages.
ARG SERVICE
RUN case "$SERVICE" in customer|partner|preference|recommendation) ;; \
      *) echo "build arg SERVICE must be one of customer, partner, preference, recommendation (got '$SERVICE')" >&2; exit 1 ;; esac \
 && mkdir -p /out/dist && cp "services/$SERVICE/package.json" /out/ && cp -r "services/$SERVICE/dist/bundle" /out/dist/ \
 && for cache in /out/dist/bundle/compile-cache/*-0; do cp -r "$cache" "${cache%-0}-1000"; done \
 && chmod -R a+rX /out/dist/bundle/compile-cache
# `pnpm build` filled the bundle's compile cache (V8's compiled code, so a start skips parsing). Node names the cache's
# directory after the UID that wrote it: the build ran as root (0), the service runs as 1000 (USER below), so the
# cache is copied under that name, and made readable (Node writes its files for their owner only). An arbitrary UID
# (OpenShift's restricted SCC) finds no cache of its own and parses as without it.

# --- runtime: the base image plus the service's bundle, nothing else.
FROM ${BASE_IMAGE}
ARG SERVICE
LABEL org.opencontainers.image.title="mesh-demo-${SERVICE}" \
      org.opencontainers.image.description="mesh-demo ${SERVICE} service (customer | partner -> preference -> recommendation)"
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and world-readable: any UID (OpenShift's arbitrary one in group 0 too) can read it and none can
# change it; the service writes nothing to disk, so the root filesystem can be mounted read-only.
COPY --from=build /out/package.json ./package.json
COPY --from=build /out/dist ./dist
USER 1000
EXPOSE 8080 9000
# No shell and no wrapper: node is PID 1 and gets SIGTERM itself (the kit's run() drains and exits on it).
# This is the service package's `start` script in exec form; keep the two the same (e2e/images checks it).
ENTRYPOINT []
CMD ["node", "--import", "./dist/bundle/register.js", "dist/bundle/main.js"]
