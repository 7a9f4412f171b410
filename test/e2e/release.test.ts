import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {packageRoot} from '../../src/util/package-root.js'
import {bed, copyFixture, draft, jsonLines} from '../support/cli.js'

const kubectl = (...args: string[]): string => execFileSync('kubectl', args, {encoding: 'utf8'})
const git = (dir: string, ...args: string[]): string =>
  execFileSync('git', ['-C', dir, '-c', 'user.name=draft e2e', '-c', 'user.email=e2e@draft.invalid', ...args], {encoding: 'utf8'}).trim()

/** The bed has a real node (kubelet) when its status lists one: then pods really run and answer. */
function realNode(): boolean {
  try {
    return /^\s*kubelet\s/m.test(execFileSync('bash', [join(packageRoot(), 'test', 'bed', 'bed.sh'), 'status'], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']}))
  } catch (error) {
    // An unhealthy component makes status exit 1; its listing still says whether a kubelet is there.
    return /^\s*kubelet\s/m.test(String((error as {stdout?: string}).stdout ?? ''))
  }
}

interface Revision {
  revision: number
  status: string
  tag?: string
  commit?: string
  live: boolean
  byDraft: boolean
  rollbackOf?: number
}

/**
 * `draft history`, `status`, `rollback` and `delete` on a fixture app that `draft up` deploys from a
 * git repository, against the test bed. Each `up` records its tag and commit; a rollback makes an old
 * revision live (and, on the real node, serves its content again); a later `up` deploys the folder
 * again; `delete --images --yes` leaves no release, no pods and no tags.
 */
describe('draft status, history, rollback and delete (e2e, test bed)', function () {
  this.timeout(20 * 60_000)
  let env: ReturnType<typeof bed>
  let app: string
  let real = false
  const namespace = `ops-e2e-${process.pid}`
  const release = 'ops-web'
  const runId = `${process.pid}-${Date.now()}`
  const commits: string[] = []
  const tags: string[] = []

  const upArgs = (): string[] => ['up', app, '--registry', env.registry, '--namespace', namespace, '--build-network', 'host', '--json']
  const inNs = (...args: string[]): string[] => [...args, app, '--namespace', namespace]
  const resultOf = (stdout: string): Record<string, unknown> => jsonLines(stdout).find(e => e.type === 'result')!
  const history = async (): Promise<Revision[]> => {
    const run = await draft([...inNs('history'), '--json'])
    assert.equal(run.code, 0, run.stderr)
    return (JSON.parse(run.stdout) as {revisions: Revision[]}).revisions
  }
  /** What the app answers now, through the API server's service proxy. */
  const answer = (): {version: string} => JSON.parse(kubectl('get', '--raw', `/api/v1/namespaces/${namespace}/services/${release}:http/proxy/`)) as {version: string}
  const setVersion = (version: string): void => {
    const file = join(app, 'index.js')
    const source = readFileSync(file, 'utf8').replace(/JSON\.stringify\(\{path: req\.url, pid: process\.pid(, version: '[^']*')?\}\)/, `JSON.stringify({path: req.url, pid: process.pid, version: '${version}'})`)
    writeFileSync(file, `${source.replace(/\n\/\/ run .*\n$/, '\n')}\n// run ${runId}\n`)
  }
  const up = async (): Promise<Record<string, unknown>> => {
    const run = await draft(upArgs())
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`)
    return resultOf(run.stdout)
  }

  before(async () => {
    env = bed()
    real = realNode()
    app = copyFixture('node', 'plain-http')
    setVersion('v1')
    const created = await draft(['create', app, '--app', release])
    assert.equal(created.code, 0, created.stderr)
    git(app, 'init', '-q')
    git(app, 'add', '-A')
    git(app, 'commit', '-qm', 'v1')
  })
  after(() => {
    try {
      kubectl('delete', 'namespace', namespace, '--wait=false')
    } catch {
      // Best effort: the bed is torn down after the run anyway.
    }
  })

  describe('what runs and what ran', () => {
    it('history lists each up with its image tag and the commit it was built from (+dirty with changes)', async () => {
      commits.push(git(app, 'rev-parse', 'HEAD'))
      tags.push(String((await up()).tag))

      setVersion('v2')
      const dirty = await up()
      tags.push(String(dirty.tag))
      assert.equal(dirty.commit, `${commits[0]}+dirty`)

      git(app, 'commit', '-qam', 'v2')
      assert.equal((await up()).upToDate, true, 'committing the same content deploys nothing')
      setVersion('v3')
      git(app, 'commit', '-qam', 'v3')
      commits.push(git(app, 'rev-parse', 'HEAD'))
      tags.push(String((await up()).tag))

      const revisions = await history()
      assert.deepEqual(revisions.map(r => [r.revision, r.tag, r.commit, r.live, r.byDraft]), [
        [1, tags[0], commits[0], false, true],
        [2, tags[1], `${commits[0]}+dirty`, false, true],
        [3, tags[2], commits[1], true, true],
      ])
      const text = await draft(inNs('history'))
      assert.equal(text.code, 0, text.stderr)
      assert.match(text.stdout, new RegExp(`• 3 .* deployed +${tags[2]} +${commits[1]!.slice(0, 12)}\\n`))
      assert.match(text.stdout, new RegExp(`${commits[0]!.slice(0, 12)}\\+dirty`))
    })

    it('status: the live revision, its image matching the folder, the pod ready, exit 0', async () => {
      const run = await draft([...inNs('status'), '--json'])
      assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`)
      const report = JSON.parse(run.stdout) as {revision: number; tag: string; commit: string; available: boolean; folder: {matches: boolean}; pods: {ready: string; state: string}[]}
      assert.equal(report.revision, 3)
      assert.equal(report.tag, tags[2])
      assert.equal(report.commit, commits[1])
      assert.equal(report.available, true)
      assert.equal(report.folder.matches, true)
      assert.deepEqual(report.pods.map(p => [p.ready, p.state]), [['1/1', 'Running']])
      if (real) assert.equal(answer().version, 'v3')
      else console.log('      (no real node in the bed: the app\'s answers are not checked)')
    })

    it('lists a revision draft did not make, with the image its manifest names', async () => {
      const chart = join(app, 'charts', release)
      execFileSync('helm', ['upgrade', release, chart, '--namespace', namespace, '--reuse-values', '--set', 'podAnnotations.by=hand', '--wait', '--timeout', '3m'], {encoding: 'utf8'})
      const revisions = await history()
      assert.deepEqual(revisions.map(r => [r.revision, r.tag, r.byDraft, r.live]).at(-1), [4, tags[2], false, true])
      const text = await draft(inNs('history'))
      assert.match(text.stdout, /not made by draft: Upgrade complete/)
    })

    it('rollback makes an old revision live and waits for it; a later up deploys the folder again, and says so', async () => {
      const run = await draft(['rollback', '1', app, '--namespace', namespace, '--json'])
      assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`)
      const result = resultOf(run.stdout)
      assert.equal(result.revision, 5)
      assert.equal(result.target, 1)
      assert.equal(result.tag, tags[0])
      assert.equal(result.commit, commits[0])
      assert.deepEqual(jsonLines(run.stdout).filter(e => e.type === 'stage-finished').map(e => e.stage), ['connect', 'rollback', 'rollout'])
      const image = kubectl('-n', namespace, 'get', 'deployment', release, '-o', 'jsonpath={.spec.template.spec.containers[0].image}')
      assert.equal(image, `${env.registry}/${release}:${tags[0]}`)
      if (real) assert.equal(answer().version, 'v1', 'the old content is served again')

      const status = await draft([...inNs('status'), '--json'])
      assert.equal(status.code, 0, status.stderr)
      const report = JSON.parse(status.stdout) as {revision: number; rollbackOf: number; folder: {matches: boolean; tag: string}}
      assert.deepEqual([report.revision, report.rollbackOf, report.folder.matches, report.folder.tag], [5, 1, false, tags[2]])
      const live = (await history()).find(r => r.live)!
      assert.deepEqual([live.revision, live.rollbackOf, live.tag, live.commit], [5, 1, tags[0], commits[0]])

      const text = await draft(['up', app, '--registry', env.registry, '--namespace', namespace, '--build-network', 'host'])
      assert.equal(text.code, 0, text.stderr)
      assert.match(text.stdout, /revision 5 was a rollback to revision 1: this folder is deployed again/)
      assert.match(text.stdout, /deployed: revision 6/)
      assert.equal(kubectl('-n', namespace, 'get', 'deployment', release, '-o', 'jsonpath={.spec.template.spec.containers[0].image}'), `${env.registry}/${release}:${tags[2]}`)
      if (real) assert.equal(answer().version, 'v3', 'the new content is served again')
    })

  })

  describe('bad input: one line with the fix, and nothing changes', () => {
    const fails = async (args: string[], code: string, fix: RegExp, env_: NodeJS.ProcessEnv = {}): Promise<string> => {
      const run = await draft(args, {env: env_})
      const text = `${run.stdout}${run.stderr}`
      assert.equal(run.code, 1, text)
      assert.match(text, new RegExp(`\\(${code}\\)`), text)
      assert.match(text, fix, text)
      return text
    }

    it('nothing deployed yet: run `draft up`', async () => {
      const empty = `${namespace}-empty`
      for (const command of ['status', 'history', 'rollback']) await fails([command, app, '--namespace', empty], 'NOTHING_DEPLOYED', /Run `draft up` first/)
    })

    it('a revision that does not exist', async () => {
      const before = (await history()).length
      const text = await fails(['rollback', '99', app, '--namespace', namespace], 'REVISION_NOT_FOUND', /Choose one of 1, 2, 3, 4, 5, 6/)
      assert.match(text, /release "ops-web" has no revision 99/)
      assert.equal((await history()).length, before)
    })

    it('a release that helm does not manage', async () => {
      kubectl('-n', namespace, 'run', 'ops-foreign', `--image=${env.registry}/${release}:${tags[0]}`, '--labels', 'app.kubernetes.io/instance=ops-foreign')
      await fails(['status', app, '--namespace', namespace, '--release', 'ops-foreign'], 'RELEASE_NOT_MANAGED', /draft manages helm releases only/)
      await fails(['delete', app, '--namespace', namespace, '--release', 'ops-foreign', '--yes'], 'RELEASE_NOT_MANAGED', /remove what deployed those pods/)
      assert.ok(kubectl('-n', namespace, 'get', 'pod', 'ops-foreign', '-o', 'name').includes('ops-foreign'))
    })

    it('a namespace you may not read', async () => {
      execFileSync('sh', ['-c', 'kubectl -n default create serviceaccount draft-e2e-nobody --dry-run=client -o yaml | kubectl apply -f -'])
      const token = kubectl('-n', 'default', 'create', 'token', 'draft-e2e-nobody').trim()
      const server = kubectl('config', 'view', '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}')
      const config = join(mkdtempSync(join(tmpdir(), 'draft-kube-')), 'config')
      writeFileSync(config, `apiVersion: v1\nkind: Config\nclusters:\n- name: bed\n  cluster:\n    server: ${server}\n    insecure-skip-tls-verify: true\ncontexts:\n- name: nobody\n  context:\n    cluster: bed\n    user: nobody\ncurrent-context: nobody\nusers:\n- name: nobody\n  user:\n    token: ${token}\n`)
      for (const command of ['status', 'history', 'rollback']) {
        await fails([command, app, '--namespace', namespace], 'NAMESPACE_FORBIDDEN', /ask a cluster admin for a Role there/, {KUBECONFIG: config})
      }
      await fails(['delete', app, '--namespace', namespace, '--yes'], 'NAMESPACE_FORBIDDEN', /ask a cluster admin/, {KUBECONFIG: config})
      assert.equal((await history()).length, 6)
    })

    it('delete without a terminal needs --yes', async () => {
      await fails(['delete', app, '--namespace', namespace], 'CONFIRMATION_NEEDED', /run again with --yes/)
      assert.equal((await history()).at(-1)?.live, true)
    })
  })

  describe('delete', () => {
    it('delete --images --yes leaves no release, no pods and no tags', async () => {
      const run = await draft(['delete', app, '--namespace', namespace, '--images', '--yes'])
      assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`)
      assert.match(run.stdout, new RegExp(`ops-web deleted from namespace ${namespace}: no release`))
      assert.throws(() => execFileSync('helm', ['status', release, '--namespace', namespace], {stdio: 'pipe'}), /not found/)
      assert.equal(kubectl('-n', namespace, 'get', 'pods', '-l', `app.kubernetes.io/instance=${release}`, '-o', 'name').trim(), '')
      const listed = (await (await fetch(`http://${env.registry}/v2/${release}/tags/list`)).json()) as {tags: string[] | null}
      for (const tag of tags) assert.ok(!(listed.tags ?? []).includes(tag), `${tag} is gone from the registry`)
      for (const tag of tags) assert.equal((await fetch(`http://${env.registry}/v2/${release}/manifests/${tag}`, {method: 'HEAD'})).status, 404)
    })

    it('deleting what is not there is a clear message and exit 0', async () => {
      const run = await draft(['delete', app, '--namespace', namespace, '--images'])
      assert.equal(run.code, 0, run.stderr)
      assert.match(run.stdout, new RegExp(`nothing to delete: there is no release "ops-web" in namespace ${namespace}`))
    })
  })
})
