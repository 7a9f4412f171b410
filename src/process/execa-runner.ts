import {access, constants} from 'node:fs/promises'
import {delimiter, join} from 'node:path'

import {type ProcessRunner, ProgramNotFound, type RunOptions, type RunResult} from './process-runner.js'

/** The real runner: execa, with output captured, lines streamed, and abort through the signal. */
export class ExecaRunner implements ProcessRunner {
  async run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const {execa} = await import('./execa.js')
    const child = execa(command, [...args], {
      cwd: options.cwd,
      env: options.env,
      extendEnv: true,
      input: options.input,
      cancelSignal: options.signal,
      timeout: options.timeoutMs,
      reject: false,
      stripFinalNewline: true,
      // helm and friends get SIGTERM first, a grace period, then SIGKILL: no orphans on Ctrl-C.
      forceKillAfterDelay: 5000,
    })
    if (options.onLine) {
      const onLine = options.onLine
      const forward = (stream: 'stdout' | 'stderr') => {
        let rest = ''
        child[stream]?.on('data', (chunk: Buffer) => {
          const text = rest + chunk.toString('utf8')
          const lines = text.split('\n')
          rest = lines.pop() ?? ''
          for (const line of lines) onLine(line, stream)
        })
        child[stream]?.on('end', () => rest && onLine(rest, stream))
      }
      forward('stdout')
      forward('stderr')
    }
    const result = await child
    if ((result as {code?: string}).code === 'ENOENT') throw new ProgramNotFound(command)
    return {
      exitCode: result.exitCode ?? (result.isCanceled || result.timedOut ? 130 : 1),
      stdout: String(result.stdout ?? ''),
      stderr: String(result.stderr ?? ''),
      aborted: Boolean(result.isCanceled || result.timedOut),
    }
  }

  async which(command: string): Promise<string | undefined> {
    if (command.includes('/')) return (await executable(command)) ? command : undefined
    for (const dir of (process.env.PATH ?? '').split(delimiter)) {
      if (!dir) continue
      const candidate = join(dir, command)
      if (await executable(candidate)) return candidate
    }
    return undefined
  }
}

async function executable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}
