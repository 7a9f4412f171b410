import assert from 'node:assert/strict'
import {Readable, type Writable} from 'node:stream'

import {KubeBuildKit} from '../../../src/cluster-builder/kube-buildkit.js'
import {DEFAULT_BUILDER_SETTINGS} from '../../../src/cluster-builder/settings.js'
import {BuildFailure} from '../../../src/core/build-failure.js'
import {FakeKube} from '../../../src/kube/fake-kube.js'
import type {PodState} from '../../../src/kube/kube.js'
import {FakePodStreams} from '../../../src/pod-streams/fake-pod-streams.js'
import {PodStreamError} from '../../../src/pod-streams/pod-streams.js'
import {failure} from '../../support/draft-error.js'

const settings = {...DEFAULT_BUILDER_SETTINGS, namespace: 'builds'}
const readyPod = (over: Partial<PodState> = {}): PodState => ({
  name: 'draft-buildkit-0',
  uid: 'uid-1',
  phase: 'Running',
  templateHash: '',
  image: 'buildkit',
  conditions: [{type: 'Ready', status: 'True', reason: '', message: ''}],
  containers: [{name: 'buildkitd', ready: true, restartCount: 0}],
  ...over,
})
const vertex = (digest: string, name: string, more: object = {}) => JSON.stringify({vertexes: [{digest, name, started: '2025-01-01T00:00:00Z', ...more}]})
const write = (stream: Writable | undefined, ...lines: string[]): void => {
  for (const line of lines) stream?.write(`${line}\n`)
}
async function drain(stream: Readable | undefined): Promise<number> {
  let bytes = 0
  for await (const chunk of stream ?? []) bytes += (chunk as Buffer).length
  return bytes
}

describe('KubeBuildKit (on FakeKube and FakePodStreams)', () => {
  let kube: FakeKube
  let streams: FakePodStreams
  let builder: KubeBuildKit
  let clock: number
  let pods: PodState[]

  const request = (over: Partial<Parameters<KubeBuildKit['build']>[1]> = {}) => ({
    context: Readable.from([Buffer.from('tar bytes')]),
    dockerfile: 'Dockerfile',
    buildArgs: {},
    ref: '127.0.0.1:45000/app:t1',
    registry: '127.0.0.1:45000',
    ...over,
  })

  beforeEach(() => {
    kube = new FakeKube()
    streams = new FakePodStreams()
    clock = 0
    pods = [readyPod()]
    kube.podList = namespace => (namespace === 'builds' ? pods : [])
    builder = new KubeBuildKit(kube, streams, {now: () => clock, sleep: async () => void (clock += 1000), pollMs: 1000, random: () => 0.5})
  })

  describe('ready', () => {
    it('creates the namespace, account, configuration and StatefulSet on first use, says so, and picks a Ready pod', async () => {
      const said: string[] = []
      const target = await builder.ready(settings, {app: 'shop', progress: m => said.push(m)})
      assert.deepEqual(kube.objectLog, ['apply Namespace builds', 'apply ServiceAccount builds/draft-buildkit', 'apply ConfigMap builds/draft-buildkit-config', 'apply StatefulSet builds/draft-buildkit'])
      assert.match(said[0]!, /^creating the builder: BuildKit v[\d.]+ \(rootless\) in namespace builds, first use in this cluster$/)
      assert.deepEqual({pod: target.pod, rootless: target.rootless, uid: target.uid}, {pod: 'draft-buildkit-0', rootless: true, uid: 'uid-1'})
    })

    it('changes nothing on the next use, and upgrades when a setting changes', async () => {
      await builder.ready(settings, {app: 'shop'})
      kube.objectLog.length = 0
      await builder.ready(settings, {app: 'shop'})
      assert.equal(kube.objectLog.length, 0)
      const said: string[] = []
      await builder.ready({...settings, hostNetwork: true}, {app: 'shop', progress: m => said.push(m)})
      assert.ok(kube.objectLog.includes('apply StatefulSet builds/draft-buildkit'))
      assert.deepEqual(said, ['upgrading the builder in namespace builds: host-network false → true'])
    })

    it('after an upgrade, builds only once the controller has taken it up and a pod of the new revision is Ready', async () => {
      await builder.ready(settings, {app: 'shop'})
      const sts = kube.objects.get('apps/v1/StatefulSet/builds/draft-buildkit')!
      Object.assign(sts, {status: {observedGeneration: 1, updateRevision: 'r1'}})
      sts.metadata.generation = 1
      pods = [readyPod({revision: 'r1'})]
      let polls = 0
      kube.podList = () => {
        polls++
        const stored = kube.objects.get('apps/v1/StatefulSet/builds/draft-buildkit')!
        // The controller sees the new generation at the third look, and the new pod is Ready at the fifth.
        if (polls === 3) Object.assign(stored, {status: {observedGeneration: 2, updateRevision: 'r2'}})
        return polls >= 5 ? [readyPod({uid: 'uid-2', revision: 'r2'})] : pods
      }
      const original = kube.applyObject.bind(kube)
      kube.applyObject = async (object, manager) => {
        await original(object, manager)
        if (object.kind === 'StatefulSet') {
          const stored = kube.objects.get('apps/v1/StatefulSet/builds/draft-buildkit')!
          stored.metadata.generation = 2
          Object.assign(stored, {status: {observedGeneration: 1, updateRevision: 'r1'}})
        }
      }
      const target = await builder.ready({...settings, memory: '1Gi'}, {app: 'shop'})
      assert.equal(target.uid, 'uid-2')
      assert.ok(polls >= 5)
    })

    it('is BUILDER_FORBIDDEN, naming the verb, when the user may not create the builder', async () => {
      kube.forbiddenKinds.add('StatefulSet')
      const error = await failure(builder.ready(settings, {app: 'shop'}))
      assert.equal(error.code, 'BUILDER_FORBIDDEN')
      assert.match(error.message, /tester may not create or update StatefulSets in namespace "builds"/)
      assert.match(error.fix, /--builder local/)
    })

    it('waits while the pod starts, saying so, then returns it', async () => {
      const starting = readyPod({phase: 'Pending', conditions: [], containers: [{name: 'buildkitd', ready: false, restartCount: 0, waiting: {reason: 'ContainerCreating', message: ''}}]})
      let polls = 0
      kube.podList = () => (++polls < 3 ? [starting] : [readyPod()])
      const said: string[] = []
      const target = await builder.ready(settings, {app: 'shop', progress: m => said.push(m)})
      assert.equal(target.pod, 'draft-buildkit-0')
      assert.ok(said.includes('waiting for the builder: draft-buildkit-0: ContainerCreating'), said.join('\n'))
    })

    it('is BUILDER_NOT_READY with the cause: an image that cannot be pulled', async () => {
      pods = [readyPod({phase: 'Pending', conditions: [], containers: [{name: 'buildkitd', ready: false, restartCount: 0, waiting: {reason: 'ErrImagePull', message: 'not found'}}]})]
      const error = await failure(builder.ready({...settings, image: 'nowhere/buildkit:x'}, {app: 'shop'}))
      assert.equal(error.code, 'BUILDER_NOT_READY')
      assert.match(error.message, /cannot pull its image nowhere\/buildkit:x \(ErrImagePull: not found\)/)
    })

    it('shows the last lines of a daemon that does not stay up, and names the rootless fix', async () => {
      pods = [readyPod({conditions: [], containers: [{name: 'buildkitd', ready: false, restartCount: 3, waiting: {reason: 'CrashLoopBackOff', message: ''}, terminated: {reason: 'Error', exitCode: 1, message: ''}}]})]
      streams.write('draft-buildkit-0', 'buildkitd', '[rootlesskit:parent] error: failed to setup UID/GID map')
      streams.restart('draft-buildkit-0', 'buildkitd')
      const error = await failure(builder.ready(settings, {app: 'shop'}))
      assert.equal(error.code, 'BUILDER_NOT_READY')
      assert.deepEqual((error.context as {details: string[]}).details, ['[rootlesskit:parent] error: failed to setup UID/GID map'])
      assert.match(error.fix, /rootless = false/)
    })

    it('gives up after the timeout with what it last saw', async () => {
      pods = []
      const error = await failure(builder.ready(settings, {app: 'shop', timeoutMs: 5000}))
      assert.equal((error.context as {cause: string}).cause, 'timeout')
    })
  })

  describe('build', () => {
    const target = {namespace: 'builds', pod: 'draft-buildkit-0', version: 'v0.34.2', rootless: true, hostNetwork: false, restarts: 0, uid: 'uid-1'}

    it('sends the context on stdin, follows the progress, and returns the pushed digest', async () => {
      let command: readonly string[] = []
      let sent = 0
      streams.execHandler = async (_ref, cmd, io) => {
        command = cmd
        sent = await drain(io.stdin)
        write(io.stdout, 'draft-build: building')
        write(io.stderr, vertex('sha256:a', '[1/2] FROM base', {completed: '2025-01-01T00:00:01Z', cached: true}), vertex('sha256:b', '[2/2] COPY . .'), vertex('sha256:b', '[2/2] COPY . .', {completed: '2025-01-01T00:00:02Z'}))
        write(io.stdout, 'draft-build: metadata {"containerimage.digest": "sha256:feed"}')
        return {exitCode: 0, message: ''}
      }
      const steps: string[] = []
      const result = await builder.build(target, request({onProgress: p => steps.push(p.step)}))
      assert.equal(sent, 9)
      assert.equal(command[3], 'draft-build')
      assert.ok(command.includes('type=image,name=127.0.0.1:45000/app:t1,push=true'))
      assert.deepEqual({digest: result.digest, steps: result.steps, cachedSteps: result.cachedSteps}, {digest: 'sha256:feed', steps: 2, cachedSteps: 1})
      // A step that starts and ends in one update (a cache hit) is logged, not shown as running.
      assert.deepEqual(steps, ['[2/2] COPY . .'])
    })

    it('puts the credentials in the builder\'s Secret once, nudges the pods, and never sends them on the command line', async () => {
      streams.execHandler = async (_ref, cmd, io) => {
        await drain(io.stdin)
        assert.ok(!cmd.join(' ').includes('s3cret'))
        write(io.stdout, 'draft-build: metadata {"containerimage.digest": "sha256:feed"}')
        return {exitCode: 0, message: ''}
      }
      const credentials = {credentials: {kind: 'basic' as const, username: 'ci', password: 's3cret'}, source: 'auths in config.json'}
      await builder.build(target, request({credentials}))
      assert.deepEqual(kube.objectLog, ['apply Secret builds/draft-buildkit-registry (draft-registry-127.0.0.1_45000.json)', 'patch Pod builds/draft-buildkit-0'])
      const secret = kube.objects.get('v1/Secret/builds/draft-buildkit-registry')!
      const stored = Buffer.from((secret.data as Record<string, string>)['registry-127.0.0.1_45000.json']!, 'base64').toString('utf8')
      assert.match(stored, /"auth":"Y2k6czNjcmV0"/)
      kube.objectLog.length = 0
      await builder.build(target, request({credentials}))
      assert.deepEqual(kube.objectLog, [], 'unchanged credentials are not written again')
    })

    it('a failing step is a BuildFailure with the step and its last lines', async () => {
      streams.execHandler = async (_ref, _cmd, io) => {
        await drain(io.stdin)
        write(io.stderr, vertex('sha256:r', '[2/3] RUN npm ci'), JSON.stringify({logs: [{vertex: 'sha256:r', data: Buffer.from('npm ERR! 404\n').toString('base64')}]}),
          vertex('sha256:r', '[2/3] RUN npm ci', {error: 'process "/bin/sh -c npm ci" did not complete successfully: exit code: 1'}),
          'error: failed to solve: process "/bin/sh -c npm ci" did not complete successfully: exit code: 1')
        return {exitCode: 1, message: 'command terminated with non-zero exit code'}
      }
      await assert.rejects(builder.build(target, request()), (error: unknown) => error instanceof BuildFailure && error.step === '[2/3] RUN npm ci' && error.tail.includes('npm ERR! 404'))
    })

    it('a push the cluster cannot make is BUILDER_REGISTRY_UNREACHABLE', async () => {
      streams.execHandler = async (_ref, _cmd, io) => {
        await drain(io.stdin)
        write(io.stderr, vertex('sha256:e', 'exporting to image', {error: 'failed to push 127.0.0.1:45000/app:t1: failed to do request: Head "http://127.0.0.1:45000/v2/": dial tcp 127.0.0.1:45000: connect: connection refused'}))
        return {exitCode: 1, message: ''}
      }
      const error = await failure(builder.build(target, request()))
      assert.equal(error.code, 'BUILDER_REGISTRY_UNREACHABLE')
      assert.match(error.message, /dial tcp 127\.0\.0\.1:45000: connect: connection refused/)
    })

    it('an abort stops the build in the pod first (a second exec), then closes the stream: ABORTED', async () => {
      const order: string[] = []
      streams.execHandler = async (_ref, cmd, io, signal) => {
        if (cmd[3] === 'draft-cancel') {
          order.push(`cancel ${cmd[4]}`)
          return {exitCode: 0, message: ''}
        }
        await drain(io.stdin)
        write(io.stdout, 'draft-build: building')
        await new Promise(resolve => signal?.addEventListener('abort', resolve, {once: true}))
        order.push('stream closed')
        throw new PodStreamError('unreachable', 'exec was stopped')
      }
      const controller = new AbortController()
      const running = builder.build(target, request({signal: controller.signal}))
      await new Promise(resolve => setTimeout(resolve, 5))
      controller.abort()
      assert.equal((await failure(running)).code, 'ABORTED')
      assert.deepEqual(order, ['cancel ssssssssssss', 'stream closed'])
    })

    it('a pod that went away is BUILDER_LOST, saying what happened to it', async () => {
      streams.execHandler = async (_ref, _cmd, io) => {
        await drain(io.stdin)
        pods = [readyPod({uid: 'uid-2'})]
        throw new PodStreamError('unreachable', 'the exec stream closed before the command ended')
      }
      const error = await failure(builder.build(target, request()))
      assert.equal(error.code, 'BUILDER_LOST')
      assert.match(error.message, /the pod was deleted and made again/)
      streams.execHandler = async () => {
        pods = []
        throw new PodStreamError('not-found', 'pods "draft-buildkit-0" not found', 404)
      }
      assert.match((await failure(builder.build(target, request()))).message, /the pod was deleted$/)
    })

    it('exec that is forbidden is BUILDER_FORBIDDEN naming pods/exec', async () => {
      streams.forbidden = true
      const error = await failure(builder.build(target, request()))
      assert.equal(error.code, 'BUILDER_FORBIDDEN')
      assert.match(error.message, /pods\/exec/)
    })
  })

  describe('delete', () => {
    it('deletes the namespace it created, and waits until it is gone', async () => {
      await builder.ready(settings, {app: 'shop'})
      const result = await builder.delete(settings)
      assert.deepEqual(result, {namespace: 'builds', deleted: ['namespace builds']})
      assert.equal(await kube.readObject({apiVersion: 'v1', kind: 'Namespace', name: 'builds'}), undefined)
    })

    it('in a namespace draft did not make, deletes only the builder\'s objects', async () => {
      kube.namespaces.add('shared')
      await kube.applyObject({apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'shared'}})
      kube.podList = () => []
      await builder.ready({...settings, namespace: 'shared'}, {app: 'shop', timeoutMs: 0}).catch(() => undefined)
      const result = await builder.delete({...settings, namespace: 'shared'})
      assert.deepEqual(result.deleted, ['statefulset draft-buildkit', 'configmap draft-buildkit-config', 'serviceaccount draft-buildkit'])
      assert.ok(await kube.readObject({apiVersion: 'v1', kind: 'Namespace', name: 'shared'}))
    })

    it('says nothing was there', async () => {
      assert.deepEqual(await builder.delete(settings), {namespace: 'builds', deleted: []})
    })
  })
})
