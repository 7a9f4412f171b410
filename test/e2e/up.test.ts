import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {appendFileSync, chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {bed, copyFixture, draft, jsonLines} from '../support/cli.js'
import {DraftProcess} from '../support/draft-process.js'
import {answers} from '../support/port-forward.js'

const kubectl = (...args: string[]): string => execFileSync('kubectl', args, {encoding: 'utf8'})

/**
 * `draft create` then `draft up` on a fixture app, against the real Docker engine, registries, helm and
 * Kubernetes API of the test bed.
 */
describe('draft up (e2e, test bed)', function () {
  this.timeout(15 * 60_000)
  let env: ReturnType<typeof bed>
  let app: string
  const namespace = `e2e-up-${process.pid}`
  const release = 'express-api'

  before(async () => {
    env = bed()
    app = copyFixture('node', 'express-api')
    // Content of its own, so that its tag is new to the registry whatever ran before.
    appendFileSync(join(app, 'src', 'server.js'), `\n// e2e run ${process.pid} ${Date.now()}\n`)
    const created = await draft(['create', app])
    assert.equal(created.code, 0, created.stderr)
  })
  after(() => {
    try {
      kubectl('delete', 'namespace', namespace, '--wait=false')
    } catch {
      // Best effort: the bed is torn down after the run anyway.
    }
  })

  const upArgsFor = (release: string): string[] => ['up', app, '--registry', env.registry, '--namespace', namespace, '--build-network', 'host', '--release', release]
  const up = (...extra: string[]) => draft(['up', app, '--registry', env.registry, '--namespace', namespace, '--build-network', 'host', '--json', ...extra])
  const resultOf = (stdout: string): Record<string, unknown> => jsonLines(stdout).find(e => e.type === 'result')!

  let firstTag = ''

  it('takes a fresh app to revision 1 with the Deployment available and the image in the registry under its content tag', async () => {
    const run = await up()
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`)
    const result = resultOf(run.stdout)
    assert.equal(result.revision, 1)
    assert.ok(result.built && result.pushed)
    firstTag = String(result.tag)
    assert.match(firstTag, /^draft-[0-9a-f]{16}$/)
    const available = kubectl('-n', namespace, 'get', 'deployment', release, '-o', 'jsonpath={.status.availableReplicas}')
    assert.equal(available, '1')
    const image = kubectl('-n', namespace, 'get', 'deployment', release, '-o', 'jsonpath={.spec.template.spec.containers[0].image}')
    assert.equal(image, `${env.registry}/${release}:${firstTag}`)
    const tags = (await (await fetch(`http://${env.registry}/v2/${release}/tags/list`)).json()) as {tags: string[]}
    assert.ok(tags.tags.includes(firstTag))
    const stages = jsonLines(run.stdout).filter(e => e.type === 'stage-finished').map(e => e.stage)
    assert.deepEqual(stages, ['connect', 'tag', 'build', 'push', 'deploy', 'rollout'])
  })

  it('does nothing when nothing changed: no build, no push, no new revision', async () => {
    const run = await up()
    assert.equal(run.code, 0, run.stderr)
    const result = resultOf(run.stdout)
    assert.equal(result.revision, 1)
    assert.equal(result.upToDate, true)
    assert.ok(!result.built && !result.pushed)
    const skipped = jsonLines(run.stdout).filter(e => e.type === 'stage-skipped').map(e => e.stage)
    assert.deepEqual(skipped, ['build', 'push'])
    // How long it takes is for `npm run bench:up` to measure, side by side; this machine is too noisy to assert on.
  })

  it('rebuilds with a new tag and deploys revision 2 after a one-file change', async () => {
    appendFileSync(join(app, 'src', 'server.js'), '\n// a change\n')
    const run = await up()
    assert.equal(run.code, 0, run.stderr)
    const result = resultOf(run.stdout)
    assert.equal(result.revision, 2)
    assert.notEqual(result.tag, firstTag)
    const image = kubectl('-n', namespace, 'get', 'deployment', release, '-o', 'jsonpath={.spec.template.spec.containers[0].image}')
    assert.equal(image, `${env.registry}/${release}:${String(result.tag)}`)
  })

  it('pushes to the registry that needs auth with credentials from the Docker config, and makes a pull secret', async () => {
    const config = mkdtempSync(join(tmpdir(), 'draft-docker-config-'))
    const auth = Buffer.from(`${env.user}:${env.password}`).toString('base64')
    writeFileSync(join(config, 'config.json'), JSON.stringify({auths: {[env.authRegistry]: {auth}}}))
    const run = await draft(['up', app, '--registry', env.authRegistry, '--namespace', namespace, '--release', 'private', '--build-network', 'host', '--json'], {env: {DOCKER_CONFIG: config}})
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`)
    assert.ok(!run.stdout.includes(env.password) && !run.stderr.includes(env.password), 'the password is never printed')
    const secret = kubectl('-n', namespace, 'get', 'secret', 'private-registry', '-o', 'jsonpath={.type}')
    assert.equal(secret, 'kubernetes.io/dockerconfigjson')
    const pullSecret = kubectl('-n', namespace, 'get', 'deployment', '-l', 'app.kubernetes.io/instance=private', '-o', 'jsonpath={.items[0].spec.template.spec.imagePullSecrets[0].name}')
    assert.equal(pullSecret, 'private-registry')
    rmSync(config, {recursive: true, force: true})
  })

  describe('a rollout that cannot succeed on the real node names its cause and fix, and exits 1', () => {
    // Each case breaks a copy of the app the way users do; nothing here is simulated.
    const broken = async (name: string, breakIt: (dir: string) => void): Promise<string> => {
      const dir = copyFixture('node', 'express-api')
      appendFileSync(join(dir, 'src', 'server.js'), `\n// e2e ${name} ${process.pid} ${Date.now()}\n`)
      const created = await draft(['create', dir])
      assert.equal(created.code, 0, created.stderr)
      breakIt(dir)
      return dir
    }
    const upBroken = (dir: string, release: string, ...extra: string[]) =>
      draft(['up', dir, '--registry', env.registry, '--namespace', namespace, '--build-network', 'host', '--release', release, ...extra])
    const expectFailure = (run: {code: number; stdout: string; stderr: string}, cause: RegExp, fix: RegExp): void => {
      assert.equal(run.code, 1, run.stdout + run.stderr)
      assert.match(run.stderr, /\(ROLLOUT_FAILED\)/)
      assert.match(run.stderr, cause)
      assert.match(run.stderr, fix)
      assert.match(run.stdout, /✖ rollout\s+failed after/)
    }

    it('ImagePullBackOff: the chart names a tag the registry does not have', async () => {
      const dir = await broken('pull', d => {
        // Every container of the pod (init containers too) takes its image from the app.image helper.
        const file = join(d, 'charts', 'express-api', 'templates', '_helpers.tpl')
        const text = readFileSync(file, 'utf8')
        assert.match(text, /\.Values\.image\.tag \}\}\n/)
        writeFileSync(file, text.replace(/\.Values\.image\.tag \}\}\n/, '.Values.image.tag }}-absent\n'))
      })
      expectFailure(await upBroken(dir, 'fail-pull', '--timeout', '90s'), /(ImagePullBackOff|ErrImagePull): the cluster cannot pull 127\.0\.0\.1:\d+\/express-api:draft-[0-9a-f]+-absent/, /image is in the registry/)
    })

    it('CrashLoopBackOff: an app that exits at start', async () => {
      const dir = await broken('crash', d => {
        const file = join(d, 'src', 'server.js')
        writeFileSync(file, `console.error('cannot start: DATABASE_URL is not set')\nprocess.exit(3)\n${readFileSync(file, 'utf8')}`)
      })
      const run = await upBroken(dir, 'fail-crash', '--timeout', '90s')
      expectFailure(run, /CrashLoopBackOff: the container keeps exiting \(exit code 3/, /draft logs --previous/)
      // The crashed container's own last words, inline.
      assert.match(run.stderr, /last lines of the crashed container's log:\n\s+│\s+cannot start: DATABASE_URL is not set/)
      assert.doesNotMatch(run.stderr, /MissingClusterDNS/)
    })

    it('a readiness probe that never passes', async () => {
      const dir = await broken('probe', () => undefined)
      expectFailure(await upBroken(dir, 'fail-probe', '--set', 'probes.path=/nothing-here', '--timeout', '30s'), /probe failing: the app answers 404 at \/nothing-here on :3000/, /probes\.path/)
    })

    it('a probe on a port nothing listens on, decided from the app\'s own log without waiting for the timeout', async () => {
      const dir = await broken('port', () => undefined)
      const run = await upBroken(dir, 'fail-port', '--set', 'containerPort=8080', '--timeout', '4m')
      expectFailure(run, /probe failing: nothing listens on :8080 \(the app listens on :3000/, /containerPort: 3000/)
      assert.ok(run.ms < 120_000, `it waited ${run.ms} ms, as if for the timeout`)
    })

    it('Pending: a request the node cannot fit', async () => {
      const dir = await broken('pending', () => undefined)
      expectFailure(await upBroken(dir, 'fail-pending', '--set', 'resources.requests.cpu=64', '--set', 'resources.limits.cpu=64', '--timeout', '20s'), /Pending: Unschedulable: .*Insufficient cpu/, /resources\.requests/)
    })
  })

  describe('failures print the documented message and fix', () => {
    const fails = async (args: string[], env_: NodeJS.ProcessEnv, code: string, fix: RegExp): Promise<string> => {
      const run = await draft(args, {env: env_})
      assert.notEqual(run.code, 0)
      const text = `${run.stdout}${run.stderr}`
      assert.match(text, new RegExp(`\\(${code}\\)`), text)
      assert.match(text, fix, text)
      return text
    }
    const upArgs = (): string[] => ['up', app, '--registry', env.registry, '--namespace', namespace, '--build-network', 'host']

    it('no Docker daemon', async () => {
      // An unchanged app needs no engine; a changed one must build.
      appendFileSync(join(app, 'src', 'server.js'), '\n// needs a build\n')
      await fails(upArgs(), {DOCKER_HOST: 'unix:///tmp/draft-no-docker.sock'}, 'DOCKER_UNAVAILABLE', /Start Docker, or set DOCKER_HOST/)
    })

    it('no kube context, and an API that does not answer', async () => {
      const empty = join(mkdtempSync(join(tmpdir(), 'draft-kube-')), 'config')
      writeFileSync(empty, 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n')
      await fails(upArgs(), {KUBECONFIG: empty}, 'KUBE_NO_CONTEXT', /KUBECONFIG|local cluster/)
      const dead = join(mkdtempSync(join(tmpdir(), 'draft-kube-')), 'config')
      writeFileSync(dead, 'apiVersion: v1\nkind: Config\nclusters:\n- name: dead\n  cluster:\n    server: https://127.0.0.1:1\ncontexts:\n- name: dead\n  context:\n    cluster: dead\n    user: nobody\ncurrent-context: dead\nusers:\n- name: nobody\n  user:\n    token: x\n')
      await fails(upArgs(), {KUBECONFIG: dead}, 'KUBE_UNREACHABLE', /kubectl get nodes/)
    })

    it('helm missing, and helm too old', async () => {
      await fails(upArgs(), {DRAFT_HELM: '/nonexistent/helm'}, 'HELM_MISSING', /Install helm 3/)
      const dir = mkdtempSync(join(tmpdir(), 'draft-old-helm-'))
      const old = join(dir, 'helm')
      writeFileSync(old, '#!/bin/sh\necho v3.2.4\n')
      chmodSync(old, 0o755)
      await fails(upArgs(), {DRAFT_HELM: old}, 'HELM_TOO_OLD', /Upgrade helm/)
    })

    it('registry unreachable, and registry unauthorised', async () => {
      await fails(['up', app, '--registry', '127.0.0.1:9', '--namespace', namespace], {}, 'REGISTRY_UNREACHABLE', /fix:/)
      const config = mkdtempSync(join(tmpdir(), 'draft-docker-config-'))
      await fails(['up', app, '--registry', env.authRegistry, '--namespace', namespace], {DOCKER_CONFIG: config}, 'REGISTRY_UNAUTHORIZED', /docker login/)
    })

    it('draft.toml or the chart missing', async () => {
      const bare = copyFixture('node', 'plain-http')
      await fails(['up', bare], {}, 'CONFIG_MISSING', /Run `draft create`/)
      const created = await draft(['create', bare])
      assert.equal(created.code, 0, created.stderr)
      rmSync(join(bare, 'charts'), {recursive: true})
      await fails(['up', bare], {}, 'CHART_MISSING', /Run `draft create`/)
    })

    it('namespace forbidden', async () => {
      // A user with no rights at all: a ServiceAccount token of the bed's cluster.
      kubectl('-n', 'default', 'create', 'serviceaccount', 'draft-e2e-nobody', '--dry-run=client', '-o', 'yaml')
      execFileSync('sh', ['-c', 'kubectl -n default create serviceaccount draft-e2e-nobody --dry-run=client -o yaml | kubectl apply -f -'])
      const token = kubectl('-n', 'default', 'create', 'token', 'draft-e2e-nobody').trim()
      const server = kubectl('config', 'view', '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}')
      const dir = mkdtempSync(join(tmpdir(), 'draft-kube-'))
      mkdirSync(dir, {recursive: true})
      const config = join(dir, 'config')
      writeFileSync(config, `apiVersion: v1\nkind: Config\nclusters:\n- name: bed\n  cluster:\n    server: ${server}\n    insecure-skip-tls-verify: true\ncontexts:\n- name: nobody\n  context:\n    cluster: bed\n    user: nobody\ncurrent-context: nobody\nusers:\n- name: nobody\n  user:\n    token: ${token}\n`)
      await fails(['up', app, '--registry', env.registry, '--namespace', 'draft-e2e-forbidden', '--build-network', 'host'], {KUBECONFIG: config}, 'NAMESPACE_FORBIDDEN', /namespace you may deploy to|ask a cluster admin/)
    })
  })

  describe('the next step it prints reaches the app, whatever the chart exposes', () => {
    // A release named otherwise than the app: the chart then names the Service "<release>-<app>".
    for (const [pack, fixture] of [['node', 'plain-http'], ['python', 'stdlib-server'], ['go', 'net-http'], ['static', 'plain-site']] as const) {
      it(`${pack}/${fixture}`, async () => {
        const dir = copyFixture(pack, fixture)
        assert.equal((await draft(['create', dir])).code, 0)
        const run = await draft(['up', dir, '--registry', env.registry, '--namespace', namespace, '--build-network', 'host', '--release', `next-${pack}`])
        assert.equal(run.code, 0, run.stdout + run.stderr)
        const next = /next\s+(draft connect .+?)\s{3}\(the app at (http:\/\/localhost:\d+)\)/.exec(run.stdout)
        assert.ok(next, run.stdout)
        const [, line] = next
        assert.equal(line, `draft connect ${dir} --namespace ${namespace} --release next-${pack}`)

        // Run the printed command as is, and ask the app through the URL it prints.
        const [program, verb, ...args] = line!.split(' ')
        assert.deepEqual([program, verb], ['draft', 'connect'])
        const connect = new DraftProcess(['connect', ...args, '--no-logs'])
        try {
          const answer = await answers(`${await connect.url()}/`)
          assert.ok(answer.status > 0 && answer.status < 500, `the app answered ${answer.status}: ${answer.body}`)
        } finally {
          assert.equal(await connect.stop(), 0)
        }
      })
    }
  })
})

/**
 * Issue 15: an app's own .dockerignore (kept by create) knows nothing of draft. draft's logs and cache
 * in .draft/, draft.toml and the chart must still stay out of the context and the content tag, or every
 * `up` would rebuild the image that the one before wrote a log about.
 */
describe('draft up with the app\'s own .dockerignore (e2e, test bed)', function () {
  this.timeout(10 * 60_000)
  let env: ReturnType<typeof bed>
  let app: string
  const namespace = `e2e-own-ignore-${process.pid}`

  before(async () => {
    env = bed()
    app = copyFixture('node', 'express-api')
    writeFileSync(join(app, '.dockerignore'), 'node_modules\n.git\n')
    appendFileSync(join(app, 'src', 'server.js'), `\n// e2e run ${process.pid} ${Date.now()}\n`)
    const created = await draft(['create', app])
    assert.equal(created.code, 0, created.stderr)
  })
  after(() => {
    try {
      kubectl('delete', 'namespace', namespace, '--wait=false')
    } catch {
      // Best effort: the bed is torn down after the run anyway.
    }
  })

  const up = () => draft(['up', app, '--registry', env.registry, '--namespace', namespace, '--build-network', 'host', '--json'])
  const resultOf = (stdout: string): Record<string, unknown> => jsonLines(stdout).find(e => e.type === 'result')!

  it('keeps the app\'s .dockerignore, and a second up in a row is a no-op although the first wrote its log', async () => {
    assert.equal(readFileSync(join(app, '.dockerignore'), 'utf8'), 'node_modules\n.git\n')
    const first = await up()
    assert.equal(first.code, 0, `${first.stdout}\n${first.stderr}`)
    const firstResult = resultOf(first.stdout)
    assert.ok(firstResult.built)
    assert.ok(readdirSync(join(app, '.draft', 'logs')).length > 0, 'the first up wrote a build log into .draft/logs')

    const second = await up()
    assert.equal(second.code, 0, second.stderr)
    const result = resultOf(second.stdout)
    assert.equal(result.tag, firstResult.tag)
    assert.equal(result.upToDate, true)
    assert.equal(result.revision, firstResult.revision)
    assert.ok(!result.built && !result.pushed)
  })

  it('redeploys a chart edit without a rebuild: the chart is not part of the image', async () => {
    const values = join(app, 'charts', 'express-api', 'values.yaml')
    writeFileSync(values, readFileSync(values, 'utf8').replace('podAnnotations: {}', 'podAnnotations: {e2e/edited: "yes"}'))
    assert.match(readFileSync(values, 'utf8'), /e2e\/edited/, 'the chart was edited')
    const run = await up()
    assert.equal(run.code, 0, run.stderr)
    const result = resultOf(run.stdout)
    assert.ok(!result.built, 'no build for a chart edit')
    assert.equal(result.revision, 2)
    const skipped = jsonLines(run.stdout).filter(e => e.type === 'stage-skipped').map(e => e.stage)
    assert.deepEqual(skipped, ['build', 'push'])
  })
})
