import type {ConnectEvent, DashboardEvent, Stage} from '../core/events.js'
import type {LoopEvent} from '../loop/watch-loop.js'
import {formatDuration} from '../util/duration.js'
import {ConnectLines} from './connect-renderer.js'
import {bold, cyan, dim, green, red, symbols, yellow} from './style.js'

/** Draws `draft up --watch`: one live status line on a TTY, plain lines elsewhere, JSON lines with --json. */
export type WatchEvent = LoopEvent | ConnectEvent | DashboardEvent

export interface WatchRenderer {
  event(event: WatchEvent): void
  close(): void
}

const write = (text: string): void => {
  process.stdout.write(text)
}
const clock = (): string => new Date().toTimeString().slice(0, 8)

function timings(timings: Partial<Record<Stage, number>>): string {
  return (Object.entries(timings) as [Stage, number][]).filter(([, ms]) => ms > 0).map(([s, ms]) => `${s} ${formatDuration(ms)}`).join(' · ')
}

function outcome(event: LoopEvent | DashboardEvent): string | undefined {
  switch (event.type) {
    case 'dashboard':
      return `${cyan(symbols.dot)} dashboard: ${bold(event.url)}`
    case 'dashboard-failed':
      return `${yellow(symbols.warn)} the dashboard could not start (${event.message}); watching goes on without it`
    case 'paused':
      return `${yellow('⏸')} ${dim(clock())} watching paused from the dashboard${event.pending ? ` (${event.pending} changes wait)` : ''}: saves are collected, no cycle starts`
    case 'resumed':
      return `${cyan('▶')} ${dim(clock())} watching resumed${event.pending ? `: ${event.pending} changes saved while paused` : ''}`
    case 'rollback-started':
      return `${cyan('↺')} ${dim(clock())} rollback${event.revision === undefined ? ' to the revision live before' : ` to revision ${event.revision}`} (from the dashboard)`
    case 'rollback-finished': {
      const r = event.result
      return r.changed
        ? `${green(symbols.ok)} ${dim(clock())} revision ${bold(String(r.revision))} runs what revision ${r.target} ran${r.tag ? ` ${dim(r.tag)}` : ''} ${dim(`= ${formatDuration(r.totalMs)}`)}`
        : `${green(symbols.ok)} ${dim(clock())} revision ${r.revision} already runs what revision ${r.target} ran`
    }
    case 'rollback-failed':
      return `${red(symbols.fail)} ${dim(clock())} rollback failed: ${event.error.message}\n    ${bold('fix:')} ${event.error.fix}`
    case 'watching': {
      const first = `${cyan(symbols.dot)} watching ${event.root} (${event.folders} folders, quiet period ${formatDuration(event.quietMs)}); Ctrl-C to stop`
      return event.sync ? `${first}\n${event.sync.on ? green(symbols.dot) : dim(symbols.dot)} ${event.sync.message}` : first
    }
    case 'cycle-synced': {
      const r = event.result
      const what = [r.copied ? `${r.copied} file${r.copied === 1 ? '' : 's'}` : '', r.removed ? `${r.removed} removed` : ''].filter(Boolean).join(', ') || 'nothing'
      const into = r.pods.length === 1 ? r.pods[0]! : `${r.pods.length} pods`
      const reload = r.restarted ? ', app restarted' : ''
      return `${green(symbols.ok)} ${dim(clock())} cycle ${event.cycle}: ${bold(`synced ${what}`)} into ${into}${reload} ${dim(`(${r.sinceImage} since ${r.tag})`)}  ${timings(r.timings)} ${dim(`= ${formatDuration(r.totalMs)}`)}`
    }
    case 'sync-fallback':
      return `${yellow('↻')} ${dim(clock())} cycle ${event.cycle}: ${event.error.message}; building and deploying instead`
    case 'cycle-finished': {
      const r = event.result
      const what = r.upToDate ? 'no change' : `revision ${r.revision}`
      return `${green(symbols.ok)} ${dim(clock())} cycle ${event.cycle}: ${bold(what)} ${dim(r.tag)}  ${timings(r.timings)} ${dim(`= ${formatDuration(r.totalMs)}`)}`
    }
    case 'cycle-cancelled':
      return `${yellow('↻')} ${dim(clock())} cycle ${event.cycle} cancelled: ${event.reason}`
    case 'cycle-failed': {
      const lines = [`${red(symbols.fail)} ${dim(clock())} cycle ${event.cycle} failed: ${event.error.message}`]
      for (const d of (event.error.details ?? []).slice(-8)) lines.push(dim(`    │ ${d}`))
      lines.push(`    ${bold('fix:')} ${event.error.fix}`, dim('    the last good release keeps running; save again to retry'))
      return lines.join('\n')
    }
    case 'stopped':
      return `${symbols.dot} stopped after ${event.cycles} cycles (${event.reason})`
    default:
      return undefined
  }
}

const LOOP_TYPES: readonly string[] = [
  'watching', 'change', 'cycle-started', 'stage', 'cycle-finished', 'cycle-cancelled', 'cycle-failed', 'stopped', 'cycle-synced', 'sync-fallback',
  'paused', 'resumed', 'rollback-started', 'rollback-stage', 'rollback-finished', 'rollback-failed', 'dashboard', 'dashboard-failed',
]
const isLoopEvent = (event: WatchEvent): event is LoopEvent | DashboardEvent => LOOP_TYPES.includes(event.type)

export class JsonLinesWatchRenderer implements WatchRenderer {
  event(event: WatchEvent): void {
    write(`${JSON.stringify(event)}\n`)
  }

  close(): void {}
}

export class PlainWatchRenderer implements WatchRenderer {
  private readonly lines = new ConnectLines()

  event(event: WatchEvent): void {
    if (!isLoopEvent(event)) {
      const line = this.lines.line(event)
      if (line !== undefined) write(`${line}\n`)
      return
    }
    const line = outcome(event)
    if (line) return write(`${line}\n`)
    if (event.type === 'cycle-started') write(`${symbols.arrow} cycle ${event.cycle} (${event.route}${event.why ? `: ${event.why}` : ''}): ${event.rebuild ? 'rebuild asked for' : summarise(event.changes)}\n`)
    if (event.type === 'rollback-stage' && event.event.type === 'stage-finished') write(`  ${event.event.stage.padEnd(8)} ${event.event.message} ${dim(`(${formatDuration(event.event.ms)})`)}\n`)
    if (event.type === 'stage' && event.event.type === 'stage-finished') write(`  ${event.event.stage.padEnd(8)} ${event.event.message} ${dim(`(${formatDuration(event.event.ms)})`)}\n`)
  }

  close(): void {}
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']

/**
 * A single live line while a cycle runs (stage, elapsed, latest step, the revision), redrawn ten times
 * a second; finished cycles stay above it as history. Idle, nothing redraws: no CPU is spent.
 */
export class TtyWatchRenderer implements WatchRenderer {
  private timer?: NodeJS.Timeout
  private status = {cycle: 0, stage: '', detail: '', started: 0, stageStarted: 0}
  private frame = 0
  private revision?: number
  /** Files synced since the live revision's image. */
  private synced = 0
  private url?: string
  private readonly lines = new ConnectLines()

  event(event: WatchEvent): void {
    if (!isLoopEvent(event)) return this.connectEvent(event)
    switch (event.type) {
      case 'cycle-started':
        this.status = {cycle: event.cycle, stage: 'starting', detail: event.rebuild ? 'rebuild asked for' : summarise(event.changes), started: performance.now(), stageStarted: performance.now()}
        this.timer ??= setInterval(() => this.draw(), 100)
        break
      case 'stage':
        if (event.event.type === 'stage-started') Object.assign(this.status, {stage: event.event.stage, detail: event.event.message, stageStarted: performance.now()})
        if (event.event.type === 'stage-progress') this.status.detail = event.event.message
        break
      case 'cycle-finished':
        this.revision = event.result.revision
        if (!event.result.upToDate) this.synced = 0
        this.idle()
        break
      case 'cycle-synced':
        this.synced = event.result.sinceImage
        this.idle()
        break
      case 'cycle-cancelled':
      case 'cycle-failed':
      case 'stopped':
        this.idle()
        break
      default:
        break
    }
    const line = outcome(event)
    if (line) {
      write('\r\u001B[2K')
      write(`${line}\n`)
    }
    if (this.timer) this.draw()
    else if (event.type !== 'stopped' && event.type !== 'change' && line) this.drawIdle()
  }

  close(): void {
    this.idle()
    write('\r\u001B[2K')
  }

  /** Connect lines go above the live line, which is then drawn again. */
  private connectEvent(event: ConnectEvent): void {
    if (event.type === 'forward-listening') this.url ??= event.url
    const line = this.lines.line(event)
    if (line === undefined) return
    write(`\r\u001B[2K${line}\n`)
    if (this.timer) this.draw()
    else if (event.type !== 'connect-stopped') this.drawIdle()
  }

  private idle(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  private drawIdle(): void {
    const synced = this.synced ? ` + ${this.synced} synced file${this.synced === 1 ? '' : 's'}` : ''
    write(dim(`  watching for changes${this.revision ? ` · revision ${this.revision}${synced} is live` : ''}${this.url ? ` at ${this.url}` : ''}`))
  }

  private draw(): void {
    const s = this.status
    const now = performance.now()
    const width = (process.stdout.columns || 100) - 1
    const text = `${cyan(SPINNER[this.frame++ % SPINNER.length]!)} cycle ${s.cycle} · ${bold(s.stage)} ${formatDuration(now - s.stageStarted)} · total ${formatDuration(now - s.started)} · ${s.detail}`
    write(`\r\u001B[2K${text.length > width + 20 ? `${text.slice(0, width + 16)}…` : text}`)
  }
}

function summarise(changes: string[]): string {
  if (changes.length === 0) return 'initial deploy'
  return changes.length <= 3 ? changes.join(', ') : `${changes.slice(0, 3).join(', ')} and ${changes.length - 3} more`
}
