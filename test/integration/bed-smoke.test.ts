// Smoke tests of the test bed itself (test/bed): the Docker engine builds with BuildKit, both
// registries take pushes and give pulls, helm deploys a chart whose pod really runs on the real node
// (logs, exec, port-forward, pod and Service networking), and the kwok node still simulates on
// request. Every other integration test relies on these; run `npm run bed:up` first.
import assert from 'node:assert/strict'
import {spawn, spawnSync, type SpawnSyncOptions} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

const REQUIRED = [
  'KUBECONFIG',
  'DOCKER_HOST',
  'DRAFT_BED_REGISTRY',
  'DRAFT_BED_AUTH_REGISTRY',
  'DRAFT_BED_AUTH_USER',
  'DRAFT_BED_AUTH_PASSWORD',
] as const

function bedEnv(): Record<(typeof REQUIRED)[number], string> {
  const missing = REQUIRED.filter((k) => !process.env[k])
  if (missing.length > 0) {
    throw new Error(
      `The test bed is not in this environment (missing ${missing.join(', ')}). ` +
        'Start it with `npm run bed:up`, then `eval "$(npm run -s bed:env)"` in this shell.',
    )
  }
  return Object.fromEntries(REQUIRED.map((k) => [k, process.env[k] as string])) as Record<(typeof REQUIRED)[number], string>
}

interface Result {
  status: number | null
  stdout: string
  stderr: string
}

function run(cmd: string, args: string[], opts: SpawnSyncOptions = {}): Result {
  const r = spawnSync(cmd, args, {encoding: 'utf8', timeout: 300_000, maxBuffer: 64 * 1024 * 1024, ...opts})
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`)
  return {status: r.status, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '')}
}

function ok(cmd: string, args: string[], opts: SpawnSyncOptions = {}): string {
  const r = run(cmd, args, opts)
  if (r.status !== 0) {
    throw new Error(`\`${cmd} ${args.join(' ')}\` exited ${r.status}\n${r.stderr.slice(-3000)}\n${r.stdout.slice(-2000)}`)
  }
  return r.stdout
}

async function registryGet(host: string, path: string, auth?: string): Promise<Response> {
  const headers: Record<string, string> = {Accept: 'application/vnd.docker.distribution.manifest.v2+json'}
  if (auth) headers.Authorization = `Basic ${Buffer.from(auth).toString('base64')}`
  return fetch(`http://${host}${path}`, {headers})
}

describe('test bed smoke', function () {
  const id = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`
  let env: ReturnType<typeof bedEnv>
  let work: string

  before(function () {
    env = bedEnv()
    work = mkdtempSync(join(tmpdir(), 'bed-smoke-'))
  })

  after(function () {
    if (work) rmSync(work, {recursive: true, force: true})
  })

  describe('docker engine and registries', function () {
    const local = `bed-smoke/app:${id}`
    let dockerConfig: string

    before(function () {
      dockerConfig = join(work, 'docker-config')
      mkdirSync(dockerConfig)
      writeFileSync(join(dockerConfig, 'config.json'), '{"auths":{}}\n')
    })

    after(function () {
      for (const ref of [local, `${env.DRAFT_BED_REGISTRY}/${local}`, `${env.DRAFT_BED_AUTH_REGISTRY}/${local}`]) {
        run('docker', ['rmi', '-f', ref])
      }
    })

    // A DOCKER_CONFIG of our own: no credentials unless this test logs in.
    const docker = (args: string[]) => run('docker', args, {env: {...process.env, DOCKER_CONFIG: dockerConfig}})
    const dockerOk = (args: string[]) => ok('docker', args, {env: {...process.env, DOCKER_CONFIG: dockerConfig}})

    it('builds with BuildKit on the host network from a local base image', function () {
      const ctx = join(work, 'ctx')
      mkdirSync(ctx)
      writeFileSync(join(ctx, 'Dockerfile'), 'FROM debian:bookworm-slim\nARG STAMP\nRUN echo "built $STAMP" > /built.txt\nCMD ["cat", "/built.txt"]\n')
      ok('docker', ['build', '--network', 'host', '--progress', 'plain', '--build-arg', `STAMP=${id}`, '-t', local, ctx], {
        env: {...process.env, DOCKER_BUILDKIT: '1', DOCKER_CONFIG: dockerConfig},
      })
      assert.equal(dockerOk(['run', '--rm', '--network', 'host', local]).trim(), `built ${id}`)
    })

    it('pushes to the open registry without credentials', async function () {
      const ref = `${env.DRAFT_BED_REGISTRY}/${local}`
      dockerOk(['tag', local, ref])
      dockerOk(['push', ref])
      const tags = (await (await registryGet(env.DRAFT_BED_REGISTRY, '/v2/bed-smoke/app/tags/list')).json()) as {tags: string[]}
      assert.ok(tags.tags.includes(id), `tag ${id} not listed: ${JSON.stringify(tags)}`)
    })

    it('refuses a push to the auth registry without credentials', function () {
      const ref = `${env.DRAFT_BED_AUTH_REGISTRY}/${local}`
      dockerOk(['tag', local, ref])
      const r = docker(['push', ref])
      assert.notEqual(r.status, 0, 'push without credentials should fail')
      assert.match(r.stderr + r.stdout, /auth|unauthorized/i)
    })

    it('pushes to the auth registry with credentials from a temporary DOCKER_CONFIG', async function () {
      const ref = `${env.DRAFT_BED_AUTH_REGISTRY}/${local}`
      ok('docker', ['login', '-u', env.DRAFT_BED_AUTH_USER, '--password-stdin', env.DRAFT_BED_AUTH_REGISTRY], {
        env: {...process.env, DOCKER_CONFIG: dockerConfig},
        input: env.DRAFT_BED_AUTH_PASSWORD,
      })
      dockerOk(['push', ref])
      const denied = await registryGet(env.DRAFT_BED_AUTH_REGISTRY, '/v2/bed-smoke/app/tags/list')
      assert.equal(denied.status, 401)
      const res = await registryGet(env.DRAFT_BED_AUTH_REGISTRY, '/v2/bed-smoke/app/tags/list', `${env.DRAFT_BED_AUTH_USER}:${env.DRAFT_BED_AUTH_PASSWORD}`)
      assert.equal(res.status, 200)
      assert.ok(((await res.json()) as {tags: string[]}).tags.includes(id))
    })

    it('pulls both back and runs them', function () {
      for (const reg of [env.DRAFT_BED_REGISTRY, env.DRAFT_BED_AUTH_REGISTRY]) {
        const ref = `${reg}/${local}`
        dockerOk(['rmi', '-f', ref])
        dockerOk(['pull', ref])
        assert.equal(dockerOk(['run', '--rm', '--network', 'host', ref]).trim(), `built ${id}`)
      }
    })

    it('deletes the tags again (delete is enabled on both registries)', async function () {
      for (const [reg, auth] of [
        [env.DRAFT_BED_REGISTRY, undefined],
        [env.DRAFT_BED_AUTH_REGISTRY, `${env.DRAFT_BED_AUTH_USER}:${env.DRAFT_BED_AUTH_PASSWORD}`],
      ] as const) {
        const head = await registryGet(reg, `/v2/bed-smoke/app/manifests/${id}`, auth)
        assert.equal(head.status, 200)
        const digest = head.headers.get('docker-content-digest')
        assert.ok(digest)
        const headers: Record<string, string> = auth ? {Authorization: `Basic ${Buffer.from(auth).toString('base64')}`} : {}
        const del = await fetch(`http://${reg}/v2/bed-smoke/app/manifests/${digest}`, {method: 'DELETE', headers})
        assert.equal(del.status, 202, `DELETE on ${reg} answered ${del.status}`)
      }
    })
  })

  describe('kubernetes', function () {
    const ns = `bed-smoke-${id}`

    after(function () {
      run('helm', ['uninstall', 'smoke', '--namespace', ns])
      run('kubectl', ['delete', 'namespace', ns, '--wait=false'])
    })

    interface NodeList {
      items: {
        metadata: {name: string; annotations?: Record<string, string>; labels?: Record<string, string>}
        spec: {taints?: {key: string; effect: string}[]}
        status: {conditions: {type: string; status: string}[]; nodeInfo: {kubeletVersion: string; containerRuntimeVersion: string}; addresses: {type: string; address: string}[]}
      }[]
    }
    const nodes = (): NodeList => JSON.parse(ok('kubectl', ['get', 'nodes', '-o', 'json'])) as NodeList
    const ready = (n: NodeList['items'][number]): string | undefined => n.status.conditions.find((c) => c.type === 'Ready')?.status

    it('shows the real node Ready, on containerd, with an address on the pod bridge', function () {
      const real = nodes().items.filter((n) => n.metadata.labels?.type === 'real')
      assert.equal(real.length, 1, 'no real node')
      const node = real[0]!
      assert.equal(ready(node), 'True', `node ${node.metadata.name} is not Ready`)
      assert.match(node.status.nodeInfo.containerRuntimeVersion, /^containerd:\/\//)
      const ip = node.status.addresses.find((a) => a.type === 'InternalIP')?.address ?? ''
      // Shared address space of the bed's own bridge, never a private range.
      assert.match(ip, /^100\.6[4-9]\./)
      assert.deepEqual(node.spec.taints ?? [], [])
    })

    it('shows the kwok node Ready and tainted, so that only pods that ask for it land there', function () {
      const kwok = nodes().items.filter((n) => n.metadata.annotations?.['kwok.x-k8s.io/node'] === 'fake')
      assert.ok(kwok.length > 0, 'no kwok node')
      for (const n of kwok) {
        assert.equal(ready(n), 'True', `node ${n.metadata.name} is not Ready`)
        assert.ok(n.spec.taints?.some((t) => t.key === 'kwok.x-k8s.io/node' && t.effect === 'NoSchedule'), 'the kwok node has no taint')
      }
    })

    const server = (): string => `${env.DRAFT_BED_REGISTRY}/bed-smoke/server:${id}`
    const hardened = `securityContext: {runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, seccompProfile: {type: RuntimeDefault}}`
    const containerHardened = `securityContext: {readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}`

    it('installs a chart with helm whose pod runs as non-root on a read-only root, drops every capability, and becomes Ready through a real probe', function () {
      // A real server (the python stand-in's http.server), built and pushed like an app would be.
      const ctx = join(work, 'server')
      mkdirSync(ctx, {recursive: true})
      writeFileSync(join(ctx, 'index.html'), `smoke ${id}\n`)
      writeFileSync(join(ctx, 'Dockerfile'), 'FROM python:3.11-slim\nCOPY index.html /srv/\nWORKDIR /srv\nCMD ["python", "-u", "-m", "http.server", "8080"]\n')
      ok('docker', ['build', '--network', 'host', '-t', server(), ctx], {env: {...process.env, DOCKER_BUILDKIT: '1'}})
      ok('docker', ['push', server()])
      const chart = join(work, 'chart')
      mkdirSync(join(chart, 'templates'), {recursive: true})
      writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: smoke\nversion: 0.1.0\nappVersion: "1"\n')
      writeFileSync(join(chart, 'values.yaml'), `image: "${server()}"\nport: 8080\n`)
      writeFileSync(
        join(chart, 'templates', 'deployment.yaml'),
        `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
  labels: {app.kubernetes.io/name: smoke, app.kubernetes.io/instance: {{ .Release.Name }}}
spec:
  replicas: 1
  selector:
    matchLabels: {app.kubernetes.io/name: smoke, app.kubernetes.io/instance: {{ .Release.Name }}}
  template:
    metadata:
      labels: {app.kubernetes.io/name: smoke, app.kubernetes.io/instance: {{ .Release.Name }}}
    spec:
      ${hardened}
      containers:
        - name: app
          image: {{ .Values.image | quote }}
          ${containerHardened}
          ports: [{containerPort: {{ .Values.port }}}]
          readinessProbe: {httpGet: {path: /index.html, port: {{ .Values.port }}}, periodSeconds: 1}
          resources: {requests: {cpu: 10m, memory: 16Mi}, limits: {memory: 64Mi}}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ .Release.Name }}
spec:
  selector: {app.kubernetes.io/name: smoke, app.kubernetes.io/instance: {{ .Release.Name }}}
  ports: [{port: 80, targetPort: {{ .Values.port }}}]
`,
      )
      const rendered = ok('helm', ['template', 'smoke', chart])
      const conform = ok('kubeconform', ['-strict', '-summary'], {input: rendered})
      assert.match(conform, /Valid: 2, Invalid: 0, Errors: 0/)
      ok('helm', ['upgrade', '--install', 'smoke', chart, '--namespace', ns, '--create-namespace', '--wait', '--timeout', '120s'])
      const pods = JSON.parse(ok('kubectl', ['-n', ns, 'get', 'pods', '-l', 'app.kubernetes.io/instance=smoke', '-o', 'json'])) as {
        items: {spec: {nodeName: string}; status: {phase: string; podIP: string; conditions?: {type: string; status: string}[]}}[]
      }
      assert.equal(pods.items.length, 1)
      const pod = pods.items[0]!
      assert.equal(pod.status.phase, 'Running')
      assert.equal(pod.status.conditions?.find((c) => c.type === 'Ready')?.status, 'True')
      assert.notEqual(pod.spec.nodeName, process.env.DRAFT_BED_NODE, 'the pod landed on the kwok node')
      assert.match(pod.status.podIP, /^100\.66\./)
    })

    it('serves logs, exec and port-forward through the API server', async function () {
      const pod = ok('kubectl', ['-n', ns, 'get', 'pods', '-l', 'app.kubernetes.io/instance=smoke', '-o', 'jsonpath={.items[0].metadata.name}']).trim()
      // The probe's requests are logged by http.server.
      assert.match(ok('kubectl', ['-n', ns, 'logs', pod]), /GET \/index\.html/)
      assert.equal(ok('kubectl', ['-n', ns, 'exec', pod, '--', 'id', '-u']).trim(), '10001')
      const write = run('kubectl', ['-n', ns, 'exec', pod, '--', 'touch', '/srv/x'])
      assert.notEqual(write.status, 0)
      assert.match(write.stderr, /Read-only file system/)
      const forward = spawn('kubectl', ['-n', ns, 'port-forward', `pod/${pod}`, ':8080'], {stdio: ['ignore', 'pipe', 'pipe']})
      try {
        const port = await new Promise<number>((resolve, reject) => {
          let out = ''
          forward.stdout!.on('data', (d: Buffer) => {
            out += d.toString()
            const m = /127\.0\.0\.1:(\d+) ->/.exec(out)
            if (m) resolve(Number(m[1]))
          })
          forward.on('exit', (code) => reject(new Error(`port-forward exited ${code}`)))
          setTimeout(() => reject(new Error(`port-forward printed no port: ${out}`)), 20_000)
        })
        const res = await fetch(`http://127.0.0.1:${port}/index.html`)
        assert.equal(await res.text(), `smoke ${id}\n`)
      } finally {
        forward.kill()
      }
    })

    it('routes a Service by its name to the pod from another pod (CoreDNS, kube-proxy), and the host reaches pod IPs', async function () {
      const ip = ok('kubectl', ['-n', ns, 'get', 'pods', '-l', 'app.kubernetes.io/instance=smoke', '-o', 'jsonpath={.items[0].status.podIP}']).trim()
      assert.equal(await (await fetch(`http://${ip}:8080/index.html`)).text(), `smoke ${id}\n`)
      const client = `apiVersion: v1
kind: Pod
metadata: {name: client, namespace: ${ns}}
spec:
  ${hardened}
  restartPolicy: Never
  containers:
  - name: client
    image: "${server()}"
    ${containerHardened}
    command: [python, -c, "import urllib.request; print(urllib.request.urlopen('http://smoke/index.html', timeout=10).read().decode(), end='')"]
`
      ok('kubectl', ['apply', '-f', '-'], {input: client})
      let phase = ''
      for (let i = 0; i < 300 && !['Succeeded', 'Failed'].includes(phase); i++) {
        await new Promise((r) => setTimeout(r, 200))
        phase = ok('kubectl', ['-n', ns, 'get', 'pod', 'client', '-o', 'jsonpath={.status.phase}']).trim()
      }
      assert.equal(ok('kubectl', ['-n', ns, 'logs', 'client']), `smoke ${id}\n`)
      assert.equal(phase, 'Succeeded')
      // With cluster DNS configured, kubelet has no MissingClusterDNS warning to give.
      assert.doesNotMatch(ok('kubectl', ['-n', ns, 'get', 'events', '--field-selector', 'involvedObject.name=client', '-o', 'jsonpath={.items[*].reason}']), /MissingClusterDNS/)
    })

    it('runs an image named as on Docker Hub (a compose file\'s redis:7) from the node\'s docker.io mirror', async function () {
      const refs = join(process.env.DRAFT_BED_RUN ?? '/run/draft-bed', 'mirror-refs.txt')
      const ref = existsSync(refs) ? readFileSync(refs, 'utf8').split('\n').find(Boolean) : undefined
      if (!ref) this.skip()
      run('kubectl', ['create', 'namespace', ns])
      ok('kubectl', ['-n', ns, 'run', 'mirrored', `--image=${ref}`, '--restart=Never'])
      let phase = ''
      for (let i = 0; i < 300 && phase !== 'Running'; i++) {
        await new Promise((r) => setTimeout(r, 200))
        phase = ok('kubectl', ['-n', ns, 'get', 'pod', 'mirrored', '-o', 'jsonpath={.status.phase}']).trim()
      }
      assert.equal(phase, 'Running', ok('kubectl', ['-n', ns, 'describe', 'pod', 'mirrored']))
    })

    it('simulates a failing pod on the kwok node, for pods that tolerate its taint (annotation draft.bed/simulate)', async function () {
      run('kubectl', ['create', 'namespace', ns]) // exists already when the helm test ran first
      const pod = `apiVersion: v1
kind: Pod
metadata: {name: pull-fails, namespace: ${ns}, annotations: {draft.bed/simulate: ImagePullBackOff}}
spec:
  nodeSelector: {type: kwok}
  tolerations: [{key: kwok.x-k8s.io/node, operator: Exists, effect: NoSchedule}]
  containers: [{name: app, image: "${env.DRAFT_BED_REGISTRY}/bed-smoke/absent:1"}]
`
      ok('kubectl', ['apply', '-f', '-'], {input: pod})
      let reason = ''
      for (let i = 0; i < 50 && !reason; i++) {
        await new Promise((r) => setTimeout(r, 200))
        reason = ok('kubectl', ['-n', ns, 'get', 'pod', 'pull-fails', '-o', 'jsonpath={.status.containerStatuses[0].state.waiting.reason}']).trim()
      }
      assert.equal(reason, 'ImagePullBackOff')
      const ready = ok('kubectl', ['-n', ns, 'get', 'pod', 'pull-fails', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']).trim()
      assert.equal(ready, 'False')
      assert.equal(ok('kubectl', ['-n', ns, 'get', 'pod', 'pull-fails', '-o', 'jsonpath={.spec.nodeName}']).trim(), process.env.DRAFT_BED_NODE)
    })

    it('rejects an invalid manifest with kubeconform, offline', function () {
      const bad = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {replicas: "two", selector: {}, template: {}}\n'
      const r = run('kubeconform', ['-strict', '-summary'], {input: bad})
      assert.notEqual(r.status, 0, `kubeconform accepted an invalid Deployment:\n${r.stdout}`)
    })
  })
})
