import type {ConnectEmit} from '../core/events.js'

/**
 * One line per outage, however many streams it breaks: when the API server restarts, the pod watch,
 * every followed log and every new forward fail together. The first loss says so; the last recovery
 * says it is back and how long it took.
 */
export class Outage {
  private readonly lost = new Map<string, string>()
  private since = 0

  constructor(
    private readonly emit: ConnectEmit,
    private readonly at: () => number,
    /** Called when everything is back: streams that looked fine through the outage may be dead. */
    private readonly onRestored: () => void = () => undefined,
  ) {}

  down(source: string, what: string, reason: string): void {
    if (this.lost.size === 0) {
      this.since = this.at()
      this.emit({type: 'connection-lost', at: this.since, what, reason})
    }
    this.lost.set(source, reason)
  }

  up(source: string): void {
    if (!this.lost.delete(source) || this.lost.size > 0) return
    const at = this.at()
    this.emit({type: 'connection-restored', at, ms: at - this.since})
    this.onRestored()
  }

  isDown(): boolean {
    return this.lost.size > 0
  }
}
