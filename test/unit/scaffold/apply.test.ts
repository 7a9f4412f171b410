import assert from 'node:assert/strict'
import {existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {DraftError} from '../../../src/core/errors.js'
import {memorySnapshot} from '../../../src/detect/snapshot.js'
import {resolveVariables} from '../../../src/pack-model/variables.js'
import {InProcessRenderer} from '../../../src/sandbox/in-process-renderer.js'
import {applyPlan} from '../../../src/scaffold/apply.js'
import {planScaffold} from '../../../src/scaffold/plan.js'
import {fakePack} from '../../support/packs.js'

describe('applyPlan', () => {
  let work: string
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'draft-apply-'))
  })
  afterEach(() => rmSync(work, {recursive: true, force: true}))

  it('names the pack whose output a symlink in the app leads outside it, and the symlink', async () => {
    const packDir = join(work, 'pack')
    const app = join(work, 'app')
    const outside = join(work, 'outside')
    for (const dir of [packDir, app, outside]) mkdirSync(dir)
    writeFileSync(join(packDir, 'Dockerfile.ejs'), 'FROM x\n')
    writeFileSync(join(app, 'README.md'), 'x\n')
    symlinkSync(outside, join(app, 'charts'))
    const pack = fakePack({name: 'demo', dir: packDir, files: {Dockerfile: 'Dockerfile.ejs'}})
    const plan = await planScaffold({snapshot: memorySnapshot(app, {'README.md': 'x\n'}), pack, variables: resolveVariables(pack, {}, []), app: 'demo', force: false, renderer: new InProcessRenderer()})
    assert.throws(
      () => applyPlan(plan),
      (e: DraftError) =>
        e.code === 'UNSAFE_PATH' && e.message === 'pack "demo" tried to write charts/demo, which the symlink charts leads outside the app folder' && e.fix.includes('Replace charts with a folder'),
    )
    assert.ok(!existsSync(join(outside, 'demo')))
    assert.ok(!existsSync(join(app, 'Dockerfile')), 'all or nothing')
  })
})
