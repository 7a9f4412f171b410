/**
 * The inner loop, measured: for the node and go fixtures, `draft up --watch` runs against the test bed
 * and gets 10 single-file edits; each is timed from the write to the cycle that deploys it being
 * finished (rollout available), and from the write to the cycle starting. In the same run, the same
 * steps are done by hand (docker build, docker push, helm upgrade --install --wait) for comparison,
 * interleaved with the loop's edits. Then the watcher's idle CPU and memory over 30 s.
 * A script, not a test: it prints figures and asserts nothing.
 *
 *   eval "$(npm run -s bed:env)"; npm run bench:loop [-- --edits 10 --idle 30]
 */
import {type ChildProcess, spawn, spawnSync} from 'node:child_process'
import {appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {contentTag} from '../../src/build/content-tag.js'
import {packageRoot} from '../../src/util/package-root.js'

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : fallback
}
const EDITS = arg('edits', 10)
const IDLE_S = arg('idle', 30)
const registry = process.env.DRAFT_BED_REGISTRY
if (!registry || !process.env.KUBECONFIG) {
  console.error('the test bed is not in the environment: run `npm run bed:up` then `eval "$(npm run -s bed:env)"`')
  process.exit(1)
}
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const p90 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.9) - 1)]!
const ms = (x: number): string => `${Math.round(x)} ms`

interface Event {
  type: string
  result?: {tag: string}
}

class Watch {
  readonly events: {at: number; event: Event}[] = []
  readonly child: ChildProcess

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [join(packageRoot(), 'bin', 'run.js'), 'up', '--watch', '--json', ...args], {stdio: ['ignore', 'pipe', 'inherit'], env: {...process.env, NO_COLOR: '1'}})
    let rest = ''
    this.child.stdout!.on('data', (chunk: Buffer) => {
      const now = performance.now()
      const lines = (rest + chunk.toString()).split('\n')
      rest = lines.pop() ?? ''
      for (const line of lines) if (line.startsWith('{')) this.events.push({at: now, event: JSON.parse(line) as Event})
    })
  }

  async waitFor(predicate: (e: Event) => boolean, after: number, timeoutMs = 300_000): Promise<number> {
    const deadline = performance.now() + timeoutMs
    for (;;) {
      const hit = this.events.find(e => e.at >= after && predicate(e.event))
      if (hit) return hit.at
      if (performance.now() > deadline) throw new Error('timed out waiting for the loop')
      await sleep(5)
    }
  }

  /** user+system CPU seconds of the draft process, from /proc. */
  cpuSeconds(): number {
    const fields = readFileSync(`/proc/${this.child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100
  }

  rssMb(): number {
    const line = readFileSync(`/proc/${this.child.pid}/status`, 'utf8').split('\n').find(l => l.startsWith('VmRSS:'))
    return Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) / 1024
  }
}

const fixtures = [
  {pack: 'node', name: 'express-api', source: 'src/server.js'},
  {pack: 'go', name: 'net-http', source: 'main.go'},
]

console.log(`draft up --watch: ${EDITS} single-file edits per fixture, write -> rollout available; hand-run steps interleaved (registry ${registry})`)
for (const fixture of fixtures) {
  const root = mkdtempSync(join(tmpdir(), 'draft-bench-loop-'))
  const app = join(root, fixture.name)
  cpSync(join(packageRoot(), 'packs', fixture.pack, 'fixtures', fixture.name), app, {recursive: true})
  const release = `loop-${fixture.name}`
  const namespace = `bench-loop-${fixture.pack}-${process.pid}`
  spawnSync(process.execPath, [join(packageRoot(), 'bin', 'run.js'), 'create', app, '--app', release], {stdio: 'ignore'})
  let edit = 0
  const change = (): void => appendFileSync(join(app, fixture.source), `\n// loop edit ${++edit} ${Date.now()}\n`)
  const quiet = 300
  const watch = new Watch([app, '--registry', registry, '--namespace', namespace, '--build-network', 'host', '--release', release])
  try {
    await watch.waitFor(e => e.type === 'cycle-finished', 0)
    const repository = `${registry}/${release}-hand`
    const hand = (): number => {
      const tag = `hand-${edit}`
      const started = performance.now()
      const run = (command: string, args: string[]): void => {
        const r = spawnSync(command, args, {cwd: app, encoding: 'utf8', env: {...process.env, DOCKER_BUILDKIT: '1'}})
        if (r.status !== 0) throw new Error(`${command} failed: ${r.stderr}`)
      }
      run('docker', ['build', '--network', 'host', '-t', `${repository}:${tag}`, '.'])
      run('docker', ['push', '--quiet', `${repository}:${tag}`])
      run('helm', ['upgrade', '--install', `${release}-hand`, `charts/${release}`, '--namespace', namespace, '--set', `image.repository=${repository}`, '--set', `image.tag=${tag}`, '--wait', '--timeout', '5m'])
      return performance.now() - started
    }
    const loopTimes: number[] = []
    const startLatency: number[] = []
    const handTimes: number[] = []
    hand()
    for (let i = 0; i < EDITS; i++) {
      await sleep(1000)
      change()
      const written = performance.now()
      const tag = (await contentTag(app)).tag
      const started = await watch.waitFor(e => e.type === 'cycle-started', written)
      const done = await watch.waitFor(e => e.type === 'cycle-finished' && e.result?.tag === tag, written)
      startLatency.push(started - written)
      loopTimes.push(done - written)
      // The hand-run deploy of the same edit, with the loop idle.
      if (i % 2 === 0) handTimes.push(hand())
    }
    const loopMedian = median(loopTimes)
    const handMedian = median(handTimes)
    const overhead = loopMedian - quiet - handMedian
    console.log(
      `${fixture.pack}/${fixture.name}: write->available median ${ms(loopMedian)}, p90 ${ms(p90(loopTimes))}; ` +
        `by hand median ${ms(handMedian)} (${handTimes.length} runs); ratio ${(loopMedian / handMedian).toFixed(2)}x, ` +
        `${(((loopMedian - quiet) / handMedian)).toFixed(2)}x without the ${quiet} ms quiet period (overhead ${ms(overhead)}); ` +
        `write->cycle start median ${ms(median(startLatency))}, max ${ms(Math.max(...startLatency))} (quiet period ${quiet} ms)`,
    )
    const cpu0 = watch.cpuSeconds()
    const rss0 = watch.rssMb()
    await sleep(IDLE_S * 1000)
    const cpu = watch.cpuSeconds() - cpu0
    console.log(`  idle ${IDLE_S}s: CPU ${cpu.toFixed(2)} s (${((cpu / IDLE_S) * 100).toFixed(2)}% of a core), RSS ${rss0.toFixed(0)} -> ${watch.rssMb().toFixed(0)} MB`)
  } finally {
    watch.child.kill('SIGINT')
    await new Promise(resolve => watch.child.once('exit', resolve))
    spawnSync('kubectl', ['delete', 'namespace', namespace, '--wait=false'], {stdio: 'ignore'})
    rmSync(root, {recursive: true, force: true})
  }
}
