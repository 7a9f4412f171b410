import type {DeleteOutcome} from '../registry/registry.js'
import type {RevisionView} from './revisions.js'

/**
 * `draft delete --images`, decided: which manifests to delete so that the tags draft pushed for this
 * release are gone, and which to keep. Pure. What "draft pushed" means: the tags recorded, with the
 * repository draft pushed them to, on the revisions helm still keeps. A registry deletes a manifest
 * with every tag that points at it, so a manifest that another tag also names (say `v1.0` from CI)
 * is kept, with the reason.
 */
export interface RepositoryState {
  repository: string
  /** Every tag in the repository now, with the digest it points at. */
  tags: {tag: string; digest: string}[]
}

export interface ImagePlan {
  repository: string
  /** Manifests to delete, each with the tags that go with it (all of them ours). */
  deletes: {digest: string; tags: string[]}[]
  /** Ours, but kept: the manifest is shared with tags draft did not record. */
  kept: {tag: string; reason: string}[]
  /** Recorded, but no longer in the registry. */
  absent: string[]
  /** draft-style tags in the repository that this release's history does not record (older revisions helm pruned, another environment). */
  unrecorded: string[]
}

/** The tags draft recorded, per repository it pushed to, in revision order. */
export function recordedTags(revisions: readonly RevisionView[]): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const r of revisions) {
    if (!r.byDraft || !r.repository || !r.tag) continue
    const tags = out.get(r.repository) ?? []
    if (!tags.includes(r.tag)) tags.push(r.tag)
    out.set(r.repository, tags)
  }
  return out
}

const DRAFT_TAG = /^draft-[0-9a-f]{16}$/

export function planImages(recorded: readonly string[], state: RepositoryState): ImagePlan {
  const ours = new Set(recorded)
  const byDigest = new Map<string, string[]>()
  for (const {tag, digest} of state.tags) byDigest.set(digest, [...(byDigest.get(digest) ?? []), tag])
  const present = new Map(state.tags.map(t => [t.tag, t.digest]))

  const deletes: ImagePlan['deletes'] = []
  const kept: ImagePlan['kept'] = []
  const absent: string[] = []
  const planned = new Set<string>()
  for (const tag of recorded) {
    const digest = present.get(tag)
    if (!digest) {
      absent.push(tag)
      continue
    }
    if (planned.has(digest)) continue
    planned.add(digest)
    const sharing = byDigest.get(digest) ?? [tag]
    const others = sharing.filter(t => !ours.has(t))
    if (others.length) for (const t of sharing.filter(s => ours.has(s))) kept.push({tag: t, reason: `the same image is also tagged ${others.join(', ')}`})
    else deletes.push({digest, tags: sharing.sort()})
  }
  const unrecorded = state.tags.map(t => t.tag).filter(t => DRAFT_TAG.test(t) && !ours.has(t)).sort()
  return {repository: state.repository, deletes, kept, absent, unrecorded}
}

export interface ImageOutcome {
  repository: string
  deleted: string[]
  kept: {tag: string; reason: string}[]
  /** Set when the registry refused deletes: what it said. The tags stay. */
  refused?: string
  absent: string[]
  unrecorded: string[]
}

/**
 * Folds the registry's answers into what happened. After the first refusal the rest of the
 * repository is not tried (a registry that refuses one delete refuses them all).
 */
export function imageOutcome(plan: ImagePlan, answers: readonly DeleteOutcome[]): ImageOutcome {
  const deleted: string[] = []
  const kept = [...plan.kept]
  let refused: string | undefined
  plan.deletes.forEach((d, i) => {
    const answer = answers[i]
    if (answer?.status === 'deleted' || answer?.status === 'missing') deleted.push(...d.tags)
    else {
      if (answer?.status === 'refused') refused ??= answer.reason
      for (const tag of d.tags) kept.push({tag, reason: refused ? 'the registry refuses deletes' : 'not tried'})
    }
  })
  return {repository: plan.repository, deleted, kept, ...(refused ? {refused} : {}), absent: plan.absent, unrecorded: plan.unrecorded}
}
