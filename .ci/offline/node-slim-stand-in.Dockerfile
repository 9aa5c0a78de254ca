# CI stand-in for node:24-slim, laid out like the official image: Debian slim + node + npm in /usr/local, user node (1000).
FROM mesh-demo-ci/debian:bookworm-minbase
ARG NODE_VERSION
# Only this machine's own needs: its registry traffic passes a TLS-inspecting proxy whose CA the host trusts via
# NODE_EXTRA_CA_CERTS; builds inside containers need the same trust to reach the npm registry. Empty elsewhere.
ARG EXTRA_CA_CERTS=""
ENV NODE_VERSION=${NODE_VERSION} NODE_EXTRA_CA_CERTS=${EXTRA_CA_CERTS}
COPY host-ca.crt /usr/local/share/mesh-demo-ci/host-ca.crt
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
RUN groupadd --gid 1000 node \
 && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \
 && ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && node --version && npm --version
CMD ["node"]
