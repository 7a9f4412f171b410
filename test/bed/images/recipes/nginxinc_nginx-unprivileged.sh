# nginxinc/nginx-unprivileged:<version>[-bookworm]
# Debian bookworm's nginx (1.22.1, whatever version the tag names) configured like the unprivileged
# image: listens on 8080, runs as nginx (101), pid and temp paths under /tmp, html in
# /usr/share/nginx/html, server in /etc/nginx/conf.d/default.conf, logs to stdout/stderr,
# /etc/nginx/templates/*.template rendered with envsubst at start.
NGINX_PORT=8080 NGINX_USER=101
recipe_resolve() {
  WANT=$(tag_version)
  case $TAG in latest | stable | mainline | stable-bookworm | mainline-bookworm) WANT=1 ;; esac
  [ -n "$WANT" ] || fail "tag must start with an nginx version (e.g. 1.27)"
  [[ $WANT == 1 || $WANT == 1.* ]] || fail "nginx $WANT is not provided"
  case $(tag_variant) in
    "" | bookworm) ;;
    *) [[ $TAG == latest || $TAG == stable* || $TAG == mainline* ]] || fail "variant '$(tag_variant)' is not provided (Debian only; no alpine, perl or otel)" ;;
  esac
  return 0
}
recipe_note() {
  if [ "$WANT" != 1 ] && ! version_matches "$WANT" 1.22.1; then
    echo "stands in with Debian bookworm's nginx 1.22.1 (no nginx $WANT can be had here)"
  fi
}
recipe_deps() { echo "$BASE_REF"; }
recipe_fingerprint() { echo "$NGINX_PORT $NGINX_USER"; cat "$BED_DIR/images/files/nginx/docker-entrypoint.sh"; }
recipe_provides() { echo "Debian nginx 1.22.1 standing in for $TAG"; }
recipe_context() {
  local c=$1
  cp "$BED_DIR/images/files/nginx/docker-entrypoint.sh" "$c/" && chmod 755 "$c/docker-entrypoint.sh"
  local user_line="" pid=/tmp/nginx.pid temp=/tmp
  if [ "$NGINX_USER" = 0 ]; then user_line="user  nginx;" pid=/var/run/nginx.pid temp=/var/cache/nginx; fi
  cat >"$c/nginx.conf" <<CONF
$user_line
worker_processes  auto;

error_log  /var/log/nginx/error.log notice;
pid        $pid;

events {
    worker_connections  1024;
}

http {
    proxy_temp_path $temp/proxy_temp;
    client_body_temp_path $temp/client_temp;
    fastcgi_temp_path $temp/fastcgi_temp;
    uwsgi_temp_path $temp/uwsgi_temp;
    scgi_temp_path $temp/scgi_temp;

    include       /etc/nginx/mime.types;
    default_type  application/octet-stream;

    log_format  main  '\$remote_addr - \$remote_user [\$time_local] "\$request" '
                      '\$status \$body_bytes_sent "\$http_referer" '
                      '"\$http_user_agent" "\$http_x_forwarded_for"';

    access_log  /var/log/nginx/access.log  main;

    sendfile        on;
    keepalive_timeout  65;

    include /etc/nginx/conf.d/*.conf;
}
CONF
  cat >"$c/default.conf" <<CONF
server {
    listen       $NGINX_PORT;
    server_name  localhost;

    location / {
        root   /usr/share/nginx/html;
        index  index.html index.htm;
    }

    error_page   500 502 503 504  /50x.html;
    location = /50x.html {
        root   /usr/share/nginx/html;
    }
}
CONF
  local user_setup="USER 101"
  [ "$NGINX_USER" = 0 ] && user_setup=""
  cat >"$c/Dockerfile" <<DOCKERFILE
FROM $BASE_REF
RUN groupadd --system --gid 101 nginx && \\
    useradd --system --gid nginx --no-create-home --home /nonexistent --shell /bin/false --uid 101 nginx
$(apt_run nginx gettext-base)
COPY nginx.conf /etc/nginx/nginx.conf
COPY default.conf /etc/nginx/conf.d/default.conf
COPY docker-entrypoint.sh /docker-entrypoint.sh
RUN set -e; rm -rf /etc/nginx/sites-enabled /etc/nginx/sites-available /var/www/html; \\
    mkdir -p /usr/share/nginx/html /var/cache/nginx /docker-entrypoint.d /var/log/nginx; \\
    printf '<!DOCTYPE html>\\n<html><head><title>Welcome to nginx!</title></head><body><h1>Welcome to nginx!</h1></body></html>\\n' >/usr/share/nginx/html/index.html; \\
    printf '<!DOCTYPE html>\\n<html><head><title>Error</title></head><body><h1>An error occurred.</h1></body></html>\\n' >/usr/share/nginx/html/50x.html; \\
    ln -sf /dev/stdout /var/log/nginx/access.log; ln -sf /dev/stderr /var/log/nginx/error.log; \\
    chown -R 101:0 /var/cache/nginx /etc/nginx/conf.d /var/lib/nginx /usr/share/nginx/html; \\
    chmod -R g+w /var/cache/nginx /etc/nginx/conf.d /var/lib/nginx; nginx -t; rm -rf /tmp/* /var/run/nginx.pid
ENTRYPOINT ["/docker-entrypoint.sh"]
EXPOSE $NGINX_PORT
STOPSIGNAL SIGQUIT
$user_setup
CMD ["nginx", "-g", "daemon off;"]
DOCKERFILE
}
