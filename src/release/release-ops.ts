import type {DeployConfig} from '../config/draft-toml.js'
import {DraftError, isDraftError} from '../core/errors.js'
import type {Emit, Stage} from '../core/events.js'
import type {Helm, HelmRevision} from '../helm/helm.js'
import type {Kube} from '../kube/kube.js'
import {instanceSelector} from '../kube/labels.js'
import type {CredentialStore} from '../registry/credentials.js'
import {parseImageRef} from '../registry/image-ref.js'
import {MANAGED_BY_LABEL} from '../registry/pull-secret.js'
import type {DeleteOutcome, Registry} from '../registry/registry.js'
import type {ContextProvider} from '../up/context-provider.js'
import {deploymentsIn} from '../up/rollout.js'
import {containerPortOf, waitForRollout} from '../up/rollout-wait.js'
import {StageClock} from '../up/stages.js'
import {linkSignals, sleep} from '../util/signals.js'
import {type ImageOutcome, type ImagePlan, imageOutcome, planImages, recordedTags} from './images.js'
import {tagOf, workloadImages} from './manifest.js'
import {chooseRollback, describeRevisions, liveRevision, recordFor, type RevisionView, revisionsWithoutRecord} from './revisions.js'
import {type DeploymentFacts, judgeStatus, type StatusReport} from './status.js'


/** Where `draft connect` serves a release: src/connect/connection-registry.ts answers it. */
export interface ConnectionLookup {
  urls(target: {release: string; namespace: string; context: string}): Promise<string[]>
}

export interface ReleaseDependencies {
  helm: Helm
  kube: Kube
  registry: Registry
  credentials: CredentialStore
  contexts: ContextProvider
  connections?: ConnectionLookup
  now?: () => number
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  /** How often rollouts and terminating pods are polled. */
  pollMs?: number
}

export interface HistoryReport {
  release: string
  namespace: string
  context: string
  revisions: RevisionView[]
}

export interface RollbackResult {
  release: string
  namespace: string
  /** False when the revision asked for already runs: nothing was done. */
  changed: boolean
  /** The live revision now (the new one helm made, or the one that already ran). */
  revision: number
  /** The revision whose manifests run now. */
  target: number
  /** The revision that was live before. */
  from?: number
  tag?: string
  commit?: string
  images: string[]
  timings: Partial<Record<Stage, number>>
  totalMs: number
}

export interface DeletePlan {
  release: string
  namespace: string
  context: string
  /** False: helm has no such release; there is nothing to delete. */
  exists: boolean
  revision?: number
  status?: string
  pods: string[]
  /** With --images: what goes from each registry repository, and why some tags stay. */
  images?: {plans: ImagePlan[]; note?: string}
}

export interface DeleteResult {
  release: string
  namespace: string
  uninstalled: boolean
  /** Pods that were there when helm uninstalled, all gone since (but `podsLeft`). */
  pods: string[]
  /** Ctrl-C stopped the wait: these pods were still terminating (and go on their own). */
  podsLeft?: string[]
  /** draft's own Secrets for the release (the image pull secret). */
  secrets: string[]
  images?: ImageOutcome[]
  imagesNote?: string
  timings: Partial<Record<Stage, number>>
  totalMs: number
}

/**
 * Day-two operations on the release `draft up` made: status, history, rollback and delete. Each
 * reads what it needs from helm and the API, lets the pure decisions (revisions.ts, status.ts,
 * images.ts) decide, then applies the one change it makes. Every external system comes in through
 * the constructor.
 */
export class ReleaseOps {
  private readonly now: () => number
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>

  constructor(private readonly deps: ReleaseDependencies) {
    this.now = deps.now ?? (() => performance.now())
    this.sleep = deps.sleep ?? sleep
  }

  async status(config: DeployConfig): Promise<StatusReport> {
    const {helm, kube} = this.deps
    const context = kube.target().context
    await this.connect()
    // The folder's content tag is computed while the cluster is asked.
    const folder = this.deps.contexts.prepare(config).then(
      c => ({tag: c.tag}),
      (error: unknown) => ({error: isDraftError(error) ? error.message : String(error)}),
    )
    const history = await this.historyOf(config)
    const live = liveRevision(history)
    const manifest = live ? await helm.manifest(config.release, config.namespace, live.revision, kubeContext(config)) : ''
    const [pods, deployments, urls] = await Promise.all([
      kube.pods(config.namespace, instanceSelector(config.release)),
      Promise.all(deploymentsIn(manifest).map(name => this.deploymentFacts(config.namespace, name))),
      this.deps.connections?.urls({release: config.release, namespace: config.namespace, context}) ?? Promise.resolve(undefined),
    ])
    return judgeStatus({
      release: config.release,
      namespace: config.namespace,
      context,
      history,
      images: workloadImages(manifest),
      deployments,
      pods,
      folder: await folder,
      ...(urls ? {urls} : {}),
    })
  }

  async history(config: DeployConfig): Promise<HistoryReport> {
    await this.connect()
    const history = await this.historyOf(config)
    // Revisions draft did not make (nor copied by rollback from one it made) show their image from their manifest.
    const inspect = revisionsWithoutRecord(history)
    const tags = new Map<number, string | undefined>()
    await forEachLimited(inspect, 4, async revision => {
      const manifest = await this.deps.helm.manifest(config.release, config.namespace, revision, kubeContext(config))
      const image = workloadImages(manifest)[0]
      tags.set(revision, image ? tagOf(image) : undefined)
    })
    return {release: config.release, namespace: config.namespace, context: this.deps.kube.target().context, revisions: describeRevisions(history, tags)}
  }

  async rollback(config: DeployConfig, options: {revision?: string; emit: Emit; signal?: AbortSignal}): Promise<RollbackResult> {
    const {helm} = this.deps
    const link = linkSignals(options.signal)
    const signal = link.signal
    const clock = new StageClock(options.emit, this.now)
    try {
      await clock.run('connect', `Kubernetes (${this.deps.kube.target().context}) and helm`, () => this.connect(), c => `kubernetes ${c.server} · helm ${c.helm}`)
      const history = await this.historyOf(config)
      const choice = chooseRollback(history, config.release, options.revision)
      const record = recordFor(history, choice.target)
      if (choice.kind === 'already-live') {
        const manifest = await helm.manifest(config.release, config.namespace, choice.live, kubeContext(config))
        const images = workloadImages(manifest)
        clock.skip('rollback', `revision ${choice.live} already runs what revision ${choice.target} ran`)
        return this.rollbackResult(config, {changed: false, revision: choice.live, target: choice.target, images, record, clock})
      }
      const rolled = await clock.run(
        'rollback',
        `helm rollback ${config.release} to revision ${choice.target}${choice.live ? ` (live: ${choice.live})` : ''}`,
        async () => {
          await helm.rollback(config.release, config.namespace, choice.target, kubeContext(config))
          const now = await helm.status(config.release, config.namespace, kubeContext(config))
          if (!now) throw new DraftError('NOTHING_DEPLOYED', {release: config.release, namespace: config.namespace, context: this.deps.kube.target().context})
          return now
        },
        r => `revision ${r.revision} runs what revision ${choice.target} ran`,
      )
      const manifest = rolled.manifest ?? (await helm.manifest(config.release, config.namespace, rolled.revision, kubeContext(config)))
      if (signal?.aborted) clock.skip('rollout', `interrupted: revision ${rolled.revision} is deployed and rolls out on its own`)
      else {
        const containerPort = containerPortOf(config.set)
        await waitForRollout(
          {kube: this.deps.kube, now: this.now, sleep: this.sleep, ...(this.deps.pollMs === undefined ? {} : {pollMs: this.deps.pollMs})},
          {namespace: config.namespace, timeoutMs: config.timeoutMs, ...(containerPort ? {containerPort} : {})},
          manifest,
          clock,
          signal,
        )
      }
      return this.rollbackResult(config, {changed: true, revision: rolled.revision, target: choice.target, ...(choice.live ? {from: choice.live} : {}), images: workloadImages(manifest), record, clock})
    } finally {
      link.dispose()
    }
  }

  /** What `draft delete` would remove, read before anything is asked or changed. */
  async planDelete(config: DeployConfig, options: {images: boolean}): Promise<DeletePlan> {
    const {kube} = this.deps
    const context = kube.target().context
    await this.connect()
    const base = {release: config.release, namespace: config.namespace, context}
    const history = await this.historyOf(config).catch((error: unknown) => {
      if (isDraftError(error) && error.code === 'NOTHING_DEPLOYED') return undefined
      throw error
    })
    if (!history) return {...base, exists: false, pods: []}
    const newest = history.at(-1)!
    const pods = (await kube.pods(config.namespace, instanceSelector(config.release))).map(p => p.name)
    const plan: DeletePlan = {...base, exists: true, revision: newest.revision, status: newest.status, pods}
    if (options.images) plan.images = await this.planImageDeletion(describeRevisions(history))
    return plan
  }

  /** Uninstalls, waits until the pods are gone, removes draft's pull secret, then the image tags the plan names. */
  async delete(config: DeployConfig, plan: DeletePlan, options: {emit: Emit; signal?: AbortSignal}): Promise<DeleteResult> {
    const {helm, kube} = this.deps
    const clock = new StageClock(options.emit, this.now)
    const selector = instanceSelector(config.release)
    const removed: {secrets: string[]; pods: string[]; interrupted?: string[]} = await clock.run(
      'uninstall',
      `helm uninstall ${config.release} (namespace ${config.namespace})`,
      async progress => {
        await helm.uninstall(config.release, config.namespace, kubeContext(config))
        const secrets = await kube.deleteSecrets(config.namespace, `${MANAGED_BY_LABEL}=draft,${selector}`)
        const deadline = this.now() + config.timeoutMs
        let seen: string[] = []
        let last = -1
        for (;;) {
          const left = (await kube.pods(config.namespace, selector)).map(p => p.name)
          seen = [...new Set([...seen, ...left])]
          if (left.length === 0) break
          if (this.now() > deadline) {
            throw new DraftError('PODS_REMAIN', {release: config.release, namespace: config.namespace, pods: left, seconds: Math.round(config.timeoutMs / 1000)})
          }
          if (left.length !== last) progress({message: `${left.length} pod${left.length === 1 ? '' : 's'} terminating`})
          last = left.length
          await this.sleep(this.deps.pollMs ?? 250, options.signal)
          // Ctrl-C: helm has uninstalled; the pods go on their own, draft only stops watching them.
          if (options.signal?.aborted) return {secrets, pods: seen, interrupted: left}
        }
        return {secrets, pods: seen}
      },
      r =>
        `release ${config.release} uninstalled${r.interrupted ? `; stopped waiting for ${r.interrupted.length} terminating pod${r.interrupted.length === 1 ? '' : 's'} (interrupted)` : r.pods.length ? `, its ${r.pods.length} pod${r.pods.length === 1 ? ' is' : 's are'} gone` : ''}${r.secrets.length ? `, ${r.secrets.join(', ')} deleted` : ''}`,
    )

    let images: ImageOutcome[] | undefined
    if (plan.images && (removed.interrupted || options.signal?.aborted)) clock.skip('images', 'interrupted: no image tag was deleted')
    else if (plan.images) {
      const plans = plan.images.plans
      images = await clock.run(
        'images',
        `deleting image tags from ${plans.map(p => p.repository).join(', ') || 'the registry'}`,
        async progress => {
          const outcomes: ImageOutcome[] = []
          for (const p of plans) {
            const auth = await this.deps.credentials.forRegistry(registryOf(p.repository))
            const answers: DeleteOutcome[] = []
            for (const d of p.deletes) {
              const answer = await this.deps.registry.deleteManifest(p.repository, d.digest, auth, options.signal ? {signal: options.signal} : {})
              answers.push(answer)
              if (answer.status === 'refused') break
              progress({message: `${p.repository}: deleted ${d.tags.join(', ')}`})
            }
            outcomes.push(imageOutcome(p, answers))
          }
          return outcomes
        },
        outcomes => {
          const deleted = outcomes.reduce((n, o) => n + o.deleted.length, 0)
          const refused = outcomes.filter(o => o.refused)
          return `${deleted} tag${deleted === 1 ? '' : 's'} deleted${refused.length ? `; ${refused.map(o => o.repository).join(', ')} refuses deletes, its tags stay` : ''}`
        },
      )
    }
    return {
      release: config.release,
      namespace: config.namespace,
      uninstalled: true,
      pods: removed.pods,
      ...(removed.interrupted ? {podsLeft: removed.interrupted} : {}),
      secrets: removed.secrets,
      ...(images ? {images} : {}),
      ...(plan.images?.note ? {imagesNote: plan.images.note} : {}),
      timings: clock.timings,
      totalMs: clock.elapsed(),
    }
  }

  private async connect(): Promise<{server: string; helm: string}> {
    const [server, helm] = await Promise.all([this.deps.kube.ping(), this.deps.helm.version()])
    return {server, helm}
  }

  /**
   * The release's helm history; when helm has none, why: pods with the release's instance label
   * mean something other than helm deployed them, no pods means nothing was deployed.
   */
  private async historyOf(config: DeployConfig): Promise<HelmRevision[]> {
    const history = await this.deps.helm.history(config.release, config.namespace, kubeContext(config))
    if (history?.length && history.at(-1)!.status !== 'uninstalled') return history
    const pods = await this.deps.kube.pods(config.namespace, instanceSelector(config.release))
    if (!history?.length && pods.length) throw new DraftError('RELEASE_NOT_MANAGED', {release: config.release, namespace: config.namespace, pods: pods.map(p => p.name)})
    throw new DraftError('NOTHING_DEPLOYED', {release: config.release, namespace: config.namespace, context: this.deps.kube.target().context})
  }

  private async deploymentFacts(namespace: string, name: string): Promise<DeploymentFacts> {
    const {kube} = this.deps
    const state = await kube.deployment(namespace, name)
    if (!state) return {name, state, newestPods: [], events: []}
    const hash = await kube.newestTemplateHash(namespace, state)
    const newestPods = (await kube.pods(namespace, state.selector)).filter(p => !hash || p.templateHash === hash)
    const troubled = newestPods.some(p => p.phase !== 'Running' || p.containers.some(c => !c.ready))
    const events = troubled ? await kube.events(namespace, newestPods.map(p => p.name)) : []
    return {name, state, newestPods, events}
  }

  private async planImageDeletion(revisions: RevisionView[]): Promise<NonNullable<DeletePlan['images']>> {
    const recorded = recordedTags(revisions)
    if (recorded.size === 0) {
      const note = revisions.some(r => r.byDraft)
        ? 'no revision was pushed to a registry (the cluster used local images): there are no tags to delete'
        : 'no revision of this release records a tag draft pushed: there are no tags to delete'
      return {plans: [], note}
    }
    const plans: ImagePlan[] = []
    for (const [repository, tags] of recorded) {
      const auth = await this.deps.credentials.forRegistry(registryOf(repository))
      const all = await this.deps.registry.tags(repository, auth)
      const state: {tag: string; digest: string}[] = []
      await forEachLimited(all, 6, async tag => {
        const digest = await this.deps.registry.digest(`${repository}:${tag}`, auth)
        if (digest) state.push({tag, digest})
      })
      plans.push(planImages(tags, {repository, tags: state.sort((a, b) => (a.tag < b.tag ? -1 : 1))}))
    }
    return {plans}
  }

  private rollbackResult(
    config: DeployConfig,
    r: {changed: boolean; revision: number; target: number; from?: number; images: string[]; record: ReturnType<typeof recordFor>; clock: StageClock},
  ): RollbackResult {
    const tag = (r.images[0] ? tagOf(r.images[0]) : undefined) ?? r.record?.tag
    return {
      release: config.release,
      namespace: config.namespace,
      changed: r.changed,
      revision: r.revision,
      target: r.target,
      ...(r.from === undefined ? {} : {from: r.from}),
      ...(tag ? {tag} : {}),
      ...(r.record?.commit ? {commit: r.record.commit} : {}),
      images: r.images,
      timings: r.clock.timings,
      totalMs: r.clock.elapsed(),
    }
  }
}

const kubeContext = (config: DeployConfig): string | undefined => config.kubeContext || undefined
const registryOf = (repository: string): string => parseImageRef(repository).registry

/** Runs `work` on every item, at most `limit` at a time. */
async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const runners = Array.from({length: Math.min(limit, items.length)}, async () => {
    while (next < items.length) await work(items[next++]!)
  })
  await Promise.all(runners)
}
