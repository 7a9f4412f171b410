import {spawn} from 'node:child_process'

/**
 * The one thing this folder needs from a process runner: run a program with stdin and collect its
 * output. It is an argument (never imported directly by the credential code) so that src/process/ can
 * take it over, and so that unit tests can answer for a credential helper without a real binary.
 */
export interface CommandResult {
  exitCode: number
  stdout: string
  stderr: string
}

export type RunCommand = (cmd: string, args: string[], input: string) => Promise<CommandResult>

/** Thrown when the program cannot be started at all (not on PATH, not executable). */
export class CommandNotStartedError extends Error {
  readonly code: string
  constructor(cmd: string, code: string) {
    super(`${cmd} could not be started (${code})`)
    this.name = 'CommandNotStartedError'
    this.code = code
  }
}

// A helper that waits for a GUI prompt or a gpg pinentry would otherwise hang draft forever.
const DEFAULT_TIMEOUT_MS = 60_000

/** Temporary home of the real runner until src/process/ exists; keep it this small. */
export function spawnCommand(timeoutMs = DEFAULT_TIMEOUT_MS): RunCommand {
  return (cmd, args, input) =>
    new Promise((resolve, reject) => {
      const child = spawn(cmd, args, {stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs})
      const out: Buffer[] = []
      const err: Buffer[] = []
      child.stdout.on('data', (b: Buffer) => out.push(b))
      child.stderr.on('data', (b: Buffer) => err.push(b))
      child.on('error', (e: NodeJS.ErrnoException) => reject(new CommandNotStartedError(cmd, e.code ?? 'unknown error')))
      child.on('close', (code, signal) => {
        resolve({
          exitCode: code ?? (signal ? 128 : 1),
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8') || (signal ? `killed by ${signal}` : ''),
        })
      })
      // A helper that exits without reading stdin makes the write fail with EPIPE; its exit code says enough.
      child.stdin.on('error', () => {})
      child.stdin.end(input)
    })
}
