import {Args, Flags} from '@oclif/core'

/** What status, history, rollback and delete share with `draft up`: which app, environment and release. */
export const releaseArgs = {
  path: Args.string({description: 'App folder (with draft.toml).', default: '.'}),
}

export const releaseFlags = {
  env: Flags.string({char: 'e', description: 'Environment of draft.toml to use (default: $DRAFT_ENV or development).'}),
  namespace: Flags.string({char: 'n', description: 'Kubernetes namespace of the release.'}),
  'kube-context': Flags.string({description: 'Kubernetes context from your kubeconfig.'}),
  release: Flags.string({description: 'Helm release name (default: from draft.toml).'}),
  service: Flags.string({description: 'At the root of several services: only this service (repeatable).', multiple: true}),
}

export function releaseOverrides(flags: {env?: string; namespace?: string; 'kube-context'?: string; release?: string; timeout?: string; service?: string[]}): {env?: string; namespace?: string; kubeContext?: string; release?: string; timeout?: string; services?: string[]} {
  return {env: flags.env, namespace: flags.namespace, kubeContext: flags['kube-context'], release: flags.release, timeout: flags.timeout, ...(flags.service?.length ? {services: flags.service} : {})}
}
