import type {KubeTarget, LocalRegistryHosting} from '../kube/kube.js'

/**
 * Local clusters and how an image reaches them. Pure: the caller supplies the kube target, the
 * KEP-1755 ConfigMap (if any) and the environment.
 */
export type ClusterKind = 'kind' | 'minikube' | 'k3d' | 'docker-desktop' | 'rancher-desktop' | 'remote'

export interface ClusterInfo {
  kind: ClusterKind
  /** The local cluster's own name (kind's cluster name, minikube's profile, k3d's cluster). */
  name: string
  /** The cluster runs on the same Docker engine draft builds with, so it sees built images as they are. */
  seesLocalImages: boolean
  /** The cluster's own tool that copies a local image into it. */
  load?: {command: string; args: (image: string) => string[]}
}

export function recognizeCluster(target: Pick<KubeTarget, 'context' | 'cluster' | 'server'>, env: NodeJS.ProcessEnv = {}): ClusterInfo {
  const {context, cluster} = target
  const kind = /^kind-(.+)$/.exec(context) ?? /^kind-(.+)$/.exec(cluster)
  if (kind) return {kind: 'kind', name: kind[1]!, seesLocalImages: false, load: {command: 'kind', args: image => ['load', 'docker-image', image, '--name', kind[1]!]}}
  const k3d = /^k3d-(.+)$/.exec(context) ?? /^k3d-(.+)$/.exec(cluster)
  if (k3d) return {kind: 'k3d', name: k3d[1]!, seesLocalImages: false, load: {command: 'k3d', args: image => ['image', 'import', image, '--cluster', k3d[1]!]}}
  if (context === 'docker-desktop' || context === 'docker-for-desktop' || cluster === 'docker-desktop') {
    return {kind: 'docker-desktop', name: 'docker-desktop', seesLocalImages: true}
  }
  if (context === 'rancher-desktop' || cluster === 'rancher-desktop') {
    // With the dockerd (moby) runtime, Kubernetes and docker share one image store.
    return {kind: 'rancher-desktop', name: 'rancher-desktop', seesLocalImages: true}
  }
  if (context === 'minikube' || cluster === 'minikube' || env.MINIKUBE_ACTIVE_DOCKERD === context) {
    const profile = cluster || context
    // `eval $(minikube docker-env)` points docker at minikube's own engine.
    const shared = env.MINIKUBE_ACTIVE_DOCKERD === profile
    return {kind: 'minikube', name: profile, seesLocalImages: shared, load: {command: 'minikube', args: image => ['image', 'load', image, '--profile', profile]}}
  }
  return {kind: 'remote', name: context, seesLocalImages: false}
}

export type Delivery =
  /**
   * Push to `pushRepository`; the cluster pulls `pullRepository` (they differ behind KEP-1755), and a
   * builder in the cluster pushes to `inClusterRepository` when the registry has a name there.
   */
  | {mode: 'registry'; registry: string; pushRepository: string; pullRepository: string; inClusterRepository?: string; reason: string}
  /** The cluster sees the engine's images: no push. */
  | {mode: 'local-images'; pullRepository: string; reason: string}
  /** Build locally, then copy the image in with the cluster's tool. */
  | {mode: 'load'; pullRepository: string; command: string; args: (image: string) => string[]; reason: string}
  | {mode: 'none'; reason: string}

/**
 * How the image gets to the cluster: an explicit registry always wins; then a registry the cluster
 * advertises (KEP-1755); then a cluster that shares the engine's images; then the cluster's load tool.
 */
export function chooseDelivery(input: {registry: string; image: string; cluster: ClusterInfo; hosting?: LocalRegistryHosting}): Delivery {
  const {registry, image, cluster, hosting} = input
  if (registry) {
    const repository = `${registry}/${image}`
    return {mode: 'registry', registry: registry.split('/')[0]!, pushRepository: repository, pullRepository: repository, reason: 'registry from draft.toml or --registry'}
  }
  if (hosting?.host) {
    const pull = hosting.hostFromContainerRuntime ?? hosting.hostFromClusterNetwork ?? hosting.host
    return {
      mode: 'registry',
      registry: hosting.host,
      pushRepository: `${hosting.host}/${image}`,
      pullRepository: `${pull}/${image}`,
      ...(hosting.hostFromClusterNetwork ? {inClusterRepository: `${hosting.hostFromClusterNetwork}/${image}`} : {}),
      reason: `the cluster's local registry (ConfigMap kube-public/local-registry-hosting: ${hosting.host})`,
    }
  }
  if (cluster.seesLocalImages) return {mode: 'local-images', pullRepository: image, reason: `${cluster.kind} uses the same Docker engine: no push needed`}
  if (cluster.load) return {mode: 'load', pullRepository: image, command: cluster.load.command, args: cluster.load.args, reason: `${cluster.kind} cluster: image loaded with ${cluster.load.command}`}
  return {mode: 'none', reason: 'no registry, and the cluster cannot see local images'}
}
