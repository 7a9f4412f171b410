import {RELOAD_MODES, type ReloadMode, STOP_SIGNALS, type SyncRules} from '../sync/rules.js'

/**
 * draft.toml's top-level [sync] table: the live update rules `draft create` copied from the pack,
 * which the developer may edit. It holds for every environment; an environment turns sync mode on
 * with `sync = true` (or `draft up --watch --sync`). Pure: it returns the rules or the first problem,
 * with the key path for the line number.
 */
export type SyncTableResult = {ok: true; rules: SyncRules} | {ok: false; path: (string | number)[]; problem: string; fix: string}

const KEYS = ['reload', 'why', 'paths', 'rebuild', 'command', 'stop-signal']

export function readSyncTable(raw: unknown): SyncTableResult {
  const fail = (path: (string | number)[], problem: string, fix: string): SyncTableResult => ({ok: false, path: ['sync', ...path], problem, fix})
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail([], 'must be a table', 'Write it as a [sync] section (docs/draft-toml.md).')
  const table = raw as Record<string, unknown>
  for (const key of Object.keys(table)) if (!KEYS.includes(key)) return fail([key], 'unknown key', `Valid keys: ${KEYS.join(', ')}.`)

  const reload = table.reload
  if (!RELOAD_MODES.includes(reload as ReloadMode)) return fail(['reload'], `must be one of ${RELOAD_MODES.join(', ')}`, 'restart: draft restarts the app after copying; self: the command reloads by itself; none: nothing to do; rebuild: no live update.')
  const why = table.why
  if (why !== undefined && typeof why !== 'string') return fail(['why'], 'must be a string', 'Say why there is no live update, in quotes.')
  if (reload === 'rebuild') {
    return {ok: true, rules: {reload: 'rebuild', why: (why as string | undefined) || 'this app has no live update rules', paths: [], rebuild: [], command: [], stopSignal: 'TERM'}}
  }

  const paths = table.paths
  if (!Array.isArray(paths) || paths.length === 0) return fail(['paths'], 'must list at least one folder', 'Write it like paths = [{from = ".", to = "/app"}]: a folder of the build context, and where the image has it.')
  const mappings: SyncRules['paths'] = []
  for (const [i, entry] of paths.entries()) {
    const e = entry as Record<string, unknown>
    if (typeof entry !== 'object' || entry === null || typeof e.from !== 'string' || typeof e.to !== 'string' || Object.keys(e).some(k => k !== 'from' && k !== 'to')) {
      return fail(['paths', i], 'must be {from = "FOLDER", to = "/PATH"}', 'from: a folder of the build context ("." for all of it); to: where the image has it.')
    }
    if (!e.to.startsWith('/')) return fail(['paths', i], `to = "${e.to}" is not an absolute path`, 'Give the folder in the container, e.g. "/app".')
    if (e.from.startsWith('/') || e.from.split('/').includes('..')) return fail(['paths', i], `from = "${e.from}" is not a folder of the build context`, 'Give a path relative to the build context, e.g. "." or "src".')
    mappings.push({from: e.from, to: e.to})
  }
  const rebuild = table.rebuild ?? []
  if (!Array.isArray(rebuild) || rebuild.some(g => typeof g !== 'string' || g === '')) return fail(['rebuild'], 'must be a list of globs', 'Write it like rebuild = ["package.json", "**/*.c"].')
  const command = table.command ?? []
  if (!Array.isArray(command) || command.some(w => typeof w !== 'string')) return fail(['command'], 'must be a list of strings', 'Write the command in exec form, e.g. command = ["node", "server.js"].')
  if ((reload === 'restart' || reload === 'self') && command.length === 0) {
    return fail(['command'], `reload = "${reload}" needs the command the container runs in sync mode`, reload === 'restart' ? 'Give the image\'s start command, e.g. command = ["node", "server.js"]: draft runs it under its restart wrapper.' : 'Give a command that reloads changed files by itself, e.g. command = ["uvicorn", "app:app", "--reload"].')
  }
  const signal = table['stop-signal'] ?? 'TERM'
  if (!STOP_SIGNALS.includes(signal as (typeof STOP_SIGNALS)[number])) return fail(['stop-signal'], `must be one of ${STOP_SIGNALS.join(', ')}`, 'The signal that stops the app quickly, without the SIG prefix.')
  return {
    ok: true,
    rules: {reload: reload as ReloadMode, paths: mappings, rebuild: rebuild as string[], command: command as string[], stopSignal: signal as SyncRules['stopSignal']},
  }
}
