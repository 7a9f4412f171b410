import {readFileSync} from 'node:fs'
import {relative, resolve} from 'node:path'

import {DraftError} from '../core/errors.js'
import type {DashboardEvent} from '../core/events.js'
import type {Snapshot, StartDashboard} from './dashboard.js'
import type {PageState} from './state.js'

/** A snapshot file, checked: a DraftError naming the file when it is not one Save snapshot wrote. */
export function readSnapshot(file: string): PageState {
  const shown = relative(process.cwd(), resolve(file)) || file
  let parsed: Partial<Snapshot>
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<Snapshot>
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : error instanceof SyntaxError ? `it is not JSON (${error.message})` : (error as Error).message
    throw new DraftError('SNAPSHOT_INVALID', {file: shown, reason})
  }
  if (parsed?.kind !== 'draft-dashboard-snapshot') throw new DraftError('SNAPSHOT_INVALID', {file: shown, reason: 'it has no "kind": "draft-dashboard-snapshot"'})
  if (parsed.version !== 1) throw new DraftError('SNAPSHOT_INVALID', {file: shown, reason: `version ${String(parsed.version)} is not one this draft reads (1)`})
  const state = parsed.state
  if (!state || state.version !== 1 || !Array.isArray(state.services) || !Array.isArray(state.cycles) || !Array.isArray(state.logs)) {
    throw new DraftError('SNAPSHOT_INVALID', {file: shown, reason: 'its state is incomplete'})
  }
  return {...state, mode: 'snapshot', watching: {...state.watching, on: false, paused: false}}
}

/** `draft dashboard --snapshot FILE`: the saved page, read-only, until the signal. */
export async function serveSnapshot(file: string, options: {emit: (event: DashboardEvent) => void; signal: AbortSignal; start?: StartDashboard}): Promise<void> {
  const state = readSnapshot(file)
  const start = options.start ?? (await import('./http-dashboard.js')).startHttpDashboard
  const dashboard = await start({state})
  options.emit({type: 'dashboard', at: 0, url: dashboard.url})
  try {
    await new Promise<void>(resolve => (options.signal.aborted ? resolve() : options.signal.addEventListener('abort', () => resolve(), {once: true})))
  } finally {
    await dashboard.close()
  }
}
