// The pod-streams adapter (src/pod-streams) against the bed's real node: port-forward, logs and exec
// through the API server to a kubelet on containerd, with @kubernetes/client-node.
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {PassThrough, Readable, type Duplex} from 'node:stream'

import tar from 'tar-stream'

import {loadKubeConfig} from '../../src/kube/kube-config.js'
import {ClientNodePodStreams} from '../../src/pod-streams/client-node-pod-streams.js'
import {type LogLine, PodStreamError} from '../../src/pod-streams/pod-streams.js'
import {bed} from '../support/cli.js'

const ok = (cmd: string, args: string[], input?: string): string => {
  const r = spawnSync(cmd, args, {encoding: 'utf8', input, timeout: 300_000})
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`)
  return r.stdout
}

const SERVER = `
const http = require('http')
console.log('server starting')
http.createServer((req, res) => res.end('pong ' + req.url)).listen(8080, () => console.log('listening on 8080'))
process.on('SIGTERM', () => process.exit(0))
`

describe('pod streams through the API server (real node)', function () {
  this.timeout(300_000)
  const ns = `forward-it-${process.pid}`
  const pod = 'streams'
  let streams: ClientNodePodStreams
  let work: string

  before(async function () {
    const env = bed()
    work = mkdtempSync(join(tmpdir(), 'draft-pod-streams-'))
    writeFileSync(join(work, 'server.js'), SERVER)
    writeFileSync(join(work, 'Dockerfile'), 'FROM node:20-bookworm-slim\nCOPY server.js /srv/\nUSER node\nCMD ["node", "/srv/server.js"]\n')
    const image = `${env.registry}/forward-it/server:1`
    ok('docker', ['build', '--network', 'host', '-q', '-t', image, work])
    ok('docker', ['push', '-q', image])
    ok('kubectl', ['create', 'namespace', ns])
    ok('kubectl', ['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: ${pod}, namespace: ${ns}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: "${image}"
    ports: [{containerPort: 8080}]
    readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}
`)
    ok('kubectl', ['-n', ns, 'wait', '--for=condition=Ready', `pod/${pod}`, '--timeout=120s'])
    streams = new ClientNodePodStreams(await loadKubeConfig())
  })
  after(() => {
    spawnSync('kubectl', ['delete', 'namespace', ns, '--wait=false'])
    rmSync(work, {recursive: true, force: true})
  })

  const ref = {namespace: ns, pod, container: 'app'}
  const collect = (stream: Duplex): Promise<string> =>
    new Promise((resolve, reject) => {
      let text = ''
      stream.on('data', (d: Buffer) => (text += d.toString()))
      stream.on('end', () => resolve(text))
      stream.on('error', reject)
    })

  it('forwards a TCP connection to the pod\'s port, and ends it when the app closes it', async () => {
    const stream = await streams.forward(ref, 8080)
    stream.write('GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    const answer = await collect(stream)
    assert.match(answer, /^HTTP\/1\.1 200 OK/)
    assert.match(answer, /pong \/ping$/)
    stream.destroy()
  })

  it('destroys a forwarded stream with `refused` when nothing listens on the port', async () => {
    const stream = await streams.forward(ref, 9)
    stream.write('hello')
    await assert.rejects(collect(stream), (e: PodStreamError) => e instanceof PodStreamError && e.failure === 'refused' && /9/.test(e.message))
  })

  it('says a pod that does not exist is not-found, for every kind of stream', async () => {
    const gone = {namespace: ns, pod: 'nope', container: 'app'}
    await assert.rejects(streams.forward(gone, 8080), (e: PodStreamError) => e.failure === 'not-found')
    await assert.rejects(streams.logs(gone, {}, () => undefined), (e: PodStreamError) => e.failure === 'not-found')
    await assert.rejects(streams.exec(gone, ['true'], {}), (e: PodStreamError) => e.failure === 'not-found')
  })

  it('reads a container\'s log as timestamped lines, and ends', async () => {
    const lines: LogLine[] = []
    const stream = await streams.logs(ref, {}, line => lines.push(line))
    assert.deepEqual(await stream.done, {state: 'ended'})
    assert.deepEqual(lines.map(l => l.text), ['server starting', 'listening on 8080'])
    assert.match(lines[0]!.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/)
    const tail: LogLine[] = []
    await (await streams.logs(ref, {tailLines: 1}, line => tail.push(line))).done
    assert.deepEqual(tail.map(l => l.text), ['listening on 8080'])
  })

  it('follows a log: lines written later arrive, and stop() ends it', async () => {
    const lines: string[] = []
    const stream = await streams.logs(ref, {follow: true, tailLines: 0}, line => lines.push(line.text))
    // Writing to the main process's stdout from an exec lands in the container's log.
    await streams.exec(ref, ['sh', '-c', 'echo written later > /proc/1/fd/1'], {})
    const until = Date.now() + 15_000
    while (!lines.includes('written later') && Date.now() < until) await new Promise(r => setTimeout(r, 50))
    assert.deepEqual(lines, ['written later'])
    stream.stop()
    assert.deepEqual(await stream.done, {state: 'stopped'})
  })

  it('rejects --previous on a container that never restarted', async () => {
    await assert.rejects(streams.logs(ref, {previous: true}, () => undefined), (e: PodStreamError) => e.failure === 'rejected' && e.status === 400)
  })

  it('runs a command with stdin, stdout and stderr, and gives its exit code', async () => {
    let out = ''
    let err = ''
    const stdout = new PassThrough().on('data', (d: Buffer) => (out += d.toString()))
    const stderr = new PassThrough().on('data', (d: Buffer) => (err += d.toString()))
    const result = await streams.exec(ref, ['sh', '-c', 'wc -c; echo oops >&2; exit 3'], {stdin: Readable.from([Buffer.alloc(200_000, 'a')]), stdout, stderr})
    assert.deepEqual(result.exitCode, 3)
    assert.equal(out.trim(), '200000', 'the end of stdin reached the command')
    assert.equal(err, 'oops\n')
  })

  it('unpacks a tar sent on stdin in the container (what live sync will do)', async () => {
    const pack = tar.pack()
    pack.entry({name: 'app/index.js', mode: 0o644}, 'console.log("synced")\n')
    pack.entry({name: 'app/lib/util.js', mode: 0o644}, 'module.exports = 42\n')
    pack.finalize()
    const unpacked = await streams.exec(ref, ['tar', 'x', '-C', '/tmp'], {stdin: pack as unknown as Readable})
    assert.equal(unpacked.exitCode, 0, unpacked.message)
    let out = ''
    const stdout = new PassThrough().on('data', (d: Buffer) => (out += d.toString()))
    await streams.exec(ref, ['cat', '/tmp/app/index.js', '/tmp/app/lib/util.js'], {stdout})
    assert.equal(out, 'console.log("synced")\nmodule.exports = 42\n')
  })
})
