import type {PodState} from '../kube/kube.js'
import {cksumLine} from './cksum.js'
import {SYNC_MODE_ANNOTATION, parseSyncRecord} from './record.js'
import {relativeToRoot} from './scripts.js'

/**
 * What one sync does, decided from the local files as they are now and the release's pods. Pure.
 * The files are read when the cycle starts, whatever the watcher said about them: a file that exists
 * is copied, one that is gone is removed, so an editor's delete-then-write or a checkout that moves
 * files lands as the tree is. Any doubt is a refusal with the reason, and the cycle rebuilds instead.
 */
export type LocalState =
  | {kind: 'file'; data: Buffer; mode: number; mtimeMs: number}
  | {kind: 'dir'; mode: number}
  | {kind: 'missing'}
  /** A symbolic link, a socket...: only files and folders are synced. */
  | {kind: 'other'; what: string}

export interface LocalChange {
  /** Relative to the app folder, for messages. */
  path: string
  /** Where it goes in the container. */
  target: string
  state: LocalState
}

export interface PodTarget {
  pod: string
  container: string
  /** The app's port, whose new socket says a restarted app is up again (0: none declared). */
  port: number
}

export interface SyncPlan {
  files: {target: string; data: Buffer; mode: number; mtimeMs: number}[]
  dirs: {target: string; mode: number}[]
  removed: string[]
  /** The cksum lines the files must give once unpacked (named relative to `/`, as the apply script runs it), in the order of `files`. */
  expected: string[]
  bytes: number
  pods: PodTarget[]
}

export type Planned = {ok: true; plan: SyncPlan} | {ok: false; reason: string}

/** More than this is faster to build than to push through the API server, and a sign of a checkout. */
export const SYNC_LIMIT_BYTES = 32 * 1024 * 1024

export interface PlanInput {
  changes: readonly LocalChange[]
  /** Every pod of the release. */
  pods: readonly PodState[]
  /** The image the pods were deployed with (repository:tag), and its tag. */
  image: string
  tag: string
  /** Files this session already synced onto the pods of that image: each pod must say it holds them. */
  syncedBefore: number
}

export function planSync(input: PlanInput): Planned {
  const files: SyncPlan['files'] = []
  const dirs: SyncPlan['dirs'] = []
  const removed: string[] = []
  for (const change of input.changes) {
    // cksum escapes such names in its output, and the removal list is one name a line.
    if (/[\n\\]/.test(change.target)) return {ok: false, reason: `${JSON.stringify(change.path)} has a newline or a backslash in its name`}
    const state = change.state
    if (state.kind === 'other') return {ok: false, reason: `${change.path} is ${state.what}: only files and folders are synced`}
    if (state.kind === 'missing') removed.push(change.target)
    else if (state.kind === 'dir') dirs.push({target: change.target, mode: state.mode})
    else files.push({target: change.target, data: state.data, mode: state.mode, mtimeMs: state.mtimeMs})
  }
  const bytes = files.reduce((sum, f) => sum + f.data.length, 0)
  if (bytes > SYNC_LIMIT_BYTES) return {ok: false, reason: `${Math.round(bytes / 1024 / 1024)} MB changed, more than sync sends (${SYNC_LIMIT_BYTES / 1024 / 1024} MB)`}

  const pods = choosePods(input.pods, input.image, {tag: input.tag, files: input.syncedBefore})
  if (!pods.ok) return pods
  return {
    ok: true,
    plan: {files, dirs, removed, expected: files.map(f => cksumLine(f.data, relativeToRoot(f.target))), bytes, pods: pods.pods},
  }
}

/**
 * Every pod that runs the deployed image gets the files, or none does: a pod left out would answer
 * with the old code behind the same Service (and `draft connect` may be talking to it). Pods on
 * their way out are left alone: they take no new connections. Every pod must hold what the earlier
 * syncs of the session brought, or the files of this one would land on a stale tree.
 */
export function choosePods(pods: readonly PodState[], image: string, synced: {tag: string; files: number}): {ok: true; pods: PodTarget[]} | {ok: false; reason: string} {
  const live = pods.filter(p => !p.terminating)
  const other = live.find(p => p.image !== image)
  if (other) return {ok: false, reason: `pod ${other.name} runs ${other.image}, not ${image} (a rollout is under way)`}
  if (live.length === 0) return {ok: false, reason: `no pod runs ${image}`}
  const targets: PodTarget[] = []
  for (const pod of live) {
    const container = pod.containerNames?.[0] ?? pod.containers[0]?.name
    const status = pod.containers.find(c => c.name === container)
    if (pod.phase !== 'Running' || !container || !status?.running) {
      const why = status?.waiting?.reason || (status?.terminated ? `${status.terminated.reason || 'terminated'}` : pod.phase)
      return {ok: false, reason: `pod ${pod.name} is not running (${why})`}
    }
    if (!pod.annotations?.[SYNC_MODE_ANNOTATION]) {
      return {ok: false, reason: `pod ${pod.name} does not run in sync mode (its chart has no sync values: see docs/draft-toml.md, [sync])`}
    }
    // A pod that came after the last sync (a deleted pod's replacement) started from the image alone.
    const record = parseSyncRecord(pod.annotations)
    const holds = record && record.image === synced.tag ? record.files : 0
    if (holds !== synced.files) return {ok: false, reason: `pod ${pod.name} holds ${holds} of the ${synced.files} files synced since image ${synced.tag} (it started after a sync)`}
    const port = pod.ports?.find(p => p.container === container && p.protocol === 'TCP')?.port ?? 0
    targets.push({pod: pod.name, container, port})
  }
  return {ok: true, pods: targets}
}
