import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {request} from 'node:http'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {type BrowserContext, type Page, chromium} from 'playwright-core'

import {packageRoot} from '../../src/util/package-root.js'
import {bed, copyFixture, draft} from '../support/cli.js'
import {DraftProcess} from '../support/draft-process.js'

const kubectl = (...args: string[]): string => execFileSync('kubectl', args, {encoding: 'utf8'})
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))
/** Screenshots of each state, kept as test artifacts (gitignored). */
const ARTIFACTS = join(packageRoot(), 'test', '.artifacts', 'dashboard')

/** Debian's chromium, driven by playwright-core: no browser download, no traffic but to 127.0.0.1. */
async function browser(): Promise<BrowserContext> {
  const profile = mkdtempSync(join(tmpdir(), 'draft-e2e-chromium-'))
  return chromium.launchPersistentContext(profile, {
    executablePath: process.env.DRAFT_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    viewport: {width: 1400, height: 1000},
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-default-apps', '--no-pings'],
  })
}

function raw(url: string, path: string, options: {method?: string; host?: string; token?: string; streamMs?: number} = {}): Promise<{status: number; body: string}> {
  const {port} = new URL(url)
  return new Promise((resolve, reject) => {
    const req = request({host: '127.0.0.1', port, path, method: options.method ?? 'GET', agent: false, headers: {host: options.host ?? `127.0.0.1:${port}`, ...(options.token ? {authorization: `Bearer ${options.token}`} : {})}}, res => {
      let body = ''
      res.on('data', (d: Buffer) => (body += d.toString()))
      res.on('end', () => resolve({status: res.statusCode ?? 0, body}))
      // The event stream never ends: read it for a while.
      if (options.streamMs) setTimeout(() => {
        req.destroy()
        resolve({status: res.statusCode ?? 0, body})
      }, options.streamMs)
    })
    req.on('error', error => ((error as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(error)))
    req.end()
  })
}

/**
 * The dashboard in a real browser against the bed's real node: `draft up --watch` on the express
 * fixture, pushed to the registry that needs a password, with an env variable from a Secret whose
 * value is that password, which the app prints at start. The page must show the loop, the build
 * logs, the pods and the logs, and act on the cluster; the password must never reach it.
 */
describe('the dashboard in a browser (e2e, real node)', function () {
  this.timeout(30 * 60_000)
  const namespace = `e2e-dashboard-${process.pid}`
  const release = 'dash'
  let env: ReturnType<typeof bed>
  let app: string
  let dockerConfig: string
  let loop: DraftProcess
  let url: string
  let token: string
  let context: BrowserContext
  let page: Page
  const others: DraftProcess[] = []
  let shot = 0

  const screenshot = async (name: string, target: Page = page): Promise<void> => {
    mkdirSync(ARTIFACTS, {recursive: true})
    await target.screenshot({path: join(ARTIFACTS, `${String(++shot).padStart(2, '0')}-${name}.png`), fullPage: true})
  }
  const edit = (text: string): void => appendFileSync(join(app, 'src', 'server.js'), `\n// ${text}\n`)
  const rows = (result?: string) => page.locator(`#cycles .cycle${result ? `[data-result=${result}]` : ''}`)
  const newestCycle = async (): Promise<number> => Number((await rows().first().getAttribute('data-cycle')) ?? 0)
  /** Waits for a cycle newer than `after` to end as `result`. */
  const cycleAfter = async (after: number, result: string, ms = 240_000): Promise<number> => {
    const deadline = Date.now() + ms
    for (;;) {
      const newest = await newestCycle()
      const state = await rows().first().getAttribute('data-result')
      if (newest > after && state === result) return newest
      if (newest > after && state !== 'running' && state !== result && state !== 'cancelled') assert.fail(`cycle ${newest} ended ${state}, not ${result}: ${await rows().first().textContent()}`)
      if (Date.now() > deadline) assert.fail(`no cycle after ${after} ended ${result}; the newest is ${newest} (${state}); stderr: ${loop.stderr}`)
      await sleep(200)
    }
  }
  const status = async (): Promise<{revision: number; tag: string; rollbackOf?: number}> => {
    const run = await draft(['status', app, '--namespace', namespace, '--release', release, '--json'])
    return JSON.parse(run.stdout) as {revision: number; tag: string; rollbackOf?: number}
  }

  before(async () => {
    env = bed()
    assert.ok(process.env.DRAFT_BED_REAL_NODE, 'the bed has no real node: run `npm run bed:up` with this version of test/bed')
    app = copyFixture('node', 'express-api')
    const server = join(app, 'src', 'server.js')
    writeFileSync(server, readFileSync(server, 'utf8').replace("app.listen(port, () => console.log(`listening on ${port}`))", "app.listen(port, () => console.log(`listening on ${port}; api token is ${process.env.API_TOKEN}`))"))
    edit(`dashboard e2e ${process.pid} ${Date.now()}`)
    assert.equal((await draft(['create', app])).code, 0)
    // The app takes API_TOKEN from a Secret (whose value is the registry's password, to look for one string).
    const deployment = join(app, 'charts', 'express-api', 'templates', 'deployment.yaml')
    const template = readFileSync(deployment, 'utf8')
    const appEnv = '          {{- with (include "app.env" .) }}'
    assert.ok(template.includes(appEnv), 'the chart\'s app container has its env block where this test puts envFrom')
    writeFileSync(deployment, template.replace(appEnv, `          envFrom:\n            - secretRef:\n                name: ${release}-api\n${appEnv}`))
    kubectl('create', 'namespace', namespace)
    kubectl('-n', namespace, 'create', 'secret', 'generic', `${release}-api`, `--from-literal=API_TOKEN=${env.password}`)
    dockerConfig = mkdtempSync(join(tmpdir(), 'draft-e2e-dockercfg-'))
    writeFileSync(join(dockerConfig, 'config.json'), JSON.stringify({auths: {[env.authRegistry]: {auth: Buffer.from(`${env.user}:${env.password}`).toString('base64')}}}))
    rmSync(ARTIFACTS, {recursive: true, force: true})

    loop = new DraftProcess(['up', '--watch', app, '--registry', env.authRegistry, '--namespace', namespace, '--release', release, '--build-network', 'host'], {DOCKER_CONFIG: dockerConfig})
    await loop.until(() => loop.of('dashboard').length > 0, 'the dashboard URL')
    url = String(loop.of('dashboard')[0]!.url)
    token = new URL(url).hash.replace('#token=', '')
    await loop.until(() => loop.of('cycle-finished').length > 0 || loop.of('cycle-failed').length > 0, 'the first deploy', 300_000)
    assert.equal(loop.of('cycle-failed').length, 0, JSON.stringify(loop.of('cycle-failed')))
    context = await browser()
    page = await context.newPage()
  })

  after(async () => {
    await context?.close()
    for (const p of others) await p.stop()
    await loop?.stop()
    try {
      kubectl('delete', 'namespace', namespace, '--wait=false')
    } catch {
      // Best effort.
    }
  })

  it('prints the URL once, on 127.0.0.1 with a token; the page loads and shows the app running', async () => {
    assert.equal(loop.of('dashboard').length, 1)
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]{40,}$/)
    await page.goto(url)
    await page.locator('[data-testid=service-state]', {hasText: 'running'}).waitFor()
    await rows('deployed').first().waitFor()
    assert.match((await page.locator('[data-testid=tag]').textContent()) ?? '', /^draft-[0-9a-f]{16}$/)
    await page.locator('#history tr.live').waitFor()
    await screenshot('loaded')
  })

  it('a source save makes a new cycle row with the stage timings', async () => {
    const before = await newestCycle()
    edit('a save from the dashboard test')
    const cycle = await cycleAfter(before, 'deployed')
    const row = page.locator(`#cycles .cycle[data-cycle="${cycle}"]`)
    assert.match((await row.textContent()) ?? '', /src\/server\.js/)
    const stages = await row.locator('.seg').evaluateAll(segs => segs.map(s => ({stage: s.getAttribute('data-stage'), ms: Number(s.getAttribute('data-ms')), title: s.getAttribute('title')})))
    for (const stage of ['build', 'push', 'deploy', 'rollout']) {
      const seg = stages.find(s => s.stage === stage)
      assert.ok(seg && seg.ms > 0, `${stage} has a duration: ${JSON.stringify(stages)}`)
    }
    assert.match(stages.find(s => s.stage === 'rollout')!.title ?? '', /ready/)
    assert.ok((await page.locator('#chart circle').count()) >= 2)
    await screenshot('new-cycle')
  })

  it('a broken Dockerfile shows the failed cycle with the failing step highlighted; the fix brings a good cycle', async () => {
    const dockerfile = join(app, 'Dockerfile')
    const good = readFileSync(dockerfile, 'utf8')
    const before = await newestCycle()
    writeFileSync(dockerfile, good.replace('COPY . .\n', 'COPY . .\nRUN echo about to fail && exit 3\n'))
    const failed = await cycleAfter(before, 'failed')
    await page.locator('[data-testid=service-state]', {hasText: 'failed'}).waitFor()
    await page.locator(`#cycles .cycle[data-cycle="${failed}"]`).click()
    const failing = page.locator('#build-log .line.failing')
    await failing.first().waitFor()
    assert.match((await failing.allTextContents()).join('\n'), /RUN echo about to fail && exit 3/)
    // Scrolled to: the first failing line is inside the log's visible box.
    const [pane, line] = await Promise.all([page.locator('#build-log').boundingBox(), failing.first().boundingBox()])
    assert.ok(pane && line && line.y >= pane.y && line.y + line.height <= pane.y + pane.height, `the failing line is visible: ${JSON.stringify({pane, line})}`)
    assert.match((await page.locator('#build-hint').textContent()) ?? '', /failed at .*RUN echo about to fail/)
    await screenshot('build-failed')
    writeFileSync(dockerfile, good)
    edit('the fix')
    const fixed = await cycleAfter(failed, 'deployed')
    await page.locator('[data-testid=service-state]', {hasText: 'running'}).waitFor()
    assert.ok(fixed > failed)
    await screenshot('fixed')
  })

  it('runtime log lines appear, told apart from build lines, with a filter box; the Secret value is masked', async () => {
    const runtime = page.locator('#logs .line[data-source=runtime]', {hasText: 'listening on 3000'})
    await runtime.first().waitFor({timeout: 60_000})
    assert.match((await runtime.first().textContent()) ?? '', /api token is ••••••/)
    assert.ok((await page.locator('#logs .line[data-source=build]').count()) > 0, 'build lines are in the same view, labelled')
    await page.fill('#filter', 'listening on')
    await sleep(200)
    const shown = await page.locator('#logs .line').allTextContents()
    assert.ok(shown.length > 0 && shown.every(l => l.includes('listening on')), shown.join('\n'))
    await page.check('input[name=source][value=runtime]')
    await screenshot('runtime-logs')
    await page.fill('#filter', '')
    await page.check('input[name=source][value=all]')
  })

  it('Rollback changes what draft status reports', async () => {
    const before = await status()
    const first = await page.locator('#history tr[data-revision="1"] td.mono').first().textContent()
    const button = page.locator('#history button[data-rollback="1"]')
    await button.click()
    await page.locator('#history button.confirm[data-rollback="1"]').click()
    await page.locator('#rollbacks .cycle[data-rollback-state=done]').waitFor({timeout: 180_000})
    const after = await status()
    assert.ok(after.revision > before.revision, `${before.revision} -> ${after.revision}`)
    assert.equal(after.rollbackOf, 1)
    assert.equal(after.tag, first)
    assert.notEqual(after.tag, before.tag)
    await page.locator(`#history tr.live[data-revision="${after.revision}"]`).waitFor()
    assert.equal(await page.locator('[data-testid=tag]').textContent(), first)
    await screenshot('rolled-back')
  })

  it('Rebuild now runs a full cycle, which deploys the folder again after the rollback', async () => {
    const rolledBack = await status()
    const before = await newestCycle()
    await page.click('#rebuild')
    const cycle = await cycleAfter(before, 'deployed')
    const row = page.locator(`#cycles .cycle[data-cycle="${cycle}"]`)
    assert.match((await row.textContent()) ?? '', /Rebuild now/)
    assert.deepEqual(await row.locator('.seg').evaluateAll(segs => segs.map(s => s.getAttribute('data-stage')).filter(s => s === 'build' || s === 'push')), ['build', 'push'], 'the image was built and pushed although the registry had it')
    const now = await status()
    assert.ok(now.revision > rolledBack.revision)
    assert.equal(now.rollbackOf, undefined)
    await screenshot('rebuilt')
  })

  it('Pause holds saves until Resume, which runs them as one cycle', async () => {
    await page.click('#pause')
    await page.locator('#mode', {hasText: 'paused'}).waitFor()
    const before = await newestCycle()
    edit('saved while paused 1')
    edit('saved while paused 2')
    await sleep(1500)
    assert.equal(await newestCycle(), before, 'no cycle while paused')
    await page.locator('#mode', {hasText: 'changes wait'}).waitFor()
    await screenshot('paused')
    await page.click('#pause')
    await cycleAfter(before, 'deployed')
    assert.equal(await newestCycle(), before + 1)
  })

  it('security: a foreign Host gets 403, no token 401, GET on a change 405; no response contains the registry password', async () => {
    assert.equal((await raw(url, '/api/state', {host: 'rebound.example.com', token})).status, 403)
    assert.equal((await raw(url, '/', {host: `evil.example:${new URL(url).port}`})).status, 403)
    assert.equal((await raw(url, '/api/state')).status, 401)
    assert.equal((await raw(url, '/api/events')).status, 401)
    assert.equal((await raw(url, '/api/rollback', {method: 'POST'})).status, 401)
    for (const action of ['rebuild', 'rollback', 'pause', 'resume', 'snapshot']) assert.equal((await raw(url, `/api/${action}`, {token})).status, 405, action)
    const bodies = await Promise.all([
      raw(url, '/api/state', {token}),
      raw(url, '/api/events', {token, streamMs: 1500}),
      raw(url, '/'),
      raw(url, '/page.js'),
      raw(url, '/state.js'),
      raw(url, '/api/snapshot', {method: 'POST', token}),
    ])
    assert.match(bodies[0]!.body, /api token is ••••••/, 'the line is there, masked')
    for (const b of bodies) assert.ok(!b.body.includes(env.password), `a response contains the password: ${b.body.slice(0, 200)}`)
    assert.ok(!(await page.content()).includes(env.password))
    const saved = JSON.parse(bodies[5]!.body) as {path: string}
    assert.ok(!readFileSync(saved.path, 'utf8').includes(env.password))
  })

  it('a second dashboard for the same app takes another port; a snapshot is served read-only', async () => {
    const second = new DraftProcess(['dashboard', app, '--namespace', namespace, '--release', release, '--registry', env.authRegistry], {DOCKER_CONFIG: dockerConfig})
    others.push(second)
    await second.until(() => second.of('dashboard').length > 0, 'the second dashboard')
    const secondUrl = String(second.of('dashboard')[0]!.url)
    assert.notEqual(new URL(secondUrl).port, new URL(url).port)
    const other = await context.newPage()
    await other.goto(secondUrl)
    await other.locator('#mode', {hasText: 'not watching'}).waitFor()
    await other.locator('#pods tr[data-pod]').first().waitFor()
    await other.locator('#history tr.live').waitFor()
    await screenshot('draft-dashboard', other)
    await other.close()

    await page.click('#snapshot')
    await page.locator('#toast', {hasText: 'snapshot saved to'}).waitFor()
    const file = /saved to (\S+)/.exec((await page.locator('#toast').textContent()) ?? '')![1]!.replace(/download$/, '')
    const served = new DraftProcess(['dashboard', '--snapshot', file])
    others.push(served)
    await served.until(() => served.of('dashboard').length > 0, 'the snapshot dashboard')
    const snapshotUrl = String(served.of('dashboard')[0]!.url)
    const viewer = await context.newPage()
    await viewer.goto(snapshotUrl)
    await viewer.locator('#mode', {hasText: 'snapshot'}).waitFor()
    assert.ok((await viewer.locator('#cycles .cycle').count()) >= 5)
    assert.equal(await viewer.locator('#actions').isVisible(), false)
    const snapshotToken = new URL(snapshotUrl).hash.replace('#token=', '')
    assert.equal((await raw(snapshotUrl, '/api/rebuild', {method: 'POST', token: snapshotToken})).status, 403)
    await screenshot('snapshot', viewer)
    await viewer.close()
  })

  it('--ui=false starts no dashboard', async () => {
    const plain = new DraftProcess(['up', '--watch', app, '--registry', env.authRegistry, '--namespace', namespace, '--release', `${release}-noui`, '--build-network', 'host', '--ui=false'], {DOCKER_CONFIG: dockerConfig})
    others.push(plain)
    await plain.until(() => plain.of('cycle-finished').length > 0 || plain.of('cycle-failed').length > 0, 'the first cycle', 300_000)
    assert.equal(plain.of('dashboard').length, 0)
    await plain.stop()
  })
})
