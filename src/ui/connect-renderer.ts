import type {ConnectEvent} from '../core/events.js'
import {formatDuration} from '../util/duration.js'
import {blue, bold, cyan, dim, green, magenta, red, symbols, yellow} from './style.js'

/**
 * Lines for a connect session's events (`draft connect`, `draft logs`, `draft up --connect`). Log
 * lines carry their pod's short name, in a colour of its own on a terminal, aligned to the longest.
 */
export class ConnectLines {
  private width = 0
  private readonly colours = new Map<string, (text: string) => string>()

  line(event: ConnectEvent): string | undefined {
    switch (event.type) {
      case 'forward-listening':
        return `${green(symbols.ok)} ${bold(event.url)} ${symbols.arrow} port ${event.remote}${event.choice === 'next-free' ? dim(` (local ${event.remote} is taken)`) : ''}`
      case 'forward-target':
        return event.previous
          ? `${cyan('↪')} :${event.remote} now forwards to ${bold(event.pod)} ${dim(`(${event.why}${event.draining ? `; open connections finish on ${event.previous}` : ''})`)}`
          : `${cyan('↪')} :${event.remote} forwards to ${bold(event.pod)}`
      case 'forward-waiting':
        return `${yellow(symbols.warn)} no Ready pod ${dim('(new connections wait)')}: ${event.message}${event.fix ? `\n    ${bold('fix:')} ${event.fix}` : ''}`
      case 'forward-failed':
        return `${red(symbols.fail)} a connection to :${event.local} failed${event.pod ? ` on ${event.pod}` : ''}: ${event.message}`
      case 'connection-lost':
        return `${yellow('↻')} lost ${event.what} (${event.reason}); reconnecting with backoff`
      case 'connection-restored':
        return `${green('↻')} reconnected after ${formatDuration(event.ms)}`
      case 'log-line':
        return `${this.label(event.prefix)} ${event.line}`
      case 'log-note':
        return `${this.label(event.prefix)} ${dim(`${symbols.dot} ${event.message}`)}`
      case 'connect-failed':
        return `${red(symbols.fail)} cannot connect: ${event.error.message}\n    ${bold('fix:')} ${event.error.fix}`
      case 'connect-stopped':
        return dim(`${symbols.dot} disconnected (${event.connections} connections${event.failed ? `, ${event.failed} failed` : ''})`)
    }
  }

  private label(prefix: string): string {
    this.width = Math.min(24, Math.max(this.width, prefix.length))
    let colour = this.colours.get(prefix)
    if (!colour) {
      colour = PALETTE[this.colours.size % PALETTE.length]!
      this.colours.set(prefix, colour)
    }
    return colour(`${prefix.padEnd(this.width)} │`)
  }
}

const PALETTE = [cyan, magenta, yellow, green, blue]

/** Draws a session: lines on stdout (notes about log streams on stderr, so a saved log is only the log), or JSON lines with --json. */
export class ConnectRenderer {
  private readonly lines = new ConnectLines()

  constructor(private readonly json: boolean) {}

  event(event: ConnectEvent & {service?: string}): void {
    if (this.json) {
      process.stdout.write(`${JSON.stringify(event)}\n`)
      return
    }
    let line = this.lines.line(event)
    // With several services, a line that is not a log line (whose label names its service) says whose it is.
    if (line !== undefined && event.service && event.type !== 'log-line' && event.type !== 'log-note') line = `${bold(event.service)}: ${line}`
    if (line !== undefined) (event.type === 'log-note' ? process.stderr : process.stdout).write(`${line}\n`)
  }
}
