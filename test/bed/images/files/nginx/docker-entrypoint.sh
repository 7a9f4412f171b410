#!/bin/sh
# Stand-in for the nginx images' entrypoint: templates in /etc/nginx/templates/*.template are
# rendered with envsubst (defined variables only) into /etc/nginx/conf.d, then the command runs.
set -e
if [ "$1" = nginx ] || [ "$1" = nginx-debug ]; then
  tdir=${NGINX_ENVSUBST_TEMPLATE_DIR:-/etc/nginx/templates}
  odir=${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}
  suffix=${NGINX_ENVSUBST_TEMPLATE_SUFFIX:-.template}
  if [ -d "$tdir" ]; then
    vars=$(printf '${%s} ' $(env | cut -d= -f1))
    for t in "$tdir"/*"$suffix"; do
      [ -f "$t" ] || continue
      out="$odir/$(basename "$t" "$suffix")"
      envsubst "$vars" <"$t" >"$out"
    done
  fi
  for s in /docker-entrypoint.d/*.sh; do [ -x "$s" ] && "$s"; done
fi
exec "$@"
