import assert from 'node:assert/strict'
import {existsSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {draftStateDir} from '../../../src/util/draft-dir.js'

describe('draft state folder', () => {
  it('makes .draft/logs and .draft/cache with a .gitignore that leaves packs/ committable', () => {
    const app = mkdtempSync(join(tmpdir(), 'draft-dir-'))
    assert.equal(draftStateDir(app, 'logs'), join(app, '.draft', 'logs'))
    assert.ok(existsSync(join(app, '.draft', 'logs')))
    const ignore = readFileSync(join(app, '.draft', '.gitignore'), 'utf8')
    assert.match(ignore, /^cache\/$/m)
    assert.match(ignore, /^logs\/$/m)
    assert.doesNotMatch(ignore, /^packs/m)
  })

  it('keeps a .gitignore the user changed', () => {
    const app = mkdtempSync(join(tmpdir(), 'draft-dir-'))
    draftStateDir(app, 'cache')
    writeFileSync(join(app, '.draft', '.gitignore'), 'mine\n')
    draftStateDir(app, 'logs')
    assert.equal(readFileSync(join(app, '.draft', '.gitignore'), 'utf8'), 'mine\n')
  })
})
