import type {ConnectEvent, Stage, UpEvent} from '../core/events.js'
import type {UpResult} from '../up/up-engine.js'
import {formatDuration} from '../util/duration.js'
import {formatBytes} from '../util/format.js'
import {type Target, nextStep} from './next-step.js'
import {ConnectLines} from './connect-renderer.js'
import {bold, cyan, dim, green, red, symbols, yellow} from './style.js'

/** Draws the event stream of `draft up`: live on a TTY, plain lines elsewhere, JSON lines with --json. */
export interface UpRenderer {
  event(event: UpEvent): void
  /** The summary; `target` is what the user pointed `up` at, for the next step it suggests. */
  result(result: UpResult, target?: Target): void
  /** A connect session after the deploy (--connect). */
  connect(event: ConnectEvent): void
  close(): void
}

const write = (text: string): void => {
  process.stdout.write(text)
}

export class JsonLinesRenderer implements UpRenderer {
  event(event: UpEvent): void {
    write(`${JSON.stringify(event)}\n`)
  }

  result(result: UpResult): void {
    write(`${JSON.stringify({type: 'result', ...result})}\n`)
  }

  connect(event: ConnectEvent): void {
    write(`${JSON.stringify(event)}\n`)
  }

  close(): void {}
}

const label = (stage: Stage): string => stage.padEnd(8)

/** Plain lines for logs and CI: every build step, other progress at most every two seconds. */
export class PlainRenderer implements UpRenderer {
  private lastProgress = new Map<Stage, {message: string; at: number}>()
  private readonly lines = new ConnectLines()

  connect(event: ConnectEvent): void {
    const line = this.lines.line(event)
    if (line !== undefined) write(`${line}\n`)
  }

  event(event: UpEvent): void {
    switch (event.type) {
      case 'stage-started':
        write(`${symbols.arrow} ${label(event.stage)} ${event.message}\n`)
        break
      case 'stage-progress': {
        const last = this.lastProgress.get(event.stage)
        const due = event.stage === 'build' ? last?.message !== event.message : !last || event.at - last.at >= 2000
        if (!due) break
        this.lastProgress.set(event.stage, {message: event.message, at: event.at})
        write(`  ${label(event.stage)} ${event.message}\n`)
        break
      }
      case 'stage-finished':
        write(`${green(symbols.ok)} ${label(event.stage)} ${event.message} ${dim(`(${formatDuration(event.ms)})`)}\n`)
        break
      case 'stage-skipped':
        write(`${dim(`- ${label(event.stage)} skipped: ${event.message}`)}\n`)
        break
      case 'stage-failed':
        write(`${red(`${symbols.fail} ${label(event.stage)} failed after ${formatDuration(event.ms)}`)}\n`)
        break
    }
  }

  result(result: UpResult, target?: Target): void {
    write(summary(result, target))
  }

  close(): void {}
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']

/** One live line for the running stage (spinner, elapsed, latest progress); finished stages stay. */
export class TtyRenderer implements UpRenderer {
  private current?: {stage: Stage; started: number; message: string}
  private frame = 0
  private readonly timer: NodeJS.Timeout
  private readonly lines = new ConnectLines()

  constructor(private readonly now: () => number = () => performance.now()) {
    this.timer = setInterval(() => this.draw(), 100)
    this.timer.unref()
  }

  event(event: UpEvent): void {
    switch (event.type) {
      case 'stage-started':
        this.current = {stage: event.stage, started: this.now(), message: event.message}
        break
      case 'stage-progress':
        if (this.current) this.current.message = event.message
        break
      case 'stage-finished':
        this.settle(`${green(symbols.ok)} ${bold(label(event.stage))} ${event.message} ${dim(formatDuration(event.ms))}`)
        break
      case 'stage-skipped':
        this.settle(dim(`- ${label(event.stage)} ${event.message}`))
        break
      case 'stage-failed':
        this.settle(`${red(symbols.fail)} ${bold(label(event.stage))} ${red(`failed after ${formatDuration(event.ms)}`)}`)
        break
    }
    this.draw()
  }

  result(result: UpResult, target?: Target): void {
    this.clearLine()
    write(summary(result, target))
  }

  connect(event: ConnectEvent): void {
    const line = this.lines.line(event)
    if (line === undefined) return
    this.clearLine()
    write(`${line}\n`)
  }

  close(): void {
    clearInterval(this.timer)
    this.clearLine()
  }

  private settle(line: string): void {
    this.current = undefined
    this.clearLine()
    write(`${line}\n`)
  }

  private draw(): void {
    if (!this.current) return
    const width = process.stdout.columns || 100
    const elapsed = formatDuration(this.now() - this.current.started)
    const text = `${cyan(SPINNER[this.frame++ % SPINNER.length]!)} ${bold(label(this.current.stage))} ${dim(elapsed.padStart(6))} ${this.current.message}`
    write(`\r\u001B[2K${truncate(text, width - 1)}`)
  }

  private clearLine(): void {
    write('\r\u001B[2K')
  }
}

function truncate(text: string, width: number): string {
  // Escape sequences do not take columns; count only visible characters.
  let visible = 0
  let out = ''
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\u001B') {
      const end = text.indexOf('m', i)
      out += text.slice(i, end + 1)
      i = end
      continue
    }
    if (visible >= width) break
    out += text[i]
    visible++
  }
  return `${out}\u001B[0m`
}

/** `1a2b3c4d5e6f` or `1a2b3c4d5e6f+dirty`: a commit as people read it. */
export const shortCommit = (commit: string): string => commit.replace(/^([0-9a-f]{12})[0-9a-f]*/, '$1')

export function summary(r: UpResult, target?: Target): string {
  const stages = (Object.entries(r.timings) as [Stage, number][]).filter(([, ms]) => ms > 0).map(([s, ms]) => `${s} ${formatDuration(ms)}`)
  const headline = r.upToDate
    ? `${green(symbols.ok)} ${bold(r.release)} is up to date: revision ${r.revision} already runs this image, chart and values`
    : `${green(symbols.ok)} ${bold(r.release)} deployed: revision ${r.revision} in namespace ${r.namespace}`
  const next = target ? nextStep(r, target) : undefined
  const lines = [
    '',
    headline,
    `  image    ${r.image}${r.digest ? dim(` (${r.digest.slice(0, 19)}…)`) : ''}${r.built ? '' : dim(' (no build needed)')}`,
    `  context  ${r.context.files} files, ${formatBytes(r.context.bytes)}${r.commit ? dim(` at commit ${shortCommit(r.commit)}`) : ''}`,
    `  timings  ${stages.join(' · ')} ${dim(`= ${formatDuration(r.totalMs)}`)}`,
  ]
  if (next) lines.push(`  next     ${cyan(next.command)}${next.url ? dim(`   (the app at ${next.url})`) : ''}`)
  if (r.delivery !== 'registry') lines.splice(3, 0, `  cluster  ${r.cluster}: ${yellow(r.delivery === 'load' ? 'image loaded into the cluster' : 'the cluster uses local images')}`)
  if (r.afterRollback) lines.splice(2, 0, `  ${yellow(`revision ${r.afterRollback.revision} was a rollback to revision ${r.afterRollback.to}: this folder is deployed again`)}`)
  return `${lines.join('\n')}\n`
}
