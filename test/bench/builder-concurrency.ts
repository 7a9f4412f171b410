/**
 * What one cluster builder handles: two apps (the node and go fixtures) built at the same time on one
 * BuildKit pod, against the same two builds one after the other, alternating, on the bed. Each build
 * redoes the app's own steps (dependencies, compile) as after a change of its manifest: a first line
 * with a new value busts the cache below it; base images stay cached. Prints medians; asserts nothing.
 *
 *   eval "$(npm run -s bed:env)"; npm run bench:builder-concurrency [-- --runs 3]
 */
import {execFileSync} from 'node:child_process'
import {cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {contentTag} from '../../src/build/content-tag.js'
import {contextTar} from '../../src/build/context.js'
import {KubeBuildKit} from '../../src/cluster-builder/kube-buildkit.js'
import {DEFAULT_BUILDER_SETTINGS} from '../../src/cluster-builder/settings.js'
import {ClientNodeKube} from '../../src/kube/client-node-kube.js'
import {loadKubeConfig} from '../../src/kube/kube-config.js'
import {ClientNodePodStreams} from '../../src/pod-streams/client-node-pod-streams.js'
import {packageRoot} from '../../src/util/package-root.js'
import {bedBuilderImage, kubectl} from '../support/cluster-builder.js'
import {DNS_ADDRESS, startDnsForwarder} from '../support/dns-forwarder.js'

const runsArg = process.argv.indexOf('--runs')
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3
const registry = process.env.DRAFT_BED_REGISTRY ?? '127.0.0.1:45000'
const NAMESPACE = 'builder-h-bench-concurrency'
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const s = (ms: number): string => `${(ms / 1000).toFixed(1)}s`
const cli = join(packageRoot(), 'bin', 'run.js')

async function main(): Promise<void> {
  const dns = await startDnsForwarder()
  const loaded = await loadKubeConfig(undefined, process.env)
  const builder = new KubeBuildKit(new ClientNodeKube(loaded), new ClientNodePodStreams(loaded))
  const settings = {
    ...DEFAULT_BUILDER_SETTINGS, namespace: NAMESPACE, image: bedBuilderImage(), hostNetwork: true, dns: [DNS_ADDRESS],
    mirrors: {'docker.io': [registry], 'gcr.io': [registry]},
  }
  const root = mkdtempSync(join(tmpdir(), 'draft-bench-concurrency-'))
  try {
    const apps = [{pack: 'node', name: 'express-api'}, {pack: 'go', name: 'net-http'}].map(f => {
      const dir = join(root, f.name)
      cpSync(join(packageRoot(), 'packs', f.pack, 'fixtures', f.name), dir, {recursive: true})
      execFileSync(process.execPath, [cli, 'create', dir], {stdio: 'ignore'})
      return {...f, dir, dockerfile: readFileSync(join(dir, 'Dockerfile'), 'utf8')}
    })
    const target = await builder.ready(settings, {app: 'bench', progress: m => console.log(`  ${m}`)})
    let round = 0
    const build = async (app: (typeof apps)[number]): Promise<number> => {
      // A new first instruction in every stage with a shell: everything after it is built again.
      writeFileSync(join(app.dir, 'Dockerfile'), app.dockerfile.replace(/^(FROM (?!gcr\.io\/distroless).*)$/gm, `$1\nRUN echo bust ${process.pid}-${round}`))
      const tagged = await contentTag(app.dir, {})
      const t0 = performance.now()
      await builder.build(target, {context: contextTar(app.dir, tagged.listing), dockerfile: 'Dockerfile', buildArgs: {}, ref: `${registry}/builder-h-bench/${app.name}:r${round}`, registry})
      return performance.now() - t0
    }
    // Warm: base images and the package managers' cache mounts.
    round++
    await Promise.all(apps.map(build))
    const sequential: number[] = []
    const concurrent: number[] = []
    const each: Record<string, number[]> = {}
    for (let i = 0; i < RUNS; i++) {
      round++
      const t0 = performance.now()
      for (const app of apps) (each[app.name] ??= []).push(await build(app))
      sequential.push(performance.now() - t0)
      round++
      const t1 = performance.now()
      await Promise.all(apps.map(build))
      concurrent.push(performance.now() - t1)
    }
    console.log(`one builder (BuildKit ${target.version}, pod ${target.pod}), two apps whose own steps are redone, ${RUNS} rounds alternating`)
    console.log(`  alone: ${apps.map(a => `${a.name} ${s(median(each[a.name]!))}`).join(', ')}`)
    console.log(`  sequential ${s(median(sequential))} vs concurrent ${s(median(concurrent))} -> concurrent takes ${(median(concurrent) / median(sequential)).toFixed(2)}x the sequential time (${dns.queries()} DNS lookups by the steps)`)
  } finally {
    await dns.close()
    rmSync(root, {recursive: true, force: true})
    kubectl('delete', 'namespace', NAMESPACE, '--wait=false')
  }
}

await main()
