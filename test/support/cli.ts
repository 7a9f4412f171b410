import {spawn} from 'node:child_process'
import {cpSync, mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {basename, join} from 'node:path'

import {packageRoot} from '../../src/util/package-root.js'

export interface CliResult {
  code: number
  stdout: string
  stderr: string
  ms: number
}

/** Runs the built CLI (bin/run.js) as a user would, with extra environment. */
export function draft(args: string[], options: {cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number} = {}): Promise<CliResult> {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(packageRoot(), 'bin', 'run.js'), ...args], {
      cwd: options.cwd ?? packageRoot(),
      env: {...process.env, NO_COLOR: '1', ...options.env},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 600_000)
    child.on('error', reject)
    child.on('close', code => {
      clearTimeout(timer)
      resolve({code: code ?? 1, stdout, stderr, ms: Math.round(performance.now() - started)})
    })
  })
}

/** A fresh copy of a fixture app in a temp folder, so tests never write into the repo. */
export function copyFixture(pack: string, fixture: string): string {
  return copyFixtureDir(join(packageRoot(), 'packs', pack, 'fixtures', fixture))
}

/** A fresh copy of any fixture folder, under its own name, in a temp folder. */
export function copyFixtureDir(source: string): string {
  const dir = join(mkdtempSync(join(tmpdir(), `draft-e2e-${basename(source)}-`)), basename(source))
  cpSync(source, dir, {recursive: true})
  return dir
}

/** The test bed's variables, or a clear failure telling how to start it. */
export function bed(): {registry: string; authRegistry: string; user: string; password: string; context: string} {
  const need = ['DOCKER_HOST', 'KUBECONFIG', 'DRAFT_BED_REGISTRY', 'DRAFT_BED_AUTH_REGISTRY', 'DRAFT_BED_AUTH_USER', 'DRAFT_BED_AUTH_PASSWORD']
  const missing = need.filter(n => !process.env[n])
  if (missing.length) throw new Error(`the test bed is not in the environment (${missing.join(', ')} unset): run \`npm run bed:up\` then \`eval "$(npm run -s bed:env)"\``)
  return {
    registry: process.env.DRAFT_BED_REGISTRY!,
    authRegistry: process.env.DRAFT_BED_AUTH_REGISTRY!,
    user: process.env.DRAFT_BED_AUTH_USER!,
    password: process.env.DRAFT_BED_AUTH_PASSWORD!,
    context: process.env.DRAFT_BED_CONTEXT ?? '',
  }
}

/** JSON lines printed by `draft up --json`. */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout.split('\n').filter(l => l.startsWith('{')).map(l => JSON.parse(l) as Record<string, unknown>)
}
