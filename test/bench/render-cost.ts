/**
 * What rendering pack templates in the sandbox costs `draft create`. For a few built-in fixtures, runs
 * are interleaved so that the machine's noise hits every variant alike:
 *
 *   create, in-process   detection and plan with ejs in draft's own process: create before the sandbox
 *   create, sandbox      the same with the sandbox, started while detection runs: create now
 *   plan, in-process     the plan alone (every template of Dockerfile, .dockerignore, chart, draft.toml)
 *   plan, sandbox cold   the plan alone, paying a whole start of the sandbox
 *   plan, per-template   one sandbox per template: the design not taken
 *
 * Prints medians side by side, what the sandbox adds, and the CPU time one sandbox costs (from the
 * kernel's accounting of finished children, so it hardly depends on the load). A script, not a test.
 *
 *   npm run bench:render [-- --runs 15]
 */
import {readFileSync} from 'node:fs'
import {basename} from 'node:path'

import {detectApp, openApp} from '../../src/detect/detect.js'
import {loadPacks} from '../../src/pack-model/registry.js'
import {InProcessRenderer} from '../../src/sandbox/in-process-renderer.js'
import {NodeSandboxRenderer} from '../../src/sandbox/node-sandbox-renderer.js'
import {createApp} from '../../src/scaffold/create.js'
import {planScaffold} from '../../src/scaffold/plan.js'
import type {RenderRequest, RenderResult, TemplateRenderer} from '../../src/scaffold/template-renderer.js'
import {builtinFixtures} from '../support/fixtures.js'

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : fallback
}
const RUNS = arg('runs', 15)
const FIXTURES = ['node/plain-http', 'python/fastapi-uv', 'go/net-http', 'java/spring-boot-mvnw']

/** One sandbox per template, for comparison. */
class PerTemplateRenderer implements TemplateRenderer {
  private readonly sandbox = new NodeSandboxRenderer()
  async render(request: RenderRequest): Promise<RenderResult[]> {
    const results: RenderResult[] = []
    for (const file of request.files) results.push(...(await this.sandbox.render({...request, files: [file]})))
    return results
  }
}

/** In-process, counting the templates of a plan. */
class CountingRenderer extends InProcessRenderer {
  templates = 0
  override async render(request: RenderRequest): Promise<RenderResult[]> {
    this.templates = request.files.length
    return super.render(request)
  }
}

/** CPU milliseconds of this process's finished children (user + system), from /proc. */
const childCpuMs = (): number => {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[13]) + Number(fields[14])) * 10
}
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
const ms = (n: number): string => n.toFixed(1)

const packs = loadPacks({draftHome: '/nonexistent-draft-home'})
const counting = new CountingRenderer()
const rows: string[][] = []
const added: number[] = []
let sandboxCpu = 0
let sandboxes = 0
for (const fixture of builtinFixtures().filter(f => FIXTURES.includes(f.name))) {
  const snapshot = openApp(fixture.dir)
  const detection = await detectApp(snapshot, packs, {pack: fixture.pack.name})
  const planInput = {snapshot, pack: fixture.pack, variables: detection.variables!, app: basename(fixture.dir), force: true}
  const variants: [string, () => Promise<unknown>][] = [
    ['create in-process', () => createApp({path: fixture.dir, pack: fixture.pack.name, dryRun: true}, packs, counting)],
    ['create sandbox', () => createApp({path: fixture.dir, pack: fixture.pack.name, dryRun: true}, packs, new NodeSandboxRenderer())],
    ['plan in-process', () => planScaffold({...planInput, renderer: counting})],
    ['plan sandbox cold', async () => {
      const before = childCpuMs()
      await planScaffold({...planInput, renderer: new NodeSandboxRenderer()})
      sandboxCpu += childCpuMs() - before
      sandboxes++
    }],
    ['plan per-template', () => planScaffold({...planInput, renderer: new PerTemplateRenderer()})],
  ]
  const times = new Map<string, number[]>(variants.map(([name]) => [name, []]))
  // One warm-up round: the first in-process render pays for importing ejs, which create no longer does.
  for (let run = -1; run < RUNS; run++) {
    for (const [name, variant] of variants) {
      const started = performance.now()
      await variant()
      if (run >= 0) times.get(name)!.push(performance.now() - started)
    }
  }
  const m = variants.map(([name]) => median(times.get(name)!))
  added.push(m[1]! - m[0]!)
  rows.push([fixture.name, String(counting.templates), ...m.map(ms), `+${ms(m[1]! - m[0]!)}`])
}

const header = ['fixture', 'templates', 'create in-process', 'create sandbox', 'plan in-process', 'plan sandbox cold', 'plan per-template', 'create added']
const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => r[i]!.length)) + 2)
console.log(`draft create --dry-run (detect + plan) and the plan alone, median of ${RUNS} runs, ms`)
for (const row of [header, ...rows]) console.log(row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(''))
console.log(`the sandbox adds ${ms(median(added))} ms to a create (median over fixtures; goal: well under 100 ms)`)
console.log(`one sandbox costs ${ms(sandboxCpu / Math.max(sandboxes, 1))} ms of CPU (user + system, ${sandboxes} runs)`)
