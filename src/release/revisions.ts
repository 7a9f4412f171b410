import {DraftError} from '../core/errors.js'
import type {HelmRevision} from '../helm/helm.js'
import {type DeployRecord, parseRecord, rollbackSource} from '../up/record.js'

/**
 * A release's helm history, read for people: which revision is live, what each one deployed (from
 * the record `draft up` wrote, or from its manifest when draft did not make it), which one a
 * rollback goes back to. Pure: the helm answers come in as arguments.
 */
export interface RevisionView {
  revision: number
  /** RFC 3339, as helm wrote it. */
  updated: string
  status: string
  chart: string
  description: string
  /** `draft up` made it (its record is on the revision). */
  byDraft: boolean
  /** A `helm rollback` copy of that revision. */
  rollbackOf?: number
  /** The revision that runs now. */
  live: boolean
  /** The image tag it deployed: recorded, inherited from the revision a rollback copied, or read from its manifest. */
  tag?: string
  /** Where draft pushed that image, when it did. */
  repository?: string
  /** The app folder's commit, `+dirty` with changes; only `draft up` records it. */
  commit?: string
}

/** The revision that runs: helm's `deployed` one (the newest, should there be several). */
export function liveRevision(history: readonly HelmRevision[]): HelmRevision | undefined {
  return history.filter(r => r.status === 'deployed').at(-1)
}

/**
 * The draft record that describes what a revision runs: its own, or, for a rollback, the record of
 * the revision it copied (rollbacks of rollbacks are followed). Undefined when the chain ends at a
 * revision draft did not make or that helm no longer keeps.
 */
export function recordFor(history: readonly HelmRevision[], revision: number): DeployRecord | undefined {
  const seen = new Set<number>()
  let current = history.find(r => r.revision === revision)
  while (current && !seen.has(current.revision)) {
    seen.add(current.revision)
    const record = parseRecord(current.description)
    if (record) return record
    const source = rollbackSource(current.description)
    current = source === undefined ? undefined : history.find(r => r.revision === source)
  }
  return undefined
}

/** Revisions whose image tag only their manifest can tell (no record of their own or by rollback). */
export function revisionsWithoutRecord(history: readonly HelmRevision[]): number[] {
  return history.filter(r => !recordFor(history, r.revision)).map(r => r.revision)
}

/** The history as shown: `manifestTags` holds the tags read from the manifests of revisionsWithoutRecord. */
export function describeRevisions(history: readonly HelmRevision[], manifestTags: ReadonlyMap<number, string | undefined> = new Map()): RevisionView[] {
  const live = liveRevision(history)?.revision
  return history.map(r => {
    const record = recordFor(history, r.revision)
    const rollbackOf = rollbackSource(r.description)
    const tag = record?.tag ?? manifestTags.get(r.revision)
    return {
      revision: r.revision,
      updated: r.updated,
      status: r.status,
      chart: r.chart,
      description: r.description,
      byDraft: parseRecord(r.description) !== undefined,
      ...(rollbackOf === undefined ? {} : {rollbackOf}),
      live: r.revision === live,
      ...(tag ? {tag} : {}),
      ...(record?.repository ? {repository: record.repository} : {}),
      ...(record?.commit ? {commit: record.commit} : {}),
    }
  })
}

export type RollbackChoice =
  | {kind: 'rollback'; target: number; live?: number}
  /** The revision asked for already runs (itself, or a rollback copy of it is live). */
  | {kind: 'already-live'; target: number; live: number}

/**
 * Which revision `draft rollback [REVISION]` goes back to. Without REVISION: the newest revision
 * before the live one that was ever deployed (superseded), skipping those that run the same thing as
 * the live one (a rollback copy of it), so that rolling back twice toggles between the last two
 * deploys, as `cd -` does. A named revision may be any revision helm keeps, even a failed one.
 */
export function chooseRollback(history: readonly HelmRevision[], release: string, requested?: string): RollbackChoice {
  const available = history.map(r => r.revision)
  const live = liveRevision(history)
  const origin = (revision: number): number => {
    const seen = new Set<number>()
    let current = revision
    for (;;) {
      const description = history.find(r => r.revision === current)?.description ?? ''
      const source = rollbackSource(description)
      if (source === undefined || seen.has(source) || !available.includes(source)) return current
      seen.add(current)
      current = source
    }
  }

  if (requested !== undefined) {
    const trimmed = requested.trim()
    const target = /^\d+$/.test(trimmed) ? Number(trimmed) : undefined
    if (target === undefined || !available.includes(target)) throw new DraftError('REVISION_NOT_FOUND', {release, revision: trimmed, available})
    if (live && origin(live.revision) === origin(target)) return {kind: 'already-live', target, live: live.revision}
    return {kind: 'rollback', target, ...(live ? {live: live.revision} : {})}
  }

  const newest = history.at(-1)
  const before = live?.revision ?? (newest ? newest.revision + 1 : 0)
  const candidates = history.filter(r => r.revision < before && r.status === 'superseded' && (!live || origin(r.revision) !== origin(live.revision)))
  const target = candidates.at(-1)
  if (!target) {
    const failed = history.filter(r => r.revision < before && r.status === 'failed').map(r => r.revision)
    throw new DraftError('NOTHING_TO_ROLL_BACK', {release, live: live?.revision ?? before, failed})
  }
  return {kind: 'rollback', target: target.revision, ...(live ? {live: live.revision} : {})}
}
