# denoland/deno:<version> (also latest, debian-<version>, bin-<version>)
# The real Deno binary from the npm registry package @deno/linux-x64-glibc@<newest match>, laid out
# like the official Debian-based image: /usr/bin/deno, user deno (1993:1993), DENO_DIR=/deno-dir/,
# an entrypoint that runs `deno` when the first argument is a deno subcommand or a flag.
recipe_resolve() {
  local v=$TAG
  case $v in latest | debian) v=2 ;; debian-*) v=${v#debian-} ;; bin-*) v=${v#bin-} BIN_ONLY=1 ;; esac
  [[ $v =~ ^[0-9]+(\.[0-9]+){0,2}$ ]] || fail "tags <version>, debian-<version>, bin-<version> and latest are provided (no alpine, distroless or ubuntu)"
  DENO_V=$(cached "@deno/linux-x64-glibc@$v" npm_max "@deno/linux-x64-glibc@$v") || fail "no Deno release matches $v on the npm registry (@deno/linux-x64-glibc)"
}
recipe_deps() { echo "$BASE_REF"; }
recipe_fingerprint() { echo "deno $DENO_V ${BIN_ONLY:-}"; }
recipe_provides() { echo "deno $DENO_V (npm @deno/linux-x64-glibc)"; }
recipe_context() {
  local c=$1
  npm_unpack "@deno/linux-x64-glibc@$DENO_V" "$c/pkg"
  local bin
  bin=$(find "$c/pkg" -type f -name deno | head -n1)
  [ -n "$bin" ] || fail "no deno binary in @deno/linux-x64-glibc@$DENO_V"
  mv "$bin" "$c/deno" && chmod 755 "$c/deno" && rm -rf "$c/pkg"
  if [ -n "${BIN_ONLY:-}" ]; then
    printf 'FROM scratch\nCOPY deno /deno\n' >"$c/Dockerfile"
    return 0
  fi
  cat >"$c/docker-entrypoint.sh" <<'SH'
#!/bin/sh
set -e
# Like the official image: a deno subcommand or a flag is run by deno.
case "$1" in
  bench|bundle|cache|check|compile|completions|coverage|doc|eval|fmt|help|info|init|install|jupyter|lint|lsp|publish|repl|run|serve|task|test|types|uninstall|upgrade|vendor|add|remove|outdated|clean|-*)
    set -- deno "$@" ;;
esac
exec "$@"
SH
  chmod 755 "$c/docker-entrypoint.sh"
  cat >"$c/Dockerfile" <<DOCKERFILE
FROM $BASE_REF
RUN groupadd --gid 1993 deno && useradd --uid 1993 --gid deno --shell /bin/bash --create-home deno && \\
    mkdir /deno-dir && chown deno:deno /deno-dir
ENV DENO_DIR=/deno-dir/ DENO_INSTALL_ROOT=/usr/local DENO_VERSION=$DENO_V
COPY deno /usr/bin/deno
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
RUN deno --version
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["deno", "repl"]
DOCKERFILE
}
