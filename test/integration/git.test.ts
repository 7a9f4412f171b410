import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {GitCli} from '../../src/git/git-cli.js'
import {ExecaRunner} from '../../src/process/execa-runner.js'

/** src/git/ against the real git: what `draft up` records as the app folder's commit. */
describe('git source state against the real git', () => {
  let root: string
  const git = (...args: string[]): string => execFileSync('git', ['-C', root, '-c', 'user.name=t', '-c', 'user.email=t@t.invalid', ...args], {encoding: 'utf8'}).trim()
  const state = (dir: string) => new GitCli(new ExecaRunner()).sourceState(dir)

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'draft-git-'))
    mkdirSync(join(root, 'apps', 'api'), {recursive: true})
    mkdirSync(join(root, 'apps', 'web'), {recursive: true})
    writeFileSync(join(root, 'apps', 'api', 'main.go'), 'package main\n')
    writeFileSync(join(root, 'apps', 'web', 'index.js'), '1\n')
    git('init', '-q')
  })
  afterEach(() => rmSync(root, {recursive: true, force: true}))

  it('has no state before the first commit, or outside a work tree', async () => {
    assert.equal(await state(join(root, 'apps', 'api')), undefined)
    assert.equal(await state(tmpdir()), undefined)
  })

  it('is HEAD, clean; dirty with a change or a new file in the folder only, not with draft\'s own cache and logs', async () => {
    git('add', '-A')
    git('commit', '-qm', 'one')
    const head = git('rev-parse', 'HEAD')
    const api = join(root, 'apps', 'api')
    assert.deepEqual(await state(api), {commit: head, dirty: false})

    mkdirSync(join(api, '.draft', 'cache'), {recursive: true})
    mkdirSync(join(api, '.draft', 'logs'), {recursive: true})
    writeFileSync(join(api, '.draft', 'cache', 'content-tag.json'), '{}')
    writeFileSync(join(api, '.draft', 'logs', 'build.log'), 'x')
    writeFileSync(join(root, 'apps', 'web', 'index.js'), '2\n')
    assert.deepEqual(await state(api), {commit: head, dirty: false}, 'a sibling app and draft\'s own files do not count')

    writeFileSync(join(api, 'util.go'), 'package main\n')
    assert.deepEqual(await state(api), {commit: head, dirty: true}, 'an untracked file goes into the image')
    rmSync(join(api, 'util.go'))
    writeFileSync(join(api, 'main.go'), 'package main // changed\n')
    assert.deepEqual(await state(api), {commit: head, dirty: true})
  })
})
