// The pod sandbox ("pause") process of the bed's real node. Kubernetes' own pause image cannot be
// pulled here, so the bed builds this one: it holds the pod's namespaces open, reaps orphaned
// children (it is PID 1 of a shared process namespace), and exits on SIGINT or SIGTERM.
module draft.local/bed/pause

go 1.26.0
