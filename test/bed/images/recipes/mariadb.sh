# mariadb:<10|10.11|10.11.x>[-bookworm] (and, through recipes/mysql.sh, mysql:<8|8.0|8.4>)
# Debian bookworm's MariaDB 10.11 laid out like the official image: user mysql (999:999), datadir
# /var/lib/mysql, socket /run/mysqld/mysqld.sock, port 3306 on every address, `docker-entrypoint.sh
# mariadbd` (mysqld too). On a first start with an empty datadir the entrypoint installs the system
# tables and sets the root password (MARIADB_ROOT_PASSWORD or MYSQL_ROOT_PASSWORD; or
# MARIADB_ALLOW_EMPTY_ROOT_PASSWORD / MYSQL_ALLOW_EMPTY_PASSWORD), creates MARIADB_DATABASE and
# MARIADB_USER with MARIADB_PASSWORD (or their MYSQL_ names), and runs
# /docker-entrypoint-initdb.d/*.sql and *.sh.
recipe_resolve() {
  WANT=$(tag_version)
  [ -n "$WANT" ] || fail "tag must start with a MariaDB version (e.g. 10.11)"
  require_bookworm_variant
  [ "$WANT" = 10 ] || version_matches "$WANT" 10.11.19 ||
    fail "MariaDB $WANT is not provided: Debian bookworm has MariaDB 10.11 only (use mariadb:10.11)"
}
recipe_deps() { echo "$BASE_REF"; }
recipe_fingerprint() { cat "$BED_DIR/images/files/mariadb/docker-entrypoint.sh"; }
recipe_note() { [ "$WANT" = 10 ] || [ "$WANT" = 10.11 ] || echo "the patch version is Debian's current MariaDB 10.11, not $WANT"; }
recipe_provides() { echo "Debian mariadb-server 10.11 standing in for $REPO:$TAG"; }
recipe_context() {
  local c=$1
  cp "$BED_DIR/images/files/mariadb/docker-entrypoint.sh" "$c/" && chmod 755 "$c/docker-entrypoint.sh"
  cat >"$c/Dockerfile" <<DOCKERFILE
FROM $BASE_REF
RUN groupadd --system --gid 999 mysql && useradd --system --uid 999 --gid mysql --home-dir /var/lib/mysql --no-create-home mysql
$(apt_run mariadb-server mariadb-client gosu)
# Debian's server listens on 127.0.0.1 only and logs to a file: the image listens everywhere, logs to
# stderr, and starts with an empty datadir that the entrypoint fills on the first start.
RUN set -e; printf '[mariadbd]\nbind-address = 0.0.0.0\nskip-name-resolve\nlog-error =\n' >/etc/mysql/mariadb.conf.d/90-image.cnf; \\
    rm -rf /var/lib/mysql && mkdir -p /var/lib/mysql /run/mysqld /docker-entrypoint-initdb.d; \\
    chown mysql:mysql /var/lib/mysql /run/mysqld; chmod 1777 /run/mysqld; mariadbd --version
COPY docker-entrypoint.sh /usr/local/bin/
VOLUME /var/lib/mysql
ENTRYPOINT ["docker-entrypoint.sh"]
EXPOSE 3306
CMD ["mariadbd"]
DOCKERFILE
}
