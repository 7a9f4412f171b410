import type {SyncRules} from './rules.js'
import {writableFolders} from './rules.js'
import {SYNC_STATE_DIR, wrapperArgs} from './scripts.js'

/**
 * The chart values of sync mode, which only `draft up --watch --sync` sets: every other `up` deploys
 * the chart's hardened defaults. Pure. The chart (templates/chart, `sync:` in values.yaml) turns them
 * into: a writable copy of the app's folders (emptyDir volumes seeded from the image, so the root
 * filesystem stays read-only), the container's command (the image's command under draft's restart
 * wrapper, or one that reloads by itself), a small volume for the wrapper's state, and the pod
 * annotations draft.dev/sync (the pod takes synced files) and draft.dev/sync-generation (a new value
 * rolls new pods, fresh from the image).
 */
export function developmentValues(rules: SyncRules, generation: string): {set: Record<string, string>; setString: Record<string, string>} {
  const set: Record<string, string> = {'sync.enabled': 'true'}
  const setString: Record<string, string> = {'sync.reload': rules.reload, 'sync.generation': generation}
  writableFolders(rules).forEach((folder, i) => (setString[`sync.paths[${i}]`] = folder))
  const args = rules.reload === 'restart' ? wrapperArgs(rules.command, rules.stopSignal) : rules.reload === 'self' ? rules.command : []
  args.forEach((arg, i) => (setString[`sync.command[${i}]`] = helmEscape(arg)))
  if (rules.reload === 'restart') setString['sync.stateDir'] = SYNC_STATE_DIR
  return {set, setString}
}

/**
 * A value as helm's --set-string reads it: a backslash escapes the next character, a comma ends the
 * value, and a value that starts with `{` is a list.
 */
export const helmEscape = (value: string): string => value.replace(/[\\,]/g, c => `\\${c}`).replace(/^\{/, '\\{')
