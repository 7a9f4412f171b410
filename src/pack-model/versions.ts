import semver from 'semver'

/**
 * Which runtime version a pack writes into the image tag, from what the app asks for. A pack declares,
 * per base image, the release lines that are maintained (and published) today and the range of lines
 * the image was ever published for; inspectors report what the app asks for as a semver range (a pin
 * is just a narrow range). The choice is pure and never names a line the image does not publish.
 */
export interface VersionPolicy {
  /** Release lines as the tag spells them ("22", "3.13", "1.26"), oldest first. */
  maintained: string[]
  /** Range of lines the base image was ever published for; absent means "any". */
  published?: string
  /**
   * What to do when the app allows only end-of-life lines: `upgrade` to the oldest maintained line at
   * or above what it asks for, or `keep` the line it asks for when the image still exists (for
   * runtimes that will not run code built for an older major, such as .NET).
   */
  endOfLife: 'upgrade' | 'keep'
}

export interface VersionChoice {
  value: string
  /** Why, for the evidence shown by `detect` and `create`. */
  detail: string
  /** Set when the app does not get what it asked for: shown in `create`'s output. */
  warning?: string
}

/** "22" -> "22.x", "3.13" -> "3.13.x", "1.95.0" -> "1.95.0": the versions a line stands for. */
export function lineRange(line: string): string {
  return line.split('.').length >= 3 ? line : `${line}.x`
}

/** A range as semver reads it, or undefined. Partial versions ("20", "3.11") are ranges already. */
export function validRange(range: string): string | undefined {
  try {
    return semver.validRange(range.trim(), {loose: true}) === null ? undefined : range.trim()
  } catch {
    return undefined
  }
}

/** The line a version belongs to at the precision of the pack's lines: 20.11.1 -> "20" or "20.11". */
function truncate(version: semver.SemVer, parts: number): string {
  return [version.major, version.minor, version.patch].slice(0, parts).join('.')
}

const lineMin = (line: string): semver.SemVer => semver.minVersion(lineRange(line))!

/** Whether `line` is one the base image publishes (always true without a `published` range). */
export function isPublished(line: string, policy: Pick<VersionPolicy, 'published'>): boolean {
  if (!policy.published) return true
  const range = validRange(lineRange(line))
  return range !== undefined && semver.intersects(range, policy.published, {loose: true})
}

/**
 * The line to build with for what the app asks (`wanted`, a semver range; `where` says where it is
 * written, e.g. "package.json:5", for messages). Undefined when `wanted` is not a range at all (the
 * caller falls back to the default and says so).
 *   - The oldest maintained line that satisfies the range.
 *   - None does, and the range asks for something newer than every maintained line: the newest one,
 *     with a warning (a tag for a release that does not exist yet cannot be written).
 *   - None does, and the range allows only end-of-life lines: the oldest maintained line at or above
 *     what it asks for, with a warning; or, under the `keep` policy, the line asked for if the image
 *     was published for it.
 */
export function chooseVersion(wanted: string, policy: VersionPolicy, where?: string): VersionChoice | undefined {
  const range = validRange(wanted)
  if (range === undefined || policy.maintained.length === 0) return undefined
  const maintained = [...policy.maintained].sort((a, b) => semver.compare(lineMin(a), lineMin(b)))
  const list = `maintained: ${maintained.join(', ')}`
  const asks = `${where ? `${where} ` : ''}asks for ${range}`
  const satisfying = maintained.filter(line => semver.intersects(range, lineRange(line), {loose: true}))
  if (satisfying.length) {
    const value = satisfying[0]!
    return {value, detail: satisfying.length === 1 && maintained.length > 1 && semver.subset(range, lineRange(value), {loose: true}) ? `${range}: ${value} is maintained` : `${value}: the oldest maintained line that satisfies ${range} (${list})`}
  }

  const newest = maintained.at(-1)!
  if (semver.subset(range, `>${lineRange(newest)}`, {loose: true})) {
    return {
      value: newest,
      detail: `${newest}: the newest maintained line (${range} asks for a newer one)`,
      warning: `${asks}, newer than any maintained line (${list}); using ${newest}. If a newer image exists, --set version=...`,
    }
  }

  const lowest = semver.minVersion(range, {loose: true})
  const asked = lowest ? truncate(lowest, maintained[0]!.split('.').length) : undefined
  if (policy.endOfLife === 'keep' && asked && isPublished(asked, policy)) {
    return {
      value: asked,
      detail: `${range}: ${asked} is end-of-life, kept because this runtime does not run code built for an older line`,
      warning: `${asks}: ${asked} is end-of-life (${list}). Its image still exists and is used; move the app to a maintained line.`,
    }
  }
  const upgraded = (lowest && maintained.find(line => semver.gte(lineMin(line), lowest))) ?? maintained[0]!
  return {
    value: upgraded,
    detail: `${upgraded}: the oldest maintained line at or above ${range}`,
    warning: `${asks}, which only end-of-life versions satisfy; using ${upgraded}, the oldest maintained line at or above it (${list}). Test the app on ${upgraded}, or --set version=...`,
  }
}
