/**
 * `draft up` against the same work done by hand, measured side by side in one run on the test bed:
 * for the node and go fixtures, a one-file change is deployed with `draft up`, the next with
 * `draft up --builder cluster` (BuildKit in the cluster, on the bed's stand-in), and the next with
 * `docker build` + `docker push` + `helm upgrade --install --wait`, in turn, so that all three see the
 * same caches and the same machine load. Prints medians, the ratios, and the time of an `up` with
 * nothing changed. A script, not a test: it asserts nothing.
 *
 *   eval "$(npm run -s bed:env)"; npm run bench:up [-- --runs 5]
 */
import {execFileSync, spawnSync} from 'node:child_process'
import {appendFileSync, cpSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {packageRoot} from '../../src/util/package-root.js'
import {bedBuilderToml} from '../support/cluster-builder.js'
import {startDnsForwarderProcess} from '../support/dns-forwarder.js'

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

console.log(`draft up (local and cluster builder) vs the same steps by hand, ${RUNS} runs each, in turn (registry ${registry})`)
const dns = await startDnsForwarderProcess()
for (const fixture of fixtures) {
  const root = mkdtempSync(join(tmpdir(), 'draft-bench-up-'))
  const app = join(root, fixture.name)
  cpSync(join(packageRoot(), 'packs', fixture.pack, 'fixtures', fixture.name), app, {recursive: true})
  const release = `bench-${fixture.name}`
  const namespace = `bench-${fixture.pack}-${process.pid}`
  let edit = 0
  const change = (): void => appendFileSync(join(app, fixture.source), `\n${fixture.comment} bench edit ${++edit} ${Date.now()}\n`)
  try {
    execFileSync(process.execPath, [cli, 'create', app, '--app', release], {stdio: 'ignore'})
    appendFileSync(join(app, 'draft.toml'), bedBuilderToml(`builder-h-bench-up-${process.pid}`))
    const draftUp = ['up', app, '--registry', registry, '--namespace', namespace, '--build-network', 'host', '--release', release]
    const clusterUp = [...draftUp, '--builder', 'cluster']
    // Warm every path: base images, dependency layers, the builder in the cluster, the release.
    timed(process.execPath, [cli, ...draftUp], app)
    change()
    timed(process.execPath, [cli, ...clusterUp], app)
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
    const clusterTimes: number[] = []
    const handTimes: number[] = []
    for (let i = 0; i < RUNS; i++) {
      change()
      draftTimes.push(timed(process.execPath, [cli, ...draftUp], app))
      change()
      clusterTimes.push(timed(process.execPath, [cli, ...clusterUp], app))
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
    console.log(
      `${fixture.pack}/${fixture.name}: one-file change: draft up --builder cluster ${s(median(clusterTimes))} vs the local builder ${s(median(draftTimes))} ` +
        `-> cluster/local ${(median(clusterTimes) / median(draftTimes)).toFixed(2)}x`,
    )
  } finally {
    spawnSync('kubectl', ['delete', 'namespace', namespace, '--wait=false'], {stdio: 'ignore'})
    rmSync(root, {recursive: true, force: true})
  }
}
spawnSync('kubectl', ['delete', 'namespace', `builder-h-bench-up-${process.pid}`, '--wait=false'], {stdio: 'ignore'})
await dns.close()
