import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'

import {type BrowserContext, type Page, chromium} from 'playwright-core'

import {packageRoot} from '../../src/util/package-root.js'
import {bed, draft} from '../support/cli.js'
import {DraftProcess} from '../support/draft-process.js'
import {copyShop} from '../support/project.js'

const kubectl = (...args: string[]): string => execFileSync('kubectl', args, {encoding: 'utf8'})
// bed:env puts the bed's docker CLI first on PATH and points DOCKER_HOST at its engine.
const docker = (...args: string[]): string => execFileSync('docker', args, {encoding: 'utf8'})
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))
const ARTIFACTS = join(packageRoot(), 'test', '.artifacts', 'dashboard-project')
const SERVICES = ['web', 'api', 'worker', 'redis']

async function browser(): Promise<BrowserContext> {
  const profile = mkdtempSync(join(tmpdir(), 'draft-e2e-chromium-'))
  return chromium.launchPersistentContext(profile, {
    executablePath: process.env.DRAFT_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    viewport: {width: 1400, height: 1100},
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-default-apps', '--no-pings'],
  })
}

/**
 * The dashboard of `draft up --watch` at the root of the shop fixture (web, api and worker sharing a
 * library folder, Redis), in a real browser against the bed's real node: a row per service, a save
 * in the shared folder as one cycle of its two users, every service's log lines labelled, Rebuild of
 * one service, a Rollback of one service that `draft status` sees, Pause, and --ui=false.
 */
describe('the dashboard of several services in a browser (e2e, real node)', function () {
  this.timeout(30 * 60_000)
  // DRAFT_E2E_PREFIX names the namespace apart when several people share one bed.
  const namespace = `${process.env.DRAFT_E2E_PREFIX ?? 'e2e'}-dashboard-project-${process.pid}`
  let env: ReturnType<typeof bed>
  let dir: string
  let loop: DraftProcess
  let url: string
  let context: BrowserContext
  let page: Page
  const others: DraftProcess[] = []
  let shot = 0

  const screenshot = async (name: string): Promise<void> => {
    mkdirSync(ARTIFACTS, {recursive: true})
    await page.screenshot({path: join(ARTIFACTS, `${String(++shot).padStart(2, '0')}-${name}.png`), fullPage: true})
  }
  const rows = () => page.locator('#cycles .cycle')
  const newestCycle = async (): Promise<number> => Number((await rows().first().getAttribute('data-cycle')) ?? 0)
  /** Waits for a cycle newer than `after` to end, and returns its number and result. */
  const cycleAfter = async (after: number, ms = 300_000): Promise<{cycle: number; result: string}> => {
    const deadline = Date.now() + ms
    for (;;) {
      const cycle = await newestCycle()
      const result = (await rows().first().getAttribute('data-result')) ?? ''
      if (cycle > after && result !== 'running') return {cycle, result}
      if (Date.now() > deadline) assert.fail(`no cycle after ${after} ended; the newest is ${cycle} (${result}); stderr: ${loop.stderr}`)
      await sleep(200)
    }
  }
  const card = (service: string) => page.locator(`#services .service[data-service=${service}]`)
  const revisionOf = async (service: string): Promise<string> => (await card(service).locator('[data-testid=revision]').textContent())?.split(' ')[0] ?? ''
  const status = async (service: string): Promise<{revision: number; tag: string; rollbackOf?: number}> => {
    const run = await draft(['status', dir, '--env', 'bed', '--service', service, '--json'])
    return (JSON.parse(run.stdout) as {services: {revision: number; tag: string; rollbackOf?: number}[]}).services[0]!
  }

  before(async function () {
    env = bed()
    assert.ok(process.env.DRAFT_BED_REAL_NODE, 'the bed has no real node: run `npm run bed:up` with this version of test/bed')
    try {
      docker('image', 'inspect', 'redis:7')
    } catch {
      this.skip()
    }
    docker('tag', 'redis:7', `${env.registry}/library/redis:7`)
    docker('push', `${env.registry}/library/redis:7`)
    dir = copyShop()
    // A token of this run makes every image new to the registry: "built" means built in this run.
    for (const folder of ['shared', 'web']) writeFileSync(join(dir, folder, 'run-id.txt'), `${Date.now()}-${process.pid}\n`)
    const created = await draft(['create', dir, '--json'])
    assert.equal(created.code, 0, created.stderr)
    const settings = `namespace = "${namespace}"\nregistry = "${env.registry}"\nbuild-network = "host"\ntimeout = "4m"\n`
    const redis = (name: string) => `\n[environments.${name}.services.redis]\nimage = "${env.registry}/library/redis:7"\n`
    appendFileSync(join(dir, 'draft.toml'), `\n[environments.bed]\n${settings}${redis('bed')}\n[environments.bed-noui]\n${settings}ui = false\n${redis('bed-noui')}`)
    rmSync(ARTIFACTS, {recursive: true, force: true})

    loop = new DraftProcess(['up', '--watch', dir, '--env', 'bed'])
    await loop.until(() => loop.of('dashboard').length > 0, 'the dashboard URL')
    url = String(loop.of('dashboard')[0]!.url)
    await loop.until(() => loop.of('cycle-finished').length > 0 || loop.of('cycle-failed').length > 0, 'the first deploy of every service', 15 * 60_000)
    const first = loop.of('cycle-finished')[0] as {rows?: {service: string; state: string}[]} | undefined
    assert.deepEqual(first?.rows?.map(r => [r.service, r.state]), SERVICES.map(s => [s, 'deployed']), `${JSON.stringify(loop.of('cycle-failed'))} ${loop.stderr}`)
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
    if (dir) rmSync(dirname(dir), {recursive: true, force: true})
  })

  it('prints the URL once; the page has a row per service, each running with its tag, and the first cycle with a bar per service', async () => {
    assert.equal(loop.of('dashboard').length, 1)
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]{40,}$/)
    await page.goto(url)
    for (const service of SERVICES) await card(service).locator('[data-testid=service-state]', {hasText: 'running'}).waitFor()
    for (const service of ['web', 'api', 'worker']) assert.match((await card(service).locator('[data-testid=tag]').textContent()) ?? '', /^draft-[0-9a-f]{16}$/, service)
    assert.equal(await card('redis').locator('[data-testid=tag]').textContent(), '7')
    const first = page.locator('#cycles .cycle[data-cycle="1"]')
    assert.equal(await first.getAttribute('data-result'), 'deployed')
    assert.deepEqual(await first.locator('[data-service]').evaluateAll(els => els.map(e => e.getAttribute('data-service'))), SERVICES)
    // Each service's history, read by its own feed.
    for (const service of SERVICES) await page.locator(`#history table[data-service=${service}] tr.live`).waitFor()
    await screenshot('loaded')
  })

  it('a save in the shared folder is one cycle of its two users, each with its stages; the other rows keep their revision', async () => {
    const before = await newestCycle()
    const file = join(dir, 'shared', 'greeting.js')
    writeFileSync(file, readFileSync(file, 'utf8').replace("'shared-1'", "'shared-2'"))
    const {cycle, result} = await cycleAfter(before)
    assert.equal(result, 'deployed')
    const row = page.locator(`#cycles .cycle[data-cycle="${cycle}"]`)
    assert.match((await row.textContent()) ?? '', /shared\/greeting\.js/)
    assert.deepEqual(await row.locator('[data-service]').evaluateAll(els => els.map(e => e.getAttribute('data-service')).sort()), ['api', 'worker'])
    for (const service of ['api', 'worker']) {
      const stages = await row.locator(`[data-service=${service}] .seg`).evaluateAll(segs => segs.map(s => ({stage: s.getAttribute('data-stage'), ms: Number(s.getAttribute('data-ms'))})))
      for (const stage of ['build', 'push', 'deploy', 'rollout']) assert.ok(stages.some(s => s.stage === stage && s.ms > 0), `${service} ${stage}: ${JSON.stringify(stages)}`)
      assert.match((await row.locator(`[data-service=${service}] [data-testid=service-result]`).textContent()) ?? '', /revision 2/)
    }
    await page.locator('#services .service[data-service=api] [data-testid=revision]', {hasText: '2'}).waitFor()
    assert.equal(await revisionOf('web'), '1')
    assert.equal(await revisionOf('redis'), '1')
    await screenshot('shared-save')
  })

  it('log lines of every service\'s pods are labelled by service, build lines too; the filter finds one service', async () => {
    await page.locator('#logs .line[data-source=runtime][data-service=api]', {hasText: 'api listening on'}).first().waitFor({timeout: 120_000})
    await page.locator('#logs .line[data-source=runtime][data-service=worker]', {hasText: 'worker started'}).first().waitFor({timeout: 120_000})
    assert.match((await page.locator('#logs .line[data-service=api] .src').first().textContent()) ?? '', /^api /)
    assert.ok((await page.locator('#logs .line[data-source=build][data-service=worker]').count()) > 0, 'the worker\'s build lines, labelled')
    await page.fill('#filter', 'worker started')
    await sleep(200)
    const shown = await page.locator('#logs .line').evaluateAll(els => els.map(e => e.getAttribute('data-service')))
    assert.ok(shown.length > 0 && shown.every(s => s === 'worker'), shown.join(' '))
    await screenshot('logs')
    await page.fill('#filter', '')
  })

  it('Rebuild of one service runs a cycle of that service only, every stage', async () => {
    const before = await newestCycle()
    await page.click('#services button[data-rebuild=web]')
    const {cycle, result} = await cycleAfter(before)
    // Built and pushed again, but the release runs exactly that image and chart already: no new revision.
    assert.equal(result, 'unchanged')
    assert.equal(await revisionOf('web'), '1')
    const row = page.locator(`#cycles .cycle[data-cycle="${cycle}"]`)
    assert.match((await row.textContent()) ?? '', /Rebuild now/)
    assert.deepEqual(await row.locator('[data-service]').evaluateAll(els => els.map(e => e.getAttribute('data-service'))), ['web'])
    const stages = await row.locator('[data-service=web] .seg').evaluateAll(segs => segs.map(s => s.getAttribute('data-stage')))
    assert.ok(stages.includes('build') && stages.includes('push'), `built and pushed although the registry had it: ${stages.join(' ')}`)
    await screenshot('rebuild-web')
  })

  it('Rollback of one service changes what draft status reports for it, and only for it', async () => {
    const before = await status('api')
    const worker = await status('worker')
    const first = await page.locator('#history table[data-service=api] tr[data-revision="1"] td.mono').first().textContent()
    await page.click('#history table[data-service=api] button[data-rollback="1"]')
    await page.click('#history table[data-service=api] button.confirm[data-rollback="1"]')
    await page.locator('#rollbacks .cycle[data-rollback-state=done]').waitFor({timeout: 180_000})
    const after = await status('api')
    assert.ok(after.revision > before.revision, `${before.revision} -> ${after.revision}`)
    assert.equal(after.rollbackOf, 1)
    assert.equal(after.tag, first)
    const workerAfter = await status('worker')
    assert.deepEqual([workerAfter.revision, workerAfter.tag], [worker.revision, worker.tag], 'the worker is untouched')
    await page.locator(`#history table[data-service=api] tr.live[data-revision="${after.revision}"]`).waitFor()
    assert.equal(await card('api').locator('[data-testid=tag]').textContent(), first)
    assert.match((await page.locator('#rollbacks').textContent()) ?? '', /api/)
    await screenshot('rolled-back-api')
  })

  it('Pause holds saves until Resume, which runs them as one cycle of the services they concern', async () => {
    await page.click('#pause')
    await page.locator('#mode', {hasText: 'paused'}).waitFor()
    const before = await newestCycle()
    appendFileSync(join(dir, 'web', 'index.html'), '<!-- paused 1 -->\n')
    appendFileSync(join(dir, 'worker', 'worker.js'), '\n// paused 2\n')
    await sleep(1500)
    assert.equal(await newestCycle(), before, 'no cycle while paused')
    await page.locator('#mode', {hasText: 'changes wait'}).waitFor()
    await page.click('#pause')
    const {cycle} = await cycleAfter(before)
    assert.equal(cycle, before + 1)
    assert.deepEqual(await page.locator(`#cycles .cycle[data-cycle="${cycle}"] [data-service]`).evaluateAll(els => els.map(e => e.getAttribute('data-service')).sort()), ['web', 'worker'])
  })

  it('draft dashboard at the root shows every service without watching, on another port', async () => {
    const second = new DraftProcess(['dashboard', dir, '--env', 'bed'])
    others.push(second)
    await second.until(() => second.of('dashboard').length > 0, 'the dashboard at the root')
    const secondUrl = String(second.of('dashboard')[0]!.url)
    assert.notEqual(new URL(secondUrl).port, new URL(url).port)
    const other = await context.newPage()
    try {
      await other.goto(secondUrl)
      await other.locator('#mode', {hasText: 'not watching'}).waitFor()
      for (const service of SERVICES) await other.locator(`#pods tr[data-service=${service}]`).first().waitFor()
      for (const service of SERVICES) await other.locator(`#history table[data-service=${service}] tr.live`).waitFor()
      assert.equal(await other.locator('#pause').isVisible(), false)
      assert.equal(await other.locator('#services button[data-rebuild]').count(), 4)
    } finally {
      await other.close()
    }
    await second.stop()
  })

  it('--ui=false, or ui = false in the environment, starts no dashboard', async () => {
    for (const args of [['--env', 'bed', '--ui=false'], ['--env', 'bed-noui']]) {
      const plain = new DraftProcess(['up', '--watch', dir, ...args])
      others.push(plain)
      await plain.until(() => plain.of('cycle-finished').length > 0 || plain.of('cycle-failed').length > 0, 'the first cycle', 10 * 60_000)
      assert.equal(plain.of('dashboard').length, 0, args.join(' '))
      await plain.stop()
    }
  })
})
