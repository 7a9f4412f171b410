import assert from 'node:assert/strict'
import {getEventListeners} from 'node:events'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Readable} from 'node:stream'

import {type DeployConfig, loadConfig} from '../../../src/config/draft-toml.js'
import {DraftError, describeError} from '../../../src/core/errors.js'
import {FakeDocker} from '../../../src/docker/fake-docker.js'
import {FakeHelm} from '../../../src/helm/fake-helm.js'
import {FakeKube} from '../../../src/kube/fake-kube.js'
import {Coalescer} from '../../../src/loop/coalescer.js'
import {routeChange, unwatched} from '../../../src/loop/route.js'
import type {SyncedFile} from '../../../src/loop/sync-route.js'
import {type LoopEvent, type LoopOptions, WatchLoop, layoutOf} from '../../../src/loop/watch-loop.js'
import {FakeRunner} from '../../../src/process/fake-runner.js'
import {FakeCredentialStore, FakeRegistry} from '../../../src/registry/fake-registry.js'
import {UpEngine} from '../../../src/up/up-engine.js'
import {FakeWatcher} from '../../../src/watch/fake-watcher.js'

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

describe('Coalescer', () => {
  it('is due after the quiet period, or at the maximum wait during an endless burst', () => {
    const c = new Coalescer(300, 1000)
    assert.equal(c.dueAt(), undefined)
    c.add(0)
    c.add(200)
    assert.equal(c.dueAt(), 500)
    for (let t = 250; t < 2000; t += 100) c.add(t)
    assert.equal(c.dueAt(), 1000)
    assert.ok(c.isDue(1000) && !c.isDue(999))
    c.reset()
    assert.ok(!c.pending())
  })
})

describe('routing changes', () => {
  let dir: string
  before(() => {
    dir = app()
  })
  after(() => rmSync(dir, {recursive: true, force: true}))

  it('rebuilds for context files and the Dockerfile, redeploys for draft.toml and the chart, ignores the rest', () => {
    const layout = layoutOf(dir, loadConfig(dir, {}, {}))
    assert.equal(routeChange('src/app.js', layout), 'build')
    assert.equal(routeChange('Dockerfile', layout), 'build')
    assert.equal(routeChange('.dockerignore', layout), 'build')
    assert.equal(routeChange('draft.toml', layout), 'deploy')
    assert.equal(routeChange('charts/app/values.yaml', layout), 'deploy')
    for (const path of ['node_modules/x/index.js', 'src/.app.js.swp', 'src/app.js~', 'src/.#app.js', 'src/4913', '.git/HEAD', '.draft/logs/build.log', 'notes.md', 'src/#app.js#']) {
      assert.equal(routeChange(path, layout), 'none', path)
    }
  })

  it('does not even watch ignored trees, but keeps the folders that hold deploy inputs', () => {
    const layout = layoutOf(dir, loadConfig(dir, {}, {}))
    assert.ok(unwatched('node_modules', true, layout))
    assert.ok(unwatched('.git', true, layout))
    assert.ok(!unwatched('src', true, layout))
    assert.ok(!unwatched('charts', true, layout), '.dockerignore excludes charts, but the chart is a deploy input')
    assert.ok(!unwatched('charts/app/templates', true, layout))
  })
})

/** An app folder with draft.toml, a chart, a Dockerfile and a .dockerignore like draft create writes. */
function app(): string {
  const dir = mkdtempSync(join(tmpdir(), 'draft-loop-'))
  mkdirSync(join(dir, 'charts', 'app', 'templates'), {recursive: true})
  mkdirSync(join(dir, 'src'))
  writeFileSync(join(dir, 'charts', 'app', 'Chart.yaml'), 'apiVersion: v2\nname: app\nversion: 0.1.0\n')
  writeFileSync(join(dir, 'charts', 'app', 'values.yaml'), 'replicaCount: 1\n')
  writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\n')
  writeFileSync(join(dir, '.dockerignore'), 'node_modules\ncharts\ndraft.toml\n*.md\n')
  writeFileSync(join(dir, 'src', 'app.js'), 'v1\n')
  writeFileSync(join(dir, 'draft.toml'), '[environments.development]\nrelease = "app"\nregistry = "127.0.0.1:45000"\nchart = "charts/app"\n\n[environments.development.watch]\nquiet = "40ms"\nmax-wait = "400ms"\n')
  return dir
}

describe('WatchLoop', function () {
  this.timeout(20_000)
  let dir: string
  let watcher: FakeWatcher
  let docker: FakeDocker
  let helm: FakeHelm
  let registry: FakeRegistry
  let kube: FakeKube
  let events: LoopEvent[]
  let content: string
  let stop: AbortController
  let running: Promise<void>

  /** A deploy engine on the fakes; each `draft up` process makes its own. */
  const engine = (): UpEngine =>
    new UpEngine({
      docker, helm, registry, kube, credentials: new FakeCredentialStore(), runner: new FakeRunner(), env: {}, pollMs: 0,
      contexts: {prepare: async () => ({tag: `draft-${content.padStart(16, '0')}`, files: 1, bytes: 1, dockerfile: 'Dockerfile', open: () => Readable.from([Buffer.from(content)])})},
    })
  const start = (extra: Partial<ConstructorParameters<typeof WatchLoop>[0]> = {}, options: Partial<LoopOptions> = {}): WatchLoop => {
    const loopEngine = engine()
    const loop = new WatchLoop({watcher, up: (config, options) => loopEngine.run(config, options), loadConfig: () => loadConfig(dir, {}, {}), ...extra})
    running = loop.run(dir, {emit: e => events.push(e), signal: stop.signal, ...options})
    return loop
  }
  const of = (type: LoopEvent['type']) => events.filter(e => e.type === type)
  const until = async (predicate: () => boolean, ms = 5000): Promise<void> => {
    const deadline = Date.now() + ms
    while (!predicate()) {
      if (Date.now() > deadline) assert.fail(`timed out; events: ${events.map(e => e.type).join(', ')}`)
      await sleep(5)
    }
  }
  const deployedTag = (): string | undefined => helm.upgrades.at(-1)?.setString['image.tag']

  beforeEach(() => {
    dir = app()
    watcher = new FakeWatcher()
    docker = new FakeDocker()
    helm = new FakeHelm()
    registry = new FakeRegistry()
    kube = new FakeKube()
    events = []
    content = '1'
    stop = new AbortController()
  })
  afterEach(async () => {
    stop.abort()
    await running
    rmSync(dir, {recursive: true, force: true})
  })

  it('deploys at start, then turns a burst of 100 saves into one cycle that deploys the final tree', async () => {
    start()
    await until(() => of('cycle-finished').length === 1)
    for (let i = 2; i <= 101; i++) {
      content = String(i)
      watcher.emit('src/app.js')
      if (i % 10 === 0) await sleep(2)
    }
    await until(() => of('cycle-finished').length >= 2)
    await sleep(150)
    assert.ok(of('cycle-started').length <= 3, `${of('cycle-started').length} cycles`)
    assert.equal(deployedTag(), `draft-${'101'.padStart(16, '0')}`)
  })

  it('aborts a build made stale by a newer save, and deploys the newest content', async () => {
    start()
    await until(() => of('cycle-finished').length === 1)
    let release!: () => void
    docker.buildGate = new Promise(resolve => (release = resolve))
    content = '2'
    watcher.emit('src/app.js')
    await until(() => events.some(e => e.type === 'stage' && e.cycle === 2 && e.event.type === 'stage-started' && e.event.stage === 'build'))
    content = '3'
    watcher.emit('src/app.js')
    await until(() => of('cycle-cancelled').length === 1)
    docker.buildGate = undefined
    release()
    await until(() => of('cycle-finished').length === 2)
    assert.equal(deployedTag(), `draft-${'3'.padStart(16, '0')}`)
    assert.ok(!helm.upgrades.some(u => u.setString['image.tag'] === `draft-${'2'.padStart(16, '0')}`), 'the stale image was never deployed')
  })

  it('survives a broken build and ends at the fix', async () => {
    start()
    await until(() => of('cycle-finished').length === 1)
    docker.failBuild = {step: '[2/2] RUN make', reason: 'exit code: 2', tail: ['syntax error']}
    content = 'broken'
    watcher.emit('src/app.js')
    await until(() => of('cycle-failed').length === 1)
    const failure = of('cycle-failed')[0] as Extract<LoopEvent, {type: 'cycle-failed'}>
    assert.equal(failure.error.code, 'BUILD_FAILED')
    docker.failBuild = undefined
    content = 'fixed'
    watcher.emit('src/app.js')
    await until(() => of('cycle-finished').length === 2)
    assert.equal(deployedTag(), `draft-${'fixed'.padStart(16, '0')}`)
    assert.equal(helm.upgrades.length, 2)
  })

  const systems: [string, (gone: boolean) => void, string][] = [
    ['Docker', gone => (docker.unavailable = gone), 'DOCKER_UNAVAILABLE'],
    ['the registry', gone => registry.fail(gone ? 'unreachable' : undefined), 'REGISTRY_UNREACHABLE'],
    ['the Kubernetes API', gone => (kube.unreachable = gone), 'KUBE_UNREACHABLE'],
    ['the cluster, for helm only', gone => (helm.unreachable = gone), 'KUBE_UNREACHABLE'],
  ]
  for (const [system, gone, code] of systems) {
    it(`fails a cycle when ${system} goes away with a one-shot up's error, word for word, and deploys once it is back`, async () => {
      start()
      await until(() => of('cycle-finished').length === 1)
      gone(true)
      content = '2'
      watcher.emit('src/app.js')
      await until(() => of('cycle-failed').length === 1)
      const cycle = (of('cycle-failed')[0] as Extract<LoopEvent, {type: 'cycle-failed'}>).error
      const once = await engine()
        .run(loadConfig(dir, {}, {}), {emit: () => undefined})
        .then(() => assert.fail('the one-shot deploy succeeded'), describeError)
      assert.equal(cycle.code, code)
      assert.deepEqual(cycle, once)

      gone(false)
      content = '3'
      watcher.emit('src/app.js')
      await until(() => of('cycle-finished').length === 2)
      assert.equal(deployedTag(), `draft-${'3'.padStart(16, '0')}`)
      assert.equal(of('cycle-failed').length, 1)
    })
  }

  it('ignores changes to ignored files, and redeploys without a build for draft.toml', async () => {
    start()
    await until(() => of('cycle-finished').length === 1)
    registry.addTag(docker.pushes[0]!)
    assert.equal(watcher.emit('node_modules/x/index.js'), false, 'node_modules is not even watched')
    watcher.emit('README.md')
    watcher.emit('src/.app.js.swp')
    await sleep(150)
    assert.equal(of('cycle-started').length, 1)
    writeFileSync(join(dir, 'draft.toml'), '[environments.development]\nrelease = "app"\nregistry = "127.0.0.1:45000"\nchart = "charts/app"\n\n[environments.development.set]\nreplicaCount = 2\n\n[environments.development.watch]\nquiet = "40ms"\n')
    watcher.emit('draft.toml')
    await until(() => of('cycle-finished').length === 2)
    const cycle = of('cycle-started')[1] as Extract<LoopEvent, {type: 'cycle-started'}>
    assert.equal(cycle.route, 'deploy')
    assert.equal(docker.builds.length, 1, 'no rebuild')
    assert.equal(helm.upgrades.at(-1)?.set.replicaCount, '2')
  })

  it('skips a save that changed nothing', async () => {
    start()
    await until(() => of('cycle-finished').length === 1)
    watcher.emit('src/app.js')
    await until(() => of('cycle-finished').length === 2)
    const second = of('cycle-finished')[1] as Extract<LoopEvent, {type: 'cycle-finished'}>
    assert.ok(second.result.upToDate)
    assert.equal(helm.upgrades.length, 1)
    assert.equal(registry.calls.filter(c => c.method === 'hasTag').length, 1, 'the unchanged cycle asked nothing of the registry')
  })

  it('leaves no listener behind on the Ctrl-C signal, cycle after cycle (memory stays flat)', async () => {
    start()
    await until(() => of('cycle-finished').length === 1)
    const baseline = getEventListeners(stop.signal, 'abort').length
    for (let i = 2; i <= 25; i++) {
      content = String(i)
      // Each rollout takes a poll, and each poll waits on the signal.
      kube.restartRollout('default', 'app')
      watcher.emit('src/app.js')
      await until(() => of('cycle-finished').length === i)
    }
    assert.equal(getEventListeners(stop.signal, 'abort').length, baseline)
  })

  it('stops at SIGINT during a build, closes the watcher and starts nothing more', async () => {
    docker.buildGate = new Promise(() => undefined)
    start()
    await until(() => events.some(e => e.type === 'stage' && e.event.type === 'stage-started' && e.event.stage === 'build'))
    stop.abort()
    await running
    assert.ok(watcher.closed)
    assert.equal(of('stopped').length, 1)
    assert.equal(helm.upgrades.length, 0)
    watcher.emit('src/app.js')
    await sleep(100)
    assert.equal(of('cycle-started').length, 1)
  })

  it('Rebuild now: a full cycle with nothing changed, which builds the image the registry has and makes no revision', async () => {
    const loop = start()
    await until(() => of('cycle-finished').length === 1)
    const builds = docker.builds.length
    // The registry has what the first cycle pushed.
    for (const ref of docker.pushes) registry.addTag(ref)
    loop.rebuild()
    await until(() => of('cycle-finished').length === 2)
    const started = of('cycle-started')[1] as Extract<LoopEvent, {type: 'cycle-started'}>
    assert.equal(started.rebuild, true)
    assert.deepEqual(started.changes, [])
    assert.equal(docker.builds.length, builds + 1, 'the image was built again')
    const finished = of('cycle-finished')[1] as Extract<LoopEvent, {type: 'cycle-finished'}>
    assert.equal(finished.result.upToDate, true, 'the release already runs it: no new revision')
    assert.equal(helm.upgrades.length, 1)
    const stages = events.filter((e): e is Extract<LoopEvent, {type: 'stage'}> => e.type === 'stage' && e.cycle === 2 && e.event.type === 'stage-finished').map(e => e.event.stage)
    assert.deepEqual(stages, ['connect', 'tag', 'build', 'push', 'deploy', 'rollout'])
  })

  it('pause: saves wait and run as one cycle at resume; Rebuild now still runs', async () => {
    const loop = start()
    await until(() => of('cycle-finished').length === 1)
    loop.pause()
    content = '2'
    watcher.emit('src/app.js')
    watcher.emit('src/other.js')
    await sleep(200)
    assert.equal(of('cycle-started').length, 1, 'no cycle while paused')
    loop.resume()
    await until(() => of('cycle-finished').length === 2)
    assert.deepEqual((of('resumed')[0] as Extract<LoopEvent, {type: 'resumed'}>).pending, 2)
    assert.deepEqual((of('cycle-started')[1] as Extract<LoopEvent, {type: 'cycle-started'}>).changes, ['src/app.js', 'src/other.js'])
    loop.pause()
    loop.rebuild()
    await until(() => of('cycle-finished').length === 3)
    assert.equal(of('paused').length, 2)
  })

  it('rollback waits for the running cycle, no cycle runs during it, and the next one asks the cluster again', async () => {
    let release!: () => void
    const gate = new Promise<void>(resolve => (release = resolve))
    const order: string[] = []
    const loop = start({
      rollback: async (_config, options) => {
        order.push('rollback')
        options.emit({type: 'stage-started', stage: 'rollback', at: 0, message: 'helm rollback'})
        await gate
        return {release: 'app', namespace: 'default', changed: true, revision: 3, target: 1, from: 2, tag: 't1', images: [], timings: {}, totalMs: 5}
      },
    })
    await until(() => of('cycle-finished').length === 1)
    const rolled = loop.rollback(1)
    await until(() => of('rollback-started').length === 1)
    content = '1'
    watcher.emit('src/app.js')
    await sleep(150)
    assert.equal(of('cycle-started').length, 1, 'no cycle during the rollback')
    release()
    const result = await rolled
    assert.equal(result.revision, 3)
    assert.deepEqual((of('rollback-finished')[0] as Extract<LoopEvent, {type: 'rollback-finished'}>).result, {changed: true, revision: 3, target: 1, from: 2, tag: 't1', totalMs: 5})
    assert.ok(events.some(e => e.type === 'rollback-stage'))
    await until(() => of('cycle-finished').length === 2)
    // The same content as before the rollback: without the loop forgetting, it would be "unchanged" and not asked.
    assert.deepEqual(order, ['rollback'])
    const stages = events.filter((e): e is Extract<LoopEvent, {type: 'stage'}> => e.type === 'stage' && e.cycle === 2).map(e => (e.event.type === 'stage-skipped' ? e.event.message : ''))
    assert.ok(!stages.includes('unchanged since the last deploy'), 'the cycle after a rollback does not trust the last deploy')
  })

  it('a failed rollback is an event with the error, and the loop goes on', async () => {
    const loop = start({
      rollback: async () => {
        throw new DraftError('NOTHING_DEPLOYED', {release: 'app', namespace: 'default', context: 'fake'})
      },
    })
    await until(() => of('cycle-finished').length === 1)
    await assert.rejects(loop.rollback())
    assert.equal((of('rollback-failed')[0] as Extract<LoopEvent, {type: 'rollback-failed'}>).error.code, 'NOTHING_DEPLOYED')
    content = '9'
    watcher.emit('src/app.js')
    await until(() => of('cycle-finished').length === 2)
  })

  it('without a watcher and an initial cycle (draft dashboard), runs only what is asked for, and hands out the build log', async () => {
    const lines: string[] = []
    const loop = new WatchLoop({up: (config, options) => engine().run(config, options), loadConfig: () => loadConfig(dir, {}, {})})
    running = loop.run(dir, {emit: e => events.push(e), signal: stop.signal, initialCycle: false, onBuildLine: (cycle, line) => lines.push(`${cycle}:${line}`)})
    await sleep(100)
    assert.equal(of('cycle-started').length, 0)
    assert.equal(of('watching').length, 0)
    loop.rebuild()
    await until(() => of('cycle-finished').length === 1)
    assert.deepEqual(lines, ['1:DONE [2/2] RUN true'])
  })

})

describe('WatchLoop in sync mode', function () {
  this.timeout(20_000)
  let dir: string
  let watcher: FakeWatcher
  let docker: FakeDocker
  let helm: FakeHelm
  let events: LoopEvent[]
  let content: string
  let stop: AbortController
  let running: Promise<void>
  let syncs: {files: readonly SyncedFile[]; tag: string}[]
  let upConfigs: DeployConfig[]
  let syncFails: DraftError | undefined

  const start = (): WatchLoop => {
    const kube = new FakeKube()
    const engine = new UpEngine({
      docker, helm, registry: new FakeRegistry(), kube, credentials: new FakeCredentialStore(), runner: new FakeRunner(), env: {}, pollMs: 0,
      contexts: {prepare: async () => ({tag: `draft-${content.padStart(16, '0')}`, files: 1, bytes: 1, dockerfile: 'Dockerfile', open: () => Readable.from([Buffer.from(content)])})},
    })
    const loop = new WatchLoop({
      watcher,
      up: (config, options) => {
        upConfigs.push(config)
        return engine.run(config, options)
      },
      sync: async (_config, call) => {
        syncs.push({files: call.files, tag: call.deployed.tag})
        call.emit({type: 'stage-started', stage: 'plan', at: 0, message: 'plan'})
        if (syncFails) {
          const error = syncFails
          syncFails = undefined
          throw error
        }
        return {copied: call.files.length, removed: 0, bytes: 1, pods: ['app-1'], reload: 'restart', restarted: true, sinceImage: call.files.length, tag: call.deployed.tag, timings: {plan: 1, copy: 1, reload: 1}, totalMs: 3}
      },
      loadConfig: () => loadConfig(dir, {}, {}),
      rollback: async () => ({release: 'app', namespace: 'default', changed: true, revision: 3, target: 1, from: 2, tag: 't1', images: [], timings: {}, totalMs: 5}),
    })
    running = loop.run(dir, {emit: e => events.push(e), signal: stop.signal})
    return loop
  }
  const of = <T extends LoopEvent['type']>(type: T) => events.filter((e): e is Extract<LoopEvent, {type: T}> => e.type === type)
  const until = async (predicate: () => boolean, ms = 5000): Promise<void> => {
    const deadline = Date.now() + ms
    while (!predicate()) {
      if (Date.now() > deadline) assert.fail(`timed out; events: ${events.map(e => e.type).join(', ')}`)
      await sleep(5)
    }
  }

  beforeEach(() => {
    dir = app()
    writeFileSync(join(dir, 'charts', 'app', 'values.yaml'), 'replicaCount: 1\nsync:\n  enabled: false\n')
    writeFileSync(join(dir, 'package.json'), '{}\n')
    writeFileSync(
      join(dir, 'draft.toml'),
      '[environments.development]\nrelease = "app"\nregistry = "127.0.0.1:45000"\nchart = "charts/app"\nsync = true\n\n[environments.development.watch]\nquiet = "40ms"\nmax-wait = "400ms"\nsync-quiet = "10ms"\n\n[sync]\nreload = "restart"\npaths = [{from = ".", to = "/app"}]\nrebuild = ["package.json"]\ncommand = ["node", "src/app.js"]\n',
    )
    watcher = new FakeWatcher()
    docker = new FakeDocker()
    helm = new FakeHelm()
    events = []
    syncs = []
    upConfigs = []
    syncFails = undefined
    content = '1'
    stop = new AbortController()
  })
  afterEach(async () => {
    stop.abort()
    await running
    rmSync(dir, {recursive: true, force: true})
  })

  it('says live update is on, deploys in sync mode, then syncs a source file with no new revision', async () => {
    start()
    await until(() => of('cycle-finished').length === 1)
    assert.match(of('watching')[0]!.sync!.message, /^live update is on: saved files go into \/app/)
    assert.equal(upConfigs[0]!.sync, true)
    content = '2'
    watcher.emit('src/app.js')
    await until(() => of('cycle-synced').length === 1)
    assert.deepEqual(of('cycle-started')[1], {type: 'cycle-started', at: of('cycle-started')[1]!.at, cycle: 2, route: 'sync', changes: ['src/app.js']})
    assert.deepEqual(syncs, [{files: [{path: 'src/app.js', target: '/app/src/app.js'}], tag: `draft-${'1'.padStart(16, '0')}`}])
    assert.equal(helm.upgrades.length, 1, 'no new revision')
    assert.equal(docker.builds.length, 1, 'no new image')
    assert.ok(events.some(e => e.type === 'stage' && e.cycle === 2 && e.event.type === 'stage-started' && e.event.stage === 'plan'))
  })

  it('rebuilds for a dependency manifest, the burst with it included, and says why', async () => {
    start()
    await until(() => of('cycle-finished').length === 1)
    content = '2'
    watcher.emit('src/app.js')
    watcher.emit('package.json')
    await until(() => of('cycle-finished').length === 2)
    const cycle = of('cycle-started')[1]!
    assert.deepEqual([cycle.route, cycle.why, cycle.changes], ['build', 'package.json needs a new image (rebuild rule "package.json")', ['package.json', 'src/app.js']])
    assert.equal(syncs.length, 0)
    assert.equal(docker.builds.length, 2)
  })

  it('builds and deploys in the same cycle when the sync cannot apply', async () => {
    start()
    await until(() => of('cycle-finished').length === 1)
    syncFails = new DraftError('SYNC_NOT_APPLIED', {reason: 'exec into pod app-1 is forbidden (RBAC: create on pods/exec)'})
    content = '2'
    watcher.emit('src/app.js')
    await until(() => of('cycle-finished').length === 2)
    assert.deepEqual(of('sync-fallback').map(e => [e.cycle, e.error.code]), [[2, 'SYNC_NOT_APPLIED']])
    assert.equal(of('cycle-finished')[1]!.cycle, 2)
    assert.equal(helm.upgrades.at(-1)?.setString['image.tag'], `draft-${'2'.padStart(16, '0')}`)
    // The next save syncs again onto the new pods.
    content = '3'
    watcher.emit('src/app.js')
    await until(() => of('cycle-synced').length === 1)
    assert.equal(syncs.at(-1)!.tag, `draft-${'2'.padStart(16, '0')}`)
  })

  it('keeps syncing after an app that did not come back: its files are in', async () => {
    start()
    await until(() => of('cycle-finished').length === 1)
    syncFails = new DraftError('SYNC_RELOAD_FAILED', {pod: 'app-1', reason: 'the app exited 1 after the restart'})
    watcher.emit('src/app.js')
    await until(() => of('cycle-failed').length === 1)
    assert.equal(of('sync-fallback').length, 0)
    watcher.emit('src/app.js')
    await until(() => of('cycle-synced').length === 1)
    assert.deepEqual(syncs.at(-1)!.files.map(f => f.path), ['src/app.js'])
  })

  it('after a failed cycle, builds the next burst with the failed one\'s changes: nothing is dropped', async () => {
    start()
    await until(() => of('cycle-finished').length === 1)
    docker.failBuild = {step: '[2/2] RUN npm ci', reason: 'exit code: 1', tail: []}
    content = '2'
    watcher.emit('package.json')
    await until(() => of('cycle-failed').length === 1)
    docker.failBuild = undefined
    content = '3'
    watcher.emit('src/app.js')
    await until(() => of('cycle-finished').length === 2)
    const cycle = of('cycle-started')[2]!
    assert.equal(cycle.route, 'build')
    assert.deepEqual(cycle.changes, ['package.json', 'src/app.js'])
    assert.equal(syncs.length, 0)
  })

  it('builds after a rollback (the pods run a revision\'s image without the synced files) and for Rebuild now, then syncs again', async () => {
    const loop = start()
    await until(() => of('cycle-finished').length === 1)
    await loop.rollback(1)
    content = '2'
    watcher.emit('src/app.js')
    await until(() => of('cycle-finished').length === 2)
    assert.deepEqual([of('cycle-started')[1]!.route, of('cycle-started')[1]!.why], ['build', 'a rollback changed what runs'])
    loop.rebuild()
    await until(() => of('cycle-finished').length === 3)
    assert.deepEqual([of('cycle-started')[2]!.route, of('cycle-started')[2]!.rebuild], ['build', true])
    content = '3'
    watcher.emit('src/app.js')
    await until(() => of('cycle-synced').length === 1)
    assert.equal(syncs.length, 1)
  })

  it('is off, and says why, when draft.toml\'s rules rebuild', async () => {
    writeFileSync(join(dir, 'draft.toml'), '[environments.development]\nrelease = "app"\nregistry = "127.0.0.1:45000"\nchart = "charts/app"\nsync = true\n\n[environments.development.watch]\nquiet = "40ms"\n\n[sync]\nreload = "rebuild"\nwhy = "Go compiles the app into one binary in the image"\n')
    start()
    await until(() => of('cycle-finished').length === 1)
    assert.deepEqual(of('watching')[0]!.sync, {on: false, message: 'live update is off: Go compiles the app into one binary in the image; every change rebuilds the image'})
    assert.equal(upConfigs[0]!.sync, false)
    content = '2'
    watcher.emit('src/app.js')
    await until(() => of('cycle-finished').length === 2)
    assert.equal(syncs.length, 0)
  })
})
