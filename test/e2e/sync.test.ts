import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {readFileSync, rmSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'

import {bed, copyFixture, draft} from '../support/cli.js'
import {DraftProcess, type JsonEvent} from '../support/draft-process.js'
import {portForward} from '../support/port-forward.js'
import {createdShop} from '../support/project.js'

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))
const kubectl = (...args: string[]): string => execFileSync('kubectl', args, {encoding: 'utf8'})

interface Deployed {
  /** The helm revisions of the release, in order. */
  revisions: number
  /** The image of the Deployment's template. */
  image: string
  /** The release's pods that are not on their way out. */
  pods: string[]
}

/**
 * Live update on the bed's real node (containerd, kubelet): `draft up --watch --sync` on fixtures as
 * `draft create` scaffolds them. A saved source file must reach the running pod with no new helm
 * revision, no new image and no new pod, and the app must answer with it (through a port-forward of
 * its own, as a user's browser would); whatever needs a new image must still get one.
 */
describe('draft up --watch --sync (e2e, real node)', function () {
  this.timeout(30 * 60_000)
  const namespace = `sync-e2e-${process.pid}`
  let env: ReturnType<typeof bed>
  const apps: string[] = []
  let watch: DraftProcess | undefined

  before(() => {
    env = bed()
    assert.ok(process.env.DRAFT_BED_REAL_NODE, 'the bed has no real node: run `npm run bed:up` with this version of test/bed')
  })
  afterEach(async () => {
    await watch?.stop()
    watch = undefined
  })
  after(() => {
    try {
      kubectl('delete', 'namespace', namespace, '--wait=false')
    } catch {
      // Best effort.
    }
    for (const app of apps) rmSync(dirname(app), {recursive: true, force: true})
  })

  const scaffold = async (pack: string, fixture: string): Promise<string> => {
    const app = copyFixture(pack, fixture)
    apps.push(app)
    const created = await draft(['create', app])
    assert.equal(created.code, 0, created.stderr)
    return app
  }
  const start = (app: string, release: string, ...extra: string[]): DraftProcess => {
    watch = new DraftProcess(['up', app, '--watch', '--registry', env.registry, '--namespace', namespace, '--build-network', 'host', '--release', release, '--ui=false', ...extra])
    return watch
  }
  /** The release's Deployment, named by the chart (release-app unless the release holds the app's name). */
  const deploymentOf = (release: string): string =>
    kubectl('-n', namespace, 'get', 'deployment', '-l', `app.kubernetes.io/instance=${release}`, '-o', 'jsonpath={.items[0].metadata.name}').trim()
  const deployed = (release: string): Deployed => {
    const history = JSON.parse(execFileSync('helm', ['history', release, '-n', namespace, '-o', 'json'], {encoding: 'utf8'})) as unknown[]
    const image = kubectl('-n', namespace, 'get', 'deployment', deploymentOf(release), '-o', 'jsonpath={.spec.template.spec.containers[0].image}')
    const pods = JSON.parse(kubectl('-n', namespace, 'get', 'pods', '-l', `app.kubernetes.io/instance=${release}`, '-o', 'json')) as {items: {metadata: {name: string; deletionTimestamp?: string}}[]}
    return {revisions: history.length, image, pods: pods.items.filter(p => !p.metadata.deletionTimestamp).map(p => p.metadata.name).sort()}
  }
  /** GET through a fresh port-forward until the body holds `text` (a rollout may move the app to a new pod meanwhile). */
  const served = async (release: string, port: number, path: string, text: string, ms = 120_000): Promise<string> => {
    const deadline = Date.now() + ms
    let last = ''
    while (Date.now() < deadline) {
      try {
        const forward = await portForward(namespace, `deployment/${deploymentOf(release)}`, port, 15_000)
        try {
          for (let i = 0; i < 20; i++) {
            try {
              const res = await fetch(`http://127.0.0.1:${forward.port}${path}`, {signal: AbortSignal.timeout(5_000)})
              last = `${res.status} ${await res.text()}`
              if (last.includes(text)) return last
            } catch (error) {
              last = String(error)
            }
            await sleep(250)
          }
        } finally {
          forward.close()
        }
      } catch (error) {
        last = String(error)
        await sleep(500)
      }
    }
    assert.fail(`${release} did not answer ${path} with "${text}" within ${ms / 1000} s; last: ${last.slice(0, 300)}`)
  }
  const replaceIn = (file: string, pattern: RegExp, replacement: string): void => {
    const text = readFileSync(file, 'utf8')
    assert.match(text, pattern)
    writeFileSync(file, text.replace(pattern, replacement))
  }
  const count = (w: DraftProcess, type: string): number => w.of(type).length
  /** The i-th event of a type (negative: from the end), as the test reads it. */
  const event = <T>(w: DraftProcess, type: string, i: number): T => w.of(type).at(i) as unknown as T
  /** Every cycle started has ended. */
  const idle = (w: DraftProcess): boolean => count(w, 'cycle-started') === ['cycle-finished', 'cycle-synced', 'cycle-failed', 'cycle-cancelled'].reduce((n, t) => n + count(w, t), 0)
  const cycleOf = (w: DraftProcess, cycle: number): JsonEvent[] => w.events.filter(e => e.cycle === cycle)

  describe('node (express-api): reload = restart', () => {
    const release = 'sync-node'
    let app: string
    const server = (): string => join(app, 'src', 'server.js')
    const say = (message: string): void => replaceIn(server(), /message: '[^']*'/, `message: '${message}'`)

    before(async () => {
      app = await scaffold('node', 'express-api')
    })

    it('says live update is on, and a saved source file reaches the running pod: no new revision, no new image, no new pod', async () => {
      const w = start(app, release, '--sync')
      await w.until(() => count(w, 'cycle-finished') === 1, 'the first deploy', 15 * 60_000)
      const watching = event<{sync?: {on: boolean; message: string}}>(w, 'watching', 0)
      assert.equal(watching.sync?.on, true, JSON.stringify(watching.sync))
      assert.match(watching.sync!.message, /^live update is on: saved files go into \/app/)
      const pods = JSON.parse(kubectl('-n', namespace, 'get', 'pods', '-l', `app.kubernetes.io/instance=${release}`, '-o', 'json')) as {items: {metadata: {annotations?: Record<string, string>}}[]}
      assert.equal(pods.items[0]!.metadata.annotations?.['draft.dev/sync'], 'restart', 'the pod runs in sync mode')
      await served(release, 3000, '/', 'hello from the cluster')
      const before = deployed(release)

      say('hello from a synced file')
      await w.until(() => count(w, 'cycle-synced') === 1 || count(w, 'cycle-finished') > 1 || count(w, 'cycle-failed') > 0, 'the sync cycle')
      const synced = event<{cycle: number; result: {copied: number; restarted: boolean; pods: string[]; timings: Record<string, number>}} | undefined>(w, 'cycle-synced', 0)
      assert.ok(synced, `no sync: ${JSON.stringify(w.events.slice(-6))}`)
      assert.deepEqual([synced.result.copied, synced.result.restarted, synced.result.pods], [1, true, before.pods])
      const started = cycleOf(w, synced.cycle).find(e => e.type === 'cycle-started') as unknown as {route: string; changes: string[]}
      assert.deepEqual([started.route, started.changes], ['sync', ['src/server.js']])
      const stages = cycleOf(w, synced.cycle).filter(e => e.type === 'stage' && (e.event as {type: string}).type === 'stage-finished').map(e => (e.event as {stage: string}).stage)
      assert.deepEqual(stages, ['plan', 'copy', 'reload'])
      assert.equal(count(w, 'cycle-finished'), 1, 'no deploy cycle')

      const answer = await served(release, 3000, '/', 'hello from a synced file', 30_000)
      assert.match(answer, /^200 /)
      assert.deepEqual(deployed(release), before, 'the same revisions, image and pods')
      assert.equal(readFileSync(server(), 'utf8'), kubectl('-n', namespace, 'exec', before.pods[0]!, '-c', 'express-api', '--', 'cat', '/app/src/server.js'), 'the pod holds the file as saved')

      const status = await draft(['status', app, '--namespace', namespace, '--release', release, '--json'])
      const report = JSON.parse(status.stdout) as {synced?: {files: number; message: string}; folder?: {matches?: boolean}}
      assert.match(report.synced?.message ?? '', /^synced 1 file since image draft-[0-9a-f]{16}$/)
      assert.equal(report.folder?.matches, false, 'the next plain `draft up` builds: the folder no longer matches the image')
    })

    it('a new file and its deletion: synced in, then gone from the container; a burst of 50 writes ends with the last one served', async () => {
      const w = start(app, release, '--sync')
      await w.until(() => count(w, 'cycle-finished') === 1, 'the deploy of the session', 10 * 60_000)
      const extra = join(app, 'src', 'extra.js')
      writeFileSync(extra, 'module.exports = 1\n')
      await w.until(() => count(w, 'cycle-synced') === 1, 'the sync of a new file')
      // The pod the sync went to (the session's first deploy rolled a new one: the old held synced files).
      const [pod] = event<{result: {pods: string[]}}>(w, 'cycle-synced', 0).result.pods
      assert.equal(kubectl('-n', namespace, 'exec', pod!, '-c', 'express-api', '--', 'cat', '/app/src/extra.js'), 'module.exports = 1\n')
      rmSync(extra)
      await w.until(() => count(w, 'cycle-synced') === 2, 'the sync of a deletion')
      assert.equal(event<{result: {removed: number}}>(w, 'cycle-synced', 1).result.removed, 1)
      assert.equal(kubectl('-n', namespace, 'exec', pod!, '-c', 'express-api', '--', 'sh', '-c', 'test -e /app/src/extra.js && echo there || echo gone').trim(), 'gone')

      const revisions = deployed(release).revisions
      for (let i = 1; i <= 50; i++) {
        say(`burst ${i}`)
        await sleep(i % 10 === 0 ? 120 : 8)
      }
      await served(release, 3000, '/', 'burst 50', 60_000)
      await w.until(() => idle(w), 'the loop to settle')
      assert.equal(count(w, 'cycle-failed'), 0, JSON.stringify(w.of('cycle-failed')))
      assert.equal(deployed(release).revisions, revisions, 'the burst made no revision')
      assert.deepEqual(deployed(release).pods, [pod])
    })

    it('a pod that replaced a synced one (without its files) makes the next save build and deploy, and the final content is served', async () => {
      const w = start(app, release, '--sync')
      await w.until(() => count(w, 'cycle-finished') === 1, 'the deploy of the session', 10 * 60_000)
      say('before the pod goes')
      await w.until(() => count(w, 'cycle-synced') === 1, 'a first sync')
      const [gone] = event<{result: {pods: string[]}}>(w, 'cycle-synced', 0).result.pods
      kubectl('-n', namespace, 'delete', 'pod', gone!, '--wait=true', '--timeout=60s')
      let replacement: string | undefined
      for (let i = 0; !(replacement = deployed(release).pods.find(p => p !== gone)); i++) {
        assert.ok(i < 300, 'no pod replaced the deleted one')
        await sleep(200)
      }
      kubectl('-n', namespace, 'wait', '--for=condition=Ready', `pod/${replacement}`, '--timeout=120s')
      const revisions = deployed(release).revisions
      say('after the pod went')
      await w.until(() => count(w, 'cycle-finished') === 2 || count(w, 'cycle-failed') > 0, 'the fallback cycle', 10 * 60_000)
      const fallback = event<{cycle: number; error: {code: string; message: string}} | undefined>(w, 'sync-fallback', 0)
      assert.ok(fallback, `no fallback: ${JSON.stringify(w.events.slice(-6))}`)
      assert.equal(fallback.error.code, 'SYNC_NOT_APPLIED')
      assert.match(fallback.error.message, /holds 0 of the 1 files synced since image/)
      assert.equal(event<{cycle: number}>(w, 'cycle-finished', 1).cycle, fallback.cycle, 'built and deployed in the same cycle')
      assert.equal(deployed(release).revisions, revisions + 1)
      await served(release, 3000, '/', 'after the pod went')
    })

    it('a dependency manifest (package.json) rebuilds and deploys, and says why; Ctrl-C as a sync starts exits 0', async () => {
      const w = start(app, release, '--sync')
      await w.until(() => count(w, 'cycle-finished') === 1, 'the deploy of the session', 10 * 60_000)
      const before = deployed(release)
      // The manifest first: its quiet period (the longer one, a rebuild's) holds the burst for both.
      const manifest = join(app, 'package.json')
      writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('"private": true,', '"private": true,\n  "keywords": ["sync-e2e"],'))
      say('with a new manifest')
      await w.until(() => count(w, 'cycle-finished') === 2 || count(w, 'cycle-failed') > 0, 'the rebuild', 10 * 60_000)
      const started = event<{route: string; why?: string; changes: string[]}>(w, 'cycle-started', 1)
      assert.deepEqual([started.route, started.changes], ['build', ['package.json', 'src/server.js']])
      assert.match(started.why ?? '', /package\.json needs a new image \(rebuild rule "package\.json"\)/)
      assert.equal(count(w, 'cycle-synced'), 0)
      const after = deployed(release)
      assert.equal(after.revisions, before.revisions + 1)
      assert.notEqual(after.image, before.image, 'a new image')
      await served(release, 3000, '/', 'with a new manifest')

      say('interrupted')
      await w.until(() => w.of('cycle-started').some(e => e.route === 'sync'), 'a sync cycle to start')
      assert.equal(await w.stop(), 0, w.stderr)
      assert.equal(w.of('stopped').length, 1)
    })
  })

  describe('python (flask-requirements): reload = restart under gunicorn', () => {
    const release = 'sync-python'

    it('a saved app.py is answered after a sync, with no new revision; requirements.txt rebuilds', async () => {
      const app = await scaffold('python', 'flask-requirements')
      const source = join(app, 'app.py')
      const w = start(app, release, '--sync')
      await w.until(() => count(w, 'cycle-finished') === 1, 'the first deploy', 15 * 60_000)
      assert.equal(event<{sync?: {on: boolean}}>(w, 'watching', 0).sync?.on, true)
      const before = deployed(release)
      replaceIn(source, /service="[^"]*"/, 'service="synced python"')
      await w.until(() => count(w, 'cycle-synced') === 1 || count(w, 'cycle-finished') > 1 || count(w, 'cycle-failed') > 0, 'the sync cycle')
      assert.equal(count(w, 'cycle-synced'), 1, JSON.stringify(w.events.slice(-6)))
      await served(release, 5000, '/', 'synced python', 30_000)
      assert.deepEqual(deployed(release), before)

      const requirements = join(app, 'requirements.txt')
      writeFileSync(requirements, `${readFileSync(requirements, 'utf8').trimEnd()}\n# sync e2e\n`)
      await w.until(() => count(w, 'cycle-finished') === 2 || count(w, 'cycle-failed') > 0, 'the rebuild', 10 * 60_000)
      assert.match(event<{why?: string}>(w, 'cycle-started', -1).why ?? '', /requirements\.txt needs a new image/)
      assert.equal(deployed(release).revisions, before.revisions + 1)
      await served(release, 5000, '/', 'synced python')
    })
  })

  it('is refused at the root of several services, with the reason, before anything is built', async () => {
    const {dir} = await createdShop()
    apps.push(dir)
    const run = await draft(['up', dir, '--watch', '--sync', '--registry', env.registry, '--namespace', namespace], {timeoutMs: 60_000})
    assert.equal(run.code, 1)
    assert.match(run.stderr + run.stdout, /live update is not offered yet at the root of several services/)
    assert.doesNotMatch(run.stdout + run.stderr, /cycle|building/)
  })

  describe('go (net-http): a compiled app keeps rebuilding', () => {
    const release = 'sync-go'

    it('says why live update is off, and a saved .go file builds a new image and revision', async () => {
      const app = await scaffold('go', 'net-http')
      const w = start(app, release, '--sync')
      await w.until(() => count(w, 'cycle-finished') === 1, 'the first deploy', 15 * 60_000)
      assert.deepEqual(event<{sync?: unknown}>(w, 'watching', 0).sync, {on: false, message: 'live update is off: Go compiles the app into one binary in the image; every change rebuilds the image'})
      const before = deployed(release)
      replaceIn(join(app, 'handlers.go'), /"hello, "/, '"hi from a rebuild, "')
      await w.until(() => count(w, 'cycle-finished') === 2 || count(w, 'cycle-failed') > 0, 'the rebuild', 10 * 60_000)
      assert.equal(event<{route: string}>(w, 'cycle-started', 1).route, 'build')
      assert.equal(count(w, 'cycle-synced'), 0)
      const after = deployed(release)
      assert.equal(after.revisions, before.revisions + 1)
      assert.notEqual(after.image, before.image)
      await served(release, 8080, '/hello/world', 'hi from a rebuild, world')
    })
  })
})
