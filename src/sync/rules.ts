import {globToRegExp} from '../util/glob.js'

/**
 * Live update rules: how a saved file reaches the running container without a new image. They come
 * from the pack (pack.toml [sync]), resolved by `draft create` into draft.toml's [sync] table, which the
 * developer owns from then on. Pure.
 *
 *   restart  draft copies the files, then restarts the app's process (the container runs the image's
 *            command under draft's restart wrapper in sync mode)
 *   self     draft copies the files; the command of sync mode reloads by itself (uvicorn --reload...)
 *   none     draft copies the files; nothing else is needed (PHP, nginx read files per request)
 *   rebuild  no live update: every change builds a new image (compiled languages), `why` says so
 */
export type ReloadMode = 'restart' | 'self' | 'none' | 'rebuild'

export const RELOAD_MODES: readonly ReloadMode[] = ['restart', 'self', 'none', 'rebuild']

/** Signals the restart wrapper may stop the app with. */
export const STOP_SIGNALS = ['TERM', 'INT', 'QUIT', 'HUP', 'USR2', 'KILL'] as const

export interface SyncMapping {
  /** A folder of the build context (`.` is the context itself), `/`-separated, no trailing slash. */
  from: string
  /** The folder it is copied to in the image: an absolute path. */
  to: string
}

export interface SyncRules {
  reload: ReloadMode
  /** Why there is no live update (reload = rebuild). */
  why?: string
  paths: SyncMapping[]
  /** Globs (relative to the build context) whose changes always rebuild: manifests, lockfiles, compiled code. */
  rebuild: string[]
  /** The container's command in sync mode (restart: the image's command; self: one that reloads). */
  command: string[]
  /** restart: how the wrapper stops the app before starting it again. */
  stopSignal: (typeof STOP_SIGNALS)[number]
}

const normalise = (from: string): string => from.replace(/^\.\/?/, '').replace(/\/+$/, '')

/** Where a file of the build context lands in the container, or undefined outside every mapping (the longest `from` wins). */
export function containerPath(rules: Pick<SyncRules, 'paths'>, contextPath: string): string | undefined {
  let best: {from: string; to: string} | undefined
  for (const mapping of rules.paths) {
    const from = normalise(mapping.from)
    const inside = from === '' || contextPath === from || contextPath.startsWith(`${from}/`)
    if (inside && (!best || from.length > best.from.length)) best = {from, to: mapping.to}
  }
  if (!best) return undefined
  const rest = best.from === '' ? contextPath : contextPath.slice(best.from.length + 1)
  const to = best.to.replace(/\/+$/, '')
  return rest === '' ? to || '/' : `${to}/${rest}`
}

/**
 * The rebuild rule a file of the build context matches, if any. Globs follow the pack's detect rules:
 * one without `/` matches at the root only (`package.json`), `**` spans folders (`** /requirements*.txt`).
 */
export function rebuildRule(rules: Pick<SyncRules, 'rebuild'>, contextPath: string): string | undefined {
  return rules.rebuild.find(glob => (glob.includes('/') || !contextPath.includes('/')) && globToRegExp(glob).test(contextPath))
}

/** The folders sync mode makes writable: every mapping's target, without those inside another. */
export function writableFolders(rules: Pick<SyncRules, 'paths'>): string[] {
  const targets = [...new Set(rules.paths.map(p => p.to.replace(/\/+$/, '') || '/'))].sort()
  return targets.filter(t => !targets.some(other => other !== t && (other === '/' || t.startsWith(`${other}/`))))
}
