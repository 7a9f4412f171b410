import type {DashboardEvent, Stage} from '../core/events.js'
import type {ProjectLoopEvent} from '../loop/project-loop.js'
import type {ProjectEvent, ProjectRun, ServiceRow} from '../project/project-up.js'
import {formatDuration} from '../util/duration.js'
import {bold, cyan, dim, green, red, symbols, yellow} from './style.js'

/**
 * Draws `draft up` and `draft up --watch` at a project root. Several services run at once, so every
 * line says which service it is about (a coloured prefix); the run ends with one table, a row per
 * service. With --json every event is a line with its `service`, then the result.
 */
export interface ProjectRenderer {
  event(event: ProjectEvent): void
  result(run: ProjectRun): void
  close(): void
}

const write = (text: string): void => {
  process.stdout.write(text)
}

export class JsonLinesProjectRenderer implements ProjectRenderer {
  event(event: ProjectEvent): void {
    write(`${JSON.stringify(event)}\n`)
  }

  result(run: ProjectRun): void {
    write(`${JSON.stringify({type: 'result', totalMs: run.totalMs, services: run.rows.map(jsonRow)})}\n`)
  }

  close(): void {}
}

const jsonRow = ({result: _result, ...row}: ServiceRow): Omit<ServiceRow, 'result'> => row

/** One line per stage that starts, ends or is skipped, prefixed with the service; progress at most every 2 s. */
export class LinesProjectRenderer implements ProjectRenderer {
  private readonly width: number
  private readonly lastProgress = new Map<string, number>()

  constructor(services: readonly string[]) {
    this.width = Math.max(6, ...services.map(s => s.length))
  }

  event(event: ProjectEvent): void {
    const line = projectLine(event, this.width, this.lastProgress)
    if (line) write(`${line}\n`)
  }

  result(run: ProjectRun): void {
    write(summaryTable(run))
  }

  close(): void {}
}

export function projectLine(event: ProjectEvent, width: number, lastProgress: Map<string, number>): string | undefined {
  const who = cyan(event.service.padEnd(width))
  const label = (stage: Stage): string => stage.padEnd(8)
  switch (event.type) {
    case 'stage-started':
      return ['build', 'push', 'deploy', 'rollout'].includes(event.stage) ? `${who} ${symbols.arrow} ${label(event.stage)} ${event.message}` : undefined
    case 'stage-progress': {
      const key = `${event.service}/${event.stage}`
      const last = lastProgress.get(key)
      if (last !== undefined && event.at - last < 2000) return undefined
      lastProgress.set(key, event.at)
      return dim(`${event.service.padEnd(width)}   ${label(event.stage)} ${event.message}`)
    }
    case 'stage-finished':
      return `${who} ${green(symbols.ok)} ${label(event.stage)} ${event.message} ${dim(`(${formatDuration(event.ms)})`)}`
    case 'stage-skipped':
      return event.stage === 'connect' ? undefined : dim(`${event.service.padEnd(width)} - ${label(event.stage)} ${event.message}`)
    case 'stage-failed':
      return `${who} ${red(`${symbols.fail} ${label(event.stage)} ${event.error.message}`)}`
    case 'service-waiting':
      return `${who} ${dim(`… waits for ${event.dependencies.join(', ')} to be ready before it deploys`)}`
    case 'service-done':
      return undefined
  }
}

const STATE_MARK: Record<ServiceRow['state'], (text: string) => string> = {
  deployed: green,
  unchanged: dim,
  failed: red,
  blocked: yellow,
  cancelled: yellow,
}

/** The table at the end of a run: a row per service, then why each failed one failed. */
export function summaryTable(run: ProjectRun): string {
  const rows = run.rows.map(r => {
    const stages = (Object.entries(r.timings) as [Stage, number][]).filter(([, ms]) => ms > 0).map(([s, ms]) => `${s} ${formatDuration(ms)}`).join(' · ')
    return {
      row: r,
      cells: [r.service, r.state, r.tag ?? '-', r.state === 'failed' || r.state === 'blocked' || r.state === 'cancelled' ? '-' : r.built ? 'built' : 'no', r.revision !== undefined ? String(r.revision) : '-', formatDuration(r.totalMs), stages],
    }
  })
  const header = ['SERVICE', 'STATE', 'TAG', 'BUILD', 'REVISION', 'TIME', 'STAGES']
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => r.cells[i]!.length)))
  const pad = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')
  const out = ['', bold(pad(header))]
  for (const {row, cells} of rows) {
    const padded = cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
    out.push(padded.map((c, i) => (i === 0 ? cyan(c) : i === 1 ? STATE_MARK[row.state](c) : i === cells.length - 1 ? dim(c) : c)).join('  '))
  }
  const failed = run.rows.filter(r => r.error)
  for (const r of failed) {
    out.push('', `${red(symbols.fail)} ${bold(r.service)}: ${r.error!.message}`)
    for (const d of (r.error!.details ?? []).slice(-8)) out.push(dim(`    │ ${d}`))
    out.push(`  ${bold('fix:')} ${r.error!.fix}`)
  }
  const changed = run.rows.filter(r => r.state === 'deployed').length
  const unchanged = run.rows.filter(r => r.state === 'unchanged').length
  out.push('', `${failed.length ? red(symbols.fail) : green(symbols.ok)} ${changed} deployed, ${unchanged} unchanged${failed.length ? `, ${failed.length} not deployed` : ''} ${dim(`in ${formatDuration(run.totalMs)}`)}`)
  return `${out.join('\n')}\n`
}

/** `draft up --watch` at a project root: plain lines (coloured on a terminal), or JSON lines. */
export interface ProjectWatchRenderer {
  event(event: ProjectLoopEvent | DashboardEvent): void
  close(): void
}

export class JsonLinesProjectWatchRenderer implements ProjectWatchRenderer {
  event(event: ProjectLoopEvent | DashboardEvent): void {
    const shown = event.type === 'cycle-finished' ? {...event, rows: event.rows.map(jsonRow)} : event
    write(`${JSON.stringify(shown)}\n`)
  }

  close(): void {}
}

export class LinesProjectWatchRenderer implements ProjectWatchRenderer {
  private width = 6
  private readonly lastProgress = new Map<string, number>()

  event(event: ProjectLoopEvent | DashboardEvent): void {
    const clock = dim(new Date().toTimeString().slice(0, 8))
    switch (event.type) {
      case 'dashboard':
        return write(`${cyan(symbols.dot)} dashboard: ${bold(event.url)}\n`)
      case 'dashboard-failed':
        return write(`${yellow(symbols.warn)} the dashboard could not start (${event.message}); watching goes on without it\n`)
      case 'paused':
        return write(`${yellow('⏸')} ${clock} watching paused from the dashboard${event.pending ? ` (${event.pending} changes wait)` : ''}: saves are collected, no cycle starts\n`)
      case 'resumed':
        return write(`${cyan('▶')} ${clock} watching resumed${event.pending ? `: ${event.pending} changes saved while paused` : ''}\n`)
      case 'rollback-started':
        return write(`${cyan('↺')} ${clock} ${event.service}: rollback${event.revision === undefined ? ' to the revision live before' : ` to revision ${event.revision}`} (from the dashboard)\n`)
      case 'rollback-stage':
        if (event.event.type === 'stage-finished') write(`  ${event.service.padEnd(this.width)}  ${event.event.stage.padEnd(8)} ${event.event.message} ${dim(`(${formatDuration(event.event.ms)})`)}\n`)
        return
      case 'rollback-finished': {
        const r = event.result
        return write(
          r.changed
            ? `${green(symbols.ok)} ${clock} ${event.service}: revision ${bold(String(r.revision))} runs what revision ${r.target} ran${r.tag ? ` ${dim(r.tag)}` : ''} ${dim(`= ${formatDuration(r.totalMs)}`)}\n`
            : `${green(symbols.ok)} ${clock} ${event.service}: revision ${r.revision} already runs what revision ${r.target} ran\n`,
        )
      }
      case 'rollback-failed':
        return write(`${red(symbols.fail)} ${clock} ${event.service}: rollback failed: ${event.error.message}\n    ${bold('fix:')} ${event.error.fix}\n`)
      case 'watching':
        this.width = Math.max(6, ...event.services.map(s => s.length))
        return write(`${cyan(symbols.dot)} watching ${event.root}: ${event.services.join(', ')} (${event.folders} folders, quiet period ${formatDuration(event.quietMs)}); Ctrl-C to stop\n`)
      case 'cycle-started': {
        const which = Object.entries(event.services).map(([s, r]) => `${s}${r === 'deploy' ? ' (deploy)' : ''}`).join(', ')
        const why = event.changes.length ? event.changes.length <= 3 ? event.changes.join(', ') : `${event.changes.slice(0, 3).join(', ')} and ${event.changes.length - 3} more` : 'initial deploy'
        return write(`${symbols.arrow} ${clock} cycle ${event.cycle}: ${bold(which)} ${dim(`← ${event.rebuild ? 'Rebuild now' : why}`)}\n`)
      }
      case 'service': {
        const line = projectLine(event.event, this.width, this.lastProgress)
        if (line) write(`  ${line}\n`)
        return
      }
      case 'build-cancelled':
        return write(`${yellow('↻')} ${clock} ${event.service}: build cancelled, ${event.path} changed; it builds again next cycle\n`)
      case 'cycle-finished': {
        const parts = event.rows.map(r => `${r.service} ${STATE_MARK[r.state](r.state === 'deployed' ? `revision ${r.revision}` : r.state)}`)
        const bad = event.rows.filter(r => r.error && r.state !== 'cancelled')
        write(`${bad.length ? red(symbols.fail) : green(symbols.ok)} ${clock} cycle ${event.cycle}: ${parts.join(' · ')} ${dim(`= ${formatDuration(event.ms)}`)}\n`)
        for (const r of bad) write(`    ${red(r.service)}: ${r.error!.message}\n    ${bold('fix:')} ${r.error!.fix}\n`)
        if (bad.length) write(dim('    the last good releases keep running; save again to retry\n'))
        return
      }
      case 'cycle-failed':
        return write(`${red(symbols.fail)} ${clock} cycle ${event.cycle} failed: ${event.error.message}\n    ${bold('fix:')} ${event.error.fix}\n`)
      case 'stopped':
        return write(`${symbols.dot} stopped after ${event.cycles} cycles (${event.reason})\n`)
      default:
        return
    }
  }

  close(): void {}
}
