/**
 * The event stream of a deploy (and of a rollback or a delete, which reuse its stages). The core emits these; renderers (TTY, plain lines, JSON lines) draw
 * them. Timings are milliseconds; `at` is milliseconds since the run started.
 */
export type Stage = 'connect' | 'tag' | 'build' | 'push' | 'load' | 'deploy' | 'rollout' | 'rollback' | 'uninstall' | 'images'

export interface StageError {
  code: string
  message: string
  fix: string
  details?: string[]
}

export type UpEvent =
  | {type: 'stage-started'; stage: Stage; at: number; message: string}
  | {type: 'stage-progress'; stage: Stage; at: number; message: string; step?: number; steps?: number; bytesDone?: number; bytesTotal?: number}
  | {type: 'stage-finished'; stage: Stage; at: number; ms: number; message: string; phases?: Record<string, number>}
  | {type: 'stage-skipped'; stage: Stage; at: number; message: string}
  | {type: 'stage-failed'; stage: Stage; at: number; ms: number; error: StageError}

export type Emit = (event: UpEvent) => void
