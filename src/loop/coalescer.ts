/**
 * Turns a burst of saves into one cycle: a cycle is due once no change has come for the burst's quiet
 * period, or `maxWaitMs` after the first change of the burst, whichever is first (an editor that saves
 * forever still gets deployed). A change may bring a quiet period of its own (a change that can be
 * synced waits less than one that rebuilds); the burst waits for the longest. Pure: time is passed in.
 */
export class Coalescer {
  private first?: number
  private last?: number
  private quiet = 0

  constructor(private readonly quietMs: number, private readonly maxWaitMs: number) {}

  add(now: number, quietMs = this.quietMs): void {
    this.first ??= now
    this.last = now
    this.quiet = Math.max(this.quiet, quietMs)
  }

  pending(): boolean {
    return this.first !== undefined
  }

  /** When the cycle is due, or undefined when nothing is pending. */
  dueAt(): number | undefined {
    if (this.first === undefined || this.last === undefined) return undefined
    return Math.min(this.last + this.quiet, this.first + Math.max(this.maxWaitMs, this.quiet))
  }

  isDue(now: number): boolean {
    const due = this.dueAt()
    return due !== undefined && now >= due
  }

  reset(): void {
    this.first = undefined
    this.last = undefined
    this.quiet = 0
  }
}
