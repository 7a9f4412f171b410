import assert from 'node:assert/strict'
import {type ChildProcess, spawn} from 'node:child_process'
import {request} from 'node:http'
import {join} from 'node:path'

import {packageRoot} from '../../src/util/package-root.js'

export type JsonEvent = Record<string, unknown> & {type: string}

/** A long-running draft command (`connect`, `logs -f`, `up --watch`) with `--json`, its events collected as they arrive. */
export class DraftProcess {
  readonly events: JsonEvent[] = []
  readonly child: ChildProcess
  stderr = ''
  readonly exit: Promise<number>

  constructor(args: string[], env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(process.execPath, [join(packageRoot(), 'bin', 'run.js'), ...args, '--json'], {env: {...process.env, NO_COLOR: '1', ...env}, stdio: ['ignore', 'pipe', 'pipe']})
    let rest = ''
    this.child.stdout!.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString()).split('\n')
      rest = lines.pop() ?? ''
      for (const line of lines) if (line.startsWith('{')) this.events.push(JSON.parse(line) as JsonEvent)
    })
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()))
    this.exit = new Promise(resolve => this.child.on('exit', code => resolve(code ?? 1)))
  }

  of(type: string): JsonEvent[] {
    return this.events.filter(e => e.type === type)
  }

  async until(predicate: () => boolean, what: string, ms = 120_000): Promise<void> {
    const deadline = Date.now() + ms
    while (!predicate()) {
      if (Date.now() > deadline || this.child.exitCode !== null) {
        assert.fail(`${this.child.exitCode === null ? 'timed out' : `draft exited ${this.child.exitCode}`} waiting for ${what}; events: ${this.events.map(e => e.type).join(' ')}\nstderr: ${this.stderr}`)
      }
      await new Promise(resolve => setTimeout(resolve, 50))
    }
  }

  /** The first forward's URL, once it is listening. */
  async url(): Promise<string> {
    await this.until(() => this.of('forward-listening').length > 0, 'a forwarded port')
    return String(this.of('forward-listening')[0]!.url)
  }

  /** Ctrl-C, and the exit code. */
  async stop(): Promise<number> {
    if (this.child.exitCode === null) this.child.kill('SIGINT')
    return this.exit
  }
}

/** GET on a fresh connection (no keep-alive), as a browser's first request would be. */
export function get(url: string, timeoutMs = 5000): Promise<{status: number; body: string}> {
  return new Promise((resolve, reject) => {
    const req = request(url, {agent: false, headers: {connection: 'close'}, timeout: timeoutMs}, res => {
      let body = ''
      res.on('data', (d: Buffer) => (body += d.toString()))
      res.on('end', () => resolve({status: res.statusCode ?? 0, body}))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)))
    req.on('error', reject)
    req.end()
  })
}
