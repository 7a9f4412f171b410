import assert from 'node:assert/strict'
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {detectApp, openApp} from '../../src/detect/detect.js'
import {loadPacks} from '../../src/pack-model/registry.js'
import {planScaffold} from '../../src/scaffold/plan.js'
import {InProcessRenderer} from '../../src/sandbox/in-process-renderer.js'
import {packageRoot} from '../../src/util/package-root.js'
import {builtinFixtures} from '../support/fixtures.js'

const SNAPSHOTS = join(packageRoot(), 'test', 'unit', '__snapshots__')
const update = process.env.UPDATE_SNAPSHOTS === '1'

/**
 * Every fixture of every built-in pack is detected as its own pack with the values its manifest
 * expects, and the files draft create would write for it match the stored snapshot. Run with
 * UPDATE_SNAPSHOTS=1 to accept a deliberate change, then review the diff.
 */
describe('built-in pack fixtures', () => {
  const packs = loadPacks({draftHome: '/nonexistent-draft-home'})
  for (const fixture of builtinFixtures()) {
    describe(fixture.name, () => {
      it(`is detected as the ${fixture.pack.name} pack with the expected values`, async () => {
        const detection = await detectApp(openApp(fixture.dir), packs)
        assert.equal(detection.pack, fixture.pack.name, `scores: ${JSON.stringify(detection.scores.slice(0, 3))}`)
        for (const [key, want] of Object.entries(fixture.expect)) {
          const got = key in detection ? (detection as unknown as Record<string, unknown>)[key] : detection.variables?.[key]?.value
          // TOML tables come without Object's prototype: compare values, not prototypes.
          assert.deepEqual(JSON.parse(JSON.stringify(got ?? null)), JSON.parse(JSON.stringify(want)), `${key}`)
        }
      })

      it('plans the same files as the snapshot', async () => {
        const snapshot = openApp(fixture.dir)
        const detection = await detectApp(snapshot, packs)
        const plan = await planScaffold({snapshot, pack: packs.get(fixture.pack.name), variables: detection.variables!, app: 'fixture', force: false, renderer: new InProcessRenderer()})
        const rendered = plan.files
          .filter(f => f.content !== undefined && !f.path.startsWith('charts/fixture/templates/'))
          .map(f => `=== ${f.path} (${f.action})\n${f.content}`)
          .join('\n')
        const file = join(SNAPSHOTS, `${fixture.name.replace(/\//g, '__')}.snap`)
        if (update || !existsSync(file)) {
          mkdirSync(SNAPSHOTS, {recursive: true})
          writeFileSync(file, rendered)
          if (!update) assert.fail(`new snapshot written to ${file}: review it, then run the tests again`)
          return
        }
        assert.equal(rendered, readFileSync(file, 'utf8'), `plan differs from ${file}; UPDATE_SNAPSHOTS=1 accepts it`)
      })
    })
  }
})
