/**
 * Running other programs (helm, docker-credential-*, kind, git). Everything goes through this
 * interface so that the core can be tested with a fake, and so that execa is called in one place.
 */
export interface RunOptions {
  cwd?: string
  env?: Record<string, string | undefined>
  input?: string
  signal?: AbortSignal
  timeoutMs?: number
  /** Each output line as it arrives, for live progress. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void
}

export interface RunResult {
  exitCode: number
  stdout: string
  stderr: string
  /** True when the process was stopped by the signal or the timeout. */
  aborted: boolean
}

export interface ProcessRunner {
  /** Runs to completion. A non-zero exit is a result, not an exception; a missing program throws NotFound. */
  run(command: string, args: readonly string[], options?: RunOptions): Promise<RunResult>
  /** Absolute path of a program on PATH, or undefined. */
  which(command: string): Promise<string | undefined>
}

export class ProgramNotFound extends Error {
  constructor(readonly command: string) {
    super(`${command}: not found on PATH`)
  }
}
