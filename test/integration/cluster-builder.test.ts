import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Readable} from 'node:stream'

import tarStream from 'tar-stream'

import type {ClusterBuilder} from '../../src/cluster-builder/cluster-builder.js'
import {KubeBuildKit} from '../../src/cluster-builder/kube-buildkit.js'
import {type BuilderSettings, DEFAULT_BUILDER_SETTINGS} from '../../src/cluster-builder/settings.js'
import {DraftError} from '../../src/core/errors.js'
import {ClientNodeKube} from '../../src/kube/client-node-kube.js'
import {loadKubeConfig} from '../../src/kube/kube-config.js'
import {ClientNodePodStreams} from '../../src/pod-streams/client-node-pod-streams.js'
import {bedBuilderImage, kubectl} from '../support/cluster-builder.js'

/** A build context as a tar: a Dockerfile and one file, nothing to pull (FROM scratch). */
function contextTar(files: Record<string, string>): Readable {
  const pack = tarStream.pack()
  for (const [name, content] of Object.entries(files)) pack.entry({name, mode: 0o644}, content)
  pack.finalize()
  return pack as unknown as Readable
}

async function builderFor(kubeconfig?: string): Promise<ClusterBuilder> {
  // The library reads KUBECONFIG from the process's environment.
  const saved = process.env.KUBECONFIG
  if (kubeconfig) process.env.KUBECONFIG = kubeconfig
  try {
    const loaded = await loadKubeConfig(undefined, process.env)
    return new KubeBuildKit(new ClientNodeKube(loaded), new ClientNodePodStreams(loaded))
  } finally {
    process.env.KUBECONFIG = saved
  }
}

async function failure(promise: Promise<unknown>): Promise<DraftError> {
  try {
    await promise
  } catch (error) {
    assert.ok(error instanceof DraftError, String(error))
    return error
  }
  assert.fail('expected a DraftError')
}

/**
 * The cluster builder's failures against the bed's real API server and node, each with its cause:
 * no permission to create it, a builder that cannot become Ready (an image that cannot be pulled, a
 * pod no node can fit, a pod the namespace's Pod Security level refuses), and a registry the cluster
 * cannot reach. Every test has its own namespace.
 */
describe('cluster builder failures (integration, real node)', function () {
  const registry = process.env.DRAFT_BED_REGISTRY ?? '127.0.0.1:45000'
  const namespaces: string[] = []
  const settings = (namespace: string, over: Partial<BuilderSettings> = {}): BuilderSettings => {
    namespaces.push(namespace)
    return {...DEFAULT_BUILDER_SETTINGS, namespace, image: bedBuilderImage(), hostNetwork: true, ...over}
  }
  let builder: ClusterBuilder

  before(async () => {
    builder = await builderFor()
    // What an earlier run left may still be going away.
    const earlier = ['rbac', 'pull', 'big', 'psa', 'podnet', 'auth'].map(n => `builder-h-it-${n}`)
    execFileSync('kubectl', ['delete', 'namespace', ...earlier, '--ignore-not-found', '--wait=true', '--timeout=120s'], {stdio: 'ignore'})
  })
  after(() => {
    for (const ns of namespaces) kubectl('delete', 'namespace', ns, '--wait=false', '--ignore-not-found')
  })

  it('is BUILDER_FORBIDDEN, naming what may not be done, for a user without the rights', async () => {
    const ns = 'builder-h-it-rbac'
    const s = settings(ns)
    kubectl('create', 'namespace', ns)
    kubectl('-n', ns, 'create', 'serviceaccount', 'viewer')
    kubectl('-n', ns, 'create', 'role', 'viewer', '--verb=get,list', '--resource=statefulsets,pods,events')
    kubectl('-n', ns, 'create', 'rolebinding', 'viewer', '--role=viewer', `--serviceaccount=${ns}:viewer`)
    const token = kubectl('-n', ns, 'create', 'token', 'viewer').trim()
    const server = kubectl('config', 'view', '--minify', '--raw', '-o', 'jsonpath={.clusters[0].cluster.server}')
    const ca = kubectl('config', 'view', '--minify', '--raw', '-o', 'jsonpath={.clusters[0].cluster.certificate-authority-data}')
    const dir = mkdtempSync(join(tmpdir(), 'draft-rbac-'))
    const file = join(dir, 'kubeconfig')
    writeFileSync(file, JSON.stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'viewer',
      clusters: [{name: 'bed', cluster: {server, 'certificate-authority-data': ca}}],
      users: [{name: 'viewer', user: {token}}],
      contexts: [{name: 'viewer', context: {cluster: 'bed', user: 'viewer', namespace: ns}}],
    }))
    try {
      const error = await failure((await builderFor(file)).ready(s, {app: 'x'}))
      assert.equal(error.code, 'BUILDER_FORBIDDEN')
      assert.match(error.message, new RegExp(`^viewer may not create or update ServiceAccounts in namespace "${ns}", which the cluster builder needs$`))
      assert.match(error.fix, /--builder local/)
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })

  it('is BUILDER_NOT_READY (image pull) for an image the node cannot pull', async () => {
    const error = await failure(builder.ready(settings('builder-h-it-pull', {image: `${registry}/draft-bed/no-such-buildkit:1`}), {app: 'x', timeoutMs: 120_000}))
    assert.equal(error.code, 'BUILDER_NOT_READY')
    assert.equal((error.context as {cause: string}).cause, 'image-pull')
    assert.match(error.message, /cannot pull its image 127\.0\.0\.1:45000\/draft-bed\/no-such-buildkit:1/)
  })

  it('is BUILDER_NOT_READY (resources) for a pod no node can fit', async () => {
    const error = await failure(builder.ready(settings('builder-h-it-big', {memory: '4000Gi'}), {app: 'x', timeoutMs: 120_000}))
    assert.equal((error.context as {cause: string}).cause, 'resources')
    assert.match(error.message, /no node has room for it \(.*Insufficient memory/)
  })

  it('is BUILDER_NOT_READY (security policy) where Pod Security refuses the rootless pod', async () => {
    const ns = 'builder-h-it-psa'
    const s = settings(ns)
    kubectl('create', 'namespace', ns)
    kubectl('label', 'namespace', ns, 'pod-security.kubernetes.io/enforce=baseline')
    const error = await failure(builder.ready(s, {app: 'x', timeoutMs: 120_000}))
    assert.equal((error.context as {cause: string}).cause, 'security-policy')
    assert.match(error.message, /violates PodSecurity "baseline/)
    assert.match(error.fix, /pod-security\.kubernetes\.io\/enforce=privileged/)
  })

  it('is BUILDER_REGISTRY_UNREACHABLE when the builder, on the pod network, pushes to the node\'s loopback', async () => {
    const s = settings('builder-h-it-podnet', {hostNetwork: false})
    const target = await builder.ready(s, {app: 'x', timeoutMs: 180_000})
    const error = await failure(builder.build(target, {
      context: contextTar({'Dockerfile': 'FROM scratch\nCOPY a.txt /a.txt\n', 'a.txt': 'a\n'}),
      dockerfile: 'Dockerfile',
      buildArgs: {},
      ref: `${registry}/builder-h-it/unreachable:1`,
      registry,
    }))
    assert.equal(error.code, 'BUILDER_REGISTRY_UNREACHABLE')
    assert.match(error.message, /cannot reach registry 127\.0\.0\.1:45000: .*connection refused/)
    assert.match(error.fix, /127\.0\.0\.1:45000 is the builder pod itself.*host-network = true/)
  })

  it('builds FROM scratch and pushes with credentials from a Secret only the builder mounts', async () => {
    const auth = process.env.DRAFT_BED_AUTH_REGISTRY ?? '127.0.0.1:45001'
    const s = settings('builder-h-it-auth')
    const target = await builder.ready(s, {app: 'x', timeoutMs: 180_000})
    const said: string[] = []
    const result = await builder.build(target, {
      context: contextTar({'Dockerfile': 'FROM scratch\nCOPY a.txt /a.txt\n', 'a.txt': `${Date.now()}\n`}),
      dockerfile: 'Dockerfile',
      buildArgs: {},
      ref: `${auth}/builder-h-it/auth:1`,
      registry: auth,
      credentials: {credentials: {kind: 'basic', username: process.env.DRAFT_BED_AUTH_USER ?? 'draft', password: process.env.DRAFT_BED_AUTH_PASSWORD ?? 'draft-bed-password'}, source: 'the test'},
      onStatus: m => said.push(m),
    })
    assert.match(result.digest, /^sha256:[0-9a-f]{64}$/)
    // The pod was nudged, so the kubelet refreshed its Secret volume at once rather than at its next resync.
    assert.match(kubectl('-n', 'builder-h-it-auth', 'get', 'pod', target.pod, '-o', 'jsonpath={.metadata.annotations.draft\\.dev/registry-auth}'), /^[0-9a-f]{16}$/)
    // Mounted by builder pods only: no other pod spec names the Secret, and nothing printed its value.
    const mounts = kubectl('get', 'pods', '-A', '-o', 'jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name}:{range .spec.volumes[*]}{.secret.secretName} {end}{"\\n"}{end}')
    const users = mounts.split('\n').filter(l => l.includes('draft-buildkit-registry'))
    assert.ok(users.some(l => l.startsWith('builder-h-it-auth/draft-buildkit-0:')), users.join('\n'))
    assert.ok(users.every(l => /^[^/]+\/draft-buildkit-\d+:/.test(l)), users.join('\n'))
    const secret = JSON.parse(kubectl('-n', 'builder-h-it-auth', 'get', 'secret', 'draft-buildkit-registry', '-o', 'json')) as {data: Record<string, string>}
    assert.deepEqual(Object.keys(secret.data), ['registry-127.0.0.1_45001.json'])
    assert.ok(!said.join('\n').includes(process.env.DRAFT_BED_AUTH_PASSWORD ?? 'draft-bed-password'))
    const manifest = execFileSync('curl', ['-fsS', '-u', `${process.env.DRAFT_BED_AUTH_USER ?? 'draft'}:${process.env.DRAFT_BED_AUTH_PASSWORD ?? 'draft-bed-password'}`, '-H', 'Accept: application/vnd.oci.image.manifest.v1+json', `http://${auth}/v2/builder-h-it/auth/manifests/1`], {encoding: 'utf8'})
    assert.match(manifest, /"layers"/)
    assert.ok(!readFileSync('/proc/self/cmdline', 'utf8').includes('draft-bed-password'))
  })
})
