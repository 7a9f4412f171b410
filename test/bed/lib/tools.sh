# Go-built tools: the Kubernetes control plane, kubectl and etcd (one module, go/k8s), kwok, helm,
# kubeconform. Each lands in $BED_TOOLS/<name>-<version>/ and is built only when that is missing.
# shellcheck shell=bash

bed_go() { env "${BED_GO_ENV[@]}" go "$@"; }

# Directory of a module in the module cache (downloads it through the proxy when missing).
go_module_dir() { bed_go mod download -json "$1" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p'; }

# A stamp holds what a build was made from; the build is redone when it differs.
stamp_ok() { [ -f "$1/.stamp" ] && [ "$(cat "$1/.stamp")" = "$2" ]; }

k8s_ldflags() {
  local v=$BED_K8S_VERSION minor p ld="-s -w"
  minor=$(echo "$v" | cut -d. -f2)
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X $p.gitVersion=$v -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
  done
  echo "$ld"
}

build_k8s() {
  local dest=$BED_TOOLS/k8s-$BED_K8S_VERSION stamp
  stamp="$(cat "$BED_DIR/go/k8s/go.mod" "$BED_DIR/go/k8s/go.sum" | sha256sum | cut -c1-16) $(k8s_ldflags | sha256sum | cut -c1-8)"
  if stamp_ok "$dest" "$stamp"; then return 0; fi
  log "building kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kube-proxy, kubectl $BED_K8S_VERSION and etcd $BED_ETCD_VERSION (cold: about 11 minutes on 2 cores)"
  rm -rf "$dest.tmp" && mkdir -p "$dest.tmp/bin"
  (cd "$BED_DIR/go/k8s" && bed_go build -trimpath -ldflags="$(k8s_ldflags)" -o "$dest.tmp/bin/" tool) >"$BED_TOOLS/k8s-build.log" 2>&1 || {
    tail -n 30 "$BED_TOOLS/k8s-build.log" >&2
    die "go build of the Kubernetes binaries failed (log: $BED_TOOLS/k8s-build.log)"
  }
  # The etcd main package is go.etcd.io/etcd/server/v3, so go names its binary "server".
  mv "$dest.tmp/bin/server" "$dest.tmp/bin/etcd"
  echo "$stamp" >"$dest.tmp/.stamp"
  BED_TOOLS_BUILT=1
  rm -rf "$dest" && mv "$dest.tmp" "$dest"
}

build_kwok() {
  local dest=$BED_KWOK_DIR stamp=$BED_KWOK_VERSION-2 src f
  if stamp_ok "$dest" "$stamp"; then return 0; fi
  log "building kwok $BED_KWOK_VERSION"
  rm -rf "$dest.tmp" && mkdir -p "$dest.tmp/bin"
  env GOBIN="$dest.tmp/bin" "${BED_GO_ENV[@]}" go install -trimpath \
    -ldflags="-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=${BED_KWOK_VERSION#v}" \
    "sigs.k8s.io/kwok/cmd/kwok@$BED_KWOK_VERSION" >"$BED_TOOLS/kwok-build.log" 2>&1 || {
    tail -n 30 "$BED_TOOLS/kwok-build.log" >&2
    die "go install of kwok failed (log: $BED_TOOLS/kwok-build.log)"
  }
  # kwok's own default stages, as kwokctl uses them: node-fast (initialize + heartbeat with lease)
  # and pod-fast (ready, complete, delete). The kwok binary has no stages unless given some.
  src=$(go_module_dir "sigs.k8s.io/kwok@$BED_KWOK_VERSION")
  [ -n "$src" ] || die "kwok: could not locate the module source for its default stages"
  : >"$dest.tmp/stages.yaml"
  for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
    pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
    [ -f "$src/kustomize/stage/$f" ] || die "kwok: default stage $f not found in $src"
    { echo "---"; cat "$src/kustomize/stage/$f"; } >>"$dest.tmp/stages.yaml"
  done
  # The CRDs of kwok's simulated port-forward and logs, so tests can point a pod's port-forward or
  # logs at something real (a container run with host networking, a file).
  : >"$dest.tmp/crds.yaml"
  for f in portforwards clusterportforwards logs clusterlogs; do
    { echo "---"; cat "$src/kustomize/crd/bases/kwok.x-k8s.io_$f.yaml"; } >>"$dest.tmp/crds.yaml"
  done
  echo "$stamp" >"$dest.tmp/.stamp"
  BED_TOOLS_BUILT=1
  rm -rf "$dest" && mv "$dest.tmp" "$dest"
}

build_helm() {
  local stamp=$BED_HELM_VERSION-1 src minor
  if stamp_ok "$BED_HELM_DIR" "$stamp"; then return 0; fi
  src=$(go_module_dir "helm.sh/helm/v3@$BED_HELM_VERSION")
  # Like helm's Makefile: the default Kubernetes version for `helm template` follows its client-go.
  minor=$(sed -n 's/^\tk8s.io\/client-go v0\.\([0-9]*\)\..*/\1/p' "$src/go.mod")
  go_install_tool helm "$BED_HELM_DIR" "$stamp" \
    "-s -w -X helm.sh/helm/v3/internal/version.version=$BED_HELM_VERSION -X helm.sh/helm/v3/internal/version.gitTreeState=clean -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$minor -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$minor" \
    "helm.sh/helm/v3/cmd/helm@$BED_HELM_VERSION"
}

# go_install_tool NAME DEST STAMP LDFLAGS PACKAGE@VERSION: `go install` into DEST/bin, unless DEST's
# stamp says it is already built from that.
go_install_tool() {
  local name=$1 dest=$2 stamp=$3 ldflags=$4 pkg=$5
  if stamp_ok "$dest" "$stamp"; then return 0; fi
  log "building $name ${pkg#*@}"
  rm -rf "$dest.tmp" && mkdir -p "$dest.tmp/bin"
  env GOBIN="$dest.tmp/bin" "${BED_GO_ENV[@]}" go install -trimpath -ldflags="$ldflags" "$pkg" >"$BED_TOOLS/$name-build.log" 2>&1 || {
    tail -n 30 "$BED_TOOLS/$name-build.log" >&2
    die "go install of $name failed (log: $BED_TOOLS/$name-build.log)"
  }
  echo "$stamp" >"$dest.tmp/.stamp"
  BED_TOOLS_BUILT=1
  rm -rf "$dest" && mv "$dest.tmp" "$dest"
}

build_kubeconform() {
  go_install_tool kubeconform "$BED_KUBECONFORM_DIR" "$BED_KUBECONFORM_VERSION-2" "-s -w -X main.version=$BED_KUBECONFORM_VERSION" \
    "github.com/yannh/kubeconform/cmd/kubeconform@$BED_KUBECONFORM_VERSION"
}

build_coredns() {
  go_install_tool coredns "$BED_COREDNS_DIR" "$BED_COREDNS_VERSION-1" "-s -w" "github.com/coredns/coredns@$BED_COREDNS_VERSION"
}

BED_KUBECONFORM_SCHEMAS=$BED_HOME/schemas/kubernetes-$BED_K8S_VERSION

# The stable bin directory that bed:env puts first on PATH.
link_tools() {
  mkdir -p "$BED_BIN"
  ln -sfn "$BED_K8S_BIN/kubectl" "$BED_BIN/kubectl"
  ln -sfn "$BED_HELM_DIR/bin/helm" "$BED_BIN/helm"
  # Debian's docker CLI matches the engine and has BuildKit built in; a newer CLI elsewhere on PATH
  # needs the buildx plugin for BuildKit builds, which is not installed here.
  if [ -x /usr/bin/docker ]; then ln -sfn /usr/bin/docker "$BED_BIN/docker"; fi
  # kubeconform fetches its schemas from GitHub by default, which is unreachable here: the wrapper
  # points it at schemas generated from the bed's own API server unless -schema-location is given.
  cat >"$BED_BIN/kubeconform" <<EOF
#!/bin/sh
# Generated by test/bed: kubeconform $BED_KUBECONFORM_VERSION with the bed's offline schemas.
for a in "\$@"; do case \$a in -schema-location|-schema-location=*|--schema-location|--schema-location=*) exec "$BED_KUBECONFORM_DIR/bin/kubeconform" "\$@";; esac; done
exec "$BED_KUBECONFORM_DIR/bin/kubeconform" -schema-location "$BED_KUBECONFORM_SCHEMAS" "\$@"
EOF
  chmod +x "$BED_BIN/kubeconform"
}

tools_ensure() {
  command -v go >/dev/null || die "tools: go is not installed"
  mkdir -p "$BED_TOOLS"
  local t
  for t in k8s kwok helm kubeconform coredns; do
    local t0
    t0=$(now)
    "build_$t"
    log "  $t ready ($(elapsed "$t0"))"
  done
  # The compile cache (about 4 GB) is of no use once the binaries are cached by version.
  [ "${BED_TOOLS_BUILT:-0}" = 0 ] || rm -rf "$BED_HOME/go/build"
  link_tools
}

tools_status() {
  local v
  v=$("$BED_HELM_DIR/bin/helm" version --short 2>/dev/null || echo missing)
  status_line helm "$v" "$BED_BIN/helm" "$([ "$v" = missing ] && echo "not built" || echo ok)"
  v=$("$BED_KUBECONFORM_DIR/bin/kubeconform" -v 2>/dev/null || echo missing)
  if [ -d "$BED_KUBECONFORM_SCHEMAS" ]; then
    status_line kubeconform "$v" "$BED_BIN/kubeconform" "ok (schemas of $BED_K8S_VERSION)"
  else
    status_line kubeconform "$v" "$BED_BIN/kubeconform" "no schemas yet (made at bed:up)"
  fi
  v=$("$BED_K8S_BIN/kubectl" version --client -o json 2>/dev/null | sed -n 's/.*"gitVersion": "\(.*\)".*/\1/p' | head -n1)
  status_line kubectl "${v:-missing}" "$BED_BIN/kubectl" "$([ -n "$v" ] && echo ok || echo "not built")"
}
