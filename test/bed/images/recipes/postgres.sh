# postgres:<15|15.x>[-bookworm]
# Debian bookworm's PostgreSQL 15 laid out like the official image: user postgres (999:999), PGDATA
# /var/lib/postgresql/data, binaries on PATH, port 5432, `docker-entrypoint.sh postgres`. On a first
# start with an empty PGDATA the entrypoint runs initdb with POSTGRES_USER (default postgres) and
# POSTGRES_PASSWORD (required unless POSTGRES_HOST_AUTH_METHOD=trust), creates POSTGRES_DB, runs
# /docker-entrypoint-initdb.d/*.sql and *.sh, and listens on every address with password auth.
# Stops fast on SIGINT, as the official image does.
recipe_resolve() {
  WANT=$(tag_version)
  [ -n "$WANT" ] || fail "tag must start with a PostgreSQL version (e.g. 15)"
  require_bookworm_variant
  version_matches "$WANT" 15.20 || [ "$WANT" = 15 ] ||
    fail "PostgreSQL $WANT is not provided: Debian bookworm has PostgreSQL 15 only (use postgres:15)"
}
recipe_deps() { echo "$BASE_REF"; }
recipe_fingerprint() { cat "$BED_DIR/images/files/postgres/docker-entrypoint.sh"; }
recipe_note() { [ "$WANT" = 15 ] || echo "the patch version is Debian's current PostgreSQL 15, not $WANT"; }
recipe_provides() { echo "Debian postgresql-15 standing in for postgres:$TAG"; }
recipe_context() {
  local c=$1
  cp "$BED_DIR/images/files/postgres/docker-entrypoint.sh" "$c/" && chmod 755 "$c/docker-entrypoint.sh"
  cat >"$c/Dockerfile" <<DOCKERFILE
FROM $BASE_REF
RUN groupadd --system --gid 999 postgres && \\
    useradd --system --uid 999 --gid postgres --home-dir /var/lib/postgresql --shell /bin/bash postgres && \\
    mkdir -p /var/lib/postgresql && chown postgres:postgres /var/lib/postgresql
# Debian's packaging would create a cluster of its own at install; the image makes its own at start.
RUN mkdir -p /etc/postgresql-common/createcluster.d && echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.d/no-main.conf
$(apt_run postgresql-15 gosu)
ENV PATH=/usr/lib/postgresql/15/bin:\$PATH PGDATA=/var/lib/postgresql/data LANG=C.UTF-8 PG_MAJOR=15
RUN set -e; mkdir -p "\$PGDATA" /var/run/postgresql /docker-entrypoint-initdb.d; \\
    chown postgres:postgres "\$PGDATA" /var/run/postgresql; chmod 1777 "\$PGDATA"; chmod 3777 /var/run/postgresql; \\
    postgres --version
COPY docker-entrypoint.sh /usr/local/bin/
VOLUME /var/lib/postgresql/data
ENTRYPOINT ["docker-entrypoint.sh"]
STOPSIGNAL SIGINT
EXPOSE 5432
CMD ["postgres"]
DOCKERFILE
}
