import {type ProcessRunner, ProgramNotFound, type RunOptions, type RunResult} from './process-runner.js'

export interface FakeCall {
  command: string
  args: string[]
  options: RunOptions
}

type Responder = (call: FakeCall) => Partial<RunResult> | Promise<Partial<RunResult>>

/**
 * A scripted runner for unit tests: register a response per program (and optionally per first
 * argument), then inspect `calls`. An unregistered program behaves as if it were not installed.
 */
export class FakeRunner implements ProcessRunner {
  readonly calls: FakeCall[] = []
  private readonly responders = new Map<string, Responder>()

  on(command: string, responder: Responder | Partial<RunResult>): this {
    this.responders.set(command, typeof responder === 'function' ? responder : () => responder)
    return this
  }

  async run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const call = {command, args: [...args], options}
    this.calls.push(call)
    const responder = this.responders.get(`${command} ${args[0] ?? ''}`) ?? this.responders.get(command)
    if (!responder) throw new ProgramNotFound(command)
    const result = await responder(call)
    const full = {exitCode: 0, stdout: '', stderr: '', aborted: false, ...result}
    for (const line of full.stdout.split('\n').filter(Boolean)) options.onLine?.(line, 'stdout')
    return full
  }

  async which(command: string): Promise<string | undefined> {
    return [...this.responders.keys()].some(k => k === command || k.startsWith(`${command} `)) ? `/fake/bin/${command}` : undefined
  }
}
