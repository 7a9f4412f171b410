import assert from 'node:assert/strict'
import {type ChildProcess, execFileSync, spawn} from 'node:child_process'
import {appendFileSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'

import {packageRoot} from '../../src/util/package-root.js'
import {bed, draft, jsonLines} from '../support/cli.js'
import {answers, portForward} from '../support/port-forward.js'
import {copyShop} from '../support/project.js'

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))
const kubectl = (...args: string[]): string => execFileSync('kubectl', args, {encoding: 'utf8'})
// bed:env puts the bed's docker CLI first on PATH and points DOCKER_HOST at its engine.
const docker = (...args: string[]): string => execFileSync('docker', args, {encoding: 'utf8'})

interface Row {
  service: string
  state: string
  tag?: string
  built: boolean
  revision?: number
  error?: {code: string; message: string}
}

/** The rows of `draft up --json` at a project root, by service. */
function rows(stdout: string): Record<string, Row> {
  const result = jsonLines(stdout).find(e => e.type === 'result') as {services?: Row[]} | undefined
  assert.ok(result?.services, `no result line in:\n${stdout.slice(-2000)}`)
  return Object.fromEntries(result.services.map(r => [r.service, r]))
}

/**
 * A monorepo of several services on the bed's real node, as a user runs it: `draft create` at the root
 * of the shop fixture (an API and a worker that share a library folder, a static web app, Redis, all
 * in compose.yaml), then `draft up`. The web app must reach the API by its service name, the API must
 * reach Redis, and a change must rebuild exactly the services whose build context holds it.
 */
describe('several services: create, then up on the real node (e2e)', function () {
  this.timeout(30 * 60_000)
  let env: ReturnType<typeof bed>
  let dir: string
  const namespace = `e2e-multi-${process.pid}`
  const up = async (...args: string[]) => {
    const run = await draft(['up', dir, '--env', 'bed', '--json', ...args], {timeoutMs: 15 * 60_000})
    return {...run, rows: rows(run.stdout)}
  }
  /** GET a path through the web app's Service, as the browser would. */
  const viaWeb = async (path: string): Promise<{status: number; body: string}> => {
    const forward = await portForward(namespace, 'service/web', 8080)
    try {
      return await answers(`http://127.0.0.1:${forward.port}${path}`)
    } finally {
      forward.close()
    }
  }

  before(async function () {
    env = bed()
    assert.ok(process.env.DRAFT_BED_REAL_NODE, 'the bed has no real node: run `npm run bed:up` with this version of test/bed')
    // The node pulls nothing from Docker Hub here: the bed's stand-in for redis:7 goes to the bed's registry,
    // and the test's environment points the dependency at it (what a mirror does for a real cluster).
    try {
      docker('image', 'inspect', 'redis:7')
    } catch {
      this.skip()
    }
    docker('tag', 'redis:7', `${env.registry}/library/redis:7`)
    docker('push', `${env.registry}/library/redis:7`)
    dir = copyShop()
    // Content tags are the same for the same files: a token of this run makes every image new to the
    // registry, so that "built" means built in this run.
    for (const folder of ['shared', 'web']) writeFileSync(join(dir, folder, 'run-id.txt'), `${Date.now()}-${process.pid}\n`)
  })
  after(() => {
    try {
      kubectl('delete', 'namespace', namespace, '--wait=false')
    } catch {
      // The bed is torn down after the run anyway.
    }
    if (dir) rmSync(dirname(dir), {recursive: true, force: true})
  })

  it('creates every service from compose.yaml and skips the shared library', async () => {
    const created = await draft(['create', dir, '--json'])
    assert.equal(created.code, 0, created.stderr)
    const plan = JSON.parse(created.stdout) as {services: {name: string; kind: string; port?: number}[]; skipped: {name: string}[]}
    assert.deepEqual(plan.services.map(s => [s.name, s.kind, s.port ?? null]), [['web', 'build', 8080], ['api', 'build', 3000], ['worker', 'build', null], ['redis', 'image', 6379]])
    assert.deepEqual(plan.skipped.map(s => s.name), ['shared'])
    appendFileSync(
      join(dir, 'draft.toml'),
      `\n[environments.bed]\nnamespace = "${namespace}"\nregistry = "${env.registry}"\nbuild-network = "host"\ntimeout = "4m"\n\n[environments.bed.services.redis]\nimage = "${env.registry}/library/redis:7"\n`,
    )
  })

  it('deploys every service, the dependencies first', async () => {
    const run = await up()
    assert.equal(run.code, 0, `${run.stderr}\n${run.stdout.slice(-3000)}`)
    for (const name of ['web', 'api', 'worker', 'redis']) assert.equal(run.rows[name]!.state, 'deployed', name)
    assert.ok(run.rows.api!.built && run.rows.worker!.built && run.rows.web!.built && !run.rows.redis!.built)
    // Each dependent's deploy started after its dependencies were ready.
    const events = jsonLines(run.stdout) as {type: string; stage?: string; service?: string}[]
    const at = (service: string, type: string, stage: string) => events.findIndex(e => e.service === service && e.type === type && e.stage === stage)
    assert.ok(at('redis', 'stage-finished', 'rollout') < at('api', 'stage-started', 'deploy'))
    assert.ok(at('redis', 'stage-finished', 'rollout') < at('worker', 'stage-started', 'deploy'))
    assert.ok(at('api', 'stage-finished', 'rollout') < at('web', 'stage-started', 'deploy'))
  })

  it('the web app reaches the API by its service name, and the API reaches Redis', async () => {
    const first = await viaWeb('/api/hello')
    assert.equal(first.status, 200, `${first.body} (a 502 from nginx here means the name api did not resolve: the bed's cluster DNS)`)
    const a = JSON.parse(first.body) as {greeting: string; visits: number; shared: string}
    assert.equal(a.shared, 'shared-1')
    const second = JSON.parse((await viaWeb('/api/hello')).body) as {visits: number}
    assert.equal(second.visits, a.visits + 1, 'the count lives in Redis')
    let heartbeat: string | null = null
    for (let i = 0; i < 20 && !heartbeat; i++) {
      heartbeat = (JSON.parse((await viaWeb('/api/worker')).body) as {heartbeat: string | null}).heartbeat
      if (!heartbeat) await sleep(500)
    }
    assert.match(heartbeat ?? '', /^hello worker \(shared-1\) #\d+$/, 'the worker writes to Redis too')
  })

  it('changes nothing when nothing changed: no build, no new revision', async () => {
    const run = await up()
    assert.equal(run.code, 0, run.stderr)
    for (const name of ['web', 'api', 'worker', 'redis']) {
      assert.equal(run.rows[name]!.state, 'unchanged', name)
      assert.equal(run.rows[name]!.revision, 1, name)
    }
  })

  it('a change in the shared folder rebuilds exactly its two users', async () => {
    const file = join(dir, 'shared', 'greeting.js')
    writeFileSync(file, readFileSync(file, 'utf8').replace("'shared-1'", "'shared-2'"))
    const run = await up()
    assert.equal(run.code, 0, run.stderr)
    assert.deepEqual(Object.values(run.rows).filter(r => r.built).map(r => r.service).sort(), ['api', 'worker'])
    assert.deepEqual([run.rows.api!.revision, run.rows.worker!.revision, run.rows.web!.revision, run.rows.redis!.revision], [2, 2, 1, 1])
    assert.equal((JSON.parse((await viaWeb('/api/hello')).body) as {shared: string}).shared, 'shared-2')
  })

  it('a change in the web app rebuilds only the web app', async () => {
    appendFileSync(join(dir, 'web', 'index.html'), '<!-- v2 -->\n')
    const run = await up()
    assert.equal(run.code, 0, run.stderr)
    assert.deepEqual(Object.values(run.rows).filter(r => r.built).map(r => r.service), ['web'])
    assert.deepEqual([run.rows.web!.revision, run.rows.api!.revision, run.rows.worker!.revision], [2, 2, 2])
    assert.match((await viaWeb('/')).body, /<!-- v2 -->/)
  })

  it('with --watch, sends each save to the services whose context holds it', async () => {
    const child: ChildProcess = spawn(process.execPath, [join(packageRoot(), 'bin', 'run.js'), 'up', dir, '--env', 'bed', '--watch', '--json'], {env: {...process.env, NO_COLOR: '1'}, stdio: ['ignore', 'pipe', 'pipe']})
    const events: {type: string; services?: Record<string, string>; rows?: Row[]}[] = []
    let rest = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString()).split('\n')
      rest = lines.pop() ?? ''
      for (const line of lines) if (line.startsWith('{')) events.push(JSON.parse(line) as (typeof events)[number])
    })
    const finished = () => events.filter(e => e.type === 'cycle-finished')
    const until = async (count: number) => {
      for (let i = 0; i < 3600 && finished().length < count; i++) await sleep(50)
      assert.equal(finished().length, count, events.map(e => e.type).join(' '))
    }
    try {
      await until(1)
      const file = join(dir, 'shared', 'greeting.js')
      writeFileSync(file, readFileSync(file, 'utf8').replace("'shared-2'", "'shared-3'"))
      await until(2)
      const cycles = events.filter(e => e.type === 'cycle-started')
      assert.deepEqual(cycles.at(-1)!.services, {api: 'build', worker: 'build'})
      assert.deepEqual(finished().at(-1)!.rows!.map(r => [r.service, r.state]), [['api', 'deployed'], ['worker', 'deployed']])
      appendFileSync(join(dir, 'web', 'index.html'), '<!-- v3 -->\n')
      await until(3)
      assert.deepEqual(events.filter(e => e.type === 'cycle-started').at(-1)!.services, {web: 'build'})
    } finally {
      child.kill('SIGINT')
      await new Promise(resolve => child.on('exit', resolve))
    }
  })

  it('delete at the root removes every service\'s release', async () => {
    const run = await draft(['delete', dir, '--env', 'bed', '--yes', '--json'], {timeoutMs: 5 * 60_000})
    assert.equal(run.code, 0, run.stderr)
    const result = jsonLines(run.stdout).find(e => e.type === 'result') as {services: {service: string; uninstalled: boolean}[]}
    assert.deepEqual(result.services.map(s => [s.service, s.uninstalled]), [['web', true], ['api', true], ['worker', true], ['redis', true]])
    assert.equal(execFileSync('helm', ['list', '-n', namespace, '-q'], {encoding: 'utf8'}).trim(), '')
  })
})
