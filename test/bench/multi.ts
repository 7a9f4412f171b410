/**
 * The first `draft up` of a project of several services, all at once against one at a time, measured
 * side by side in one run on the test bed. The shop fixture (an API and a worker sharing a library, a
 * static web app, Redis) is created twice, each copy with a token of its own so that every image is
 * new to the registry and really built. One copy is deployed with `draft up` at its root (builds at
 * once up to the machine's cores, each release once its dependencies are ready); the other with one
 * `draft up --service NAME` after the other, in depends-on order, as someone deploying the services one
 * by one would. The order of the two alternates between runs. Prints each pair, the medians and the
 * ratio. A script, not a test: it asserts nothing.
 *
 *   eval "$(npm run -s bed:env)"; npm run bench:multi [-- --runs 3]
 */
import {execFileSync, spawnSync} from 'node:child_process'
import {appendFileSync, cpSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {availableParallelism, tmpdir} from 'node:os'
import {join} from 'node:path'

import {packageRoot} from '../../src/util/package-root.js'

const runsArg = process.argv.indexOf('--runs')
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3
const registry = process.env.DRAFT_BED_REGISTRY
if (!registry || !process.env.KUBECONFIG) {
  console.error('the test bed is not in the environment: run `npm run bed:up` then `eval "$(npm run -s bed:env)"`')
  process.exit(1)
}

const cli = join(packageRoot(), 'bin', 'run.js')
const shop = join(packageRoot(), 'test', 'fixtures', 'multi', 'shop')
const ORDER = ['redis', 'api', 'worker', 'web']
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const s = (ms: number): string => `${(ms / 1000).toFixed(1)}s`
const timed = (args: string[]): number => {
  const started = performance.now()
  const result = spawnSync(process.execPath, [cli, ...args], {encoding: 'utf8', env: {...process.env, NO_COLOR: '1'}})
  if (result.status !== 0) throw new Error(`draft ${args.join(' ')} failed:\n${result.stdout.slice(-3000)}\n${result.stderr}`)
  return performance.now() - started
}

// The node pulls nothing from Docker Hub here: the bed's stand-in for redis:7 is served by its registry.
execFileSync('docker', ['tag', 'redis:7', `${registry}/library/redis:7`])
execFileSync('docker', ['push', '--quiet', `${registry}/library/redis:7`], {stdio: 'ignore'})

/** A fresh, created copy of the shop deployed to its own namespace, with a token that makes its images new. */
function project(label: string, run: number): {dir: string; namespace: string; root: string} {
  const root = mkdtempSync(join(tmpdir(), `draft-bench-multi-${label}-`))
  const dir = join(root, 'shop')
  cpSync(shop, dir, {recursive: true})
  const token = `${label}-${run}-${Date.now()}-${process.pid}`
  for (const folder of ['shared', 'web']) writeFileSync(join(dir, folder, 'run-id.txt'), `${token}\n`)
  execFileSync(process.execPath, [cli, 'create', dir], {stdio: 'ignore'})
  const namespace = `bench-multi-${label}-${run}-${process.pid}`
  appendFileSync(join(dir, 'draft.toml'), `\n[environments.bench]\nnamespace = "${namespace}"\nregistry = "${registry}"\nbuild-network = "host"\ntimeout = "5m"\n\n[environments.bench.services.redis]\nimage = "${registry}/library/redis:7"\n`)
  return {dir, namespace, root}
}

const cleanup = (p: {namespace: string; root: string}): void => {
  try {
    execFileSync('kubectl', ['delete', 'namespace', p.namespace, '--wait=false'], {stdio: 'ignore'})
  } catch {
    // Best effort.
  }
  rmSync(p.root, {recursive: true, force: true})
}

console.log(`first draft up of 4 services (3 built, 1 image), all at once vs one at a time, ${RUNS} runs, ${availableParallelism()} cores (registry ${registry})`)
const together: number[] = []
const oneByOne: number[] = []
for (let run = 1; run <= RUNS; run++) {
  const a = project('together', run)
  const b = project('serial', run)
  try {
    const measure = {
      together: () => timed(['up', a.dir, '--env', 'bench']),
      serial: () => ORDER.reduce((sum, service) => sum + timed(['up', b.dir, '--env', 'bench', '--service', service]), 0),
    }
    // Alternate which goes first, so that neither always meets the warmer caches.
    const first = run % 2 === 1 ? 'together' : 'serial'
    const times: Record<string, number> = {}
    for (const which of first === 'together' ? (['together', 'serial'] as const) : (['serial', 'together'] as const)) times[which] = measure[which]()
    together.push(times.together!)
    oneByOne.push(times.serial!)
    console.log(`  run ${run}: all at once ${s(times.together!)}, one at a time ${s(times.serial!)}  (${first} first)`)
  } finally {
    cleanup(a)
    cleanup(b)
  }
}
const t = median(together)
const o = median(oneByOne)
console.log(`median: all at once ${s(t)}, one at a time ${s(o)}; all at once takes ${(t / o).toFixed(2)}x the time (${(o / t).toFixed(2)}x faster)`)
