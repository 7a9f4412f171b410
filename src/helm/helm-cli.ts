import {connectionFailureInText, originInText} from '../core/connection.js'
import {DraftError} from '../core/errors.js'
import {type ProcessRunner, ProgramNotFound} from '../process/process-runner.js'
import {type Helm, type HelmRelease, type HelmRevision, MINIMUM_HELM, type UpgradeRequest} from './helm.js'

interface ReleaseJson {
  name: string
  namespace: string
  version: number
  info?: {status?: string; description?: string}
  manifest?: string
}

interface RevisionJson {
  revision: number
  updated?: string
  status?: string
  chart?: string
  app_version?: string
  description?: string
}

/** The cluster helm talks to, as draft's own client resolved it: helm's "unreachable" then reads like draft's. */
export interface HelmCluster {
  context: string
  server: string
}

export class HelmCli implements Helm {
  private checked?: Promise<string>

  private readonly binary: string
  private readonly cluster?: HelmCluster

  constructor(private readonly runner: ProcessRunner, options: {binary?: string; cluster?: HelmCluster} = {}) {
    this.binary = options.binary ?? (process.env.DRAFT_HELM || 'helm')
    if (options.cluster) this.cluster = options.cluster
  }

  version(): Promise<string> {
    this.checked ??= (async () => {
      let result
      try {
        result = await this.runner.run(this.binary, ['version', '--template', '{{.Version}}'])
      } catch (error) {
        if (error instanceof ProgramNotFound) throw new DraftError('HELM_MISSING', {binary: this.binary})
        throw error
      }
      const version = result.stdout.trim().replace(/^v/, '')
      if (result.exitCode !== 0 || !/^\d+\.\d+\.\d+/.test(version)) throw new DraftError('HELM_MISSING', {binary: this.binary})
      if (!atLeast(version, MINIMUM_HELM)) throw new DraftError('HELM_TOO_OLD', {version})
      return version
    })()
    return this.checked
  }

  async status(release: string, namespace: string, kubeContext?: string): Promise<HelmRelease | undefined> {
    await this.version()
    const result = await this.runner.run(this.binary, ['status', release, '--namespace', namespace, '--output', 'json', ...contextArgs(kubeContext)])
    if (result.exitCode !== 0) {
      if (/release: not found/.test(result.stderr)) return undefined
      throw helmError(release, namespace, result.stderr, 'upgrade', this.cluster)
    }
    return toRelease(JSON.parse(result.stdout) as ReleaseJson)
  }

  async upgrade(request: UpgradeRequest): Promise<HelmRelease> {
    await this.version()
    const args = ['upgrade', '--install', request.release, request.chart, '--namespace', request.namespace, '--output', 'json', '--description', request.description]
    args.push(...contextArgs(request.kubeContext))
    for (const file of request.valuesFiles) args.push('--values', file)
    for (const [key, value] of Object.entries(request.set)) args.push('--set', `${key}=${value}`)
    for (const [key, value] of Object.entries(request.setString)) args.push('--set-string', `${key}=${value}`)
    // No signal: killing helm mid-upgrade leaves the release "pending-upgrade" and blocks the next
    // deploy, so an interrupt waits for helm instead (the pipeline stops right after).
    const result = await this.runner.run(this.binary, args)
    if (result.exitCode !== 0) throw helmError(request.release, request.namespace, result.stderr, 'upgrade', this.cluster)
    return toRelease(JSON.parse(result.stdout) as ReleaseJson)
  }

  async uninstall(release: string, namespace: string, kubeContext?: string): Promise<void> {
    await this.version()
    const result = await this.runner.run(this.binary, ['uninstall', release, '--namespace', namespace, ...contextArgs(kubeContext)])
    if (result.exitCode !== 0 && !/not found/.test(result.stderr)) throw helmError(release, namespace, result.stderr, 'uninstall', this.cluster)
  }

  async history(release: string, namespace: string, kubeContext?: string): Promise<HelmRevision[] | undefined> {
    await this.version()
    const result = await this.runner.run(this.binary, ['history', release, '--namespace', namespace, '--output', 'json', '--max', '1000', ...contextArgs(kubeContext)])
    if (result.exitCode !== 0) {
      if (/release: not found/.test(result.stderr)) return undefined
      throw helmError(release, namespace, result.stderr, 'read the history of', this.cluster)
    }
    return (JSON.parse(result.stdout) as RevisionJson[])
      .map(r => ({
        revision: r.revision,
        updated: r.updated ?? '',
        status: r.status ?? 'unknown',
        chart: r.chart ?? '',
        appVersion: r.app_version ?? '',
        description: r.description ?? '',
      }))
      .sort((a, b) => a.revision - b.revision)
  }

  async manifest(release: string, namespace: string, revision: number, kubeContext?: string): Promise<string> {
    await this.version()
    const result = await this.runner.run(this.binary, ['get', 'manifest', release, '--namespace', namespace, '--revision', String(revision), ...contextArgs(kubeContext)])
    if (result.exitCode !== 0) throw helmError(release, namespace, result.stderr, `read revision ${revision} of`, this.cluster)
    return result.stdout
  }

  async rollback(release: string, namespace: string, revision: number, kubeContext?: string): Promise<void> {
    await this.version()
    // No signal and no --wait, as for upgrade: helm is never killed half-way, and draft waits for the
    // rollout itself so that a stuck one is diagnosed.
    const result = await this.runner.run(this.binary, ['rollback', release, String(revision), '--namespace', namespace, ...contextArgs(kubeContext)])
    if (result.exitCode !== 0) throw helmError(release, namespace, result.stderr, 'roll back', this.cluster)
  }
}

const contextArgs = (kubeContext?: string): string[] => (kubeContext ? ['--kube-context', kubeContext] : [])

const toRelease = (json: ReleaseJson): HelmRelease => ({
  name: json.name,
  namespace: json.namespace,
  revision: json.version,
  status: json.info?.status ?? 'unknown',
  description: json.info?.description ?? '',
  ...(json.manifest === undefined ? {} : {manifest: json.manifest}),
})

/**
 * helm's errors, turned into advice. The first matching pattern wins. `action` completes "helm could
 * not ... release". A cluster helm cannot reach is KUBE_UNREACHABLE, as when draft's own client cannot:
 * the same cause, the same message, wherever it strikes (`cluster` names the context and server as
 * draft resolved them).
 */
export function helmError(release: string, namespace: string, stderr: string, action = 'upgrade', cluster?: HelmCluster): DraftError {
  const unreachable = clusterUnreachable(stderr, cluster)
  if (unreachable) return unreachable
  if (/because it is being terminated/.test(stderr)) return new DraftError('NAMESPACE_TERMINATING', {namespace})
  const forbidden = /is forbidden: User "([^"]+)" cannot (\w+) resource "([\w.]+)"/.exec(stderr)
  if (forbidden) return new DraftError('NAMESPACE_FORBIDDEN', {namespace, user: forbidden[1]!, verb: `${forbidden[2]} ${forbidden[3]}`})
  const reason = stderr.replace(/^Error:\s*/m, '').trim().split('\n').slice(0, 6).join('\n') || 'helm failed without a message'
  const advice: [RegExp, string][] = [
    [/another operation \(install\/upgrade\/rollback\) is in progress/, `An earlier deploy was interrupted. See \`helm history ${release} -n ${namespace}\`, then \`helm rollback ${release} -n ${namespace}\` to the last good revision.`],
    [/has no deployed releases/, `The first install of "${release}" failed and left nothing deployed. Remove it with \`helm uninstall ${release} -n ${namespace}\`, then run draft up again.`],
    [/values don't meet the specifications of the schema|json schema/i, 'A value does not fit the chart\'s values.schema.json: check --set keys and the values files for typos.'],
    [/parse error|template: |error converting YAML|YAML parse error/, 'A chart template does not render: fix the file and line helm names above (`helm template` shows it too).'],
    [/exists and cannot be imported into the current release|invalid ownership metadata/, `Objects with these names exist but belong to something else: delete them or choose another --release.`],
    [/forbidden/i, `Your Kubernetes user may not deploy to namespace "${namespace}": use a namespace you own (--namespace) or ask for access.`],
    [/path .* not found|Chart.yaml file is missing/, 'The chart folder is missing or incomplete: run `draft create`, or fix `chart` in draft.toml.'],
  ]
  const fix = advice.find(([pattern]) => pattern.test(stderr))?.[1] ?? 'Read helm\'s message above; `helm status` and `helm history` show the release\'s state.'
  return new DraftError('HELM_FAILED', {release, reason, fix, ...(action === 'upgrade' ? {} : {action})})
}

function clusterUnreachable(stderr: string, cluster?: HelmCluster): DraftError | undefined {
  const said = /Kubernetes cluster unreachable:?\s*(.*)/.exec(stderr)
  const origin = originInText(stderr)
  const atCluster = said !== null || (cluster !== undefined && origin !== undefined && origin === safeOrigin(cluster.server))
  const reason = connectionFailureInText(stderr) ?? (said ? said[1]!.trim() || 'helm could not connect' : undefined)
  if (!atCluster || !reason) return undefined
  return new DraftError('KUBE_UNREACHABLE', {context: cluster?.context ?? 'current', server: cluster?.server ?? origin ?? 'its API server', reason})
}

function safeOrigin(server: string): string | undefined {
  try {
    return new URL(server).origin
  } catch {
    return undefined
  }
}

function atLeast(version: string, minimum: string): boolean {
  const a = version.split(/[.-]/).map(Number)
  const b = minimum.split('.').map(Number)
  for (let i = 0; i < 3; i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0)
  }
  return true
}
