#!/usr/bin/env bash
# The test bed: Docker Engine, two registries, a Kubernetes control plane with a kwok node, helm,
# kubeconform and local base images, all on 127.0.0.1. See test/bed/README.md.
#   bed.sh up | status | down | env | leftovers | tools | images [REF...] | buildkit
set -euo pipefail

BED_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$BED_DIR/lib/common.sh"
. "$BED_DIR/lib/tools.sh"
. "$BED_DIR/lib/docker.sh"
. "$BED_DIR/lib/registry.sh"
. "$BED_DIR/lib/kube.sh"
. "$BED_DIR/lib/node.sh"
. "$BED_DIR/images/build.sh"
. "$BED_DIR/lib/buildkit.sh"

status_line() { printf '  %-24s %-28s %-40s %s\n' "$1" "$2" "$3" "$4"; }
down_or_dead() {
  if [ -f "$(pidfile "$1")" ] && [ -z "$(pid_of "$1")" ]; then echo "DEAD (stale pid file)"
  elif [ -n "$(pid_of "$1")" ]; then echo "UNHEALTHY (pid $(pid_of "$1"))"
  else echo "down"; fi
}

cmd_up() {
  need_root
  local t0
  t0=$(now)
  mkdir -p "$BED_HOME" "$BED_RUN/pids" "$BED_RUN/logs"
  step "tools (k8s $BED_K8S_VERSION, etcd $BED_ETCD_VERSION, kwok $BED_KWOK_VERSION, helm $BED_HELM_VERSION, kubeconform $BED_KUBECONFORM_VERSION, coredns $BED_COREDNS_VERSION)" tools_ensure
  step "dockerd" docker_up
  step "registries" registries_up
  step "kubernetes control plane" kube_up
  step "real node (containerd, kubelet, kube-proxy, coredns)" node_up
  if [ "${DRAFT_BED_SKIP_IMAGES:-}" != 1 ]; then
    step "base images" images_ensure_default
    step "images the node runs as they are, in its docker.io mirror" images_mirror
    # After the base images: the stand-in builds FROM the Debian one, and the images a build in the
    # cluster pulls are mirrored from what the step above built.
    if [ "${DRAFT_BED_SKIP_BUILDKIT:-}" != 1 ]; then
      step "BuildKit $BED_BUILDKIT_VERSION for the cluster builder, and the base images it pulls" buildkit_ensure
    fi
  fi
  step "default ServiceAccount and kube-root-ca.crt" kube_settle
  log "bed is up in $(elapsed "$t0"). Use it with: eval \"\$(npm run -s bed:env)\""
}

cmd_down() {
  local p
  node_down
  kube_down
  registries_down
  docker_down
  # Anything of ours still alive without a pid file (a crash, a killed bed.sh) goes too, by pid.
  for p in $(bed_pids); do
    warn "stopping leftover bed process $(cat "/proc/$p/comm" 2>/dev/null) (pid $p)"
    stop_pid "$p" leftover
  done
  if [ -d "$BED_RUN" ]; then
    # The docker exec-root may hold mounts from containers; unmount before removing.
    { grep -o " ${BED_RUN}[^ ]*" /proc/mounts 2>/dev/null || true; } | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
    rm -rf "$BED_RUN"
  fi
  log "bed is down (caches kept in $BED_HOME)"
}

cmd_status() {
  echo "draft test bed (run dir $BED_RUN, cache $BED_HOME)"
  status_line COMPONENT VERSION ADDRESS HEALTH
  docker_status
  registries_status
  kube_status
  node_status
  tools_status
  buildkit_status
  if [ -f "$BED_RUN/base-images.txt" ]; then
    local n_ok n_bad
    n_ok=$(grep -c '^ok ' "$BED_RUN/base-images.txt" || true)
    n_bad=$(grep -c '^unavailable ' "$BED_RUN/base-images.txt" || true)
    status_line base-images "$n_ok built" "$BED_RUN/base-images.txt" "$([ "$n_bad" = 0 ] && echo ok || echo "$n_bad unavailable")"
    grep '^unavailable ' "$BED_RUN/base-images.txt" | cut -d' ' -f2- | sed 's/^/      unavailable: /' || true
  fi
  [ "$BED_UNHEALTHY" = 0 ]
}

# Everything the bed can leave on the machine, listed; exit 1 when anything is there. Run after
# bed:down (CI runs it after two in a row).
cmd_leftovers() {
  local found=0 line
  report() { found=1; echo "  left behind: $*"; }
  for line in $(bed_pids); do report "process $(cat "/proc/$line/comm" 2>/dev/null) (pid $line)"; done
  [ ! -d "$BED_RUN" ] || report "run folder $BED_RUN"
  while read -r line; do report "mount $line"; done < <(awk -v r="$BED_RUN" -v k="$BED_DOCKER_ROOT" 'index($2, r) == 1 || index($2, k) == 1 { print $2 }' /proc/mounts)
  ! ip link show "$BED_BRIDGE" >/dev/null 2>&1 || report "bridge $BED_BRIDGE"
  while read -r line; do report "pod interface $line"; done < <(ip -o link show type veth 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1)
  for line in /sys/fs/cgroup/*/"${BED_CGROUP_ROOT#/}"; do [ ! -d "$line" ] || report "cgroup $line"; done
  while read -r line; do report "iptables $line"; done < <({ iptables-save 2>/dev/null; ip6tables-save 2>/dev/null; } | grep -E 'KUBE-|draft-bed' | sort -u)
  if [ "$found" = 0 ]; then echo "nothing of the bed is left on this machine"; fi
  [ "$found" = 0 ]
}

cmd_env() {
  cat <<EOF
export KUBECONFIG=$BED_KUBECONFIG
export DOCKER_HOST=unix://$BED_DOCKER_SOCK
export DRAFT_BED_REGISTRY=$BED_HOST:$BED_PORT_REGISTRY
export DRAFT_BED_AUTH_REGISTRY=$BED_HOST:$BED_PORT_AUTH_REGISTRY
export DRAFT_BED_AUTH_USER=$BED_AUTH_USER
export DRAFT_BED_AUTH_PASSWORD=$BED_AUTH_PASSWORD
export DRAFT_BED_CONTEXT=$BED_CONTEXT
export DRAFT_BED_NODE=$BED_NODE_NAME
export DRAFT_BED_REAL_NODE=$BED_REAL_NODE
export DRAFT_BED_POD_CIDR=$BED_PODNET_CIDR
export DRAFT_BED_KUBECONFORM_SCHEMAS=$BED_KUBECONFORM_SCHEMAS
export DRAFT_BED_RUN=$BED_RUN
export DRAFT_BED_BASE_IMAGES=$BED_RUN/base-images.txt
export PATH=$BED_BIN:\$PATH
EOF
}

case ${1:-} in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) cmd_env ;;
  leftovers) cmd_leftovers ;;
  tools) need_root; step tools tools_ensure ;;
  images) shift; need_root; docker_up; images_build "$@" ;;
  # What bed:up does for the cluster builder, on a bed that is up (it only adds to the registry).
  buildkit) need_root; step "BuildKit $BED_BUILDKIT_VERSION for the cluster builder" buildkit_ensure ;;
  *) echo "usage: $0 up|status|down|env|leftovers|tools|images [REF...]|buildkit" >&2; exit 2 ;;
esac
