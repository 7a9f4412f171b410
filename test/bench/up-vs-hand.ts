/**
 * `draft up` against the same work done by hand, measured side by side in one run on the test bed:
 * for the node and go fixtures, a one-file change is deployed with `draft up`, and the next one-file
 * change with `docker build` + `docker push` + `helm upgrade --install --wait`, alternating, so that
 * both see the same caches and the same machine load. Prints medians, the ratio, and the time of an
 * `up` with nothing changed. A script, not a test: it asserts nothing.
 *
 *   eval "$(npm run -s bed:env)"; npm run bench:up [-- --runs 5]
 */
import {execFileSync, spawnSync} from 'node:child_process'
import {appendFileSync, cpSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {packageRoot} from '../../src/util/package-root.js'

const runsArg = process.argv.indexOf('--runs')
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5
const registry = process.env.DRAFT_BED_REGISTRY
if (!registry || !process.env.KUBECONFIG) {
  console.error('the test bed is not in the environment: run `npm run bed:up` then `eval "$(npm run -s bed:env)"`')
  process.exit(1)
}

const cli = join(packageRoot(), 'bin', 'run.js')
const timed = (command: string, args: string[], cwd: string): number => {
  const started = performance.now()
  const result = spawnSync(command, args, {cwd, encoding: 'utf8', env: {...process.env, DOCKER_BUILDKIT: '1', NO_COLOR: '1'}})
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`)
  return performance.now() - started
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const s = (ms: number): string => `${(ms / 1000).toFixed(2)}s`

const fixtures = [
  {pack: 'node', name: 'express-api', source: 'src/server.js', comment: '//'},
  {pack: 'go', name: 'net-http', source: 'main.go', comment: '//'},
]

console.log(`draft up vs the same steps by hand, ${RUNS} runs each, alternating (registry ${registry})`)
for (const fixture of fixtures) {
  const root = mkdtempSync(join(tmpdir(), 'draft-bench-up-'))
  const app = join(root, fixture.name)
  cpSync(join(packageRoot(), 'packs', fixture.pack, 'fixtures', fixture.name), app, {recursive: true})
  const release = `bench-${fixture.name}`
  const namespace = `bench-${fixture.pack}-${process.pid}`
  try {
    execFileSync(process.execPath, [cli, 'create', app, '--app', release], {stdio: 'ignore'})
    const draftUp = ['up', app, '--registry', registry, '--namespace', namespace, '--build-network', 'host', '--release', release]
    // Warm both paths: base images, dependency layers, the release.
    timed(process.execPath, [cli, ...draftUp], app)
    let edit = 0
    const change = (): void => appendFileSync(join(app, fixture.source), `\n${fixture.comment} bench edit ${++edit} ${Date.now()}\n`)
    const repository = `${registry}/${release}-hand`
    const byHand = (): number => {
      const tag = `hand-${edit}`
      return (
        timed('docker', ['build', '--network', 'host', '-t', `${repository}:${tag}`, '.'], app) +
        timed('docker', ['push', '--quiet', `${repository}:${tag}`], app) +
        timed('helm', ['upgrade', '--install', `${release}-hand`, `charts/${release}`, '--namespace', namespace, '--create-namespace', '--set', `image.repository=${repository}`, '--set', `image.tag=${tag}`, '--wait', '--timeout', '5m'], app)
      )
    }
    change()
    byHand()
    const draftTimes: number[] = []
    const handTimes: number[] = []
    for (let i = 0; i < RUNS; i++) {
      change()
      draftTimes.push(timed(process.execPath, [cli, ...draftUp], app))
      change()
      handTimes.push(byHand())
    }
    const unchanged: number[] = []
    for (let i = 0; i < RUNS; i++) unchanged.push(timed(process.execPath, [cli, ...draftUp], app))
    const ratio = median(draftTimes) / median(handTimes)
    console.log(
      `${fixture.pack}/${fixture.name}: one-file change: draft up ${s(median(draftTimes))} vs by hand ${s(median(handTimes))} ` +
        `(median of ${RUNS}) -> ratio ${ratio.toFixed(2)}x; nothing changed: draft up ${s(median(unchanged))} (min ${s(Math.min(...unchanged))})`,
    )
  } finally {
    spawnSync('kubectl', ['delete', 'namespace', namespace, '--wait=false'], {stdio: 'ignore'})
    rmSync(root, {recursive: true, force: true})
  }
}
