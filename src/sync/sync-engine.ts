import {lstat, readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {Readable, Writable} from 'node:stream'

import tar from 'tar-stream'

import {DraftError, isDraftError} from '../core/errors.js'
import type {Emit, Stage} from '../core/events.js'
import type {Kube} from '../kube/kube.js'
import type {SyncedFile} from '../loop/sync-route.js'
import {PodStreamError, type PodStreams} from '../pod-streams/pod-streams.js'
import {StageClock} from '../up/stages.js'
import {formatBytes} from '../util/format.js'
import {linkSignals} from '../util/signals.js'
import {type LocalChange, type LocalState, type PodTarget, type SyncPlan, planSync} from './plan.js'
import {SYNCED_ANNOTATION, formatSyncRecord} from './record.js'
import type {SyncRules} from './rules.js'
import {type ApplyOutcome, applyArgs, readApply, relativeToRoot} from './scripts.js'

export interface SyncDependencies {
  kube: Kube
  streams: PodStreams
  now?: () => number
  /** Wall clock for the record on the pods. */
  date?: () => Date
}

export interface SyncRequest {
  release: string
  namespace: string
  appDir: string
  rules: SyncRules
  /** What to sync, as decideCycle chose it. */
  files: readonly SyncedFile[]
  /** The image the pods were deployed with (repository:tag), and its tag. */
  image: string
  tag: string
  emit: Emit
  signal?: AbortSignal
  /** How long a restarted app may take to listen again. */
  reloadTimeoutSeconds?: number
}

export interface SyncResult {
  /** Files copied and paths removed in this sync. */
  copied: number
  removed: number
  bytes: number
  pods: string[]
  reload: SyncRules['reload']
  /** The app was restarted and listens again. */
  restarted: boolean
  /** Distinct files the pods now hold that the image does not (this sync's and the earlier ones'). */
  sinceImage: number
  tag: string
  timings: Partial<Record<Stage, number>>
  totalMs: number
}

/** Pods get a release's app label; the chart's selector. */
const selectorOf = (release: string): string => `app.kubernetes.io/instance=${release}`

/**
 * Live update: copies a burst of changed files into every pod of the release through the exec API
 * (one tar on stdin per pod), checks what landed, restarts the app when the rules say so, and records
 * the sync on the pods. Stages plan, copy and reload, each an event with its time. A sync that cannot
 * apply throws SYNC_NOT_APPLIED before the pods have changed or with every pod's change to be replaced:
 * the caller then builds and deploys in the same cycle. An app that does not come back after its
 * restart throws SYNC_RELOAD_FAILED: the files are in, a rebuild would not help.
 */
export class SyncEngine {
  private readonly now: () => number
  private readonly date: () => Date
  /** Per image tag, the files synced onto its pods in this session. */
  private readonly synced = new Map<string, Set<string>>()

  constructor(private readonly deps: SyncDependencies) {
    this.now = deps.now ?? (() => performance.now())
    this.date = deps.date ?? (() => new Date())
  }

  async run(request: SyncRequest): Promise<SyncResult> {
    const link = linkSignals(request.signal)
    try {
      return await this.sync(request, link.signal)
    } finally {
      link.dispose()
    }
  }

  private async sync(request: SyncRequest, signal: AbortSignal | undefined): Promise<SyncResult> {
    const clock = new StageClock(request.emit, this.now)
    const earlier = this.synced.get(request.tag) ?? new Set<string>()
    const checkAbort = (): void => {
      if (signal?.aborted) throw new DraftError('ABORTED', {stage: 'the sync'})
    }

    const planned = await clock.run(
      'plan',
      `${request.files.length} file${request.files.length === 1 ? '' : 's'} into the pods of ${request.release}`,
      async () => {
        const [changes, pods] = await Promise.all([
          Promise.all(request.files.map(async (f): Promise<LocalChange> => ({path: f.path, target: f.target, state: await localState(join(request.appDir, f.path))}))),
          this.deps.kube.pods(request.namespace, selectorOf(request.release)).catch((error: unknown) => {
            throw new DraftError('SYNC_NOT_APPLIED', {reason: `the release's pods could not be listed (${isDraftError(error) ? error.message : String(error)})`})
          }),
        ])
        const result = planSync({changes, pods, image: request.image, tag: request.tag, syncedBefore: earlier.size})
        if (!result.ok) throw new DraftError('SYNC_NOT_APPLIED', {reason: result.reason})
        return {plan: result.plan, archive: await archive(result.plan)}
      },
      p => `${describePlan(p.plan)} → ${p.plan.pods.map(t => t.pod).join(', ')}`,
    )
    checkAbort()
    const {plan, archive: bytes} = planned
    const restart = request.rules.reload === 'restart'

    // One exec per pod, all at once; the copy stage ends when every pod has checked its files, the
    // reload stage when every app is back.
    const stop = new AbortController()
    const stopAll = linkSignals(signal, stop.signal)
    const runs = plan.pods.map(pod => this.apply(request, plan, bytes, pod, restart, stopAll.signal))
    try {
      await clock.run(
        'copy',
        `${formatBytes(bytes.length)} to ${plan.pods.length} pod${plan.pods.length === 1 ? '' : 's'}`,
        async () => {
          try {
            await Promise.all(runs.map(r => r.copied))
          } catch (error) {
            stop.abort()
            await Promise.allSettled(runs.map(r => r.done))
            throw signal?.aborted ? new DraftError('ABORTED', {stage: 'the sync'}) : error
          }
        },
        () => `${describePlan(plan)} checked (cksum) in ${plan.pods.length === 1 ? plan.pods[0]!.pod : `${plan.pods.length} pods`}`,
      )
      for (const f of [...plan.files.map(f => f.target), ...plan.dirs.map(d => d.target), ...plan.removed]) earlier.add(f)
      this.synced.set(request.tag, earlier)

      let outcomes: ApplyOutcome[]
      if (restart) {
        outcomes = await clock.run(
          'reload',
          'restarting the app',
          async () => {
            const settled = await Promise.all(runs.map(r => r.done.catch((error: unknown) => error)))
            if (signal?.aborted) throw new DraftError('ABORTED', {stage: 'the restart'})
            const broken = settled.find((s): s is Error => s instanceof Error)
            if (broken) throw broken
            return settled as ApplyOutcome[]
          },
          o => (o.every(x => x.ok) ? 'the app listens again' : 'the app did not come back'),
        )
      } else {
        outcomes = await Promise.all(runs.map(r => r.done))
        clock.skip('reload', request.rules.reload === 'self' ? 'the app reloads changed files by itself' : 'nothing to do: the files are read on every request')
      }
      // The record goes on the pods whatever the restart did: the files are there.
      await this.record(request, plan, earlier.size)
      const failed = outcomes.findIndex(o => !o.ok)
      if (failed >= 0) {
        const outcome = outcomes[failed] as Extract<ApplyOutcome, {ok: false}>
        throw new DraftError('SYNC_RELOAD_FAILED', {pod: plan.pods[failed]!.pod, reason: outcome.reason})
      }
      return {
        copied: plan.files.length,
        removed: plan.removed.length,
        bytes: plan.bytes,
        pods: plan.pods.map(p => p.pod),
        reload: request.rules.reload,
        restarted: restart,
        sinceImage: earlier.size,
        tag: request.tag,
        timings: clock.timings,
        totalMs: clock.elapsed(),
      }
    } finally {
      stopAll.dispose()
    }
  }

  /** One exec: `copied` settles once the pod has checked the files, `done` when the command ends. */
  private apply(request: SyncRequest, plan: SyncPlan, bytes: Buffer, pod: PodTarget, restart: boolean, signal: AbortSignal | undefined): {copied: Promise<void>; done: Promise<ApplyOutcome>} {
    let out = ''
    let err = ''
    let markCopied!: () => void
    const copied = new Promise<void>(resolve => (markCopied = resolve))
    const stdout = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        out += chunk.toString('utf8')
        if (out.includes('draft-sync: copied\n')) markCopied()
        callback()
      },
    })
    const stderr = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        err += chunk.toString('utf8')
        callback()
      },
    })
    const command = applyArgs({
      size: bytes.length,
      files: plan.files.map(f => relativeToRoot(f.target)),
      expected: plan.expected,
      removed: plan.removed.map(relativeToRoot),
      ...(restart ? {restart: {port: pod.port, timeoutSeconds: request.reloadTimeoutSeconds ?? 30}} : {}),
    })
    const done = this.deps.streams
      .exec({namespace: request.namespace, pod: pod.pod, container: pod.container}, command, {...(bytes.length ? {stdin: Readable.from([bytes])} : {}), stdout, stderr}, signal)
      .then(
        result => readApply(result.exitCode, out, err),
        (error: unknown) => {
          if (signal?.aborted) throw new DraftError('ABORTED', {stage: 'the sync'})
          throw new DraftError('SYNC_NOT_APPLIED', {reason: streamFailure(error, pod.pod)})
        },
      )
    const checked = Promise.race([
      copied,
      done.then(outcome => {
        if (!outcome.ok && outcome.stage === 'copy') throw new DraftError('SYNC_NOT_APPLIED', {reason: `${outcome.reason} (pod ${pod.pod})`})
      }),
    ])
    // Both are awaited by the caller; neither may go unhandled when the other settles first.
    done.catch(() => undefined)
    return {copied: checked, done}
  }

  private async record(request: SyncRequest, plan: SyncPlan, files: number): Promise<void> {
    const value = formatSyncRecord({files, image: request.tag, at: this.date().toISOString()})
    try {
      await Promise.all(plan.pods.map(p => this.deps.kube.annotatePod(request.namespace, p.pod, {[SYNCED_ANNOTATION]: value})))
    } catch (error) {
      // Unrecorded, `draft status` would not know the pods differ from their image: rebuild instead.
      throw new DraftError('SYNC_NOT_APPLIED', {reason: `the sync could not be recorded on the pods (${isDraftError(error) ? error.message : String(error)})`})
    }
  }
}

function describePlan(plan: SyncPlan): string {
  const parts = []
  if (plan.files.length) parts.push(`${plan.files.length} file${plan.files.length === 1 ? '' : 's'} (${formatBytes(plan.bytes)})`)
  if (plan.dirs.length) parts.push(`${plan.dirs.length} folder${plan.dirs.length === 1 ? '' : 's'}`)
  if (plan.removed.length) parts.push(`${plan.removed.length} removed`)
  return parts.join(', ') || 'nothing'
}

async function localState(path: string): Promise<LocalState> {
  let stat
  try {
    stat = await lstat(path)
  } catch {
    return {kind: 'missing'}
  }
  if (stat.isDirectory()) return {kind: 'dir', mode: stat.mode & 0o7777}
  if (stat.isSymbolicLink()) return {kind: 'other', what: 'a symbolic link'}
  if (!stat.isFile()) return {kind: 'other', what: 'not a regular file'}
  try {
    return {kind: 'file', data: await readFile(path), mode: stat.mode & 0o7777, mtimeMs: stat.mtimeMs}
  } catch {
    // Deleted between the stat and the read: it is gone.
    return {kind: 'missing'}
  }
}

/** The tar the pods unpack at `/`: folders first, then the files, named without the leading slash. */
async function archive(plan: SyncPlan): Promise<Buffer> {
  if (plan.files.length === 0 && plan.dirs.length === 0) return Buffer.alloc(0)
  const pack = tar.pack()
  for (const dir of plan.dirs) pack.entry({name: relativeToRoot(dir.target), type: 'directory', mode: dir.mode | 0o700})
  for (const file of plan.files) pack.entry({name: relativeToRoot(file.target), mode: file.mode | 0o600, mtime: new Date(file.mtimeMs)}, file.data)
  pack.finalize()
  const chunks: Buffer[] = []
  for await (const chunk of pack as unknown as AsyncIterable<Buffer>) chunks.push(chunk)
  return Buffer.concat(chunks)
}

/** Why an exec could not run, in the user's terms. */
function streamFailure(error: unknown, pod: string): string {
  if (!(error instanceof PodStreamError)) return error instanceof Error ? error.message : String(error)
  switch (error.failure) {
    case 'forbidden':
      return `exec into pod ${pod} is forbidden (RBAC: create on pods/exec)`
    case 'not-found':
      return `pod ${pod} is gone`
    case 'rejected':
      return `the API refused the exec into pod ${pod}: ${error.message}`
    default:
      return `the exec stream to pod ${pod} broke: ${error.message}`
  }
}
