# nginx:<version>[-bookworm]: like the official nginx image (port 80, master as root, workers as
# nginx 101, pid /var/run/nginx.pid); the same Debian nginx 1.22.1 stand-in as nginx-unprivileged.
. "$BED_RECIPES/nginxinc_nginx-unprivileged.sh"
NGINX_PORT=80 NGINX_USER=0
