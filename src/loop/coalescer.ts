/**
 * Turns a burst of saves into one cycle: a cycle is due once no change has come for `quietMs`, or
 * `maxWaitMs` after the first change of the burst, whichever is first (an editor that saves forever
 * still gets deployed). Pure: time is passed in.
 */
export class Coalescer {
  private first?: number
  private last?: number

  constructor(private readonly quietMs: number, private readonly maxWaitMs: number) {}

  add(now: number): void {
    this.first ??= now
    this.last = now
  }

  pending(): boolean {
    return this.first !== undefined
  }

  /** When the cycle is due, or undefined when nothing is pending. */
  dueAt(): number | undefined {
    if (this.first === undefined || this.last === undefined) return undefined
    return Math.min(this.last + this.quietMs, this.first + Math.max(this.maxWaitMs, this.quietMs))
  }

  isDue(now: number): boolean {
    const due = this.dueAt()
    return due !== undefined && now >= due
  }

  reset(): void {
    this.first = undefined
    this.last = undefined
  }
}
