import {existsSync} from 'node:fs'
import {homedir} from 'node:os'
import {delimiter, join} from 'node:path'

import {DraftError} from '../core/errors.js'
import type {KubeTarget} from './kube.js'
import type * as k8s from './kubernetes-client.js'

export type KubeClient = typeof import('./kubernetes-client.js')

/** A kubeconfig loaded with its context chosen: what every client-node adapter starts from. */
export interface LoadedKubeConfig {
  k: KubeClient
  config: k8s.KubeConfig
  target: KubeTarget
}

/** Load the kubeconfig (KUBECONFIG or ~/.kube/config) and choose the context; throws KUBE_NO_CONTEXT. */
export async function loadKubeConfig(kubeContext?: string, env: NodeJS.ProcessEnv = process.env): Promise<LoadedKubeConfig> {
  const k = await import('./kubernetes-client.js')
  const config = new k.KubeConfig()
  const kubeconfig = env.KUBECONFIG || join(homedir(), '.kube', 'config')
  const files = kubeconfig.split(delimiter).filter(Boolean)
  if (!files.some(file => existsSync(file))) throw new DraftError('KUBE_NO_CONTEXT', {kubeconfig, available: [], missing: true})
  try {
    config.loadFromDefault()
  } catch (error) {
    throw new DraftError('KUBE_NO_CONTEXT', {kubeconfig, available: []}, {cause: error})
  }
  const available = config.getContexts().map(c => c.name)
  if (kubeContext) {
    if (!available.includes(kubeContext)) throw new DraftError('KUBE_NO_CONTEXT', {kubeconfig, wanted: kubeContext, available})
    config.setCurrentContext(kubeContext)
  }
  const context = config.getContextObject(config.getCurrentContext())
  const cluster = config.getCurrentCluster()
  if (!context || !cluster) throw new DraftError('KUBE_NO_CONTEXT', {kubeconfig, available})
  return {k, config, target: {context: context.name, cluster: cluster.name, server: cluster.server, user: context.user, kubeconfig}}
}
