/**
 * How a build's context should reach BuildKit in the cluster, measured side by side on the bed: the
 * way draft does it (exec into the builder pod, the context tar on stdin, buildctl next to buildkitd)
 * against speaking BuildKit's API through a port-forward (buildctl on this machine, the context sent
 * by BuildKit's own file sync, which sends only what changed). Same builder, same one-file change,
 * alternating, for a small context and a large one. Prints medians and ratios; asserts nothing.
 *
 *   eval "$(npm run -s bed:env)"; npm run bench:builder-transport [-- --runs 5]
 */
import {type ChildProcess, execFileSync, spawn, spawnSync} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {homedir, tmpdir} from 'node:os'
import {join} from 'node:path'

import {contentTag} from '../../src/build/content-tag.js'
import {contextTar} from '../../src/build/context.js'
import {KubeBuildKit} from '../../src/cluster-builder/kube-buildkit.js'
import {BUILDKIT_VERSION} from '../../src/cluster-builder/image.js'
import {DEFAULT_BUILDER_SETTINGS} from '../../src/cluster-builder/settings.js'
import {ClientNodeKube} from '../../src/kube/client-node-kube.js'
import {loadKubeConfig} from '../../src/kube/kube-config.js'
import {ClientNodePodStreams} from '../../src/pod-streams/client-node-pod-streams.js'
import {bedBuilderImage, kubectl} from '../support/cluster-builder.js'

const runsArg = process.argv.indexOf('--runs')
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5
const registry = process.env.DRAFT_BED_REGISTRY ?? '127.0.0.1:45000'
const NAMESPACE = 'builder-h-bench-transport'
const TCP_PORT = 46234
const buildctl = join(process.env.DRAFT_BED_HOME ?? join(homedir(), '.cache', 'draft-bed'), 'tools', `buildkit-${BUILDKIT_VERSION}`, 'bin', 'buildctl')
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const s = (ms: number): string => `${(ms / 1000).toFixed(2)}s`

function makeContext(dir: string, files: number, bytes: number): void {
  mkdirSync(join(dir, 'src'), {recursive: true})
  writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nCOPY . /app\n')
  for (let i = 0; i < files; i++) writeFileSync(join(dir, 'src', `f${i}.txt`), randomBytes(bytes).toString('base64'))
}

async function main(): Promise<void> {
  const loaded = await loadKubeConfig(undefined, process.env)
  const builder = new KubeBuildKit(new ClientNodeKube(loaded), new ClientNodePodStreams(loaded))
  const settings = {...DEFAULT_BUILDER_SETTINGS, namespace: NAMESPACE, image: bedBuilderImage(), hostNetwork: true}
  let target = await builder.ready(settings, {app: 'bench', progress: m => console.log(`  ${m}`)})
  // The API the port-forward reaches: buildkitd listens on TCP too, for this measurement only.
  kubectl('-n', NAMESPACE, 'patch', 'statefulset', 'draft-buildkit', '--type=json', '-p',
    JSON.stringify([{op: 'add', path: '/spec/template/spec/containers/0/args/-', value: '--addr'}, {op: 'add', path: '/spec/template/spec/containers/0/args/-', value: `tcp://127.0.0.1:${TCP_PORT}`}]))
  kubectl('-n', NAMESPACE, 'rollout', 'status', 'statefulset/draft-buildkit', '--timeout=180s')
  target = await builder.ready(settings, {app: 'bench'})
  const forward: ChildProcess = spawn('kubectl', ['-n', NAMESPACE, 'port-forward', `pod/${target.pod}`, `:${TCP_PORT}`], {stdio: ['ignore', 'pipe', 'pipe']})
  const localPort = await new Promise<number>((resolve, reject) => {
    let out = ''
    forward.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /127\.0\.0\.1:(\d+) ->/.exec(out)
      if (m) resolve(Number(m[1]))
    })
    forward.on('exit', code => reject(new Error(`port-forward exited ${code}: ${out}`)))
  })

  const root = mkdtempSync(join(tmpdir(), 'draft-bench-transport-'))
  try {
    console.log(`context transport to BuildKit ${target.version} in the cluster (pod ${target.pod}), ${RUNS} one-file changes each, alternating`)
    for (const size of [{name: 'small', files: 3, bytes: 200}, {name: 'large', files: 2000, bytes: 7500}]) {
      const dir = join(root, size.name)
      makeContext(dir, size.files, size.bytes)
      const tagged = await contentTag(dir, {})
      const bytes = tagged.totalBytes
      let edit = 0
      const change = (): void => writeFileSync(join(dir, 'src', 'f0.txt'), `edit ${++edit} ${randomBytes(100).toString('hex')}`)
      const sending: number[] = []
      const viaExec = async (): Promise<number> => {
        change()
        const listing = (await contentTag(dir, {})).listing
        const t0 = performance.now()
        const result = await builder.build(target, {context: contextTar(dir, listing), dockerfile: 'Dockerfile', buildArgs: {}, ref: `${registry}/builder-h-bench/exec:${size.name}-${edit}`, registry})
        sending.push(result.contextMs)
        return performance.now() - t0
      }
      const viaForward = (): number => {
        change()
        const t0 = performance.now()
        const r = spawnSync(buildctl, ['--addr', `tcp://127.0.0.1:${localPort}`, 'build', '--frontend', 'dockerfile.v0', '--local', `context=${dir}`, '--local', `dockerfile=${dir}`,
          '--output', `type=image,name=${registry}/builder-h-bench/forward:${size.name}-${edit},push=true`, '--progress', 'quiet'], {encoding: 'utf8'})
        if (r.status !== 0) throw new Error(`buildctl through the port-forward failed: ${r.stderr}`)
        return performance.now() - t0
      }
      await viaExec()
      viaForward()
      sending.length = 0
      const exec: number[] = []
      const fwd: number[] = []
      for (let i = 0; i < RUNS; i++) {
        exec.push(await viaExec())
        fwd.push(viaForward())
      }
      console.log(`${size.name} context (${size.files} files, ${(bytes / 1e6).toFixed(1)} MB): exec + tar ${s(median(exec))} vs API through a port-forward ${s(median(fwd))} ` +
        `-> ratio ${(median(exec) / median(fwd)).toFixed(2)}x (min ${s(Math.min(...exec))} vs ${s(Math.min(...fwd))}); of the exec path, sending and unpacking the tar ${s(median(sending))}`)
    }
  } finally {
    forward.kill()
    rmSync(root, {recursive: true, force: true})
    execFileSync('kubectl', ['delete', 'namespace', NAMESPACE, '--wait=false'], {stdio: 'ignore'})
  }
}

await main()
