import {Args, Flags} from '@oclif/core'

/** Which builder the builder commands look at: the one the app's draft.toml names, or a namespace given here. */
export const builderArgs = {
  path: Args.string({description: 'App folder whose draft.toml names the builder (default: the current folder; outside an app, the default builder).', default: '.'}),
}

export const builderFlags = {
  env: Flags.string({char: 'e', description: 'Environment of draft.toml to use (default: $DRAFT_ENV or development).'}),
  'kube-context': Flags.string({description: 'Kubernetes context from your kubeconfig.'}),
  'builder-namespace': Flags.string({description: 'Namespace of the builder (default: namespace in [cluster-builder] of draft.toml, else draft-builder).'}),
}

export function builderOverrides(flags: {env?: string; 'kube-context'?: string; 'builder-namespace'?: string}): {env?: string; kubeContext?: string; namespace?: string} {
  return {
    ...(flags.env ? {env: flags.env} : {}),
    ...(flags['kube-context'] ? {kubeContext: flags['kube-context']} : {}),
    ...(flags['builder-namespace'] ? {namespace: flags['builder-namespace']} : {}),
  }
}
