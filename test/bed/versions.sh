# Pinned versions of everything the bed builds or installs. Bumping one here invalidates its cache.
# etcd follows the version k8s.io/kubernetes requires (see go/k8s/go.mod); keep them in step.
BED_K8S_VERSION=v1.36.3
BED_ETCD_VERSION=v3.6.8
BED_KWOK_VERSION=v0.8.0
BED_HELM_VERSION=v3.22.0
BED_KUBECONFORM_VERSION=v0.8.0
# Cluster DNS of the real node, so that pods reach Services by name (several services, issue 14).
BED_COREDNS_VERSION=v1.15.0
# Debian bookworm packages (apt); versions are whatever bookworm serves.
BED_APT_PACKAGES="chromium docker.io docker-registry debootstrap apache2-utils openssl iproute2 procps curl containerd runc containernetworking-plugins iptables"
