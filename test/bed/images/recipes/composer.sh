# composer:2 (also latest, 2.5, 2.5.5)
# /usr/bin/composer as a self-contained phar, so that `COPY --from=composer:2 /usr/bin/composer ...`
# works as with the official image. The phar is packed here from Debian bookworm's Composer 2.5.5
# (getcomposer.org is not reachable); the image itself has php8.2-cli, git and unzip, WORKDIR /app.
# Note: Packagist is not reachable here either, so `composer install` works only without remote packages.
recipe_resolve() {
  case $TAG in
    latest | 2 | 2.5 | 2.5.5) ;;
    *) fail "Composer $TAG is not provided: the stand-in is Debian bookworm's Composer 2.5.5" ;;
  esac
}
recipe_deps() { echo "$BASE_REF"; }
recipe_provides() { echo "Composer 2.5.5 (Debian, packed as a phar)"; }
recipe_context() {
  cat >"$1/make-phar.php" <<'PHP'
<?php
// Packs Debian's composer (bin/composer + /usr/share/php) into one phar.
$src = '/tmp/composer-src';
@mkdir("$src/bin", 0755, true);
$main = file_get_contents('/usr/bin/composer');
file_put_contents("$src/bin/composer", preg_replace('/^#!.*\n/', '', $main));
exec('cp -rL /usr/share/php ' . escapeshellarg("$src/share"), $out, $rc);
if ($rc !== 0) { fwrite(STDERR, "copy failed\n"); exit(1); }
rename("$src/share", "$src/share-tmp"); mkdir("$src/share"); rename("$src/share-tmp", "$src/share/php");
$phar = new Phar('/tmp/composer.phar', 0, 'composer.phar');
$phar->startBuffering();
$phar->buildFromDirectory($src);
$phar->setStub("#!/usr/bin/env php\n<?php\nPhar::mapPhar('composer.phar');\nrequire 'phar://composer.phar/bin/composer';\n__HALT_COMPILER();\n");
$phar->stopBuffering();
PHP
  cat >"$1/Dockerfile" <<DOCKERFILE
FROM $BASE_REF AS pack
$(apt_run php8.2-cli composer)
COPY make-phar.php /tmp/
RUN php -d phar.readonly=0 /tmp/make-phar.php && chmod 755 /tmp/composer.phar

FROM $BASE_REF
$(apt_run php8.2-cli php8.2-mbstring php8.2-zip php8.2-curl php8.2-xml git unzip)
COPY --from=pack /tmp/composer.phar /usr/bin/composer
ENV COMPOSER_ALLOW_SUPERUSER=1 COMPOSER_HOME=/tmp COMPOSER_VERSION=2.5.5
RUN composer --version
WORKDIR /app
CMD ["composer"]
DOCKERFILE
}
