#!/bin/bash
# The stand-in's entrypoint, after the official mariadb and mysql images': on a first start with an
# empty datadir, install the system tables, then set the root password, the database, the user and
# the init scripts on a server that listens on its socket only; then the real server.
set -Eeo pipefail
if [ "${1:0:1}" = - ]; then set -- mariadbd "$@"; fi
case $1 in mariadbd | mysqld) ;; *) exec "$@" ;; esac

DATADIR=/var/lib/mysql
SOCKET=/run/mysqld/mysqld.sock
if [ "$(id -u)" = 0 ]; then
  find "$DATADIR" \! -user mysql -exec chown mysql: '{}' +
  exec gosu mysql "$BASH_SOURCE" "$@"
fi

# The MARIADB_ name wins over the MYSQL_ one, as in the official mariadb image.
pick() { local a="MARIADB_$1" b="MYSQL_$1"; printf '%s' "${!a:-${!b:-}}"; }
ROOT_PASSWORD=$(pick ROOT_PASSWORD)
ALLOW_EMPTY=$(pick ALLOW_EMPTY_ROOT_PASSWORD)
[ -n "$ALLOW_EMPTY" ] || ALLOW_EMPTY=${MYSQL_ALLOW_EMPTY_PASSWORD:-}
DATABASE=$(pick DATABASE)
USER_NAME=$(pick USER)
USER_PASSWORD=$(pick PASSWORD)

if [ ! -d "$DATADIR/mysql" ]; then
  if [ -z "$ROOT_PASSWORD" ] && [ -z "$ALLOW_EMPTY" ]; then
    echo 'error: the database is uninitialized and no root password is set.' >&2
    echo '       Set MARIADB_ROOT_PASSWORD (or MYSQL_ROOT_PASSWORD), or MARIADB_ALLOW_EMPTY_ROOT_PASSWORD=1.' >&2
    exit 1
  fi
  mariadb-install-db --datadir="$DATADIR" --skip-test-db --auth-root-authentication-method=normal \
    --skip-name-resolve --default-time-zone=SYSTEM >/dev/null
  "$1" --skip-networking --socket="$SOCKET" --datadir="$DATADIR" &
  pid=$!
  for _ in $(seq 60); do mariadb-admin --socket="$SOCKET" -uroot ping >/dev/null 2>&1 && break; sleep 0.5; done
  sql() { mariadb --protocol=socket --socket="$SOCKET" -uroot "$@"; }
  quote() { printf "'%s'" "${1//\'/\'\'}"; }
  {
    echo "SET @@SESSION.SQL_LOG_BIN=0;"
    echo "DELETE FROM mysql.user WHERE user NOT IN ('mysql.sys', 'mariadb.sys', 'root') OR host NOT IN ('localhost');"
    echo "SET PASSWORD FOR 'root'@'localhost' = PASSWORD($(quote "$ROOT_PASSWORD"));"
    echo "CREATE USER 'root'@'%' IDENTIFIED BY $(quote "$ROOT_PASSWORD");"
    echo "GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;"
    [ -z "$DATABASE" ] || echo "CREATE DATABASE IF NOT EXISTS \`${DATABASE//\`/\`\`}\`;"
    if [ -n "$USER_NAME" ]; then
      echo "CREATE USER $(quote "$USER_NAME")@'%' IDENTIFIED BY $(quote "$USER_PASSWORD");"
      [ -z "$DATABASE" ] || echo "GRANT ALL ON \`${DATABASE//\`/\`\`}\`.* TO $(quote "$USER_NAME")@'%';"
    fi
    echo "FLUSH PRIVILEGES;"
  } | sql
  for f in /docker-entrypoint-initdb.d/*; do
    case $f in
      *.sh) echo "running $f"; . "$f" ;;
      *.sql) echo "running $f"; sql --password="$ROOT_PASSWORD" ${DATABASE:+"$DATABASE"} <"$f" ;;
      *.sql.gz) echo "running $f"; gunzip -c "$f" | sql --password="$ROOT_PASSWORD" ${DATABASE:+"$DATABASE"} ;;
    esac
  done
  mariadb-admin --socket="$SOCKET" -uroot --password="$ROOT_PASSWORD" shutdown
  wait "$pid" || true
  echo 'MariaDB init process complete; ready for start up.'
fi
exec "$@"
