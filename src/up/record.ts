/**
 * What `draft up` writes on each helm revision it makes, as the revision's description:
 *
 *   draft 3f2c9a0b1d4e5f60718293a4 tag=draft-0123456789abcdef repo=127.0.0.1:45000/app commit=1a2b…+dirty
 *
 * The first two words are the deploy fingerprint (image, chart, values and settings), which the
 * no-op check compares; the key=value words say what was deployed, for `draft history`, `status`
 * and `delete --images`. Why the description and not labels or annotations on helm's release
 * Secret: it is part of the release itself, so it survives helm rewriting its storage objects (helm
 * replaces their labels when it supersedes a revision), it works with every storage driver and
 * every helm 3, and `helm history` returns it for all revisions in one call.
 * Pure.
 */
export interface DeployRecord {
  /** `draft <24 hex>`. */
  fingerprint: string
  /** The image tag deployed. */
  tag?: string
  /** Where draft pushed the image (`registry/path`); absent when no registry was involved (kind load, local images). */
  repository?: string
  /** Commit of the app folder, with `+dirty` when it had changes; absent outside git. */
  commit?: string
}

const FINGERPRINT = /^draft [0-9a-f]{24}$/
const KEYS = {tag: 'tag', repo: 'repository', commit: 'commit'} as const

export function formatRecord(record: DeployRecord): string {
  const words = [record.fingerprint]
  if (record.tag) words.push(`tag=${record.tag}`)
  if (record.repository) words.push(`repo=${record.repository}`)
  if (record.commit) words.push(`commit=${record.commit}`)
  return words.join(' ')
}

/** The record in a revision's description; undefined when draft did not write it. Unknown keys are skipped. */
export function parseRecord(description: string): DeployRecord | undefined {
  const words = description.trim().split(/\s+/)
  const fingerprint = words.slice(0, 2).join(' ')
  if (!FINGERPRINT.test(fingerprint)) return undefined
  const record: DeployRecord = {fingerprint}
  for (const word of words.slice(2)) {
    const eq = word.indexOf('=')
    if (eq <= 0) return undefined
    const key = KEYS[word.slice(0, eq) as keyof typeof KEYS]
    if (key && word.length > eq + 1) record[key] = word.slice(eq + 1)
  }
  return record
}

/** The revision a `helm rollback` copied, from the description helm gives it ("Rollback to 3"). */
export function rollbackSource(description: string): number | undefined {
  const match = /^Rollback to (\d+)$/.exec(description.trim())
  return match ? Number(match[1]) : undefined
}
