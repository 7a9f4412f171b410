import type {Coalescer} from './coalescer.js'

/** What the gate asks of its loop. Getters, because a loop makes its coalescer again when draft.toml changes. */
export interface GateHost {
  now: () => number
  coalescer: () => Coalescer
  /** A cycle runs: its end, which a rollback waits for. */
  running: () => Promise<void> | undefined
  /** The loop is stopping (SIGINT, SIGTERM): nothing starts. */
  stopping: () => boolean
  /** A full cycle was asked for by hand (Rebuild now), which runs even when paused. */
  rebuildAsked: () => boolean
  startCycle: () => void
}

/**
 * When the next cycle of a watch loop may start, for the loop of one app and of a project alike: one
 * cycle at a time, none while a rollback holds the release, none while paused unless asked for by
 * hand, and otherwise as soon as the coalescer says the burst of saves has settled.
 */
export class CycleGate {
  private paused = false
  private timer?: NodeJS.Timeout
  /** A rollback holds the release: no cycle starts until it is done. */
  private holding?: Promise<unknown>

  constructor(private readonly host: GateHost) {}

  isPaused(): boolean {
    return this.paused
  }

  /** Whether a cycle may start now; `byHand` when the user asked for it. */
  mayStart(byHand: boolean): boolean {
    return !this.host.running() && !this.holding && !this.host.stopping() && (!this.paused || byHand)
  }

  /** A timer for when the burst settles, unless something keeps cycles from starting. */
  schedule(): void {
    if (this.host.running() || this.holding || this.paused || this.host.stopping()) return
    clearTimeout(this.timer)
    const due = this.host.coalescer().dueAt()
    if (due === undefined) return
    this.timer = setTimeout(() => this.host.startCycle(), Math.max(0, due - this.host.now()))
  }

  /** The timer is dropped: a cycle starts now, or the loop stops. */
  cancel(): void {
    clearTimeout(this.timer)
  }

  /** False when already paused. Saves are still collected, and run as one cycle at `resume()`. */
  pause(): boolean {
    if (this.paused) return false
    this.paused = true
    clearTimeout(this.timer)
    return true
  }

  /** False when not paused. The saves collected meanwhile are scheduled as one cycle. */
  resume(): boolean {
    if (!this.paused) return false
    this.paused = false
    if (this.host.coalescer().pending()) this.schedule()
    return true
  }

  /**
   * Runs `work` holding the release: after an earlier holder and the running cycle, with no cycle
   * starting meanwhile; afterwards the cycle asked for by hand, or the saves that came meanwhile.
   */
  async hold<T>(work: () => Promise<T>): Promise<T> {
    const previous = this.holding
    const held = (async () => {
      await previous?.catch(() => undefined)
      await this.host.running()
      return work()
    })()
    this.holding = held
    try {
      return await held
    } finally {
      if (this.holding === held) this.holding = undefined
      if (!this.host.stopping() && this.host.rebuildAsked()) this.host.startCycle()
      else if (!this.host.stopping() && this.host.coalescer().pending()) this.schedule()
    }
  }

  /** A rollback under way, which the loop lets finish as it stops. */
  async released(): Promise<void> {
    await this.holding?.catch(() => undefined)
  }
}
