import assert from 'node:assert/strict'

import {authDigest, authFileContent, authFileName} from '../../../src/cluster-builder/auth.js'
import {buildCommand, buildctlArgs, buildctlError, buildOwner, cancelCommand, classifyBuildError, parseMetadata, parseRawJson} from '../../../src/cluster-builder/buildctl.js'
import {BUILDKIT_IMAGES, BUILDKIT_VERSION} from '../../../src/cluster-builder/image.js'
import {choosePod, compareVersions, judgeReadiness, planBuilder, specChanges} from '../../../src/cluster-builder/plan.js'
import {DEFAULT_BUILDER_SETTINGS, builderImage} from '../../../src/cluster-builder/settings.js'
import {builderSpec, daemonConfig, recordedSpec, statefulSetObject} from '../../../src/cluster-builder/workload.js'
import type {PodState} from '../../../src/kube/kube.js'

const spec = (over: Partial<typeof DEFAULT_BUILDER_SETTINGS> = {}) => builderSpec({...DEFAULT_BUILDER_SETTINGS, ...over})

const pod = (name: string, over: Partial<PodState> = {}): PodState => ({
  name,
  phase: 'Running',
  templateHash: '',
  image: 'buildkit',
  conditions: [{type: 'Ready', status: 'True', reason: '', message: ''}],
  containers: [{name: 'buildkitd', ready: true, restartCount: 0}],
  ...over,
})

describe('cluster builder decisions', () => {
  describe('planBuilder', () => {
    it('creates a builder that is not there, and says so with version, mode and namespace', () => {
      const plan = planBuilder(spec(), 'draft-builder', undefined)
      assert.equal(plan.action, 'create')
      assert.match(plan.message!, new RegExp(`BuildKit ${BUILDKIT_VERSION} \\(rootless\\) in namespace draft-builder`))
    })

    it('keeps one that matches, and upgrades one whose version or settings differ, naming each change', () => {
      assert.deepEqual(planBuilder(spec(), 'ns', {spec: spec()}), {action: 'keep'})
      const older = {...spec(), version: 'v0.30.1', image: 'docker.io/moby/buildkit:v0.30.1-rootless'}
      const plan = planBuilder(spec({hostNetwork: true}), 'ns', {spec: older})
      assert.equal(plan.action, 'upgrade')
      assert.deepEqual((plan as {changes: string[]}).changes, [
        `BuildKit v0.30.1 → ${BUILDKIT_VERSION}`,
        `image docker.io/moby/buildkit:v0.30.1-rootless → ${BUILDKIT_IMAGES.rootless}`,
        'host-network false → true',
      ])
    })

    it('never downgrades a builder a newer draft upgraded', () => {
      const newer = {...spec(), version: 'v9.0.0'}
      const plan = planBuilder(spec(), 'ns', {spec: newer})
      assert.equal(plan.action, 'keep')
      assert.match(plan.message!, /v9\.0\.0, newer than this draft's/)
    })

    it('replaces the StatefulSet when its cache volume changes (a StatefulSet cannot change volumes in place)', () => {
      assert.equal(planBuilder(spec({cacheSize: '20Gi'}), 'ns', {spec: spec()}).action, 'replace')
      assert.equal(planBuilder(spec({memory: '2Gi'}), 'ns', {spec: spec()}).action, 'upgrade')
    })

    it('upgrades a builder that does not record how it was made', () => {
      assert.equal(planBuilder(spec(), 'ns', {}).action, 'upgrade')
    })

    it('compares mirrors and lists by value, not identity', () => {
      const a = spec({mirrors: {'docker.io': ['m:5000']}, dns: ['192.0.2.1']})
      const b = spec({mirrors: {'docker.io': ['m:5000']}, dns: ['192.0.2.1']})
      assert.deepEqual(specChanges(a, b), [])
      assert.deepEqual(specChanges(a, spec()), ['mirrors {"docker.io":["m:5000"]} → (none)', 'dns ["192.0.2.1"] → (none)'])
    })

    it('orders versions numerically', () => {
      assert.ok(compareVersions('v0.9.0', 'v0.10.0') < 0)
      assert.equal(compareVersions('v0.34.2', 'v0.34.2'), 0)
      assert.ok(compareVersions('v1.0.0', 'v0.99.99') > 0)
    })
  })

  describe('judgeReadiness', () => {
    const judge = (pods: PodState[], extra: Partial<Parameters<typeof judgeReadiness>[0]> = {}) =>
      judgeReadiness({pods, events: [], waitedMs: 0, timeoutMs: 60_000, ...extra})

    it('is ready with the Ready pods of the current revision, and uses old ones while an upgrade rolls', () => {
      assert.deepEqual(judge([pod('b-1', {revision: 'r2'}), pod('b-0', {revision: 'r2'})], {revision: 'r2'}), {state: 'ready', pods: ['b-0', 'b-1']})
      assert.deepEqual(judge([pod('b-0', {revision: 'r1'}), pod('b-1', {revision: 'r2', phase: 'Pending', conditions: [], containers: []})], {revision: 'r2'}), {state: 'ready', pods: ['b-0']})
    })

    it('right after its own upgrade, waits for a pod of the new revision rather than take an old one about to go', () => {
      assert.equal(judge([pod('b-0', {revision: 'r1'})], {revision: 'r2', acceptOlder: false}).state, 'waiting')
    })

    it('never counts a pod that is shutting down', () => {
      assert.equal(judge([pod('b-0', {terminating: true})]).state, 'waiting')
    })

    it('fails at once on an image that cannot be pulled', () => {
      const verdict = judge([pod('b-0', {phase: 'Pending', conditions: [], containers: [{name: 'buildkitd', ready: false, restartCount: 0, waiting: {reason: 'ImagePullBackOff', message: 'Back-off pulling image "x"'}}]})])
      assert.deepEqual(verdict, {state: 'failed', cause: 'image-pull', pod: 'b-0', detail: 'ImagePullBackOff: Back-off pulling image "x"'})
    })

    it('fails on a pod no node can fit', () => {
      const verdict = judge([pod('b-0', {phase: 'Pending', containers: [], conditions: [{type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/2 nodes are available: 1 Insufficient memory.'}]})])
      assert.equal(verdict.state, 'failed')
      assert.equal((verdict as {cause: string}).cause, 'resources')
    })

    it('fails on a pod the API refused (Pod Security, an admission webhook) from the StatefulSet event, or a quota', () => {
      const refused = {object: 'StatefulSet/draft-buildkit', type: 'Warning', reason: 'FailedCreate', count: 3, lastSeen: '',
        message: 'create Pod draft-buildkit-0 in StatefulSet draft-buildkit failed error: pods "draft-buildkit-0" is forbidden: violates PodSecurity "restricted:latest": seccompProfile'}
      const verdict = judge([], {events: [refused]})
      assert.deepEqual(verdict, {state: 'failed', cause: 'security-policy', detail: 'pods "draft-buildkit-0" is forbidden: violates PodSecurity "restricted:latest": seccompProfile'})
      const quota = judge([], {events: [{...refused, message: 'pods "x" is forbidden: exceeded quota: compute, requested: memory=4Gi'}]})
      assert.equal((quota as {cause: string}).cause, 'resources')
    })

    it('fails on a daemon that does not stay up', () => {
      const verdict = judge([pod('b-0', {conditions: [], containers: [{name: 'buildkitd', ready: false, restartCount: 2, waiting: {reason: 'CrashLoopBackOff', message: 'back-off'}, terminated: {reason: 'Error', exitCode: 1, message: ''}}]})])
      assert.deepEqual(verdict, {state: 'failed', cause: 'crashed', pod: 'b-0', detail: 'exited with code 1 (Error)'})
    })

    it('waits, saying what it sees, then fails once the timeout has passed', () => {
      const starting = [pod('b-0', {phase: 'Pending', conditions: [{type: 'PodScheduled', status: 'True', reason: '', message: ''}], containers: [{name: 'buildkitd', ready: false, restartCount: 0, waiting: {reason: 'ContainerCreating', message: ''}}]})]
      assert.deepEqual(judge(starting), {state: 'waiting', message: 'b-0: ContainerCreating'})
      assert.deepEqual(judge(starting, {waitedMs: 60_000}), {state: 'failed', cause: 'timeout', detail: 'b-0: ContainerCreating'})
    })
  })

  describe('choosePod', () => {
    it('keeps an app on one replica, spreads apps over replicas, and moves only the apps of a replica that goes', () => {
      const pods = ['b-0', 'b-1', 'b-2']
      const apps = Array.from({length: 30}, (_, i) => `app-${i}`)
      const before = new Map(apps.map(a => [a, choosePod(a, pods)]))
      for (const a of apps) assert.equal(choosePod(a, [...pods].reverse()), before.get(a), 'the order of the pods does not matter')
      assert.equal(new Set(before.values()).size, 3)
      for (const a of apps) {
        const after = choosePod(a, ['b-0', 'b-2'])
        if (before.get(a) !== 'b-1') assert.equal(after, before.get(a))
      }
      assert.equal(choosePod('x', []), undefined)
    })
  })

  describe('the workload', () => {
    it('runs rootless by default: the pinned image, uid 1000, Unconfined seccomp and AppArmor, no sandbox for steps, no API token', () => {
      const sts = statefulSetObject('draft-builder', spec()) as unknown as {spec: {template: {spec: Record<string, unknown> & {containers: Record<string, unknown>[]}}}}
      const pod = sts.spec.template.spec
      const container = pod.containers[0]!
      assert.equal(container.image, BUILDKIT_IMAGES.rootless)
      assert.deepEqual(container.command, ['rootlesskit', 'buildkitd'])
      assert.ok((container.args as string[]).includes('--oci-worker-no-process-sandbox'))
      assert.deepEqual(container.securityContext, {runAsUser: 1000, runAsGroup: 1000, seccompProfile: {type: 'Unconfined'}, appArmorProfile: {type: 'Unconfined'}})
      assert.equal(pod.automountServiceAccountToken, false)
      assert.equal(pod.hostNetwork, undefined)
      assert.equal(pod.shareProcessNamespace, true)
    })

    it('runs privileged when rootless = false, and in the node network when asked', () => {
      const sts = statefulSetObject('ns', spec({rootless: false, hostNetwork: true})) as unknown as {spec: {template: {spec: Record<string, unknown> & {containers: Record<string, unknown>[]}}}}
      const container = sts.spec.template.spec.containers[0]!
      assert.equal(container.image, BUILDKIT_IMAGES.privileged)
      assert.deepEqual(container.securityContext, {privileged: true})
      assert.equal(sts.spec.template.spec.hostNetwork, true)
      assert.equal(sts.spec.template.spec.dnsPolicy, 'ClusterFirstWithHostNet')
    })

    it('keeps the cache in an emptyDir, or in a claim per replica with cache-size', () => {
      const plain = statefulSetObject('ns', spec()) as unknown as {spec: Record<string, unknown>}
      assert.equal(plain.spec.volumeClaimTemplates, undefined)
      const claimed = statefulSetObject('ns', spec({cacheSize: '20Gi', storageClass: 'fast'})) as unknown as {spec: {volumeClaimTemplates: {spec: Record<string, unknown>}[]}}
      assert.deepEqual(claimed.spec.volumeClaimTemplates[0]!.spec, {accessModes: ['ReadWriteOnce'], storageClassName: 'fast', resources: {requests: {storage: '20Gi'}}})
    })

    it('records the spec it was made from, and reads it back', () => {
      const sts = statefulSetObject('ns', spec({replicas: 2}))
      assert.deepEqual(recordedSpec(sts.metadata.annotations), spec({replicas: 2}))
      assert.equal(recordedSpec({'draft.dev/builder-settings': 'not json'}), undefined)
    })

    it('writes mirrors, plain-HTTP registries and nameservers into buildkitd.toml', () => {
      const toml = daemonConfig(spec({mirrors: {'docker.io': ['127.0.0.1:45000']}, insecureRegistries: ['reg.dev:5000'], dns: ['127.0.3.53']}))
      assert.match(toml, /\[registry\."docker\.io"\]\n {2}mirrors = \["127\.0\.0\.1:45000"\]/)
      assert.match(toml, /\[registry\."reg\.dev:5000"\]\n {2}http = true\n {2}insecure = true/)
      assert.match(toml, /\[dns\]\n {2}nameservers = \["127\.0\.3\.53"\]/)
    })

    it('uses the image setting over the pinned one', () => {
      assert.equal(builderImage({image: 'mirror/buildkit:x', rootless: true}), 'mirror/buildkit:x')
      assert.equal(builderImage({image: '', rootless: false}), BUILDKIT_IMAGES.privileged)
    })
  })

  describe('buildctl', () => {
    it('builds with the Dockerfile frontend, sorted build args, the target, and a pushed image', () => {
      assert.deepEqual(buildctlArgs({dockerfile: 'sub/Dockerfile', buildArgs: {B: '2', A: 'a b'}, target: 'prod', ref: 'r:5000/app:t'}), [
        'build', '--frontend', 'dockerfile.v0', '--opt', 'filename=sub/Dockerfile', '--opt', 'target=prod',
        '--opt', 'build-arg:A=a b', '--opt', 'build-arg:B=2', '--output', 'type=image,name=r:5000/app:t,push=true',
      ])
    })

    it('passes everything as arguments to one script, never through a shell string', () => {
      const command = buildCommand({id: 'abc', owner: 'o1', dockerfile: 'Dockerfile', buildArgs: {X: '$(rm -rf /)'}, ref: 'r/app:t', auth: {file: 'registry-r.json', digest: 'd'.repeat(64)}})
      assert.deepEqual(command.slice(0, 2), ['sh', '-c'])
      assert.deepEqual(command.slice(3, 8), ['draft-build', 'abc', 'o1', 'registry-r.json', 'd'.repeat(64)])
      assert.ok(command.includes('build-arg:X=$(rm -rf /)'))
      assert.ok(!command[2]!.includes('rm -rf /'))
      assert.deepEqual(cancelCommand('abc').slice(3), ['draft-cancel', 'abc'])
    })

    it('reads rawjson progress lines (base64 log data) into the tracker\'s shape', () => {
      const line = JSON.stringify({
        vertexes: [{digest: 'sha256:a', name: '[2/3] RUN make', started: '2025-01-01T00:00:00Z', cached: false}],
        logs: [{vertex: 'sha256:a', stream: 1, data: Buffer.from('compiling\n').toString('base64')}],
      })
      assert.deepEqual(parseRawJson(line), {
        vertexes: [{digest: 'sha256:a', name: '[2/3] RUN make', cached: false, started: true, completed: false, error: ''}],
        logs: [{vertex: 'sha256:a', message: 'compiling\n'}],
      })
      assert.equal(parseRawJson('error: failed to solve: x'), undefined)
      assert.equal(parseRawJson('{not json'), undefined)
    })

    it('finds the pushed digest and buildctl\'s own last error', () => {
      assert.deepEqual(parseMetadata('draft-build: metadata {"containerimage.digest": "sha256:abc", "image.name": "x"}'), {digest: 'sha256:abc'})
      assert.equal(parseMetadata('draft-build: building'), undefined)
      assert.equal(buildctlError('error: failed to solve: process "/bin/sh" did not complete'), 'failed to solve: process "/bin/sh" did not complete')
    })

    it('tells a registry the cluster cannot reach, refused credentials and a lost daemon from a failing step', () => {
      assert.equal(classifyBuildError('failed to push 127.0.0.1:45000/app:t: failed to do request: Head "http://127.0.0.1:45000/v2/app/blobs/sha256:x": dial tcp 127.0.0.1:45000: connect: connection refused', 'exporting to image'), 'registry-unreachable')
      assert.equal(classifyBuildError('failed to push r/app:t: failed to authorize: failed to fetch anonymous token: unexpected status from GET request: 401 Unauthorized', 'exporting to image'), 'registry-unauthorized')
      assert.equal(classifyBuildError('rpc error: code = Unavailable desc = error reading from server: EOF', '[2/3] RUN make'), 'builder-lost')
      assert.equal(classifyBuildError('process "/bin/sh -c make" did not complete successfully: exit code: 2', '[2/3] RUN make'), 'step')
      // A RUN step that fails to download is the step's failure, not the push's.
      assert.equal(classifyBuildError('process "/bin/sh -c curl x" did not complete successfully: dial tcp: connection refused', '[2/3] RUN curl x'), 'step')
    })

    it('names owners by content', () => {
      assert.equal(buildOwner('host', '/app', 'r/app'), buildOwner('host', '/app', 'r/app'))
      assert.notEqual(buildOwner('host', '/app', 'r/app'), buildOwner('other', '/app', 'r/app'))
      assert.match(buildOwner('x'), /^o[0-9a-z]+$/)
    })
  })

  describe('credentials', () => {
    it('makes one Docker config per registry, keyed as Docker keys it, under a file name a Secret may hold', () => {
      assert.equal(authFileName('127.0.0.1:45001'), 'registry-127.0.0.1_45001.json')
      assert.equal(authFileName('docker.io'), 'registry-docker.io.json')
      assert.match(authFileName('[::1]:5000'), /^registry-[-._a-zA-Z0-9]+\.json$/)
      const basic = JSON.parse(authFileContent('127.0.0.1:45001', {kind: 'basic', username: 'u', password: 'p'}))
      assert.deepEqual(basic, {auths: {'127.0.0.1:45001': {auth: Buffer.from('u:p').toString('base64')}}})
      const token = JSON.parse(authFileContent('docker.io', {kind: 'identity-token', identityToken: 'tok'}))
      assert.deepEqual(token, {auths: {'https://index.docker.io/v1/': {identitytoken: 'tok'}}})
      assert.match(authDigest('x'), /^[0-9a-f]{64}$/)
    })
  })
})
