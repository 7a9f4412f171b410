import assert from 'node:assert/strict'
import {mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {DraftError} from '../../../src/core/errors.js'
import {memorySnapshot} from '../../../src/detect/snapshot.js'
import {resolveVariables} from '../../../src/pack-model/variables.js'
import {InProcessRenderer} from '../../../src/sandbox/in-process-renderer.js'
import {readTemplateFiles} from '../../../src/sandbox/template-files.js'
import {planScaffold} from '../../../src/scaffold/plan.js'
import {fakePack} from '../../support/packs.js'
import {failure as rejection} from '../../support/draft-error.js'

describe('rendering pack templates', () => {
  let work: string
  let packDir: string
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'draft-render-'))
    packDir = join(work, 'pack')
    mkdirSync(join(packDir, 'parts'), {recursive: true})
  })
  afterEach(() => rmSync(work, {recursive: true, force: true}))

  const plan = async (dockerfile: string, app = memorySnapshot(join(work, 'app'), {'README.md': 'x\n'})) => {
    writeFileSync(join(packDir, 'Dockerfile.ejs'), dockerfile)
    const pack = fakePack({name: 'demo', dir: packDir, files: {Dockerfile: 'Dockerfile.ejs'}})
    const renderer = new InProcessRenderer()
    const result = await planScaffold({snapshot: app, pack, variables: resolveVariables(pack, {}, []), app: 'demo', force: false, renderer})
    return {result, renderer}
  }
  const failure = (dockerfile: string): Promise<DraftError> => rejection(plan(dockerfile))

  it('renders every template of a plan in one call, with the helpers and includes', async () => {
    writeFileSync(join(packDir, 'parts', 'from.ejs'), 'FROM demo:<%= port %>')
    const {result, renderer} = await plan(`<%- include('parts/from') %>\nCMD <%- execForm('node server.js') %>\n`)
    assert.equal(renderer.calls, 1)
    assert.equal(result.files.find(f => f.path === 'Dockerfile')?.content, 'FROM demo:8080\nCMD ["node","server.js"]\n')
    assert.ok(result.files.some(f => f.path === 'draft.toml' && f.owner === 'draft'))
    assert.ok(result.files.filter(f => f.path.startsWith('charts/demo/')).every(f => f.owner === 'demo'))
  })

  it('names the template and the line of a runtime error and of a syntax error', async () => {
    const thrown = await failure('FROM x\n\n<% throw new Error("template bug") %>\n')
    assert.equal(thrown.code, 'TEMPLATE_FAILED')
    // The template's own path (outside the working folder here, so absolute).
    assert.equal(thrown.message, `pack "demo": template ${join(packDir, 'Dockerfile.ejs')}:3 failed: template bug`)
    assert.deepEqual(thrown.location, {file: join(packDir, 'Dockerfile.ejs'), line: 3})

    const syntax = await failure('FROM x\nRUN a\n<% const = 1 %>\nEXPOSE 1\n')
    assert.equal(syntax.location?.line, 3)
    assert.match(syntax.message, /template \S*Dockerfile\.ejs:3 failed/)
  })

  it('never reads a template that a symlink leads out of the pack', async () => {
    const secret = join(work, 'secret.ejs')
    writeFileSync(secret, 'AWS_SECRET_ACCESS_KEY=hunter2')
    symlinkSync(secret, join(packDir, 'parts', 'key.ejs'))
    const files = readTemplateFiles({pack: 'demo', files: [], context: {}, views: [], roots: [packDir]})
    assert.ok(!files.has(join(packDir, 'parts', 'key.ejs')))
    const refused = await failure(`<%- include('parts/key') %>`)
    assert.doesNotMatch(refused.message, /hunter2/)
    assert.match(refused.message, /not a template of the pack/)
  })
})
