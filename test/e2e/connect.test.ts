import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {type Server, createServer} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {bed, copyFixture, draft} from '../support/cli.js'
import {DraftProcess, get} from '../support/draft-process.js'
import {LoopbackProxy} from '../support/proxy.js'

const kubectl = (...args: string[]): string => execFileSync('kubectl', args, {encoding: 'utf8'})
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

/**
 * `draft connect`, `draft logs` and `draft up --connect` on the bed's real node (kubelet on
 * containerd): real port-forwards, real logs, real redeploys.
 */
describe('draft connect and logs (e2e, real node)', function () {
  this.timeout(20 * 60_000)
  const namespace = `e2e-forward-${process.pid}`
  let env: ReturnType<typeof bed>
  let app: string
  const running: DraftProcess[] = []
  let version = 0

  /** The app answers `version N`: each call deploys the next version. */
  const setVersion = (dir: string, n: number): void => {
    const file = join(dir, 'src', 'server.js')
    writeFileSync(file, readFileSync(file, 'utf8').replace(/message: '[^']*'/, `message: 'version ${n}'`))
  }
  const up = async (dir = app, ...extra: string[]) => {
    const run = await draft(['up', dir, '--registry', env.registry, '--namespace', namespace, '--build-network', 'host', ...extra])
    return run
  }
  const redeploy = async (): Promise<number> => {
    version += 1
    setVersion(app, version)
    const run = await up()
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`)
    return version
  }
  const start = (args: string[], extraEnv: NodeJS.ProcessEnv = {}): DraftProcess => {
    const p = new DraftProcess(args, extraEnv)
    running.push(p)
    return p
  }
  /** Polls the URL until it answers with `text`; every request must be answered. */
  const answers = async (url: string, text: string, ms = 30_000): Promise<void> => {
    const deadline = Date.now() + ms
    for (;;) {
      const {status, body} = await get(url)
      assert.equal(status, 200)
      if (body.includes(text)) return
      if (Date.now() > deadline) assert.fail(`${url} still answers ${body}, not ${text}`)
      await sleep(100)
    }
  }
  const pods = (release: string): string[] =>
    kubectl('-n', namespace, 'get', 'pods', '-l', `app.kubernetes.io/instance=${release}`, '-o', 'jsonpath={.items[*].metadata.name}').split(' ').filter(Boolean)

  before(async () => {
    env = bed()
    app = copyFixture('node', 'express-api')
    setVersion(app, 0)
    writeFileSync(join(app, 'src', 'server.js'), `${readFileSync(join(app, 'src', 'server.js'), 'utf8')}\n// e2e connect ${process.pid} ${Date.now()}\n`)
    assert.equal((await draft(['create', app])).code, 0)
    const first = await up()
    assert.equal(first.code, 0, first.stderr)
  })
  afterEach(async () => {
    for (const p of running.splice(0)) await p.stop()
  })
  after(() => {
    try {
      kubectl('delete', 'namespace', namespace, '--wait=false')
    } catch {
      // Best effort.
    }
  })

  it('answers HTTP with the newest content across three redeploys, on the same URL, with each new pod\'s start-up line', async () => {
    const connect = start(['connect', app, '--namespace', namespace])
    const url = await connect.url()
    assert.match(url, /^http:\/\/localhost:\d+$/)
    await answers(url, `version ${version}`)
    const before = new Set(pods('express-api'))
    for (let i = 0; i < 3; i++) {
      const v = await redeploy()
      await answers(url, `version ${v}`)
    }
    assert.equal(connect.of('forward-listening').length, 1, 'one URL for the whole session')
    const moves = connect.of('forward-target').filter(e => e.previous)
    assert.equal(moves.length, 3, JSON.stringify(connect.of('forward-target')))
    assert.ok(moves.every(m => m.why === 'the new version is Ready'), JSON.stringify(moves))
    const started = new Set(connect.of('log-line').filter(e => e.line === 'listening on 3000').map(e => e.pod))
    assert.equal([...started].filter(p => !before.has(String(p))).length, 3, 'the start-up line of each new pod')
    assert.equal(connect.of('forward-failed').length, 0)
    const status = await draft(['status', app, '--namespace', namespace, '--json'])
    assert.deepEqual((JSON.parse(status.stdout) as {urls?: string[]}).urls, [url], 'draft status shows where it is connected')
    assert.equal(await connect.stop(), 0)
    assert.equal(connect.of('connect-stopped').length, 1)
    const after = await draft(['status', app, '--namespace', namespace, '--json'])
    assert.equal((JSON.parse(after.stdout) as {urls?: string[]}).urls, undefined)
  })

  it('survives a deleted pod: new connections wait for the replacement, one line says why', async () => {
    const connect = start(['connect', app, '--namespace', namespace, '--no-logs'])
    const url = await connect.url()
    await answers(url, `version ${version}`)
    const [victim] = pods('express-api')
    kubectl('-n', namespace, 'delete', 'pod', victim!, '--wait=false')
    await connect.until(() => connect.of('forward-target').some(e => e.previous === victim), 'a new target')
    await answers(url, `version ${version}`)
    assert.ok(connect.of('forward-waiting').length >= 1, 'it said why nothing was Ready')
    assert.equal(connect.of('forward-failed').length, 0)
  })

  it('survives an API server restart: one line when it goes, one when it is back, and no log line twice', async () => {
    const server = /server: https:\/\/127\.0\.0\.1:(\d+)/.exec(readFileSync(process.env.KUBECONFIG!, 'utf8'))!
    const proxy = await LoopbackProxy.tcp({host: '127.0.0.1', port: Number(server[1])})
    const kubeconfig = join(mkdtempSync(join(tmpdir(), 'draft-proxy-')), 'config')
    writeFileSync(kubeconfig, readFileSync(process.env.KUBECONFIG!, 'utf8').replace(server[0], `server: https://${proxy.address}`))
    try {
      const connect = start(['connect', app, '--namespace', namespace], {KUBECONFIG: kubeconfig})
      const url = await connect.url()
      await answers(url, `version ${version}`)
      await connect.until(() => connect.of('log-line').length > 0, 'the pod\'s log')
      const [pod] = pods('express-api')
      // What the clients of an API server that restarts see: every connection cut, nothing answering for a while.
      await proxy.stop()
      await sleep(3000)
      await proxy.start()
      await connect.until(() => connect.of('connection-restored').length === 1, 'the reconnection', 60_000)
      assert.equal(connect.of('connection-lost').length, 1)
      await answers(url, `version ${version}`)
      // A line written after the outage arrives once; the ones before are not repeated.
      kubectl('-n', namespace, 'exec', pod!, '--', 'sh', '-c', 'echo after the outage > /proc/1/fd/1')
      await connect.until(() => connect.of('log-line').some(e => e.line === 'after the outage'), 'the new line')
      await sleep(500)
      const lines = connect.of('log-line').filter(e => e.pod === pod).map(e => e.line)
      assert.deepEqual(lines.filter(l => l === 'after the outage'), ['after the outage'])
      assert.equal(lines.filter(l => l === 'listening on 3000').length, 1)
    } finally {
      await proxy.stop()
    }
  })

  it('logs -f shows the new pod\'s start-up line after a redeploy', async () => {
    const logs = start(['logs', app, '--namespace', namespace, '-f'])
    const [old] = pods('express-api')
    await logs.until(() => logs.of('log-line').some(e => e.pod === old), 'the running pod\'s log')
    await redeploy()
    await logs.until(() => logs.of('log-line').some(e => e.pod !== old && e.line === 'listening on 3000'), 'the new pod\'s start-up line', 60_000)
  })

  it('logs prints the lines of every pod, labelled, and --tail cuts them', async () => {
    // The pod the last redeploy replaced may still be shutting down.
    for (let i = 0; i < 600 && pods('express-api').length > 1; i++) await sleep(100)
    const [pod] = pods('express-api')
    kubectl('-n', namespace, 'exec', pod!, '--', 'sh', '-c', 'echo one > /proc/1/fd/1; echo two > /proc/1/fd/1')
    const all = await draft(['logs', app, '--namespace', namespace])
    assert.equal(all.code, 0, all.stderr)
    const short = pod!.split('-').at(-1)!
    assert.match(all.stdout, new RegExp(`^${short}\\s+│ listening on 3000\\n${short}\\s+│ one\\n${short}\\s+│ two\\n$`))
    const tail = await draft(['logs', app, '--namespace', namespace, '--tail', '1', '--json'])
    assert.deepEqual(tail.stdout.trim().split('\n').map(l => JSON.parse(l).line), ['two'])
  })

  it('up --connect stays connected after the deploy, and with connect = true in draft.toml, up --watch keeps one URL across cycles', async () => {
    const once = start(['up', app, '--registry', env.registry, '--namespace', namespace, '--build-network', 'host', '--connect'])
    await once.until(() => once.of('result').length === 1 && once.of('forward-listening').length === 1, 'the deploy, then the forward')
    await answers(String(once.of('forward-listening')[0]!.url), `version ${version}`)
    assert.equal(await once.stop(), 0)

    const toml = join(app, 'draft.toml')
    writeFileSync(toml, readFileSync(toml, 'utf8').replace('connect = false', 'connect = true'))
    try {
      const watch = start(['up', app, '--watch', '--registry', env.registry, '--namespace', namespace, '--build-network', 'host'])
      const url = await watch.url()
      await answers(url, `version ${version}`)
      version += 1
      setVersion(app, version)
      await watch.until(() => watch.of('cycle-finished').length === 2, 'the second cycle', 180_000)
      await answers(url, `version ${version}`)
      assert.equal(watch.of('forward-listening').length, 1)
      assert.equal(await watch.stop(), 0)
    } finally {
      writeFileSync(toml, readFileSync(toml, 'utf8').replace('connect = true', 'connect = false'))
    }
  })

  it('--previous shows a crashed container\'s last lines, and connect says why nothing is Ready', async () => {
    const crash = copyFixture('node', 'express-api')
    writeFileSync(join(crash, 'src', 'server.js'), `console.log('crash marker ${process.pid}')\nconsole.error('cannot reach the database')\nprocess.exit(3)\n`)
    assert.equal((await draft(['create', crash, '--app', 'crasher'])).code, 0)
    const deployed = await up(crash, '--timeout', '90s')
    assert.equal(deployed.code, 1, 'the rollout fails')
    assert.match(deployed.stderr, /CrashLoopBackOff/)
    const previous = await draft(['logs', crash, '--namespace', namespace, '--previous'])
    assert.equal(previous.code, 0, previous.stderr)
    // stdout and stderr reach the container's log through two pipes: their order is not kept.
    assert.match(previous.stdout, new RegExp(`^\\S+ │ crash marker ${process.pid}$`, 'm'))
    assert.match(previous.stdout, /^\S+ │ cannot reach the database$/m)

    const connect = start(['connect', crash, '--namespace', namespace, '--no-logs'])
    await connect.until(() => connect.of('forward-waiting').some(e => /CrashLoopBackOff/.test(String(e.message))), 'the diagnosis')
    const waiting = connect.of('forward-waiting').find(e => /CrashLoopBackOff/.test(String(e.message)))!
    assert.match(String(waiting.fix), /--previous/)
  })

  describe('bad input: one line with the fix, exit 1', () => {
    const fails = async (args: string[], code: string, fix: RegExp, extraEnv: NodeJS.ProcessEnv = {}): Promise<void> => {
      const run = await draft(args, {env: extraEnv, timeoutMs: 60_000})
      assert.equal(run.code, 1, run.stdout + run.stderr)
      assert.match(run.stderr, new RegExp(`\\(${code}\\)`), run.stderr)
      assert.match(run.stderr, fix)
    }

    it('nothing deployed yet', async () => {
      await fails(['connect', app, '--namespace', `${namespace}-empty`], 'NOTHING_DEPLOYED', /Run `draft up` first/)
      await fails(['logs', app, '--namespace', `${namespace}-empty`], 'NOTHING_DEPLOYED', /Run `draft up` first/)
    })

    it('a local port in use that was asked for explicitly', async () => {
      const blocker: Server = createServer()
      await new Promise<void>(resolve => blocker.listen(0, '127.0.0.1', () => resolve()))
      const taken = (blocker.address() as {port: number}).port
      try {
        await fails(['connect', app, '--namespace', namespace, '--port', `${taken}:3000`], 'LOCAL_PORT_UNAVAILABLE', new RegExp(`stop what listens on ${taken}`))
      } finally {
        blocker.close()
      }
      await fails(['connect', app, '--namespace', namespace, '--port', 'http'], 'BAD_PORT_FLAG', /LOCAL:REMOTE/)
    })

    it('a namespace you may not read', async () => {
      kubectl('-n', namespace, 'create', 'serviceaccount', 'nobody')
      const token = kubectl('-n', namespace, 'create', 'token', 'nobody').trim()
      const config = readFileSync(process.env.KUBECONFIG!, 'utf8')
      const server = /server: (\S+)/.exec(config)![1]!
      const ca = /certificate-authority(?:-data)?: (\S+)/.exec(config)!
      const kubeconfig = join(mkdtempSync(join(tmpdir(), 'draft-nobody-')), 'config')
      writeFileSync(kubeconfig, `apiVersion: v1
kind: Config
clusters: [{name: bed, cluster: {server: ${server}, ${ca[0].replace(': ', ': "')}"}}]
users: [{name: nobody, user: {token: ${token}}}]
contexts: [{name: nobody, context: {cluster: bed, user: nobody}}]
current-context: nobody
`)
      await fails(['connect', app, '--namespace', namespace], 'NAMESPACE_FORBIDDEN', /namespace you may deploy to|Role/, {KUBECONFIG: kubeconfig})
      await fails(['logs', app, '--namespace', namespace], 'NAMESPACE_FORBIDDEN', /Role/, {KUBECONFIG: kubeconfig})
    })

    it('a pod with no ports (and --port still reaches it)', async () => {
      const bare = copyFixture('node', 'express-api')
      assert.equal((await draft(['create', bare, '--app', 'portless'])).code, 0)
      const template = join(bare, 'charts', 'portless', 'templates', 'deployment.yaml')
      writeFileSync(
        template,
        readFileSync(template, 'utf8')
          .replace(/ {10}ports:\n {12}- name: http\n {14}containerPort: .*\n {14}protocol: TCP\n/, '')
          .replaceAll('"port" "http"', '"port" .Values.containerPort'),
      )
      const deployed = await up(bare)
      assert.equal(deployed.code, 0, deployed.stderr)
      await fails(['connect', bare, '--namespace', namespace], 'NO_PORTS', /--port LOCAL:REMOTE/)
      const blocker: Server = createServer()
      await new Promise<void>(resolve => blocker.listen(0, '127.0.0.1', () => resolve()))
      const free = (blocker.address() as {port: number}).port
      await new Promise(resolve => blocker.close(resolve))
      const connect = start(['connect', bare, '--namespace', namespace, '--port', `${free}:3000`])
      await answers(await connect.url(), 'hello from the cluster')
    })
  })
})
