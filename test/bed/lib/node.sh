# The real node: a pod network of the bed's own (bridge + host-local IPAM, 100.66.0.0/16), a
# bed-owned containerd (Debian's, with its CRI plugin, runc and the CNI plugins), kubelet and
# kube-proxy from the same Kubernetes build as the control plane, and a locally built pause image.
# Pods land here by default; the kwok node is tainted so only pods that tolerate it go there.
# shellcheck shell=bash

BED_REAL_NODE=draft-bed-node
BED_BRIDGE=draftbed0
# Shared address space (RFC 6598), like the service range: never 10/8, 172.16/12 or 192.168/16.
BED_PODNET_CIDR=100.66.0.0/16
BED_PODNET_GATEWAY=100.66.0.1
BED_PORT_KUBELET=45250
BED_PORT_KUBELET_HEALTHZ=45248
BED_PORT_KUBE_PROXY_HEALTHZ=45256
BED_PORT_KUBE_PROXY_METRICS=45249
BED_PORT_COREDNS_HEALTH=45253
BED_PORT_COREDNS_READY=45254
# Cluster DNS answers on the bridge's gateway, where every pod can reach this host.
BED_CLUSTER_DNS_IP=$BED_PODNET_GATEWAY
BED_CONTAINERD_DIR=$BED_RUN/containerd
BED_CONTAINERD_SOCK=$BED_CONTAINERD_DIR/containerd.sock
BED_KUBELET_DIR=$BED_RUN/kubelet
BED_CNI_DIR=$BED_RUN/cni
BED_CNI_BIN=/usr/lib/cni
# kubelet's pods, and their QoS cgroups, live under this root in every cgroup v1 hierarchy, so that
# bed:down can remove what kubelet made without touching anything else.
BED_CGROUP_ROOT=/draft-bed
BED_PAUSE_IMAGE=$BED_HOST:$BED_PORT_REGISTRY/draft-bed/pause:1
BED_NODE_FORWARD_COMMENT="draft-bed: pods reach only the pod bridge and this host"

# write_if_changed FILE: stdin into FILE, leaving FILE untouched when it already holds exactly that.
write_if_changed() {
  local tmp
  tmp=$(mktemp "$1.XXXXXX")
  cat >"$tmp"
  if cmp -s "$tmp" "$1"; then rm -f "$tmp"; else mv "$tmp" "$1"; fi
}

bed_ctr() { ctr --address "$BED_CONTAINERD_SOCK" --namespace k8s.io "$@"; }

# `ctr version` answers as soon as the socket is up, but the CRI plugin initialises in the
# background after that, and a kubelet started in between exits with "server is not initialized
# yet". containerd 1.6 logs "Start streaming server" right before it marks the CRI ready, so the
# check reads the log written since containerd's last start.
containerd_health() {
  ctr --address "$BED_CONTAINERD_SOCK" version >/dev/null 2>&1 &&
    awk '/^=== .* starting containerd$/ { ready = 0 } /Start streaming server/ { ready = 1 } END { exit !ready }' \
      "$(logfile containerd)"
}
kubelet_health() { [ "$(curl -sS --max-time 3 "http://$BED_HOST:$BED_PORT_KUBELET_HEALTHZ/healthz")" = ok ]; }
coredns_health() { [ "$(curl -sS --max-time 3 "http://$BED_HOST:$BED_PORT_COREDNS_READY/ready")" = OK ]; }
kube_proxy_health() { curl -fsS --max-time 3 "http://$BED_HOST:$BED_PORT_KUBE_PROXY_HEALTHZ/healthz" >/dev/null; }
real_node_ready() {
  [ "$(bed_kubectl get node "$BED_REAL_NODE" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]
}

# --- pod network ------------------------------------------------------------------------------

# The bridge exists before kubelet starts: its gateway address is the node's IP (kubelet refuses a
# loopback node IP, and without an address logs and port-forward have nowhere to go).
podnet_up() {
  command -v ip >/dev/null || die "pod network: ip (iproute2) is not installed"
  [ -x "$BED_CNI_BIN/bridge" ] && [ -x "$BED_CNI_BIN/host-local" ] && [ -x "$BED_CNI_BIN/loopback" ] ||
    die "pod network: the CNI plugins are missing in $BED_CNI_BIN (apt-get install containernetworking-plugins; .ci/run does it)"
  if ! ip link show "$BED_BRIDGE" >/dev/null 2>&1; then
    ip link add "$BED_BRIDGE" type bridge || die "pod network: could not create bridge $BED_BRIDGE"
  fi
  ip addr show dev "$BED_BRIDGE" | grep -q "inet $BED_PODNET_GATEWAY/" ||
    ip addr add "$BED_PODNET_GATEWAY/${BED_PODNET_CIDR#*/}" dev "$BED_BRIDGE"
  ip link set "$BED_BRIDGE" up
  # Pods talk to each other, to Services (kube-proxy's DNAT) and to this host, nowhere else: the
  # host forwards nothing from the bridge to another interface. Checked before it is added, so a
  # second bed:up adds no second rule.
  iptables -C FORWARD -i "$BED_BRIDGE" ! -o "$BED_BRIDGE" -m comment --comment "$BED_NODE_FORWARD_COMMENT" -j DROP 2>/dev/null ||
    iptables -I FORWARD 1 -i "$BED_BRIDGE" ! -o "$BED_BRIDGE" -m comment --comment "$BED_NODE_FORWARD_COMMENT" -j DROP
  # Service traffic between two pods on the bridge is DNATed by iptables only when bridged frames
  # pass through it.
  [ ! -w /proc/sys/net/bridge/bridge-nf-call-iptables ] || echo 1 >/proc/sys/net/bridge/bridge-nf-call-iptables
  mkdir -p "$BED_CNI_DIR/net.d" "$BED_CNI_DIR/ipam"
  cat >"$BED_CNI_DIR/net.d/10-draft-bed.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "draft-bed",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$BED_BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{"subnet": "$BED_PODNET_CIDR", "gateway": "$BED_PODNET_GATEWAY"}]],
        "routes": [{"dst": "0.0.0.0/0"}],
        "dataDir": "$BED_CNI_DIR/ipam"
      }
    }
  ]
}
EOF
}

podnet_down() {
  local v
  # Whatever kubelet did not tear down: the veths of pods on the bridge, then the bridge itself.
  for v in $(ip -o link show master "$BED_BRIDGE" 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
    ip link del "$v" 2>/dev/null || true
  done
  ip link del "$BED_BRIDGE" 2>/dev/null || true
  while iptables -D FORWARD -i "$BED_BRIDGE" ! -o "$BED_BRIDGE" -m comment --comment "$BED_NODE_FORWARD_COMMENT" -j DROP 2>/dev/null; do :; done
}

# --- containerd -------------------------------------------------------------------------------

containerd_config() {
  local r
  cat <<EOF
version = 2
root = "$BED_CONTAINERD_DIR/root"
state = "$BED_CONTAINERD_DIR/state"
# Not /opt/containerd: the bed writes nothing outside its own folders.
plugin_dir = ""
[grpc]
  address = "$BED_CONTAINERD_SOCK"
[ttrpc]
  address = "$BED_CONTAINERD_SOCK.ttrpc"
# info, not warn: the readiness check reads the CRI plugin's "Start streaming server" line.
[debug]
  level = "info"
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$BED_CONTAINERD_DIR/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$BED_PAUSE_IMAGE"
  # The sandbox lacks CAP_SYS_RESOURCE: a negative oom_score_adj fails every pod sandbox with
  # "can't get final child's PID from pipe: EOF". This keeps the adjustment at or above ours.
  restrict_oom_score_adj = true
  # The pods' network namespaces live in the bed's state folder, so bed:down finds them all.
  netns_mounts_under_state_dir = true
  enable_selinux = false
  stream_server_address = "$BED_HOST"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "$(command -v runc)"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$BED_CNI_BIN"
    conf_dir = "$BED_CNI_DIR/net.d"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$BED_CONTAINERD_DIR/certs.d"
EOF
  # Both bed registries speak plain HTTP on loopback; the auth one takes the pull secret draft makes.
  for r in "$BED_PORT_REGISTRY" "$BED_PORT_AUTH_REGISTRY"; do
    mkdir -p "$BED_CONTAINERD_DIR/certs.d/$BED_HOST:$r"
    printf 'server = "http://%s:%s"\n\n[host."http://%s:%s"]\n  capabilities = ["pull", "resolve"]\n' \
      "$BED_HOST" "$r" "$BED_HOST" "$r" >"$BED_CONTAINERD_DIR/certs.d/$BED_HOST:$r/hosts.toml"
  done
  # Docker Hub cannot be reached: images a chart runs as they are (a compose file's redis:7) come
  # from the open registry, where bed:up pushes their stand-ins under library/ (images_mirror).
  mkdir -p "$BED_CONTAINERD_DIR/certs.d/docker.io"
  printf 'server = "https://registry-1.docker.io"\n\n[host."http://%s:%s"]\n  capabilities = ["pull", "resolve"]\n' \
    "$BED_HOST" "$BED_PORT_REGISTRY" >"$BED_CONTAINERD_DIR/certs.d/docker.io/hosts.toml"
}

containerd_up() {
  command -v containerd >/dev/null || die "containerd: not installed (apt-get install containerd runc; .ci/run does it)"
  command -v runc >/dev/null || die "containerd: runc is not installed (apt-get install runc)"
  mkdir -p "$BED_CONTAINERD_DIR"
  containerd_config | write_if_changed "$BED_CONTAINERD_DIR/config.toml"
  BED_SIG_FILES="$BED_CONTAINERD_DIR/config.toml" start_component containerd containerd_health "" -- \
    containerd --config "$BED_CONTAINERD_DIR/config.toml"
}

# --- pause image ------------------------------------------------------------------------------

# Built from test/bed/go/pause (ours) and pushed to the open registry at every bed:up: the registry
# starts empty after bed:down.
pause_image_ensure() {
  local dest=$BED_TOOLS/pause stamp
  stamp=$(cat "$BED_DIR/go/pause/go.mod" "$BED_DIR/go/pause/main.go" | sha256sum | cut -c1-16)
  if ! stamp_ok "$dest" "$stamp"; then
    rm -rf "$dest.tmp" && mkdir -p "$dest.tmp/rootfs"
    (cd "$BED_DIR/go/pause" && env CGO_ENABLED=0 "${BED_GO_ENV[@]}" go build -trimpath -ldflags="-s -w" -o "$dest.tmp/rootfs/pause" .) ||
      die "pause image: go build failed"
    echo "$stamp" >"$dest.tmp/.stamp"
    rm -rf "$dest" && mv "$dest.tmp" "$dest"
  fi
  if curl -fs --max-time 3 -o /dev/null -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "http://$BED_HOST:$BED_PORT_REGISTRY/v2/draft-bed/pause/manifests/1"; then
    return 0
  fi
  tar -C "$dest/rootfs" -c . | bed_docker import -c 'ENTRYPOINT ["/pause"]' -c 'USER 65535:65535' - "$BED_PAUSE_IMAGE" >/dev/null ||
    die "pause image: docker import failed"
  bed_docker push "$BED_PAUSE_IMAGE" >/dev/null || die "pause image: push to $BED_PAUSE_IMAGE failed"
}

# --- kubelet ----------------------------------------------------------------------------------

kubelet_config() {
  cat <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
containerRuntimeEndpoint: unix://$BED_CONTAINERD_SOCK
# This machine has cgroup v1 (hybrid); kubelet 1.35+ refuses it unless told otherwise.
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupRoot: $BED_CGROUP_ROOT
address: $BED_PODNET_GATEWAY
port: $BED_PORT_KUBELET
readOnlyPort: 0
healthzBindAddress: $BED_HOST
healthzPort: $BED_PORT_KUBELET_HEALTHZ
tlsCertFile: $BED_PKI/kubelet-server.crt
tlsPrivateKeyFile: $BED_PKI/kubelet-server.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $BED_PKI/ca.crt}
authorization:
  mode: Webhook
clusterDomain: cluster.local
clusterDNS: [$BED_CLUSTER_DNS_IP]
# Not the host's resolver (a private address): pods with dnsPolicy Default resolve nothing.
resolvConf: $BED_KUBELET_DIR/resolv.conf
volumePluginDir: $BED_KUBELET_DIR/volume-plugins
staticPodPath: ""
serializeImagePulls: false
maxPods: 110
# A test machine's disk and memory are shared; evict only when they are really gone, and keep images.
evictionHard: {memory.available: 100Mi, nodefs.available: 1%, nodefs.inodesFree: 1%, imagefs.available: 1%}
imageGCHighThresholdPercent: 99
imageGCLowThresholdPercent: 98
# Frequent status and probe bookkeeping: rollouts on the bed are measured in hundreds of milliseconds.
nodeStatusUpdateFrequency: 10s
syncFrequency: 10s
shutdownGracePeriod: 0s
protectKernelDefaults: false
EOF
}

kubelet_up() {
  [ -x "$BED_K8S_BIN/kubelet" ] || die "kubelet: binary missing in $BED_K8S_BIN (bed:up builds it with the control plane)"
  mkdir -p "$BED_KUBELET_DIR/volume-plugins"
  echo "nameserver $BED_HOST" >"$BED_KUBELET_DIR/resolv.conf"
  local h
  for h in /sys/fs/cgroup/*/; do
    [ -d "$h" ] && [ "$(basename "$h")" != unified ] && mkdir -p "$h${BED_CGROUP_ROOT#/}" 2>/dev/null || true
  done
  kubelet_config | write_if_changed "$BED_KUBELET_DIR/config.yaml"
  BED_SIG_FILES="$BED_KUBELET_DIR/config.yaml" start_component kubelet kubelet_health "$BED_PORT_KUBELET $BED_PORT_KUBELET_HEALTHZ" -- \
    "$BED_K8S_BIN/kubelet" \
    --config "$BED_KUBELET_DIR/config.yaml" \
    --kubeconfig "$BED_RUN/kubelet.kubeconfig" \
    --root-dir "$BED_KUBELET_DIR" \
    --cert-dir "$BED_PKI" \
    --hostname-override "$BED_REAL_NODE" \
    --node-ip "$BED_PODNET_GATEWAY" \
    --node-labels "type=real" \
    --v=1
  wait_for "node $BED_REAL_NODE Ready" 90 real_node_ready || {
    log_tail kubelet 40
    die "kubelet: node $BED_REAL_NODE did not become Ready within 90s"
  }
}

# --- kube-proxy -------------------------------------------------------------------------------

kube_proxy_config() {
  cat <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection:
  kubeconfig: $BED_RUN/kube-proxy.kubeconfig
mode: iptables
hostnameOverride: $BED_REAL_NODE
clusterCIDR: $BED_PODNET_CIDR
detectLocalMode: ClusterCIDR
healthzBindAddress: $BED_HOST:$BED_PORT_KUBE_PROXY_HEALTHZ
metricsBindAddress: $BED_HOST:$BED_PORT_KUBE_PROXY_METRICS
# NodePorts open on the pod bridge only, never on the machine's own interface.
nodePortAddresses: ["$BED_PODNET_GATEWAY/32"]
# Leave the machine's conntrack sysctls as they are.
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
iptables:
  minSyncPeriod: 0s
  syncPeriod: 30s
EOF
}

kube_proxy_up() {
  [ -x "$BED_K8S_BIN/kube-proxy" ] || die "kube-proxy: binary missing in $BED_K8S_BIN"
  mkdir -p "$BED_RUN/kube-proxy"
  # kube-proxy exits when its configuration file is written to, even with the same content.
  kube_proxy_config | write_if_changed "$BED_RUN/kube-proxy/config.yaml"
  BED_SIG_FILES="$BED_RUN/kube-proxy/config.yaml" start_component kube-proxy kube_proxy_health "$BED_PORT_KUBE_PROXY_HEALTHZ $BED_PORT_KUBE_PROXY_METRICS" -- \
    "$BED_K8S_BIN/kube-proxy" --config "$BED_RUN/kube-proxy/config.yaml" --v=1
}

# --- cluster DNS ------------------------------------------------------------------------------

# Names of Services and pods in cluster.local, from the API server; nothing else. No upstream: pods
# resolve no outside names (they could not reach them), and no query leaves this machine.
coredns_config() {
  cat <<EOF
cluster.local:53 in-addr.arpa:53 ip6.arpa:53 {
    bind $BED_CLUSTER_DNS_IP
    errors
    health $BED_HOST:$BED_PORT_COREDNS_HEALTH
    ready $BED_HOST:$BED_PORT_COREDNS_READY
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig $BED_RUN/coredns.kubeconfig $BED_CONTEXT
        pods insecure
        ttl 5
    }
    cache 5
}
.:53 {
    bind $BED_CLUSTER_DNS_IP
    template ANY ANY {
        rcode NXDOMAIN
    }
}
EOF
}

coredns_up() {
  [ -x "$BED_COREDNS_DIR/bin/coredns" ] || die "coredns: binary missing in $BED_COREDNS_DIR/bin (bed:up builds it with the tools)"
  mkdir -p "$BED_RUN/coredns"
  coredns_config | write_if_changed "$BED_RUN/coredns/Corefile"
  BED_SIG_FILES="$BED_RUN/coredns/Corefile" start_component coredns coredns_health "$BED_PORT_COREDNS_HEALTH $BED_PORT_COREDNS_READY" -- \
    "$BED_COREDNS_DIR/bin/coredns" -conf "$BED_RUN/coredns/Corefile"
}

# --- the node as a whole ----------------------------------------------------------------------

node_up() {
  podnet_up
  coredns_up
  containerd_up
  pause_image_ensure
  kubelet_up
  kube_proxy_up
}

# Pods first (kubelet tears down their sandboxes and networks), then the processes, then whatever a
# crash or a kill left: tasks and shims, netns mounts, kubelet's volume mounts, cgroups, veths, the
# bridge and the iptables rules.
node_down() {
  local i n m h
  if [ -n "$(pid_of kubelet)" ] && apiserver_health; then
    bed_kubectl delete pods --all-namespaces --field-selector "spec.nodeName=$BED_REAL_NODE" --grace-period=0 --force --wait=false >/dev/null 2>&1 || true
    for i in $(seq 1 50); do
      n=$(bed_ctr containers list -q 2>/dev/null | wc -l)
      [ "$n" = 0 ] && break
      sleep 0.2
    done
  fi
  stop_component kube-proxy
  stop_component kubelet
  stop_component coredns
  if [ -n "$(pid_of containerd)" ]; then
    for i in $(bed_ctr tasks list -q 2>/dev/null); do bed_ctr tasks kill -s SIGKILL "$i" >/dev/null 2>&1 || true; done
  fi
  stop_component containerd
  # Shims outlive containerd by design; ours are found by the socket path in their command line.
  for i in $(pgrep -f "containerd-shim.*$BED_CONTAINERD_DIR" 2>/dev/null); do stop_pid "$i" containerd-shim; done
  for m in $(awk -v r="$BED_RUN/" 'index($2, r) == 1 { print $2 }' /proc/mounts | sort -r); do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || warn "node: could not unmount $m"
  done
  # cgroups: the deepest first, each only once empty (rmdir fails on one with processes).
  for h in /sys/fs/cgroup/*/"${BED_CGROUP_ROOT#/}"; do
    [ -d "$h" ] || continue
    find "$h" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
  if [ -x "$BED_K8S_BIN/kube-proxy" ] && iptables -t nat -S 2>/dev/null | grep -q KUBE-; then
    "$BED_K8S_BIN/kube-proxy" --cleanup >/dev/null 2>&1 || true
  fi
  # kubelet's own chains (KUBE-FIREWALL, the canaries) are not kube-proxy's to clean up.
  kube_chains_remove iptables
  kube_chains_remove ip6tables
  podnet_down
}

# kube_chains_remove iptables|ip6tables: every rule that jumps to a KUBE-* chain, then the chains.
kube_chains_remove() {
  local cmd=$1 t rule chain
  command -v "$cmd" >/dev/null || return 0
  for t in filter nat mangle; do
    "$cmd" -t "$t" -S 2>/dev/null | grep -q -- '-N KUBE-' || continue
    { "$cmd" -t "$t" -S 2>/dev/null | grep -E '^-A [A-Z]+ .*-j KUBE-' | grep -v '^-A KUBE-' || true; } | while read -r rule; do
      eval "$cmd -t $t -D ${rule#-A }" 2>/dev/null || true
    done
    for chain in $("$cmd" -t "$t" -S 2>/dev/null | awk '/^-N KUBE-/ {print $2}'); do "$cmd" -t "$t" -F "$chain" 2>/dev/null || true; done
    for chain in $("$cmd" -t "$t" -S 2>/dev/null | awk '/^-N KUBE-/ {print $2}'); do "$cmd" -t "$t" -X "$chain" 2>/dev/null || true; done
  done
}

node_status() {
  local v pods runtime
  if containerd_health; then
    status_line containerd "$(containerd --version 2>/dev/null | awk '{print $3}')" "unix://$BED_CONTAINERD_SOCK" ok
  else status_line containerd - "unix://$BED_CONTAINERD_SOCK" "$(down_or_dead containerd)"; unhealthy; fi
  if kubelet_health; then
    v=$(bed_kubectl get node "$BED_REAL_NODE" -o jsonpath='{.status.nodeInfo.kubeletVersion}' 2>/dev/null)
    runtime=$(bed_kubectl get node "$BED_REAL_NODE" -o jsonpath='{.status.nodeInfo.containerRuntimeVersion}' 2>/dev/null)
    pods=$(bed_kubectl get pods -A --field-selector "spec.nodeName=$BED_REAL_NODE" --no-headers 2>/dev/null | wc -l)
    if real_node_ready; then
      status_line kubelet "${v:--}" "https://$BED_PODNET_GATEWAY:$BED_PORT_KUBELET" "ok (node $BED_REAL_NODE Ready, $runtime, $pods pods)"
    else status_line kubelet "${v:--}" "https://$BED_PODNET_GATEWAY:$BED_PORT_KUBELET" "UNHEALTHY (node $BED_REAL_NODE not Ready)"; unhealthy; fi
  else status_line kubelet "$BED_K8S_VERSION" "https://$BED_PODNET_GATEWAY:$BED_PORT_KUBELET" "$(down_or_dead kubelet)"; unhealthy; fi
  if kube_proxy_health; then status_line kube-proxy "$BED_K8S_VERSION" "iptables, $BED_HOST:$BED_PORT_KUBE_PROXY_HEALTHZ" ok
  else status_line kube-proxy "$BED_K8S_VERSION" "$BED_HOST:$BED_PORT_KUBE_PROXY_HEALTHZ" "$(down_or_dead kube-proxy)"; unhealthy; fi
  if coredns_health; then status_line coredns "$BED_COREDNS_VERSION" "$BED_CLUSTER_DNS_IP:53 (cluster.local)" ok
  else status_line coredns "$BED_COREDNS_VERSION" "$BED_CLUSTER_DNS_IP:53" "$(down_or_dead coredns)"; unhealthy; fi
  if ip link show "$BED_BRIDGE" >/dev/null 2>&1; then status_line pod-network "bridge $BED_BRIDGE" "$BED_PODNET_CIDR" ok
  else status_line pod-network - "$BED_PODNET_CIDR" "down"; unhealthy; fi
}
