# mysql:<8|8.0|8.4>[-bookworm|-debian|-oracle]: MariaDB 10.11 (recipes/mariadb.sh) stands in; no
# MySQL server can be had from Debian. It speaks the MySQL protocol, takes the MYSQL_* variables and
# answers `mysqld`, which covers what apps under development ask of it; MySQL 8-only features
# (caching_sha2_password as the default, some JSON and window functions) differ.
. "$BED_DIR/images/recipes/mariadb.sh"
recipe_resolve() {
  WANT=$(tag_version)
  [ -n "$WANT" ] || fail "tag must start with a MySQL version (e.g. 8.0)"
  case $(tag_variant) in "" | bookworm | debian | oracle) ;; *) fail "variant '$(tag_variant)' is not provided" ;; esac
  case $WANT in 8 | 8.0 | 8.0.* | 8.4 | 8.4.*) ;; *) fail "MySQL $WANT is not provided: MariaDB 10.11 stands in for mysql:8.0 and 8.4 only" ;; esac
}
recipe_fingerprint() { cat "$BED_DIR/images/recipes/mariadb.sh" "$BED_DIR/images/files/mariadb/docker-entrypoint.sh"; }
recipe_note() { echo "MariaDB 10.11 stands in for MySQL $WANT (no MySQL server can be had here)"; }
