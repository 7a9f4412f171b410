# Kubernetes control plane: etcd, kube-apiserver, kube-controller-manager, kube-scheduler, and kwok
# simulating one node. Certificates are made with openssl at bed:up (EC P-256, ten years).
# shellcheck shell=bash

kube_bin() { echo "$BED_K8S_BIN/$1"; }
bed_kubectl() { "$BED_K8S_BIN/kubectl" --kubeconfig "$BED_KUBECONFIG" "$@"; }

# --- certificates -----------------------------------------------------------------------------

pki_key() { [ -f "$1" ] || openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

# pki_cert NAME SUBJECT EXT: a leaf certificate signed by the bed's CA.
pki_cert() {
  local name=$1 subj=$2 ext=$3 dir=$BED_PKI
  [ -f "$dir/$name.crt" ] && return 0
  pki_key "$dir/$name.key"
  printf '%b\n' "$ext" >"$dir/$name.ext"
  openssl req -new -key "$dir/$name.key" -subj "$subj" -out "$dir/$name.csr" 2>/dev/null
  openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
    -days 3650 -extfile "$dir/$name.ext" -out "$dir/$name.crt" 2>/dev/null
  rm -f "$dir/$name.csr" "$dir/$name.ext"
}

pki_ensure() {
  local d=$BED_PKI client='keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth'
  mkdir -p "$d" && chmod 700 "$d"
  if [ ! -f "$d/ca.crt" ]; then
    pki_key "$d/ca.key"
    openssl req -x509 -new -key "$d/ca.key" -subj "/CN=draft-bed-ca" -days 3650 -out "$d/ca.crt" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" 2>/dev/null
  fi
  # The first address of the service range is the `kubernetes` Service's cluster IP.
  local svc_ip
  svc_ip=$(echo "${BED_SERVICE_CIDR%/*}" | awk -F. '{print $1"."$2"."$3"."$4+1}')
  pki_cert apiserver "/CN=kube-apiserver" \
    "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,IP:::1,IP:$svc_ip,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  pki_cert kwok-server "/CN=kwok-node" \
    "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:$BED_NODE_IP,DNS:localhost,DNS:$BED_NODE_NAME"
  pki_cert admin "/O=system:masters/CN=draft-bed-admin" "$client"
  pki_cert controller-manager "/CN=system:kube-controller-manager" "$client"
  pki_cert scheduler "/CN=system:kube-scheduler" "$client"
  pki_cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" "$client"
  pki_cert kwok "/O=system:masters/CN=kwok-controller" "$client"
  # The real node: kubelet's client identity (the Node authorizer wants system:node:NAME in
  # system:nodes), the certificate it serves logs, exec and port-forward with, and kube-proxy's
  # identity (bound to system:node-proxier by default).
  pki_cert kubelet "/O=system:nodes/CN=system:node:$BED_REAL_NODE" "$client"
  pki_cert kubelet-server "/CN=$BED_REAL_NODE" \
    "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:$BED_PODNET_GATEWAY,DNS:$BED_REAL_NODE"
  pki_cert kube-proxy "/CN=system:kube-proxy" "$client"
  # CoreDNS only reads Services, EndpointSlices, namespaces and pods; a bed-only shortcut.
  pki_cert coredns "/O=system:masters/CN=draft-bed-coredns" "$client"
  pki_key "$d/sa.key"
  [ -f "$d/sa.pub" ] || openssl pkey -in "$d/sa.key" -pubout -out "$d/sa.pub" 2>/dev/null
}

# write_kubeconfig FILE USER: a kubeconfig with the named context draft-bed. Written directly rather
# than with four kubectl calls per file: a warm bed:up writes eight of them.
write_kubeconfig() {
  local f=$1 user=$2
  rm -f "$f"
  (
    umask 077
    cat >"$f" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: $BED_CONTEXT
  cluster:
    server: https://$BED_HOST:$BED_PORT_APISERVER
    certificate-authority-data: $(base64 -w0 <"$BED_PKI/ca.crt")
users:
- name: $BED_CONTEXT-$user
  user:
    client-certificate-data: $(base64 -w0 <"$BED_PKI/$user.crt")
    client-key-data: $(base64 -w0 <"$BED_PKI/$user.key")
contexts:
- name: $BED_CONTEXT
  context:
    cluster: $BED_CONTEXT
    user: $BED_CONTEXT-$user
current-context: $BED_CONTEXT
EOF
  )
}

# --- health -----------------------------------------------------------------------------------

etcd_health() { curl -fsS --max-time 3 "http://$BED_HOST:$BED_PORT_ETCD/health" | grep -q '"health":"true"'; }
apiserver_health() {
  [ "$(curl -sS --max-time 3 --cacert "$BED_PKI/ca.crt" --cert "$BED_PKI/admin.crt" --key "$BED_PKI/admin.key" \
    "https://$BED_HOST:$BED_PORT_APISERVER/readyz")" = ok ]
}
controller_manager_health() { [ "$(curl -ksS --max-time 3 "https://$BED_HOST:$BED_PORT_CONTROLLER_MANAGER/healthz")" = ok ]; }
scheduler_health() { [ "$(curl -ksS --max-time 3 "https://$BED_HOST:$BED_PORT_SCHEDULER/healthz")" = ok ]; }
kwok_health() { [ "$(curl -sS --max-time 3 --cacert "$BED_PKI/ca.crt" "https://$BED_HOST:$BED_PORT_KWOK/healthz")" = ok ]; }
node_ready() {
  [ "$(bed_kubectl get node "$BED_NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]
}

# wait_for WHAT SECONDS CMD...
wait_for() {
  local what=$1 secs=$2 i
  shift 2
  for i in $(seq 1 $((secs * 5))); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  return 1
}

# --- components -------------------------------------------------------------------------------

kube_up() {
  local b=$BED_K8S_BIN
  [ -x "$b/kube-apiserver" ] || die "kubernetes: binaries missing in $b (bed:up builds them first)"
  pki_ensure
  write_kubeconfig "$BED_KUBECONFIG" admin
  write_kubeconfig "$BED_RUN/controller-manager.kubeconfig" controller-manager
  write_kubeconfig "$BED_RUN/scheduler.kubeconfig" scheduler
  write_kubeconfig "$BED_RUN/kwok.kubeconfig" kwok
  write_kubeconfig "$BED_RUN/kubelet.kubeconfig" kubelet
  write_kubeconfig "$BED_RUN/kube-proxy.kubeconfig" kube-proxy
  write_kubeconfig "$BED_RUN/coredns.kubeconfig" coredns
  mkdir -p "$BED_RUN/etcd"

  # A test bed needs no durability: --unsafe-no-fsync makes etcd writes cheap.
  start_component etcd etcd_health "$BED_PORT_ETCD $BED_PORT_ETCD_PEER" -- \
    "$b/etcd" --name draft-bed --data-dir "$BED_RUN/etcd" \
    --listen-client-urls "http://$BED_HOST:$BED_PORT_ETCD" --advertise-client-urls "http://$BED_HOST:$BED_PORT_ETCD" \
    --listen-peer-urls "http://$BED_HOST:$BED_PORT_ETCD_PEER" --initial-advertise-peer-urls "http://$BED_HOST:$BED_PORT_ETCD_PEER" \
    --initial-cluster "draft-bed=http://$BED_HOST:$BED_PORT_ETCD_PEER" \
    --unsafe-no-fsync --log-level warn

  # The endpoint reconciler is off: it would publish 127.0.0.1 as the `kubernetes` Service's
  # endpoint, which the API rejects (loopback), and nothing in the bed routes to services anyway.
  BED_START_TIMEOUT=120 start_component kube-apiserver apiserver_health "$BED_PORT_APISERVER" -- \
    "$b/kube-apiserver" \
    --etcd-servers "http://$BED_HOST:$BED_PORT_ETCD" \
    --bind-address "$BED_HOST" --advertise-address "$BED_HOST" --secure-port "$BED_PORT_APISERVER" \
    --tls-cert-file "$BED_PKI/apiserver.crt" --tls-private-key-file "$BED_PKI/apiserver.key" \
    --client-ca-file "$BED_PKI/ca.crt" \
    --service-account-key-file "$BED_PKI/sa.pub" --service-account-signing-key-file "$BED_PKI/sa.key" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-cluster-ip-range "$BED_SERVICE_CIDR" \
    --authorization-mode Node,RBAC \
    --allow-privileged=true \
    --endpoint-reconciler-type none \
    --kubelet-client-certificate "$BED_PKI/apiserver-kubelet-client.crt" --kubelet-client-key "$BED_PKI/apiserver-kubelet-client.key" \
    --kubelet-preferred-address-types InternalIP \
    --profiling=false \
    --v=1

  start_component kube-controller-manager controller_manager_health "$BED_PORT_CONTROLLER_MANAGER" -- \
    "$b/kube-controller-manager" \
    --kubeconfig "$BED_RUN/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$BED_RUN/controller-manager.kubeconfig" \
    --authorization-kubeconfig "$BED_RUN/controller-manager.kubeconfig" \
    --bind-address "$BED_HOST" --secure-port "$BED_PORT_CONTROLLER_MANAGER" \
    --service-account-private-key-file "$BED_PKI/sa.key" --root-ca-file "$BED_PKI/ca.crt" \
    --cluster-signing-cert-file "$BED_PKI/ca.crt" --cluster-signing-key-file "$BED_PKI/ca.key" \
    --use-service-account-credentials=true \
    --service-cluster-ip-range "$BED_SERVICE_CIDR" \
    --allocate-node-cidrs=false \
    --leader-elect=false \
    --profiling=false \
    --v=1

  start_component kube-scheduler scheduler_health "$BED_PORT_SCHEDULER" -- \
    "$b/kube-scheduler" \
    --kubeconfig "$BED_RUN/scheduler.kubeconfig" \
    --authentication-kubeconfig "$BED_RUN/scheduler.kubeconfig" \
    --authorization-kubeconfig "$BED_RUN/scheduler.kubeconfig" \
    --bind-address "$BED_HOST" --secure-port "$BED_PORT_SCHEDULER" \
    --leader-elect=false \
    --profiling=false \
    --v=1

  bed_kubectl apply -f "$BED_KWOK_DIR/crds.yaml" >/dev/null || die "kwok: applying its CRDs failed"
  bed_kubectl wait --for condition=Established --timeout 60s -f "$BED_KWOK_DIR/crds.yaml" >/dev/null ||
    die "kwok: its CRDs were not established within 60s"
  kwok_config >"$BED_RUN/kwok.yaml"
  BED_SIG_FILES="$BED_RUN/kwok.yaml" BED_PRE_START=kwok_release_lease start_component kwok kwok_health "$BED_PORT_KWOK" -- \
    "$BED_KWOK_DIR/bin/kwok" \
    --kubeconfig "$BED_RUN/kwok.kubeconfig" \
    --config "$BED_RUN/kwok.yaml" \
    --manage-all-nodes=false --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
    --cidr "$BED_POD_CIDR" --node-ip "$BED_NODE_IP" --node-name "$BED_NODE_NAME" \
    --node-port "$BED_PORT_KWOK" --server-address "$BED_HOST:$BED_PORT_KWOK" \
    --tls-cert-file "$BED_PKI/kwok-server.crt" --tls-private-key-file "$BED_PKI/kwok-server.key" \
    --node-lease-duration-seconds 40 \
    --enable-crds PortForward,ClusterPortForward,Logs,ClusterLogs

  kube_seed
}

# A new kwok process waits for the node lease of the one before it to expire (40 s) before it
# manages the node's pods again; the lease is released for it instead.
kwok_release_lease() {
  bed_kubectl -n kube-node-lease delete lease "$BED_NODE_NAME" --ignore-not-found >/dev/null 2>&1 || true
}

kwok_config() {
  cat <<EOF
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokConfiguration
options:
  # kwok's defaults, spelled out: they are not applied to a configuration read from a file.
  podPlayStageParallelism: 4
  nodePlayStageParallelism: 4
  nodeLeaseParallelism: 4
  podsOnNodeSyncParallelism: 1
  enablePodsOnNodeSyncListPager: true
  enablePodsOnNodeSyncStreamWatch: false
  enableDebuggingHandlers: true
  enableProfilingHandler: false
EOF
  # kwok's pod-ready stage, except for pods that ask for a simulated failure (see kwok-failure-stages.yaml).
  awk '
    /^  name: pod-ready$/ { ready = 1 }
    { print }
    ready && /^    matchExpressions:$/ {
      print "    - key: '"'"'.metadata.annotations[\"draft.bed/simulate\"]'"'"'"
      print "      operator: '"'"'DoesNotExist'"'"'"
      ready = 0
    }' "$BED_KWOK_DIR/stages.yaml"
  echo "---"
  cat "$BED_DIR/lib/kwok-failure-stages.yaml"
}

# The kwok node, and the objects tests rely on: the default ServiceAccount and kube-root-ca.crt.
kube_seed() {
  bed_kubectl apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Node
metadata:
  name: $BED_NODE_NAME
  annotations:
    node.alpha.kubernetes.io/ttl: "0"
    kwok.x-k8s.io/node: fake
  labels:
    kubernetes.io/arch: amd64
    kubernetes.io/hostname: $BED_NODE_NAME
    kubernetes.io/os: linux
    type: kwok
spec:
  # Pods land on the real node unless they tolerate this: the kwok node is for scale and fault
  # simulations that ask for it.
  taints:
  - key: kwok.x-k8s.io/node
    value: fake
    effect: NoSchedule
status:
  allocatable: { cpu: "32", memory: 256Gi, pods: "110" }
  capacity: { cpu: "32", memory: 256Gi, pods: "110" }
EOF
  # Simulated port-forward and logs: by default a pod's common app ports forward to the same port on
  # 127.0.0.1 (where a test can run the real container with host networking), and its logs read a
  # file in the run dir. A namespaced PortForward or Logs object named like a pod overrides this.
  mkdir -p "$BED_RUN/kwok"
  # kwok reads logs in the CRI format: time, stream, P(artial)/F(ull), message.
  printf '%s stdout F kwok: simulated container, no process runs (draft test bed)\n' "$(date -u +%Y-%m-%dT%H:%M:%S.000000000Z)" >"$BED_RUN/kwok/pod.log"
  local p forwards=""
  for p in 80 3000 4000 5000 8000 8080 8081 9000; do
    forwards="$forwards
  - ports: [$p]
    target: { port: $p, address: $BED_HOST }"
  done
  bed_kubectl apply -f - >/dev/null <<EOF
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterPortForward
metadata:
  name: draft-bed-default
spec:
  forwards:$forwards
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterLogs
metadata:
  name: draft-bed-default
spec:
  logs:
  - logsFile: $BED_RUN/kwok/pod.log
    follow: true
EOF
  wait_for "node Ready" 60 node_ready || { log_tail kwok 40; die "kwok: node $BED_NODE_NAME did not become Ready within 60s"; }
  kube_schemas
}

# What tests rely on and the controller-manager makes a few seconds after it starts: waited for at
# the end of bed:up, so the node and the images are brought up meanwhile.
kube_settle() {
  wait_for "default ServiceAccount" 60 bed_kubectl -n default get serviceaccount default ||
    { log_tail kube-controller-manager 40; die "kube-controller-manager: the default ServiceAccount did not appear within 60s"; }
  wait_for "kube-root-ca.crt" 60 bed_kubectl -n default get configmap kube-root-ca.crt ||
    { log_tail kube-controller-manager 40; die "kube-controller-manager: ConfigMap kube-root-ca.crt did not appear within 60s"; }
}

# kubeconform schemas generated from this API server's OpenAPI document (cached per version).
kube_schemas() {
  local d=$BED_KUBECONFORM_SCHEMAS
  [ -f "$d/.done" ] && return 0
  log "kubeconform: generating JSON schemas from the API server's OpenAPI v2 document"
  rm -rf "$d.tmp" && mkdir -p "$d.tmp"
  bed_kubectl get --raw /openapi/v2 >"$d.tmp/openapi-v2.json"
  node "$BED_DIR/lib/openapi-to-jsonschema.mjs" "$d.tmp/openapi-v2.json" "$d.tmp" "${BED_K8S_VERSION}" ||
    die "kubeconform: schema generation failed"
  rm -f "$d.tmp/openapi-v2.json"
  touch "$d.tmp/.done"
  rm -rf "$d" && mv "$d.tmp" "$d"
}

kube_down() {
  local c
  for c in kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do stop_component "$c"; done
}

kube_status() {
  local v
  v=$("$BED_K8S_BIN/etcd" --version 2>/dev/null | awk '/etcd Version/{print "v"$3}')
  if etcd_health; then status_line etcd "${v:--}" "http://$BED_HOST:$BED_PORT_ETCD" ok
  else status_line etcd "${v:--}" "http://$BED_HOST:$BED_PORT_ETCD" "$(down_or_dead etcd)"; unhealthy; fi
  if apiserver_health; then status_line kube-apiserver "$BED_K8S_VERSION" "https://$BED_HOST:$BED_PORT_APISERVER" ok
  else status_line kube-apiserver "$BED_K8S_VERSION" "https://$BED_HOST:$BED_PORT_APISERVER" "$(down_or_dead kube-apiserver)"; unhealthy; fi
  if controller_manager_health; then status_line kube-controller-manager "$BED_K8S_VERSION" "https://$BED_HOST:$BED_PORT_CONTROLLER_MANAGER" ok
  else status_line kube-controller-manager "$BED_K8S_VERSION" "https://$BED_HOST:$BED_PORT_CONTROLLER_MANAGER" "$(down_or_dead kube-controller-manager)"; unhealthy; fi
  if scheduler_health; then status_line kube-scheduler "$BED_K8S_VERSION" "https://$BED_HOST:$BED_PORT_SCHEDULER" ok
  else status_line kube-scheduler "$BED_K8S_VERSION" "https://$BED_HOST:$BED_PORT_SCHEDULER" "$(down_or_dead kube-scheduler)"; unhealthy; fi
  if kwok_health; then
    if node_ready; then status_line kwok "$BED_KWOK_VERSION" "https://$BED_HOST:$BED_PORT_KWOK" "ok (node $BED_NODE_NAME Ready)"
    else status_line kwok "$BED_KWOK_VERSION" "https://$BED_HOST:$BED_PORT_KWOK" "UNHEALTHY (node $BED_NODE_NAME not Ready)"; unhealthy; fi
  else status_line kwok "$BED_KWOK_VERSION" "https://$BED_HOST:$BED_PORT_KWOK" "$(down_or_dead kwok)"; unhealthy; fi
}
