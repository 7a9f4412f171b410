# redis:<7|7.0|7.0.x>[-bookworm]
# Debian bookworm's redis-server (7.0.15) laid out like the official image: user redis (999:999),
# WORKDIR /data (the data volume), port 6379, `docker-entrypoint.sh redis-server`. As in the official
# image, protected mode is off unless the command line says otherwise (the official image patches it
# off at build time), so other pods reach it without a password; started as root the entrypoint
# takes /data and drops to redis, started as redis it runs as is.
recipe_resolve() {
  WANT=$(tag_version)
  [ -n "$WANT" ] || fail "tag must start with a Redis version (e.g. 7)"
  require_bookworm_variant
  version_matches "$WANT" 7.0.15 || [ "$WANT" = 7 ] ||
    fail "Redis $WANT is not provided: Debian bookworm has Redis 7.0 only (use redis:7)"
}
recipe_deps() { echo "$BASE_REF"; }
recipe_fingerprint() { cat "$BED_DIR/images/files/redis/docker-entrypoint.sh"; }
recipe_provides() { echo "Debian redis-server 7.0 standing in for redis:$TAG"; }
recipe_context() {
  local c=$1
  cp "$BED_DIR/images/files/redis/docker-entrypoint.sh" "$c/" && chmod 755 "$c/docker-entrypoint.sh"
  cat >"$c/Dockerfile" <<DOCKERFILE
FROM $BASE_REF
# The official image's ids, taken before the package would pick a system id of its own.
RUN groupadd --system --gid 999 redis && useradd --system --uid 999 --gid redis --home-dir /data --no-create-home redis
$(apt_run redis-server gosu)
RUN set -e; mkdir /data && chown redis:redis /data; redis-server --version
COPY docker-entrypoint.sh /usr/local/bin/
VOLUME /data
WORKDIR /data
ENTRYPOINT ["docker-entrypoint.sh"]
EXPOSE 6379
CMD ["redis-server"]
DOCKERFILE
}
