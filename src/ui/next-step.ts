import type {UpResult} from '../up/up-engine.js'

/** What `draft up` was pointed at: the same selection makes `draft connect` reach the same release. */
export interface Target {
  /** The app folder as the user gave it. */
  path: string
  env?: string | undefined
  namespace?: string | undefined
  kubeContext?: string | undefined
  release?: string | undefined
}

/**
 * What the summary of `draft up` suggests doing next to reach the app: `draft connect` with the same
 * folder and target flags the user gave `up`, so that it runs as printed, and the URL it will print
 * when the container's port is free on this machine (it takes the next free one otherwise).
 */
export function nextStep(r: Pick<UpResult, 'service'>, target: Target): {command: string; url?: string} {
  const words = ['draft', 'connect']
  if (target.path && target.path !== '.') words.push(quote(target.path))
  if (target.env) words.push('--env', quote(target.env))
  if (target.namespace) words.push('--namespace', quote(target.namespace))
  if (target.kubeContext) words.push('--kube-context', quote(target.kubeContext))
  if (target.release) words.push('--release', quote(target.release))
  const port = r.service?.containerPort ?? r.service?.port
  return {command: words.join(' '), ...(port ? {url: `http://localhost:${port}`} : {})}
}

const quote = (word: string): string => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`)
