# Docker Engine (Debian docker.io) on its own socket, with no bridge and no iptables.
# shellcheck shell=bash

BED_DOCKER_ROOT=$BED_HOME/docker          # data-root: kept across bed:down, it holds the base images
BED_DOCKER_EXEC=$BED_RUN/docker-exec       # exec-root (runtime state, the managed containerd)
# Debian's docker CLI (20.10, from docker.io) matches the engine and has BuildKit built in; a newer
# CLI elsewhere on PATH needs the buildx plugin for BuildKit builds, which is not to be had here.
if [ -z "${BED_DOCKER_CLI:-}" ]; then
  if [ -x /usr/bin/docker ]; then BED_DOCKER_CLI=/usr/bin/docker; else BED_DOCKER_CLI=$(command -v docker || echo docker); fi
fi

bed_docker() { DOCKER_HOST="unix://$BED_DOCKER_SOCK" "$BED_DOCKER_CLI" "$@"; }

docker_health() { bed_docker version --format '{{.Server.APIVersion}}' >/dev/null 2>&1; }

docker_up() {
  command -v dockerd >/dev/null || die "dockerd: not installed (apt-get install docker.io; .ci/run does it)"
  mkdir -p "$BED_DOCKER_ROOT" "$BED_DOCKER_EXEC"
  # Our own config file, so /etc/docker/daemon.json (if any) is never read. The buildkit feature makes
  # the engine advertise BuildKit as its default builder (the CLI then builds with it).
  printf '{ "features": { "buildkit": true } }\n' >"$BED_RUN/daemon.json"
  # No bridge, no NAT, no forwarding: nothing gets an address outside loopback. The address pool is
  # set to a non-private range so that even a stray `docker network create` cannot take 172.x/192.168.x.
  # 127.0.0.0/8 registries are insecure-by-default in Docker, so no --insecure-registry is needed.
  BED_SIG_FILES="$BED_RUN/daemon.json" start_component dockerd docker_health "" -- \
    dockerd \
    --host "unix://$BED_DOCKER_SOCK" \
    --data-root "$BED_DOCKER_ROOT" \
    --exec-root "$BED_DOCKER_EXEC" \
    --pidfile "$BED_RUN/dockerd.pid" \
    --bridge=none --iptables=false --ip-forward=false --ip-masq=false \
    --default-address-pool base=198.18.0.0/15,size=24 \
    --userland-proxy=false \
    --storage-driver=overlay2 \
    --config-file "$BED_RUN/daemon.json" \
    --log-level=warn
  BED_DOCKER_API=$(bed_docker version --format '{{.Server.APIVersion}}')
}

docker_down() {
  if [ -n "$(pid_of dockerd)" ] && docker_health; then
    local ids
    ids=$(bed_docker ps -aq 2>/dev/null || true)
    if [ -n "$ids" ]; then
      log "dockerd: removing $(echo "$ids" | wc -l) container(s)"
      # shellcheck disable=SC2086
      bed_docker rm -f $ids >/dev/null 2>&1 || true
    fi
  fi
  stop_component dockerd
  # A build or container cut short can leave overlay and BuildKit mounts in the data-root.
  local m
  for m in $(awk -v r="$BED_DOCKER_ROOT" 'index($2, r) == 1 { print $2 }' /proc/mounts | sort -r); do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || warn "dockerd: could not unmount $m"
  done
}

docker_status() {
  local v
  if v=$(bed_docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})' 2>/dev/null); then
    status_line dockerd "$v" "unix://$BED_DOCKER_SOCK" ok
  else
    status_line dockerd "-" "unix://$BED_DOCKER_SOCK" "$(down_or_dead dockerd)"
    unhealthy
  fi
}
