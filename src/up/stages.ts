import {describeError as describe} from '../core/errors.js'
import type {Emit, Stage, UpEvent} from '../core/events.js'

/**
 * Runs the stages of a deploy and turns each into started / finished / failed events with timings,
 * so the engine reads as a list of stages and every renderer gets the same stream.
 */
export class StageClock {
  readonly timings: Partial<Record<Stage, number>> = {}
  private readonly started: number

  constructor(private readonly emit: Emit, private readonly now: () => number = () => performance.now()) {
    this.started = now()
  }

  elapsed(): number {
    return Math.round(this.now() - this.started)
  }

  /** `done` says how the stage ended, optionally with the phases its time splits into. */
  async run<T>(
    stage: Stage,
    message: string,
    work: (progress: (event: Omit<Extract<UpEvent, {type: 'stage-progress'}>, 'type' | 'stage' | 'at'>) => void) => Promise<T>,
    done: (value: T) => string | {message: string; phases?: Record<string, number>},
  ): Promise<T> {
    const begin = this.now()
    this.emit({type: 'stage-started', stage, at: this.elapsed(), message})
    try {
      const value = await work(p => this.emit({type: 'stage-progress', stage, at: this.elapsed(), ...p}))
      const ms = Math.round(this.now() - begin)
      this.timings[stage] = ms
      const end = done(value)
      this.emit({type: 'stage-finished', stage, at: this.elapsed(), ms, ...(typeof end === 'string' ? {message: end} : end)})
      return value
    } catch (error) {
      const ms = Math.round(this.now() - begin)
      this.timings[stage] = ms
      this.emit({type: 'stage-failed', stage, at: this.elapsed(), ms, error: describe(error)})
      throw error
    }
  }

  skip(stage: Stage, message: string): void {
    this.timings[stage] = 0
    this.emit({type: 'stage-skipped', stage, at: this.elapsed(), message})
  }
}
