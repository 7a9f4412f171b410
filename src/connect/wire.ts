import type {Kube} from '../kube/kube.js'
import {ClientNodeKube} from '../kube/client-node-kube.js'
import {loadKubeConfig} from '../kube/kube-config.js'
import {ClientNodePodStreams} from '../pod-streams/client-node-pod-streams.js'
import type {PodStreams} from '../pod-streams/pod-streams.js'

/** The Kubernetes API and the pod streams through it, from one kubeconfig. Tests use fakes instead. */
export async function realStreams(kubeContext: string, env: NodeJS.ProcessEnv = process.env): Promise<{kube: Kube; streams: PodStreams}> {
  const loaded = await loadKubeConfig(kubeContext || undefined, env)
  return {kube: new ClientNodeKube(loaded), streams: new ClientNodePodStreams(loaded)}
}
