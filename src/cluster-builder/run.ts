import {existsSync} from 'node:fs'
import {join} from 'node:path'

import {CONFIG_FILE, loadConfig} from '../config/draft-toml.js'
import type {BuilderDeleteResult, BuilderStatus, ClusterBuilder} from './cluster-builder.js'
import {type BuilderSettings, DEFAULT_BUILDER_SETTINGS} from './settings.js'

export interface BuilderOverrides {
  env?: string
  kubeContext?: string
  /** --builder-namespace: which builder, over [cluster-builder] namespace. */
  namespace?: string
}

type Wire = (kubeContext: string) => Promise<ClusterBuilder>

const realWire: Wire = async kubeContext => {
  const [{realStreams}, {KubeBuildKit}] = await Promise.all([import('../connect/wire.js'), import('./kube-buildkit.js')])
  const {kube, streams} = await realStreams(kubeContext)
  return new KubeBuildKit(kube, streams)
}

/**
 * The builder the app's draft.toml describes (its environment's [cluster-builder] and kube-context),
 * or, outside an app, the default one of the current context. The flags win.
 */
function open(path: string, overrides: BuilderOverrides): {settings: BuilderSettings; kubeContext: string} {
  const inApp = existsSync(join(path, CONFIG_FILE))
  const config = inApp ? loadConfig(path, {...(overrides.env ? {env: overrides.env} : {}), ...(overrides.kubeContext ? {kubeContext: overrides.kubeContext} : {})}) : undefined
  const settings = {...(config?.clusterBuilder ?? DEFAULT_BUILDER_SETTINGS), ...(overrides.namespace ? {namespace: overrides.namespace} : {})}
  return {settings, kubeContext: overrides.kubeContext ?? config?.kubeContext ?? ''}
}

/** `draft builder status`. */
export async function builderStatus(path: string, overrides: BuilderOverrides, wire: Wire = realWire): Promise<BuilderStatus> {
  const {settings, kubeContext} = open(path, overrides)
  return (await wire(kubeContext)).status(settings)
}

/**
 * `draft builder delete`: what is there is shown to `confirm` (which may refuse by throwing), then it
 * goes, with its caches and credentials. Nothing there is a result with `exists` false.
 */
export async function deleteBuilder(
  path: string,
  overrides: BuilderOverrides,
  options: {confirm: (status: BuilderStatus) => Promise<void>; progress?: (message: string) => void; signal?: AbortSignal},
  wire: Wire = realWire,
): Promise<{status: BuilderStatus; result?: BuilderDeleteResult}> {
  const {settings, kubeContext} = open(path, overrides)
  const builder = await wire(kubeContext)
  const status = await builder.status(settings)
  if (!status.exists && !status.ownsNamespace) return {status}
  await options.confirm(status)
  return {status, result: await builder.delete(settings, {...(options.progress ? {progress: options.progress} : {}), ...(options.signal ? {signal: options.signal} : {})})}
}
