import {spawn} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {DraftError} from '../core/errors.js'
import type {RenderRequest, RenderResult, TemplateRenderer} from '../scaffold/template-renderer.js'
import {formatDuration, parseDuration} from '../util/duration.js'
import {packageRoot} from '../util/package-root.js'
import {RESULT_MARK} from './protocol.js'
import {readTemplateFiles} from './template-files.js'

export interface SandboxOptions {
  /** The bundled sandbox script (dist/sandbox/render-main.cjs). */
  script?: string
  /** Templates still rendering after this are stopped: DRAFT_RENDER_TIMEOUT ("30s") or 30 s. */
  timeoutMs?: number
  /** Heap of the sandbox, in MB. */
  heapMb?: number
}

/**
 * Renders templates in a child Node process under the permission model: it may read only its own
 * script (the templates' texts are sent on stdin, read here from the pack and draft's templates),
 * write nothing, start no process or worker, load no addon, open no inspector; its environment is
 * empty and its working folder a fresh temporary one, removed afterwards. One process renders every
 * template of a request, so a `draft create` pays one start of Node, and `prepare()` starts it while
 * detection runs.
 *
 * Node documents its permission model as a seat belt rather than a wall against malicious code; it is
 * the second line: the first is that packs which come with an app do not run until the user allows
 * them (pack-model/trust.ts).
 */
export class NodeSandboxRenderer implements TemplateRenderer {
  private readonly script: string
  private readonly timeoutMs: number
  private readonly heapMb: number
  private started?: Sandbox

  constructor(options: SandboxOptions = {}) {
    this.script = options.script ?? join(packageRoot(), 'dist', 'sandbox', 'render-main.cjs')
    this.timeoutMs = options.timeoutMs ?? parseDuration(process.env.DRAFT_RENDER_TIMEOUT ?? '') ?? 30_000
    this.heapMb = options.heapMb ?? 256
  }

  /** Start Node now: its start-up then overlaps detection instead of adding to create. */
  prepare(): void {
    if (!this.started && existsSync(this.script)) this.started = this.start()
  }

  async render(request: RenderRequest): Promise<RenderResult[]> {
    if (request.files.length === 0) return []
    if (!existsSync(this.script)) throw new Error(`draft: the template sandbox ${this.script} is missing: run \`npm run build\``)
    const input = JSON.stringify({request, files: [...readTemplateFiles(request)]})
    const sandbox = this.started ?? this.start()
    this.started = undefined
    const {code, signal, stdout, stderr, timedOut} = await sandbox.run(input, this.timeoutMs)
    const at = stdout.lastIndexOf(RESULT_MARK)
    if (code === 0 && at >= 0) {
      const results = JSON.parse(stdout.slice(at + RESULT_MARK.length)) as RenderResult[]
      if (Array.isArray(results) && results.length === request.files.length) return results
    }
    const reason = timedOut
      ? `they did not finish within ${formatDuration(this.timeoutMs)} (DRAFT_RENDER_TIMEOUT)`
      : `the renderer stopped (${signal ?? `exit code ${code}`})${lastLine(stderr) ? `: ${lastLine(stderr)}` : ''}`
    throw new DraftError('RENDER_FAILED', {pack: request.pack, reason})
  }

  private start(): Sandbox {
    const cwd = mkdtempSync(join(tmpdir(), 'draft-render-'))
    const cleanup = (): void => rmSync(cwd, {recursive: true, force: true})
    // A sandbox started for nothing (create failed before rendering) must neither keep draft running
    // nor leave its folder behind: it is unreferenced until used, and ends when draft's end closes its stdin.
    process.once('exit', cleanup)
    const child = spawn(
      process.execPath,
      ['--no-warnings', permissionFlag(), `--allow-fs-read=${this.script}`, `--max-old-space-size=${this.heapMb}`, this.script],
      {cwd, env: {}, stdio: ['pipe', 'pipe', 'pipe']},
    )
    const handles = [child, child.stdin, child.stdout, child.stderr] as unknown as {ref(): void; unref(): void}[]
    for (const handle of handles) handle.unref()
    const out: Buffer[] = []
    let err = ''
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => {
      if (err.length < 64_000) err += chunk.toString('utf8')
    })
    // The child may end before reading everything (a template that exits): its result says so.
    child.stdin.on('error', () => {})
    const ended = new Promise<{code: number | null; signal: NodeJS.Signals | null; error?: Error}>(resolve => {
      child.on('error', error => resolve({code: null, signal: null, error}))
      child.on('close', (code, signal) => resolve({code, signal}))
    })
    return {
      run: async (input, timeoutMs) => {
        for (const handle of handles) handle.ref()
        let timedOut = false
        const timer = setTimeout(() => {
          timedOut = true
          child.kill('SIGKILL')
        }, timeoutMs)
        child.stdin.end(input)
        try {
          const {code, signal, error} = await ended
          if (error) throw error
          return {code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: err, timedOut}
        } finally {
          clearTimeout(timer)
          process.removeListener('exit', cleanup)
          cleanup()
        }
      },
    }
  }
}

interface Sandbox {
  run(input: string, timeoutMs: number): Promise<{code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; timedOut: boolean}>
}

/** `--permission` from the Node releases where the model is stable, `--experimental-permission` before. */
function permissionFlag(): string {
  return process.allowedNodeEnvironmentFlags.has('--permission') ? '--permission' : '--experimental-permission'
}

const lastLine = (text: string): string =>
  text
    .trim()
    .split('\n')
    .map(l => l.trim())
    .filter(Boolean)
    .pop() ?? ''
