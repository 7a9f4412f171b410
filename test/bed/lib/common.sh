# Shared settings and helpers for the test bed. Sourced by bed.sh; never run directly.
# shellcheck shell=bash

BED_DIR=${BED_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
REPO_DIR=$(cd "$BED_DIR/../.." && pwd)
# shellcheck source=../versions.sh
. "$BED_DIR/versions.sh"

# Caches survive bed:down (binaries, the Docker data-root with the base images).
BED_HOME=${DRAFT_BED_HOME:-$HOME/.cache/draft-bed}
# Run state is wiped by bed:down: pids, logs, certs, etcd and registry data, sockets.
BED_RUN=${DRAFT_BED_RUN:-/run/draft-bed}

BED_HOST=127.0.0.1
BED_PORT_REGISTRY=45000
BED_PORT_AUTH_REGISTRY=45001
BED_PORT_ETCD=45379
BED_PORT_ETCD_PEER=45380
BED_PORT_APISERVER=45443
BED_PORT_CONTROLLER_MANAGER=45257
BED_PORT_SCHEDULER=45259
BED_PORT_KWOK=45247
BED_DOCKER_SOCK=$BED_RUN/docker.sock
BED_AUTH_USER=draft
BED_AUTH_PASSWORD=draft-bed-password
BED_CONTEXT=draft-bed
BED_NODE_NAME=kwok-node-0
# Never a private range (10/8, 172.16/12, 192.168/16): nothing may route there. 100.64/10 is
# shared address space that nothing on this machine uses; kwok hands out the pod IPs on paper only.
BED_SERVICE_CIDR=100.64.0.0/16
BED_POD_CIDR=100.65.0.0/16
BED_NODE_IP=127.0.0.1

BED_GO_ENV=(GOMODCACHE="$BED_HOME/go/mod" GOCACHE="$BED_HOME/go/build" GOFLAGS=-buildvcs=false GOTOOLCHAIN=local)
BED_TOOLS=$BED_HOME/tools
BED_BIN=$BED_HOME/bin   # stable directory of symlinks and wrappers that bed:env puts first on PATH
BED_K8S_BIN=$BED_TOOLS/k8s-$BED_K8S_VERSION/bin
BED_KWOK_DIR=$BED_TOOLS/kwok-$BED_KWOK_VERSION
BED_HELM_DIR=$BED_TOOLS/helm-$BED_HELM_VERSION
BED_KUBECONFORM_DIR=$BED_TOOLS/kubeconform-$BED_KUBECONFORM_VERSION
BED_COREDNS_DIR=$BED_TOOLS/coredns-$BED_COREDNS_VERSION
BED_PKI=$BED_RUN/pki
BED_KUBECONFIG=$BED_RUN/kubeconfig

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
  _c_b=$'\e[1m' _c_r=$'\e[31m' _c_g=$'\e[32m' _c_y=$'\e[33m' _c_0=$'\e[0m'
else
  _c_b='' _c_r='' _c_g='' _c_y='' _c_0=''
fi

log() { printf '%s[bed]%s %s\n' "$_c_b" "$_c_0" "$*"; }
warn() { printf '%s[bed] warning:%s %s\n' "$_c_y" "$_c_0" "$*" >&2; }
die() { printf '%s[bed] error:%s %s\n' "$_c_r" "$_c_0" "$*" >&2; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

# step NAME CMD...: runs a long step with a start line and a done line carrying its duration.
step() {
  local name=$1 t0
  shift
  t0=$(now)
  log "$name ..."
  "$@" || die "$name failed (after $(elapsed "$t0"))"
  log "$name done in $(elapsed "$t0")"
}

need_root() { [ "$(id -u)" = 0 ] || die "the bed runs dockerd and needs root (it is run as root in CI)"; }

# --- processes --------------------------------------------------------------------------------

pidfile() { echo "$BED_RUN/pids/$1.pid"; }
logfile() { echo "$BED_RUN/logs/$1.log"; }

# pid_of NAME: prints the pid of a component of ours that is alive, or nothing.
pid_of() {
  local f pid
  f=$(pidfile "$1")
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && ! is_zombie "$pid"; then echo "$pid"; fi
}

# A killed process whose parent has gone may linger as a zombie until init reaps it: it is dead.
is_zombie() { [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]; }

log_tail() {
  local f
  f=$(logfile "$1")
  if [ -s "$f" ]; then
    printf '%s---- last lines of %s ----%s\n' "$_c_y" "$f" "$_c_0" >&2
    tail -n "${2:-25}" "$f" >&2
    printf '%s----%s\n' "$_c_y" "$_c_0" >&2
  fi
}

# Who listens on a TCP port: "pid name" or nothing.
port_owner() {
  local line
  line=$(ss -Hltnp "sport = :$1" 2>/dev/null | head -n1)
  [ -n "$line" ] || return 0
  if [[ $line =~ users:\(\(\"([^\"]+)\",pid=([0-9]+) ]]; then
    echo "${BASH_REMATCH[2]} ${BASH_REMATCH[1]}"
  else
    echo "? unknown"
  fi
}

# Is a process one of the bed's servers: a known server binary, started from our cache or with our
# run dir in its arguments? (Only servers: a shell or a build that merely mentions the paths is not.)
is_bed_process() {
  local cmd comm
  comm=$(cat "/proc/$1/comm" 2>/dev/null) || return 1
  case $comm in
    dockerd | containerd | containerd-shim* | docker-registry | etcd | kube-apiserver | kube-controller | kube-scheduler | kwok | kubelet | kube-proxy | coredns) ;;
    *) return 1 ;;
  esac
  cmd=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) || return 1
  [[ $cmd == *"$BED_RUN"* || $cmd == *"$BED_HOME"* ]]
}

# free_port COMPONENT PORT: a port held by a stale bed process is freed (the process is stopped);
# a port held by anything else is reported by name and fails the start.
free_port() {
  local comp=$1 port=$2 owner pid name
  owner=$(port_owner "$port")
  [ -n "$owner" ] || return 0
  pid=${owner%% *} name=${owner#* }
  if [ "$pid" != "?" ] && is_bed_process "$pid"; then
    warn "$comp: port $port is held by a stale bed process $name (pid $pid); stopping it"
    stop_pid "$pid" "$name"
    return 0
  fi
  die "$comp: port $BED_HOST:$port is already in use by $name (pid $pid), which the bed did not start. Stop it or change BED_PORT_* in test/bed/lib/common.sh."
}

# stop_pid PID LABEL: TERM, wait up to 15 s, then KILL.
stop_pid() {
  local pid=$1 label=$2 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 1 150); do
    kill -0 "$pid" 2>/dev/null && ! is_zombie "$pid" || return 0
    sleep 0.1
  done
  warn "$label (pid $pid) ignored TERM for 15 s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
  sleep 0.2
}

# start_component NAME HEALTH_FN PORTS -- CMD...
#   BED_SIG_FILES: config files the command reads; BED_PRE_START: a function run just before a start.
# Idempotent: a running instance with the same command line that passes its health check is kept;
# one with another command line, or unhealthy, is restarted. Fails with the log tail when the new
# process dies or stays unhealthy for BED_START_TIMEOUT seconds.
start_component() {
  local name=$1 health=$2 ports=$3
  shift 4
  local pid f sig old t0 i timeout=${BED_START_TIMEOUT:-90}
  mkdir -p "$BED_RUN/pids" "$BED_RUN/logs"
  f=$(pidfile "$name")
  # The signature covers the command line and, through BED_SIG_FILES, the config files it reads.
  sig=$({ printf '%s\0' "$@"; for p in ${BED_SIG_FILES:-}; do cat "$p" 2>/dev/null; done; } | sha256sum | cut -c1-16)
  pid=$(pid_of "$name")
  if [ -n "$pid" ]; then
    old=$(cat "$f.sig" 2>/dev/null || true)
    if [ "$old" = "$sig" ] && "$health" >/dev/null 2>&1; then
      log "$name: already running (pid $pid), healthy"
      return 0
    fi
    if [ "$old" != "$sig" ]; then
      log "$name: running with other settings (pid $pid); restarting"
    else
      warn "$name: running (pid $pid) but unhealthy; restarting"
    fi
    stop_pid "$pid" "$name"
  elif [ -f "$f" ]; then
    warn "$name: stale pid file from an earlier run (process $(cat "$f") is gone); starting afresh"
  fi
  rm -f "$f" "$f.sig"
  local p
  for p in $ports; do free_port "$name" "$p"; done
  t0=$(now)
  [ -z "${BED_PRE_START:-}" ] || "$BED_PRE_START"
  log "$name: starting"
  {
    echo "=== $(date -Is) starting $name"
    printf '%q ' "$@"
    echo
  } >>"$(logfile "$name")"
  setsid "$@" >>"$(logfile "$name")" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$f"
  echo "$sig" >"$f.sig"
  for i in $(seq 1 $((timeout * 5))); do
    if ! kill -0 "$pid" 2>/dev/null; then
      log_tail "$name" 40
      die "$name failed to start: the process exited (log: $(logfile "$name"))"
    fi
    if "$health" >/dev/null 2>&1; then
      log "$name: up in $(elapsed "$t0") (pid $pid)"
      return 0
    fi
    sleep 0.2
  done
  log_tail "$name" 40
  die "$name failed to start: not healthy after ${timeout}s (log: $(logfile "$name"))"
}

stop_component() {
  local name=$1 pid
  pid=$(pid_of "$name")
  if [ -n "$pid" ]; then
    log "$name: stopping (pid $pid)"
    stop_pid "$pid" "$name"
  fi
  rm -f "$(pidfile "$name")" "$(pidfile "$name").sig"
}

# All live processes that belong to the bed (by their command line), for down and status.
bed_pids() {
  local p
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    [ "$p" = "$$" ] && continue
    is_bed_process "$p" && echo "$p"
  done
  return 0
}

BED_UNHEALTHY=0
unhealthy() { BED_UNHEALTHY=1; }

curl_ok() { curl -fsS --max-time 3 "$@" >/dev/null; }
