import assert from 'node:assert/strict'
import {chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {DraftError} from '../../../src/core/errors.js'
import {detectApp, openApp, whyNoPack} from '../../../src/detect/detect.js'
import {answerPacks} from '../../../src/packs/allow.js'
import {FakeTrustStore} from '../../../src/pack-model/fake-trust-store.js'
import {loadPacks} from '../../../src/pack-model/registry.js'
import {type LocalPack, admitAppPacks, decideTrust, loadAppPacks, localPacks, packDigest, trustState} from '../../../src/pack-model/trust.js'
import {FileTrustStore, type TrustEntry} from '../../../src/pack-model/trust-store.js'
import {packageRoot} from '../../../src/util/package-root.js'

const DENO = join(packageRoot(), 'test', 'fixtures', 'packs', 'deno')
const pack: LocalPack = {name: 'deno', dir: '/app/.draft/packs/deno', digest: 'sha256:aaa'}
const entry = (answer: 'allow' | 'deny', digest = pack.digest): TrustEntry => ({dir: pack.dir, digest, answer, name: 'deno', at: '2026-01-01T00:00:00.000Z'})

describe('trust of the packs an app brings', () => {
  describe('decideTrust (pure)', () => {
    const decide = (stored: TrustEntry[], tty: boolean, yes: boolean) => decideTrust({pack, stored, tty, yes})

    it('loads a pack allowed with this content, terminal or not', () => {
      assert.deepEqual(decide([entry('allow')], false, false), {load: true, why: 'allowed'})
      assert.deepEqual(decide([entry('allow')], true, false), {load: true, why: 'allowed'})
    })

    it('asks about an unknown pack on a terminal, skips it without one, and --yes trusts it for the run', () => {
      assert.deepEqual(decide([], true, false), {load: false, ask: true, changed: false})
      assert.deepEqual(decide([], false, false), {load: false, ask: false, why: 'no-terminal', changed: false})
      assert.deepEqual(decide([], false, true), {load: true, why: 'yes'})
    })

    it('asks again about a pack that changed since it was allowed', () => {
      assert.deepEqual(decide([entry('allow', 'sha256:old')], true, false), {load: false, ask: true, changed: true})
      assert.deepEqual(decide([entry('allow', 'sha256:old')], false, false), {load: false, ask: false, why: 'no-terminal', changed: true})
    })

    it('keeps a denial for the same content even with --yes, and asks again once the pack changed', () => {
      assert.deepEqual(decide([entry('deny')], true, true), {load: false, ask: false, why: 'denied', changed: false})
      assert.deepEqual(decide([entry('deny', 'sha256:old')], true, false), {load: false, ask: true, changed: true})
    })

    it('goes by folder: an answer for another folder with the same content does not count', () => {
      assert.deepEqual(decide([{...entry('allow'), dir: '/other/.draft/packs/deno'}], false, false), {load: false, ask: false, why: 'no-terminal', changed: false})
    })

    it('names the state pack list shows', () => {
      assert.equal(trustState(pack, []), 'not allowed yet')
      assert.equal(trustState(pack, [entry('allow')]), 'allowed')
      assert.equal(trustState(pack, [entry('deny')]), 'denied')
      assert.equal(trustState(pack, [entry('allow', 'sha256:old')]), 'changed')
    })
  })

  describe('with an app on disk', () => {
    let work: string
    let app: string
    let packDir: string
    beforeEach(() => {
      work = mkdtempSync(join(tmpdir(), 'draft-trust-'))
      app = join(work, 'app')
      cpSync(join(DENO, 'fixtures', 'hello-deno'), app, {recursive: true})
      packDir = join(app, '.draft', 'packs', 'deno')
      mkdirSync(join(app, '.draft', 'packs'), {recursive: true})
      cpSync(DENO, packDir, {recursive: true})
    })
    afterEach(() => rmSync(work, {recursive: true, force: true}))

    it('digests every file, its exec bit and symlink targets, but not .git', () => {
      const before = packDigest(packDir)
      mkdirSync(join(packDir, '.git'))
      writeFileSync(join(packDir, '.git', 'HEAD'), 'ref: refs/heads/main\n')
      assert.equal(packDigest(packDir), before, '.git does not count')
      writeFileSync(join(packDir, 'Dockerfile.ejs'), `${readFileSync(join(packDir, 'Dockerfile.ejs'), 'utf8')}\n`)
      const edited = packDigest(packDir)
      assert.notEqual(edited, before)
      chmodSync(join(packDir, 'Dockerfile.ejs'), 0o755)
      assert.notEqual(packDigest(packDir), edited)
      const chmodded = packDigest(packDir)
      symlinkSync('/etc/hostname', join(packDir, 'link.ejs'))
      assert.notEqual(packDigest(packDir), chmodded)
      assert.match(before, /^sha256:[0-9a-f]{64}$/)
    })

    it('lists the app packs with their manifest name and real path', () => {
      const [local] = localPacks(app)
      assert.equal(local?.name, 'deno')
      assert.equal(local?.dir, packDir)
    })

    it('without a terminal holds the pack back unread: not a candidate, not even reported broken', async () => {
      writeFileSync(join(packDir, 'pack.toml'), 'name = "deno"\nthis is not toml')
      const store = new FakeTrustStore()
      const packs = await loadAppPacks(app, {store, yes: false})
      assert.deepEqual(packs.broken, [])
      assert.ok(!packs.names().includes('deno'))
      assert.equal(packs.held[0]?.reason, 'no-terminal')
      assert.equal(store.writes, 0, 'nothing is remembered without an answer')
      assert.throws(() => packs.get('deno'), (e: DraftError) => e.code === 'PACK_UNTRUSTED' && e.fix.includes(`draft pack allow ${packDir}`))
    })

    it('warns with the command that allows it, and says so when nothing else fits', async () => {
      const packs = await loadAppPacks(app, {store: new FakeTrustStore(), yes: false})
      const detection = await detectApp(openApp(app), packs)
      assert.ok(detection.warnings.some(w => w.includes(`draft pack allow ${packDir}`) && w.includes('--yes')), detection.warnings.join('\n'))
      const problem = whyNoPack(detection, packs)
      assert.equal(problem?.code, 'NO_PACK_MATCH')
      assert.match(problem!.message, /the app's own packs were not loaded/)
    })

    it('asks on a terminal, remembers the answer in one write, and does not ask again', async () => {
      const store = new FakeTrustStore()
      const asked: boolean[] = []
      const ask = async (_: LocalPack, changed: boolean): Promise<boolean> => {
        asked.push(changed)
        return true
      }
      const first = await loadAppPacks(app, {store, yes: false, ask})
      assert.ok(first.names().includes('deno'))
      assert.deepEqual(asked, [false])
      assert.equal(store.writes, 1)
      assert.equal(store.entries[0]?.answer, 'allow')
      assert.equal(store.entries[0]?.digest, packDigest(packDir))

      await loadAppPacks(app, {store, yes: false, ask})
      assert.deepEqual(asked, [false], 'an allowed pack is not asked about again')

      writeFileSync(join(packDir, 'dockerignore.ejs'), 'changed\n')
      await loadAppPacks(app, {store, yes: false, ask})
      assert.deepEqual(asked, [false, true], 'a changed pack is asked about again, and said to have changed')
    })

    it('remembers a no, and --yes trusts for one run without remembering', async () => {
      const store = new FakeTrustStore()
      const declined = await admitAppPacks(app, {store, yes: false, ask: async () => false})
      assert.equal(declined.held[0]?.reason, 'declined')
      assert.equal(store.entries[0]?.answer, 'deny')

      const fresh = new FakeTrustStore()
      const once = await loadAppPacks(app, {store: fresh, yes: true})
      assert.ok(once.names().includes('deno'))
      assert.equal(fresh.writes, 0)
    })

    it('pack allow and pack deny take a pack folder or an app folder', () => {
      const store = new FakeTrustStore()
      assert.equal(answerPacks(packDir, 'allow', store)[0]?.pack.name, 'deno')
      assert.equal(trustState(localPacks(app)[0]!, store.entries), 'allowed')
      answerPacks(app, 'deny', store)
      assert.equal(store.entries.length, 1, 'one entry per folder')
      assert.equal(trustState(localPacks(app)[0]!, store.entries), 'denied')
      assert.throws(() => answerPacks(work, 'allow', store), (e: DraftError) => e.code === 'PACK_NOT_FOUND_IN_SOURCE')
    })

    it('reads every manifest when only listing them', () => {
      assert.ok(loadPacks({appDir: app, appTrust: 'all', draftHome: work}).names().includes('deno'))
      assert.ok(!loadPacks({appDir: app, draftHome: work}).names().includes('deno'), 'without trust, app packs are not read')
    })

    it('keeps the answers in a file, written whole through a rename', () => {
      const home = join(work, 'home')
      const store = new FileTrustStore(home)
      assert.deepEqual(store.read(), [])
      answerPacks(packDir, 'allow', store)
      assert.equal(new FileTrustStore(home).read()[0]?.dir, packDir)
      assert.deepEqual(readdirSync(home), ['trusted-packs.json'], 'no temporary file is left behind')
      writeFileSync(store.file, '{"packs": [')
      assert.throws(() => store.read(), (e: DraftError) => e.code === 'TRUST_STORE_INVALID' && e.fix.includes(store.file))
    })
  })
})
