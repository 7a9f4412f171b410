# Two OCI registries from Debian's docker-registry (distribution 2.8): one open, one with htpasswd.
# shellcheck shell=bash

# registry_config NAME PORT AUTH(0|1): writes the config and prints its path.
registry_config() {
  local name=$1 port=$2 auth=$3 dir=$BED_RUN/$1
  mkdir -p "$dir/data"
  {
    cat <<EOF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: $BED_HOST:$port
  headers:
    X-Content-Type-Options: [nosniff]
EOF
    if [ "$auth" = 1 ]; then
      cat <<EOF
auth:
  htpasswd:
    realm: draft-bed
    path: $dir/htpasswd
EOF
    fi
  } >"$dir/config.yml"
  echo "$dir/config.yml"
}

registry_health() { [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://$BED_HOST:$BED_PORT_REGISTRY/v2/")" = 200 ]; }
auth_registry_health() {
  # 401 without credentials and 200 with them: the auth is really on.
  [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://$BED_HOST:$BED_PORT_AUTH_REGISTRY/v2/")" = 401 ] &&
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 -u "$BED_AUTH_USER:$BED_AUTH_PASSWORD" "http://$BED_HOST:$BED_PORT_AUTH_REGISTRY/v2/")" = 200 ]
}

registries_up() {
  command -v docker-registry >/dev/null || die "registry: docker-registry is not installed (apt-get install docker-registry; .ci/run does it)"
  command -v htpasswd >/dev/null || die "registry-auth: htpasswd is not installed (apt-get install apache2-utils)"
  local c1 c2
  c1=$(registry_config registry "$BED_PORT_REGISTRY" 0)
  c2=$(registry_config registry-auth "$BED_PORT_AUTH_REGISTRY" 1)
  # distribution only accepts bcrypt entries.
  if ! htpasswd -vbB "$BED_RUN/registry-auth/htpasswd" "$BED_AUTH_USER" "$BED_AUTH_PASSWORD" >/dev/null 2>&1; then
    htpasswd -cbB "$BED_RUN/registry-auth/htpasswd" "$BED_AUTH_USER" "$BED_AUTH_PASSWORD" >/dev/null 2>&1
  fi
  BED_SIG_FILES=$c1 start_component registry registry_health "$BED_PORT_REGISTRY" -- docker-registry serve "$c1"
  BED_SIG_FILES=$c2 start_component registry-auth auth_registry_health "$BED_PORT_AUTH_REGISTRY" -- docker-registry serve "$c2"
}

registries_down() {
  stop_component registry-auth
  stop_component registry
}

registries_status() {
  local v
  v=$(docker-registry --version 2>/dev/null | awk '{print $3}')
  if registry_health; then status_line registry "${v:--}" "$BED_HOST:$BED_PORT_REGISTRY (open)" ok
  else status_line registry "${v:--}" "$BED_HOST:$BED_PORT_REGISTRY (open)" "$(down_or_dead registry)"; unhealthy; fi
  if auth_registry_health; then status_line registry-auth "${v:--}" "$BED_HOST:$BED_PORT_AUTH_REGISTRY (basic auth)" ok
  else status_line registry-auth "${v:--}" "$BED_HOST:$BED_PORT_AUTH_REGISTRY (basic auth)" "$(down_or_dead registry-auth)"; unhealthy; fi
}
