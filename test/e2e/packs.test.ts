import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {packageRoot} from '../../src/util/package-root.js'
import {bed, draft} from '../support/cli.js'
import {TerminalSession} from '../support/pty.js'

const DENO_PACK = join(packageRoot(), 'test', 'fixtures', 'packs', 'deno')
const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', args, {cwd, encoding: 'utf8', env: {...process.env, GIT_AUTHOR_NAME: 'draft e2e', GIT_AUTHOR_EMAIL: 'e2e@draft.invalid', GIT_COMMITTER_NAME: 'draft e2e', GIT_COMMITTER_EMAIL: 'e2e@draft.invalid'}}).trim()

/**
 * The pack author's path, end to end with the built CLI: a pack for a language with no built-in pack
 * (Deno) is linted and tested against the real Docker engine, shared through a git repository, added
 * from there, and chosen by `draft create`. Packs that come with an app, hostile ones among them:
 * hostile-packs.test.ts.
 */
describe('language packs (e2e)', function () {
  this.timeout(15 * 60_000)
  let home: string
  let work: string
  const env = (): NodeJS.ProcessEnv => ({DRAFT_HOME: home})

  before(() => {
    bed()
    home = mkdtempSync(join(tmpdir(), 'draft-home-'))
    work = mkdtempSync(join(tmpdir(), 'draft-packs-'))
  })
  after(() => {
    rmSync(home, {recursive: true, force: true})
    rmSync(work, {recursive: true, force: true})
  })

  describe('draft pack new with flags missing', () => {
    it('without a terminal: exits 1 with one line naming the missing flags and a command to copy, and writes nothing', async () => {
      const run = await draft(['pack', 'new', 'elixir', '--language', 'Elixir', '--dir', work])
      assert.equal(run.code, 1, run.stdout + run.stderr)
      const first = run.stderr.split('\n')[0]!
      assert.match(first, /needs --marker, --image, --start, e\.g\. `draft pack new elixir --language Elixir --marker mix\.exs --image elixir --start "mix run --no-halt"`/)
      assert.doesNotMatch(run.stderr, /See more help/)
      assert.throws(() => readFileSync(join(work, 'elixir', 'pack.toml')), /ENOENT/)
    })

    it('on a terminal: asks for each missing value offering what it infers, then writes a pack that lints clean', async () => {
      const session = TerminalSession.draft(['pack', 'new', 'elixir', '--dir', work], {env: env()})
      try {
        assert.match(await session.expect(/Language of the apps.*: /), /\[Elixir\]/)
        session.type('')
        assert.match(await session.expect(/A file every such app has at its root.*: /), /\[mix\.exs\]/)
        session.type('')
        assert.match(await session.expect(/Base image repository.*: /), /\[elixir\]/)
        session.type('')
        assert.match(await session.expect(/Base image tag to pin.*: /), /\[1\.18\]/)
        session.type('1.17')
        assert.match(await session.expect(/Command that starts the app.*: /), /\[mix run --no-halt\]/)
        session.type('mix phx.server')
        await session.expect(/created .*elixir/)
        assert.equal(await session.exit, 0, session.text)
      } finally {
        session.close()
      }
      const manifest = readFileSync(join(work, 'elixir', 'pack.toml'), 'utf8')
      assert.match(manifest, /languages = \["Elixir"\]/)
      assert.match(manifest, /files = \["mix\.exs"\]/)
      assert.match(manifest, /default = "1\.17"/)
      assert.match(manifest, /default = "mix phx\.server"/)
      assert.match(manifest, /default = 4000/)
      assert.match(readFileSync(join(work, 'elixir', 'Dockerfile.ejs'), 'utf8'), /^FROM elixir:\$\{BASE_VERSION\}$/m)

      const lint = await draft(['pack', 'lint', join(work, 'elixir'), '--json'], {env: env()})
      assert.equal(lint.code, 0, lint.stdout + lint.stderr)
      const report = JSON.parse(lint.stdout) as {problems: unknown[]; helm: string}
      assert.deepEqual(report.problems, [])
      assert.equal(report.helm, 'passed')
    })
  })

  it('follows the author\'s path of packs/README.md as written, line by line, on a terminal', async () => {
    const readme = readFileSync(join(packageRoot(), 'packs', 'README.md'), 'utf8')
    const block = /## The author's path[\s\S]*?```console\n([\s\S]*?)```/.exec(readme)?.[1]
    assert.ok(block, 'packs/README.md has the author\'s path')
    const commands = block.replace(/\\\n\s*/g, '').split('\n').filter(l => l.startsWith('$ ')).map(l => l.slice(2))
    assert.ok(commands.length >= 8, commands.join('\n'))
    const folder = mkdtempSync(join(tmpdir(), 'draft-readme-'))
    const bin = join(folder, '.bin')
    mkdirSync(bin)
    writeFileSync(join(bin, 'draft'), `#!/bin/sh\nexec "${process.execPath}" "${join(packageRoot(), 'bin', 'run.js')}" "$@"\n`, {mode: 0o755})
    const script = ['set -e', ...commands.flatMap(c => [`echo "+ ${c.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('$', '\\$').replaceAll('`', '\\`')}"`, c]), 'echo "README PATH DONE"'].join('\n')
    const session = new TerminalSession(['bash', '--noprofile', '--norc', '-c', script], {
      cwd: folder,
      env: {...env(), PATH: `${bin}:${process.env.PATH}`, GIT_AUTHOR_NAME: 'draft e2e', GIT_AUTHOR_EMAIL: 'e2e@draft.invalid', GIT_COMMITTER_NAME: 'draft e2e', GIT_COMMITTER_EMAIL: 'e2e@draft.invalid'},
    })
    try {
      await session.expect(/Install these packs\? \[y\/N\]/, 5 * 60_000)
      session.type('y')
      await session.expect(/README PATH DONE/, 5 * 60_000)
      assert.equal(await session.exit, 0, session.text)
    } finally {
      session.close()
      rmSync(folder, {recursive: true, force: true})
    }
    assert.match(session.text, /deno: 0 errors, 0 warnings/)
    assert.match(session.text, /✔ deno passes/)
    assert.match(session.text, /installed deno/)
    assert.match(session.text, /removed deno/)
  })

  it('lints the Deno pack clean, with helm lint of its chart', async () => {
    const run = await draft(['pack', 'lint', DENO_PACK, '--json'], {env: env()})
    assert.equal(run.code, 0, run.stdout + run.stderr)
    const report = JSON.parse(run.stdout) as {problems: unknown[]; helm: string; renders: string[]}
    assert.deepEqual(report.problems, [])
    assert.equal(report.helm, 'passed')
    assert.deepEqual(report.renders, ['defaults', 'fixture fixtures/hello-deno'])
  })

  it('tests the Deno pack: detected, built with the Docker engine, and answering on its port', async () => {
    const run = await draft(['pack', 'test', DENO_PACK, '--json'], {env: env()})
    assert.equal(run.code, 0, run.stdout + run.stderr)
    const report = JSON.parse(run.stdout) as {passed: boolean; fixtures: {detected: {ok: boolean}; built: string; answered: string; imageBytes: number}[]}
    assert.ok(report.passed)
    assert.equal(report.fixtures[0]?.built, 'yes')
    assert.equal(report.fixtures[0]?.answered, 'yes')
    assert.ok((report.fixtures[0]?.imageBytes ?? 0) > 0)
  })

  it('is shared through git, added from there with its source and commit, and chosen by draft create', async () => {
    const repo = join(work, 'draft-deno')
    cpSync(DENO_PACK, repo, {recursive: true})
    git(repo, 'init', '--quiet', '--initial-branch=main')
    git(repo, 'add', '.')
    git(repo, 'commit', '--quiet', '-m', 'deno pack')
    git(repo, 'tag', 'v0.1.0')
    const commit = git(repo, 'rev-parse', 'HEAD')

    const refused = await draft(['pack', 'add', `file://${repo}#v0.1.0`], {env: env()})
    assert.equal(refused.code, 1)
    assert.match(refused.stderr, /needs your confirmation.*run again with --yes/s)
    assert.match(refused.stderr, new RegExp(`commit: ${commit}`), 'the source and commit are shown before anything is installed')

    const added = await draft(['pack', 'add', `file://${repo}#v0.1.0`, '--yes'], {env: env()})
    assert.equal(added.code, 0, added.stderr)
    const listed = JSON.parse((await draft(['pack', 'list', '--json'], {env: env()})).stdout) as {packs: {name: string; source: string; origin?: {commit: string; ref: string}}[]}
    const deno = listed.packs.find(p => p.name === 'deno')
    assert.equal(deno?.source, 'user')
    assert.equal(deno?.origin?.commit, commit)
    assert.equal(deno?.origin?.ref, 'v0.1.0')

    const app = join(work, 'my-deno-app')
    cpSync(join(DENO_PACK, 'fixtures', 'hello-deno'), app, {recursive: true})
    const created = await draft(['create', app, '--json'], {env: env()})
    assert.equal(created.code, 0, created.stdout + created.stderr)
    assert.equal((JSON.parse(created.stdout) as {pack: {name: string; source: string}}).pack.name, 'deno')
    assert.match(readFileSync(join(app, 'Dockerfile'), 'utf8'), /^FROM denoland\/deno:\$\{DENO_VERSION\}$/m)

    writeFileSync(join(repo, 'README.md'), '# deno pack\n')
    git(repo, 'add', '.')
    git(repo, 'commit', '--quiet', '-m', 'readme')
    git(repo, 'tag', '-f', 'v0.1.0')
    const updated = JSON.parse((await draft(['pack', 'update', 'deno', '--json'], {env: env()})).stdout) as {status: string; to: string}[]
    assert.equal(updated[0]?.status, 'updated')
    assert.equal(updated[0]?.to, git(repo, 'rev-parse', 'HEAD'))

    const removed = await draft(['pack', 'remove', 'deno'], {env: env()})
    assert.equal(removed.code, 0, removed.stderr)
    const builtin = await draft(['pack', 'remove', 'node'], {env: env()})
    assert.match(builtin.stderr, /built-in pack.*\(PACK_NOT_REMOVABLE\)/s)
  })
})
