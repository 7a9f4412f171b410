import assert from 'node:assert/strict'
import {createServer as createHttpServer, request as httpRequest} from 'node:http'
import {type Server, createServer as createTcpServer} from 'node:net'

import {ConnectSession} from '../../../src/connect/connect-session.js'
import type {ConnectEvent} from '../../../src/core/events.js'
import {FakeKube} from '../../../src/kube/fake-kube.js'
import type {PodState} from '../../../src/kube/kube.js'
import {FakePodStreams} from '../../../src/pod-streams/fake-pod-streams.js'
import {deployment, get, pod, servePod, waitFor} from './helpers.js'
import {failure} from '../../support/draft-error.js'

const OLD = 'app-old111-aaaaa'
const NEW = 'app-new111-bbbbb'

describe('ConnectSession (fake cluster, real local sockets)', function () {
  this.timeout(10_000)
  let kube: FakeKube
  let streams: FakePodStreams
  let events: ConnectEvent[]
  let stop: AbortController
  let running: Promise<void> | undefined
  let blockers: Server[]

  const session = (options: {ports?: {local: number; remote: number}[]; logs?: boolean; holdMs?: number} = {}) =>
    new ConnectSession(
      {release: 'app', namespace: 'dev'},
      {forward: options.ports ?? [], logs: options.logs === false ? false : {initial: {tailLines: 10}}, emit: e => events.push(e)},
      {kube, streams, sleep: (ms, signal) => new Promise(r => {
        const t = setTimeout(r, Math.min(ms, 20))
        signal?.addEventListener('abort', () => { clearTimeout(t); r() }, {once: true})
      }), ...(options.holdMs ? {holdMs: options.holdMs} : {})},
    )
  const start = async (options: Parameters<typeof session>[0] = {}): Promise<number> => {
    const s = session(options)
    await s.start()
    running = s.run(stop.signal)
    await waitFor(() => kube.watchCount() > 0, 'the pod watch')
    return s.ports()[0]?.local ?? 0
  }
  const of = <T extends ConnectEvent['type']>(type: T) => events.filter((e): e is Extract<ConnectEvent, {type: T}> => e.type === type)
  const pods = (...list: PodState[]) => kube.setPods(list)
  const block = (port: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const server = createTcpServer()
      blockers.push(server)
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => resolve())
    })
  const freePort = async (): Promise<number> => {
    const server = createTcpServer()
    await new Promise<void>(r => server.listen(0, '127.0.0.1', () => r()))
    const port = (server.address() as {port: number}).port
    await new Promise<void>(r => server.close(() => r()))
    return port
  }

  beforeEach(() => {
    kube = new FakeKube()
    streams = new FakePodStreams()
    events = []
    stop = new AbortController()
    running = undefined
    blockers = []
    kube.deploymentList = [deployment()]
    kube.newestHash = 'old111'
  })
  afterEach(async () => {
    stop.abort()
    await running
    for (const b of blockers) await new Promise<void>(r => b.close(() => r()))
  })

  it('forwards the declared port to the Ready pod on a free local port and says where', async () => {
    const remote = await freePort()
    kube.deploymentList = [deployment({ports: [remote]})]
    pods(pod(OLD, {hash: 'old111', ports: [remote]}))
    servePod(streams, OLD, remote)
    const local = await start()
    assert.equal(local, remote, 'the container port itself when it is free')
    assert.deepEqual(of('forward-listening').map(e => [e.url, e.choice]), [[`http://localhost:${remote}`, 'same-port']])
    assert.equal(await get(local), OLD)
    assert.deepEqual(of('forward-target').map(e => e.pod), [OLD])
  })

  it('takes the next free port when the container port is taken here', async () => {
    const remote = await freePort()
    await block(remote)
    kube.deploymentList = [deployment({ports: [remote]})]
    pods(pod(OLD, {hash: 'old111', ports: [remote]}))
    servePod(streams, OLD, remote)
    const local = await start()
    assert.notEqual(local, remote)
    assert.equal(of('forward-listening')[0]!.choice, 'next-free')
    assert.equal(await get(local), OLD)
  })

  it('follows a redeploy: new connections go to the new pod once it is Ready, an open one finishes on the old, the port stays', async () => {
    pods(pod(OLD, {hash: 'old111'}))
    servePod(streams, OLD)
    servePod(streams, NEW)
    const port = await freePort()
    const local = await start({ports: [{local: port, remote: 3000}]})
    assert.equal(await get(local), OLD)

    kube.newestHash = 'new111'
    pods(pod(OLD, {hash: 'old111'}), pod(NEW, {hash: 'new111', ready: false, created: '2025-01-01T00:05:00Z'}))
    assert.equal(await get(local), OLD, 'the old version serves until the new one is Ready')

    const slow = get(local, '/slow') // opened on the old pod, answered after the switch
    await waitFor(() => streams.opened.filter(o => o.kind === 'forward').length >= 3, 'the slow connection to open')
    pods(pod(OLD, {hash: 'old111'}), pod(NEW, {hash: 'new111', created: '2025-01-01T00:05:00Z'}))
    await waitFor(() => of('forward-target').length === 2, 'the switch')
    assert.equal(await get(local), NEW)
    assert.equal(await slow, OLD)
    const move = of('forward-target')[1]!
    assert.deepEqual([move.pod, move.previous, move.why, move.draining], [NEW, OLD, 'the new version is Ready', true])

    pods(pod(OLD, {hash: 'old111', deleting: true}), pod(NEW, {hash: 'new111', created: '2025-01-01T00:05:00Z'}))
    pods(pod(NEW, {hash: 'new111', created: '2025-01-01T00:05:00Z'}))
    assert.equal(await get(local), NEW)
    assert.equal(of('forward-listening').length, 1, 'one URL for the whole session')
  })

  it('says why no pod is Ready, holds new connections, and serves them when one is', async () => {
    kube.newestHash = 'new111'
    kube.deploymentList = [deployment({available: 0})]
    pods(pod(NEW, {hash: 'new111', ready: false, waiting: 'CrashLoopBackOff', restarts: 4}))
    servePod(streams, NEW)
    const local = await start({ports: [{local: await freePort(), remote: 3000}]})
    await waitFor(() => of('forward-waiting').length > 0, 'the diagnosis')
    const waiting = of('forward-waiting')[0]!
    assert.match(waiting.message, /CrashLoopBackOff/)
    assert.match(waiting.fix ?? '', /--previous/)

    const held = get(local)
    await new Promise(r => setTimeout(r, 50))
    assert.equal(streams.opened.filter(o => o.kind === 'forward').length, 0, 'nothing is forwarded to a pod that is not Ready')
    kube.deploymentList = [deployment()]
    pods(pod(NEW, {hash: 'new111'}))
    assert.equal(await held, NEW)
  })

  it('gives up on a held connection after the hold time with one line', async () => {
    pods(pod(OLD, {hash: 'old111', ready: false}))
    const local = await start({ports: [{local: await freePort(), remote: 3000}], holdMs: 50})
    await assert.rejects(get(local))
    await waitFor(() => of('forward-failed').length === 1, 'the failure line')
    assert.match(of('forward-failed')[0]!.message, /no Ready pod/)
  })

  it('passes a large upload whole, even one that waited for a Ready pod', async () => {
    pods(pod(OLD, {hash: 'old111', ready: false}))
    const server = createHttpServer((req, res) => {
      let bytes = 0
      req.on('data', (d: Buffer) => (bytes += d.length))
      req.on('end', () => res.end(String(bytes)))
    })
    streams.serve(OLD, 3000, socket => server.emit('connection', socket))
    const local = await start({ports: [{local: await freePort(), remote: 3000}]})
    const size = 3 * 1024 * 1024
    const answer = new Promise<string>((resolve, reject) => {
      const req = httpRequest({host: '127.0.0.1', port: local, method: 'POST', agent: false}, res => {
        let body = ''
        res.on('data', (d: Buffer) => (body += d.toString()))
        res.on('end', () => resolve(body))
      })
      req.on('error', reject)
      req.end(Buffer.alloc(size, 1))
    })
    await new Promise(r => setTimeout(r, 100))
    pods(pod(OLD, {hash: 'old111'}))
    assert.equal(await answer, String(size))
  })

  it('survives a deleted pod: the replacement takes new connections when Ready', async () => {
    const other = 'app-old111-ccccc'
    pods(pod(OLD, {hash: 'old111'}))
    servePod(streams, OLD)
    servePod(streams, other)
    const local = await start({ports: [{local: await freePort(), remote: 3000}]})
    assert.equal(await get(local), OLD)
    pods(pod(OLD, {hash: 'old111', deleting: true}), pod(other, {hash: 'old111', ready: false, created: '2025-01-01T00:01:00Z'}))
    await waitFor(() => of('forward-waiting').length > 0, 'waiting')
    pods(pod(other, {hash: 'old111', created: '2025-01-01T00:01:00Z'}))
    assert.equal(await get(local), other)
    assert.match(of('forward-target').at(-1)!.why, /is gone|shutting down/)
  })

  it('replays a connection the pod refused before answering on another Ready pod', async () => {
    const twin = 'app-old111-ccccc'
    pods(pod(OLD, {hash: 'old111'}), pod(twin, {hash: 'old111', created: '2025-01-01T00:01:00Z'}))
    servePod(streams, OLD)
    servePod(streams, twin)
    streams.refusing.add(OLD)
    const local = await start({ports: [{local: await freePort(), remote: 3000}]})
    assert.equal(await get(local), twin)
    assert.equal(of('forward-failed').length, 0)
  })

  it('survives an API server restart: one line when it goes, one when it is back, no log line twice', async () => {
    pods(pod(OLD, {hash: 'old111'}))
    servePod(streams, OLD)
    streams.write(OLD, 'app', 'listening on 3000')
    const local = await start({ports: [{local: await freePort(), remote: 3000}]})
    await waitFor(() => of('log-line').length === 1, 'the first line')
    streams.write(OLD, 'app', 'before')
    await waitFor(() => of('log-line').length === 2, 'a line before')

    kube.failLists = 2
    kube.dropWatches()
    streams.cutLogs()
    streams.write(OLD, 'app', 'during')
    await waitFor(() => of('connection-restored').length === 1, 'the reconnection', 5000)
    streams.write(OLD, 'app', 'after')
    await waitFor(() => of('log-line').some(e => e.line === 'after'), 'a line after')
    assert.deepEqual(of('log-line').map(e => e.line), ['listening on 3000', 'before', 'during', 'after'])
    assert.equal(of('connection-lost').length, 1)
    assert.equal(await get(local), OLD)
  })

  it('streams every pod\'s log with a short prefix; a new pod from its first line, the ones there before from their tail', async () => {
    pods(pod(OLD, {hash: 'old111'}))
    for (let i = 1; i <= 12; i++) streams.write(OLD, 'app', `old ${i}`)
    await start({ports: [{local: await freePort(), remote: 3000}]})
    await waitFor(() => of('log-line').length === 10, 'the tail')
    assert.equal(of('log-line')[0]!.line, 'old 3')
    assert.equal(of('log-line')[0]!.prefix, 'aaaaa')

    streams.write(NEW, 'app', 'listening on 3000')
    streams.write(NEW, 'app', 'second')
    pods(pod(OLD, {hash: 'old111'}), pod(NEW, {hash: 'new111'}))
    await waitFor(() => of('log-line').filter(e => e.pod === NEW).length === 2, 'the new pod\'s lines')
    assert.deepEqual(of('log-line').filter(e => e.pod === NEW).map(e => [e.prefix, e.line]), [['bbbbb', 'listening on 3000'], ['bbbbb', 'second']])

    streams.restart(OLD, 'app')
    streams.write(OLD, 'app', 'started again')
    pods(pod(OLD, {hash: 'old111', id: 'second-instance'}), pod(NEW, {hash: 'new111'}))
    await waitFor(() => of('log-line').some(e => e.line === 'started again'), 'the restarted container')
    assert.match(of('log-note')[0]!.message, /restarted/)
  })

  it('stops cleanly: ports closed, streams stopped, one summary', async () => {
    pods(pod(OLD, {hash: 'old111'}))
    servePod(streams, OLD)
    const port = await freePort()
    await start({ports: [{local: port, remote: 3000}]})
    assert.equal(await get(port), OLD)
    stop.abort()
    await running
    assert.equal(streams.followerCount(), 0)
    await assert.rejects(get(port), /ECONNREFUSED/)
    assert.deepEqual(of('connect-stopped').map(e => [e.connections, e.failed]), [[1, 0]])
  })

  describe('bad input: one error, nothing left open', () => {
    it('nothing deployed', async () => {
      kube.deploymentList = []
      pods()
      const error = await failure(session().start())
      assert.equal(error.code, 'NOTHING_DEPLOYED')
      assert.match(error.fix, /draft up/)
    })

    it('a namespace you may not read', async () => {
      kube.unreadableNamespaces.add('dev')
      assert.equal((await failure(session().start())).code, 'NAMESPACE_FORBIDDEN')
    })

    it('pods with no ports', async () => {
      kube.deploymentList = [deployment({ports: []})]
      pods(pod(OLD, {ports: []}))
      assert.equal((await failure(session().start())).code, 'NO_PORTS')
    })

    it('a local port in use that was asked for explicitly, and the other ports are released', async () => {
      pods(pod(OLD, {hash: 'old111'}))
      const free = await freePort()
      const taken = await freePort()
      await block(taken)
      const error = await failure(session({ports: [{local: free, remote: 3000}, {local: taken, remote: 3000}]}).start())
      assert.equal(error.code, 'LOCAL_PORT_UNAVAILABLE')
      assert.match(error.message, new RegExp(`local port ${taken} cannot be used: it is already in use`))
      await block(free) // free again: the first forward was closed
    })
  })
})
