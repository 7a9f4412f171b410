import assert from 'node:assert/strict'
import {appendFileSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'

import {bed, copyFixture, draft} from '../support/cli.js'
import {bedBuilderToml, kubectl, podProcesses, useDns} from '../support/cluster-builder.js'
import {DraftProcess} from '../support/draft-process.js'
import {answers, portForward} from '../support/port-forward.js'

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))
const jsonLines = (text: string): Record<string, unknown>[] => text.split('\n').filter(l => l.startsWith('{')).map(l => JSON.parse(l) as Record<string, unknown>)
/** An engine that is not there: nothing in these tests may need Docker on this machine. */
const NO_DOCKER = {DOCKER_HOST: 'unix:///nonexistent/docker.sock'}
const BUILDER_NS = 'builder-h-e2e'
const APP_NS = 'builder-h-e2e-app'

interface StageEvent {
  type: string
  cycle?: number
  stage?: string
  event?: {type: string; stage: string; message?: string}
  error?: {code: string; message: string}
}

/**
 * `draft up --builder cluster` on the bed, with DOCKER_HOST pointing at nothing: BuildKit in the
 * cluster builds the node fixture from its base image (mirrored in the open registry), pushes it,
 * and the app answers on the real node; then the loop's promises hold in the cluster too.
 */
describe('draft up --builder cluster (e2e, real node)', function () {
  const env = bed()
  let app: string
  let release: string
  let stopDns: () => Promise<void>

  before(async () => {
    stopDns = await useDns()
    app = copyFixture('node', 'plain-http')
    release = 'builder-h-e2e'
    const created = await draft(['create', app, '--app', release])
    assert.equal(created.code, 0, created.stderr)
    // A step that runs for a while after the app's files are in, and names what it built from, so
    // a test sees in the builder pod which build its processes belong to.
    const dockerfile = join(app, 'Dockerfile')
    writeFileSync(dockerfile, readFileSync(dockerfile, 'utf8').replace(/^COPY \. \.$/m, 'COPY . .\nRUN sh -c \'sleep "$(cat delay.txt)"; true\' "stamp-$(cat stamp.txt)"'))
    writeFileSync(join(app, 'delay.txt'), '0\n')
    writeFileSync(join(app, 'stamp.txt'), 'first\n')
    appendFileSync(join(app, 'draft.toml'), bedBuilderToml(BUILDER_NS))
  })

  after(async () => {
    await stopDns?.()
    kubectl('delete', 'namespace', APP_NS, '--wait=false', '--ignore-not-found')
    rmSync(dirname(app), {recursive: true, force: true})
  })

  const up = (...args: string[]) => draft(['up', app, '--builder', 'cluster', '--registry', env.registry, '--namespace', APP_NS, '--json', ...args], {env: NO_DOCKER, timeoutMs: 10 * 60_000})

  it('builds, pushes and deploys with no Docker engine; the app answers', async () => {
    const run = await up()
    const events = jsonLines(run.stdout) as unknown as StageEvent[]
    assert.equal(run.code, 0, `${JSON.stringify(events.filter(e => e.type === 'stage-failed'))}\n${run.stderr}`)
    const result = events.find(e => e.type === 'result') as unknown as {builder: string; built: boolean; pushed: boolean; image: string; release: string}
    assert.deepEqual({builder: result.builder, built: result.built, pushed: result.pushed}, {builder: 'cluster', built: true, pushed: true})
    const progress = events.filter(e => e.type === 'stage-progress' && e.stage === 'build').map(e => (e as unknown as {message: string}).message)
    assert.ok(progress.some(m => /^(creating|upgrading) the builder/.test(m) || /^BuildKit v/.test(m)), progress.join('\n'))
    const port = Number(kubectl('-n', APP_NS, 'get', 'deployment', release, '-o', 'jsonpath={.spec.template.spec.containers[0].ports[0].containerPort}'))
    const forward = await portForward(APP_NS, `deployment/${release}`, port)
    try {
      const answer = await answers(`http://127.0.0.1:${forward.port}/`)
      assert.ok(answer.status > 0 && answer.status < 500, `the app answered ${answer.status}: ${answer.body}`)
    } finally {
      forward.close()
    }
  })

  it('a second unchanged up does no build', async () => {
    const run = await up()
    assert.equal(run.code, 0, run.stderr)
    const events = jsonLines(run.stdout) as unknown as StageEvent[]
    assert.ok(events.some(e => e.type === 'stage-skipped' && e.stage === 'build'), JSON.stringify(events))
    assert.ok(!events.some(e => e.type === 'stage-started' && e.stage === 'build'))
  })

  it('in --watch, a change during a build cancels that build in the pod, and the next one deploys', async () => {
    writeFileSync(join(app, 'delay.txt'), '120\n')
    writeFileSync(join(app, 'stamp.txt'), 'stale\n')
    const loop = new DraftProcess(['up', app, '--watch', '--builder', 'cluster', '--registry', env.registry, '--namespace', APP_NS], NO_DOCKER)
    try {
      // The first cycle's step runs its two-minute sleep in the builder pod.
      const stale = (): boolean => podProcesses(BUILDER_NS).some(p => p.includes('stamp-stale'))
      const deadline = Date.now() + 120_000
      while (!stale()) {
        if (Date.now() > deadline) assert.fail(`the stale step never ran; events: ${loop.events.map(e => e.type).join(' ')}\n${loop.stderr}`)
        await sleep(500)
      }
      writeFileSync(join(app, 'delay.txt'), '0\n')
      writeFileSync(join(app, 'stamp.txt'), 'fresh\n')
      await loop.until(() => loop.of('cycle-cancelled').length > 0, 'the stale cycle to be cancelled')
      // Stopped in the pod: none of its processes is left, not even the step's children.
      const gone = Date.now() + 10_000
      while (stale()) {
        if (Date.now() > gone) assert.fail(`the stale build still runs in the pod:\n${podProcesses(BUILDER_NS).filter(p => p.includes('stale')).join('\n')}`)
        await sleep(250)
      }
      await loop.until(() => loop.of('cycle-finished').length > 0, 'the cycle after the change to deploy', 300_000)
      assert.ok(!podProcesses(BUILDER_NS).some(p => p.includes('buildctl')), 'no build is left running')
    } finally {
      await loop.stop()
    }
  })

  it('a builder pod killed mid-build fails that cycle only; the next one works', async () => {
    writeFileSync(join(app, 'delay.txt'), '60\n')
    writeFileSync(join(app, 'stamp.txt'), 'doomed\n')
    const loop = new DraftProcess(['up', app, '--watch', '--builder', 'cluster', '--registry', env.registry, '--namespace', APP_NS], NO_DOCKER)
    try {
      const deadline = Date.now() + 120_000
      while (!podProcesses(BUILDER_NS).some(p => p.includes('stamp-doomed'))) {
        if (Date.now() > deadline) assert.fail(`the build never started; ${loop.stderr}`)
        await sleep(500)
      }
      kubectl('-n', BUILDER_NS, 'delete', 'pod', 'draft-buildkit-0', '--grace-period=0', '--force')
      await loop.until(() => loop.of('cycle-failed').length > 0, 'the cycle to fail', 120_000)
      const failed = loop.of('cycle-failed')[0] as unknown as StageEvent
      assert.equal(failed.error?.code, 'BUILDER_LOST', JSON.stringify(failed))
      writeFileSync(join(app, 'delay.txt'), '0\n')
      writeFileSync(join(app, 'stamp.txt'), 'after\n')
      await loop.until(() => loop.of('cycle-finished').length > 0, 'the next cycle to deploy', 300_000)
    } finally {
      await loop.stop()
    }
  })

  it('draft builder status says Ready; draft builder delete leaves nothing behind', async () => {
    const status = await draft(['builder', 'status', app, '--json'])
    assert.equal(status.code, 0, status.stdout + status.stderr)
    const report = JSON.parse(status.stdout) as {namespace: string; readiness: {state: string}; rootless: boolean}
    assert.deepEqual({namespace: report.namespace, state: report.readiness.state, rootless: report.rootless}, {namespace: BUILDER_NS, state: 'ready', rootless: true})

    const deleted = await draft(['builder', 'delete', app, '--yes', '--json'])
    assert.equal(deleted.code, 0, deleted.stdout + deleted.stderr)
    assert.deepEqual(JSON.parse(deleted.stdout), {namespace: BUILDER_NS, deleted: [`namespace ${BUILDER_NS}`], nothingThere: false})
    assert.equal(kubectl('get', 'namespace', BUILDER_NS, '--ignore-not-found', '-o', 'name').trim(), '')
    // Nothing of the builder anywhere else either: it makes no cluster-wide objects.
    const leftovers = kubectl('get', 'pods,statefulsets,persistentvolumeclaims,secrets,configmaps', '-A', '-l', 'app.kubernetes.io/instance=draft-buildkit', '-o', 'name').trim()
    assert.equal(leftovers, '')
    const again = await draft(['builder', 'delete', app, '--yes'])
    assert.equal(again.code, 0)
    assert.match(again.stdout, /nothing to delete/)
  })
})
