# syntax=docker/dockerfile:1
# Pulseboard: build the Nuxt app, then run only its self-contained output
# (.output bundles the server and the node_modules it needs).

# Supported: Node 22.13+ and 24+ (package.json engines); .ci/run tests on this one.
ARG NODE_VERSION=22.23

# --- build ----------------------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
ENV NUXT_TELEMETRY_DISABLED=1
# Dependencies first, so this layer is reused while only the source changes.
# --ignore-scripts: `postinstall` (nuxi prepare) needs the source; the build prepares anyway.
# `npm ci`: exactly the locked versions (the lockfile lists every platform's optional packages).
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN NODE_ENV=production npx nuxi build

# --- runtime --------------------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
WORKDIR /app
# NITRO_SHUTDOWN_TIMEOUT: streams are ended on SIGTERM at once (clients move
# to another replica); this bounds the wait for ordinary requests. Keep it
# below the orchestrator's grace period (Docker: 10 s by default,
# docker-compose.yml: 15 s, Kubernetes: 30 s) so the process exits by itself.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    NITRO_SHUTDOWN_TIMEOUT=8000
# Owned by root and read-only to the app user: the process cannot rewrite its own code.
COPY --from=build /app/.output ./.output
USER node
EXPOSE 3000
STOPSIGNAL SIGTERM
# Liveness only: /health/live answers while the process serves requests.
# Readiness (Redis reachable) is /health/sse, for the load balancer.
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", ".output/server/index.mjs"]
