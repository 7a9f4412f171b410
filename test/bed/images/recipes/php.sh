# php:<8.2|8.4>-apache and -cli (also 8.2, 8.2-apache-bookworm, 8.2-cli-bookworm)
# Debian's PHP: 8.2 on bookworm, 8.4 on trixie. The apache variant is Apache 2.4 with mod_php, laid out like the
# official image: DocumentRoot /var/www/html (empty, owned by www-data), /etc/apache2/ports.conf,
# sites-available/000-default.conf, logs to stdout/stderr, `apache2-foreground` on PATH, user
# www-data (33). PHP_INI_DIR=/usr/local/etc/php holds php.ini-production/-development and conf.d/;
# docker-php-ext-install installs Debian's php<version>-<ext> packages. PECL is not reachable here.
recipe_resolve() {
  WANT=$(tag_version)
  [ -n "$WANT" ] || fail "tag must start with a PHP version (e.g. 8.2-apache)"
  case $WANT in
    8.2 | 8.2.*) PV=8.2 BASE=debian:bookworm-slim ;;
    8.4 | 8.4.*) PV=8.4 BASE=debian:trixie-slim ;;
    *) fail "PHP $WANT is not provided: Debian has PHP 8.2 (bookworm) and 8.4 (trixie) only" ;;
  esac
  case $(tag_variant) in
    apache | apache-bookworm) FLAVOR=apache ;;
    "" | cli | cli-bookworm | bookworm) FLAVOR=cli ;;
    *) fail "variant '$(tag_variant)' is not provided (apache or cli; no fpm, zts or alpine)" ;;
  esac
}
recipe_deps() { echo "$BASE"; }
recipe_fingerprint() { cat "$BED_DIR"/images/files/php/*; }
recipe_provides() { echo "Debian php$PV ($FLAVOR)"; }
recipe_context() {
  local c=$1
  cp "$BED_DIR"/images/files/php/* "$c/"
  chmod 755 "$c"/apache2-foreground "$c"/docker-php-*
  local pkgs="php$PV-cli php$PV-opcache php$PV-mbstring php$PV-xml php$PV-curl php$PV-readline"
  local apache_setup="" cmd='["php", "-a"]' tail=""
  if [ "$FLAVOR" = apache ]; then
    pkgs="$pkgs apache2 libapache2-mod-php$PV"
    apache_setup='RUN set -e; rm -rf /var/www/html && mkdir -p /var/www/html && chown www-data:www-data /var/www/html && chmod 1777 /var/www/html; \
    ln -sfT /dev/stderr /var/log/apache2/error.log; ln -sfT /dev/stdout /var/log/apache2/access.log; \
    ln -sfT /dev/stdout /var/log/apache2/other_vhosts_access.log; chown -R --no-dereference www-data:www-data /var/log/apache2; \
    a2dismod -f mpm_event >/dev/null 2>&1 || true; a2enmod mpm_prefork php'"$PV"' >/dev/null; \
    printf "<FilesMatch \\.php$>\n\tSetHandler application/x-httpd-php\n</FilesMatch>\nDirectoryIndex disabled\nDirectoryIndex index.php index.html\n<Directory /var/www/>\n\tOptions -Indexes\n\tAllowOverride All\n</Directory>\n" >/etc/apache2/conf-available/docker-php.conf; \
    a2enconf docker-php >/dev/null; apache2ctl -t'
    cmd='["apache2-foreground"]'
    tail='WORKDIR /var/www/html
EXPOSE 80
STOPSIGNAL SIGWINCH'
  fi
  cat >"$c/Dockerfile" <<DOCKERFILE
FROM $BASE
$(apt_run $pkgs)
ENV PHP_INI_DIR=/usr/local/etc/php PHP_VERSION=$PV PHP_INI_SCAN_DIR=:/usr/local/etc/php/conf.d
COPY apache2-foreground docker-php-entrypoint docker-php-ext-install docker-php-ext-enable docker-php-ext-configure /usr/local/bin/
# Debian's php.ini is replaced by the official layout: none until one is copied into PHP_INI_DIR.
RUN set -e; mkdir -p /usr/local/etc/php/conf.d; \\
    cp /usr/lib/php/$PV/php.ini-production /usr/local/etc/php/php.ini-production; \\
    cp /usr/lib/php/$PV/php.ini-development /usr/local/etc/php/php.ini-development; \\
    for d in /etc/php/$PV/*/; do rm -f "\$d/php.ini"; ln -s /usr/local/etc/php/php.ini "\$d/php.ini"; done; \\
    [ -x /usr/local/bin/apache2-foreground ] && [ -d /etc/apache2 ] || rm -f /usr/local/bin/apache2-foreground; \\
    php --version
$apache_setup
ENTRYPOINT ["docker-php-entrypoint"]
$tail
CMD $cmd
DOCKERFILE
}
