# kvsync's image: `kvsync controller` by default; `kvsync agent ...` as a sidecar.
#   docker build -t ghcr.io/kvsync/kvsync:0.1.0 .

# ---- build: compile and bundle, then drop the dev dependencies ----------------------------------
FROM node:20-bookworm AS build
WORKDIR /app

# Dependencies first, so the layer is reused while only sources change. --ignore-scripts because
# the package's own `prepare` (npm run build) needs the sources, not yet copied; the two packages
# with install scripts are then built explicitly: better-sqlite3 (a native addon, compiled here
# against bookworm's glibc when no prebuilt binary fits) and esbuild (its platform binary).
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts && npm rebuild better-sqlite3 esbuild

# `npm run build` = tsc (tsconfig.build.json) + scripts/bundle.ts (tsx + esbuild, dev
# dependencies), which bundles the CLI into dist/bin and the dashboard page into
# dist/dashboard/assets.
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
COPY bin ./bin
RUN npm run build && npm prune --omit=dev

# ---- runtime: Node and kvsync only, no shell, no package manager --------------------------------
# Debian 12 = bookworm: the same glibc better-sqlite3 was compiled against.
FROM gcr.io/distroless/nodejs20-debian12:nonroot
WORKDIR /app
ENV NODE_ENV=production

# What runs: the launcher (bin/), the bundle and the dashboard's built page (dist/; found at run
# time by walking up to the package.json named "kvsync"), and the production node_modules
# (better-sqlite3's addon among them). src/ is not needed: the dashboard serves
# dist/dashboard/assets.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/bin ./bin
COPY --from=build /app/dist ./dist
COPY --from=build /app/node_modules ./node_modules

# uid 65532, as the Kubernetes manifests' runAsUser expects.
USER nonroot
# Webhook, /healthz, /readyz, /metrics.
EXPOSE 9090
ENTRYPOINT ["/nodejs/bin/node", "/app/bin/kvsync.js"]
CMD ["controller"]
