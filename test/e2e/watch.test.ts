import assert from 'node:assert/strict'
import {type ChildProcess, execFileSync, spawn} from 'node:child_process'
import {appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import yaml from 'js-yaml'

import {contentTag} from '../../src/build/content-tag.js'
import {packageRoot} from '../../src/util/package-root.js'
import {bed, copyFixture, draft, jsonLines} from '../support/cli.js'
import {LoopbackProxy} from '../support/proxy.js'

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))
const kubectl = (...args: string[]): string => execFileSync('kubectl', args, {encoding: 'utf8'})

interface LoopEvent {
  type: string
  cycle?: number
  route?: string
  event?: {type: string; stage: string}
  result?: {tag: string; revision: number; upToDate: boolean}
  error?: {code: string; message: string; fix: string}
}

/** `draft up --watch --json` as a child process, its events collected as they arrive. */
class Loop {
  readonly events: LoopEvent[] = []
  readonly child: ChildProcess
  stderr = ''
  exit: Promise<number>

  constructor(args: string[], env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(process.execPath, [join(packageRoot(), 'bin', 'run.js'), 'up', '--watch', '--json', ...args], {env: {...process.env, NO_COLOR: '1', ...env}, stdio: ['ignore', 'pipe', 'pipe']})
    let rest = ''
    this.child.stdout!.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString()).split('\n')
      rest = lines.pop() ?? ''
      for (const line of lines) if (line.startsWith('{')) this.events.push(JSON.parse(line) as LoopEvent)
    })
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()))
    this.exit = new Promise(resolve => this.child.on('exit', code => resolve(code ?? 1)))
  }

  of(type: string): LoopEvent[] {
    return this.events.filter(e => e.type === type)
  }

  async until(predicate: () => boolean, what: string, ms = 180_000): Promise<void> {
    const deadline = Date.now() + ms
    while (!predicate()) {
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; events: ${this.events.map(e => e.type + (e.event ? `:${e.event.type}:${e.event.stage}` : '')).join(' ')}\nstderr: ${this.stderr}`)
      await sleep(50)
    }
  }

  finished(): number {
    return this.of('cycle-finished').length
  }

  async stop(): Promise<number> {
    this.child.kill('SIGINT')
    return this.exit
  }
}

/**
 * The inner loop against the test bed: real chokidar, real builds, real registry, helm and Kubernetes.
 * The fixture's Dockerfile gets a slow step after `COPY . .`, so that a build is long enough to be
 * interrupted by a newer save.
 */
describe('draft up --watch (e2e, test bed)', function () {
  this.timeout(20 * 60_000)
  let env: ReturnType<typeof bed>
  let app: string
  let loop: Loop | undefined
  const namespace = `e2e-watch-${process.pid}`

  const deployedImage = (release: string): string =>
    kubectl('-n', namespace, 'get', 'deployment', '-l', `app.kubernetes.io/instance=${release}`, '-o', 'jsonpath={.items[0].spec.template.spec.containers[0].image}')
  const tagOfTree = async (): Promise<string> => (await contentTag(app)).tag
  const edit = (text: string): void => appendFileSync(join(app, 'src', 'server.js'), `\n// ${text}\n`)

  beforeEach(async () => {
    env = bed()
    app = copyFixture('node', 'express-api')
    edit(`watch e2e ${process.pid} ${Date.now()}`)
    assert.equal((await draft(['create', app])).code, 0)
    const dockerfile = join(app, 'Dockerfile')
    writeFileSync(dockerfile, readFileSync(dockerfile, 'utf8').replace('COPY . .\n', 'COPY . .\nRUN sleep 3\n'))
  })
  afterEach(async () => {
    if (loop && loop.child.exitCode === null) await loop.stop()
    loop = undefined
  })
  after(() => {
    try {
      kubectl('delete', 'namespace', namespace, '--wait=false')
    } catch {
      // Best effort.
    }
  })

  const start = (...extra: string[]): Loop => {
    loop = new Loop([app, '--registry', env.registry, '--namespace', namespace, '--build-network', 'host', ...extra])
    return loop
  }

  it('turns 100 writes within 2 s into at most 2 cycles and deploys the final tree', async () => {
    const l = start('--release', 'burst')
    await l.until(() => l.finished() === 1, 'the first deploy')
    const before = l.of('cycle-started').length
    const started = Date.now()
    for (let i = 0; i < 100; i++) {
      edit(`burst ${i}`)
      await sleep(18)
    }
    assert.ok(Date.now() - started < 2500)
    const finalTag = await tagOfTree()
    await l.until(() => l.of('cycle-finished').some(e => e.result?.tag === finalTag), 'a cycle deploying the final tree')
    await sleep(1000)
    const cycles = l.of('cycle-started').length - before
    assert.ok(cycles >= 1 && cycles <= 2, `${cycles} cycles for one burst`)
    assert.equal(deployedImage('burst'), `${env.registry}/express-api:${finalTag}`)
  })

  it('leaves at most one old pod terminating a few seconds after five saves in a row (old pods stop on SIGTERM)', async () => {
    const l = start('--release', 'saves')
    await l.until(() => l.finished() === 1, 'the first deploy')
    for (let i = 0; i < 5; i++) {
      edit(`save ${i}`)
      const tag = await tagOfTree()
      await l.until(() => l.of('cycle-finished').some(e => e.result?.tag === tag), `the cycle of save ${i}`)
    }
    await sleep(3000)
    const pods = JSON.parse(kubectl('-n', namespace, 'get', 'pods', '-l', 'app.kubernetes.io/instance=saves', '-o', 'json')) as {items: {metadata: {name: string; deletionTimestamp?: string}}[]}
    const terminating = pods.items.filter(p => p.metadata.deletionTimestamp).map(p => p.metadata.name)
    assert.ok(terminating.length <= 1, `still terminating: ${terminating.join(', ')}`)
    assert.equal(pods.items.length - terminating.length, 1, 'one pod serves')
  })

  it('aborts a build made stale by an edit, and deploys the newest content', async () => {
    const l = start('--release', 'stale')
    await l.until(() => l.finished() === 1, 'the first deploy')
    edit('first edit')
    await l.until(() => l.events.some(e => e.type === 'stage' && e.cycle === 2 && e.event?.type === 'stage-started' && e.event.stage === 'build'), 'the second build')
    await sleep(800)
    edit('second edit, during the build')
    const newest = await tagOfTree()
    await l.until(() => l.of('cycle-cancelled').length === 1, 'the stale build to be cancelled')
    await l.until(() => l.of('cycle-finished').some(e => e.result?.tag === newest), 'the newest content deployed')
    assert.equal(deployedImage('stale'), `${env.registry}/express-api:${newest}`)
  })

  it('survives a broken edit and ends at the fix', async () => {
    const l = start('--release', 'broken')
    await l.until(() => l.finished() === 1, 'the first deploy')
    const dockerfile = join(app, 'Dockerfile')
    const good = readFileSync(dockerfile, 'utf8')
    writeFileSync(dockerfile, good.replace('RUN sleep 3', 'RUN exit 3'))
    await l.until(() => l.of('cycle-failed').length === 1, 'the broken build to fail')
    const failure = l.of('cycle-failed')[0]!
    assert.equal(failure.error?.code, 'BUILD_FAILED')
    assert.match(failure.error?.message ?? '', /RUN exit 3/)
    assert.equal(l.child.exitCode, null, 'the loop is still alive')
    writeFileSync(dockerfile, good)
    edit('the fix')
    const fixed = await tagOfTree()
    await l.until(() => l.of('cycle-finished').some(e => e.result?.tag === fixed), 'the fix deployed')
    assert.equal(deployedImage('broken'), `${env.registry}/express-api:${fixed}`)
  })

  it('starts no cycle for ignored files', async () => {
    const l = start('--release', 'ignored')
    await l.until(() => l.finished() === 1, 'the first deploy')
    mkdirSync(join(app, 'node_modules', 'left-pad'), {recursive: true})
    writeFileSync(join(app, 'node_modules', 'left-pad', 'index.js'), 'module.exports = 1\n')
    writeFileSync(join(app, 'src', '.server.js.swp'), 'swap')
    writeFileSync(join(app, 'src', 'server.js~'), 'backup')
    writeFileSync(join(app, 'src', '4913'), '')
    appendFileSync(join(app, '.draft', 'logs', 'build.log'), 'more log\n')
    await sleep(2500)
    assert.equal(l.of('cycle-started').length, 1)
    assert.equal(l.of('change').length, 0)
  })

  it('exits cleanly at SIGINT during a build: code 0, no helm left running, no build containers', async () => {
    const containersBefore = execFileSync('docker', ['ps', '-aq'], {encoding: 'utf8'}).trim()
    const l = start('--release', 'interrupted')
    await l.until(() => l.events.some(e => e.type === 'stage' && e.event?.type === 'stage-started' && e.event.stage === 'build'), 'the first build')
    await sleep(800)
    const code = await l.stop()
    assert.equal(code, 0, l.stderr)
    assert.equal(l.of('stopped').length, 1)
    assert.equal(execFileSync('docker', ['ps', '-aq'], {encoding: 'utf8'}).trim(), containersBefore)
    const helms = execFileSync('sh', ['-c', `pgrep -f "[h]elm upgrade --install interrupted" || true`], {encoding: 'utf8'}).trim()
    assert.equal(helms, '')
    let release = ''
    try {
      release = kubectl('-n', namespace, 'get', 'deployment', '-l', 'app.kubernetes.io/instance=interrupted', '-o', 'name')
    } catch {
      // No namespace yet is as good as no release.
    }
    assert.equal(release.trim(), '', 'nothing was deployed by the interrupted build')
  })

  it('uninstalls the release at exit with --cleanup', async () => {
    const l = start('--release', 'cleaned', '--cleanup')
    await l.until(() => l.finished() === 1, 'the first deploy')
    assert.match(execFileSync('helm', ['-n', namespace, 'list', '-q'], {encoding: 'utf8'}), /^cleaned$/m)
    assert.equal(await l.stop(), 0, l.stderr)
    assert.doesNotMatch(execFileSync('helm', ['-n', namespace, 'list', '-q'], {encoding: 'utf8'}), /^cleaned$/m)
  })

  /**
   * Each external system goes away during the loop and comes back. The bed is shared, so its engine,
   * registry and API server keep running: a proxy this test controls sits between draft and each one.
   */
  interface AwaySystem {
    name: string
    code: string
    fix: RegExp
    /** The proxy in front of the system, and what points draft at it. */
    setup(dir: string): Promise<{proxy: LoopbackProxy; env: NodeJS.ProcessEnv; registry: string}>
  }
  const systems: AwaySystem[] = [
    {
      name: 'the Docker engine',
      code: 'DOCKER_UNAVAILABLE',
      fix: /Start Docker, or set DOCKER_HOST/,
      async setup(dir) {
        const socket = process.env.DOCKER_HOST!.replace(/^unix:\/\//, '')
        const proxy = await LoopbackProxy.unix(join(dir, 'docker.sock'), socket)
        return {proxy, env: {DOCKER_HOST: `unix://${proxy.address}`}, registry: env.registry}
      },
    },
    {
      name: 'the registry',
      code: 'REGISTRY_UNREACHABLE',
      fix: /^Start it, check --registry/,
      async setup() {
        const [host = '', port = ''] = env.registry.split(':')
        const proxy = await LoopbackProxy.tcp({host, port: Number(port)})
        return {proxy, env: {}, registry: proxy.address}
      },
    },
    {
      name: 'the Kubernetes API server',
      code: 'KUBE_UNREACHABLE',
      fix: /Check that the cluster is running/,
      async setup(dir) {
        // A copy of the bed's kubeconfig whose cluster is the proxy (the server certificate names 127.0.0.1).
        const config = yaml.load(readFileSync(process.env.KUBECONFIG!, 'utf8')) as {'current-context': string; contexts: {name: string; context: {cluster: string}}[]; clusters: {name: string; cluster: {server: string}}[]}
        const clusterName = config.contexts.find(c => c.name === config['current-context'])!.context.cluster
        const cluster = config.clusters.find(c => c.name === clusterName)!.cluster
        const server = new URL(cluster.server)
        const proxy = await LoopbackProxy.tcp({host: server.hostname, port: Number(server.port)})
        cluster.server = `https://${proxy.address}`
        const kubeconfig = join(dir, 'kubeconfig')
        writeFileSync(kubeconfig, yaml.dump(config), {mode: 0o600})
        return {proxy, env: {KUBECONFIG: kubeconfig}, registry: env.registry}
      },
    },
  ]

  for (const system of systems) {
    it(`${system.name} going away: one failed cycle with the one-shot \`up\` error and its fix, then a deploy once it is back`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'draft-e2e-away-'))
      const {proxy, env: extra, registry} = await system.setup(dir)
      try {
        const release = `away-${system.code.split('_')[0]!.toLowerCase()}`
        const args = [app, '--registry', registry, '--namespace', namespace, '--build-network', 'host', '--release', release]
        const l = new Loop(args, extra)
        loop = l
        await l.until(() => l.finished() === 1, 'the first deploy')

        await proxy.stop()
        edit(`while ${system.name} is away`)
        await l.until(() => l.of('cycle-failed').length === 1, 'a failed cycle')
        const failure = l.of('cycle-failed')[0]!.error!
        assert.equal(failure.code, system.code, failure.message)
        assert.match(failure.fix, system.fix)
        assert.equal(l.child.exitCode, null, 'the loop is still alive')
        // A one-shot `draft up` of the same tree, with the system still away, says the same thing.
        const once = await draft(['up', ...args, '--json'], {env: extra})
        assert.equal(once.code, 1, once.stdout + once.stderr)
        const error = (jsonLines(once.stdout).find(e => e.type === 'error') as {error: {code: string; message: string; fix: string}} | undefined)?.error
        assert.deepEqual({code: error?.code, message: error?.message, fix: error?.fix}, {code: failure.code, message: failure.message, fix: failure.fix})

        await proxy.start()
        edit(`${system.name} is back`)
        const tag = await tagOfTree()
        await l.until(() => l.of('cycle-finished').some(e => e.result?.tag === tag), 'the next change deployed')
        assert.equal(l.of('cycle-failed').length, 1)
        assert.equal(deployedImage(release), `${registry}/express-api:${tag}`)
      } finally {
        if (loop && loop.child.exitCode === null) await loop.stop()
        await proxy.stop()
        rmSync(dir, {recursive: true, force: true})
      }
    })
  }
})
