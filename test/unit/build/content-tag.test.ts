import assert from 'node:assert/strict'
import {chmod, mkdir, readdir, readFile, rm, symlink, utimes, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {type ContentTagOptions, changeNeedsBuild, contentTag, sha256OfFile} from '../../../src/build/content-tag.js'
import {parse} from '../../../src/build/dockerignore.js'
import {DraftError} from '../../../src/core/errors.js'
import {type Tree, makeTree, removeTree} from './helpers.js'

const app: Tree = {
  'Dockerfile': 'FROM node:20\nCOPY . /app\n',
  '.dockerignore': 'node_modules\n*.log\n.draft\n',
  'package.json': '{"name":"app"}',
  'src/index.js': 'console.log(1)\n',
  'bin/start': {content: '#!/bin/sh\nnode src/index.js\n', mode: 0o755},
  'debug.log': 'noise',
  'node_modules/x/index.js': 'x',
  'current': {link: 'src/index.js'},
}

/** An hour ago: older than the window in which draft does not trust an mtime. */
const past = new Date(Date.now() - 3_600_000)

async function age(root: string, when = past): Promise<void> {
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, {withFileTypes: true})) {
      const abs = join(dir, entry.name)
      if (entry.isDirectory()) await walk(abs)
      if (!entry.isSymbolicLink()) await utimes(abs, when, when)
    }
  }
  await walk(root)
}

describe('content tag', () => {
  const roots: string[] = []
  const tree = async (spec: Tree = app): Promise<string> => {
    const root = await makeTree(spec)
    roots.push(root)
    return root
  }
  after(async () => {
    for (const root of roots) await removeTree(root)
  })
  const tagOf = async (root: string, options: ContentTagOptions = {}): Promise<string> => (await contentTag(root, options)).tag

  it('is draft- and 16 hex digits, and the same for the same tree in two folders at different times', async () => {
    const a = await tree()
    const b = await tree()
    await age(a)
    await age(b, new Date('2001-01-01T00:00:00Z'))
    const ta = await contentTag(a)
    assert.match(ta.tag, /^draft-[0-9a-f]{16}$/)
    assert.equal((await contentTag(b)).tag, ta.tag)
    assert.deepEqual(ta.entries.map((e) => e.path), ['.dockerignore', 'Dockerfile', 'bin', 'bin/start', 'current', 'package.json', 'src', 'src/index.js'])
    assert.equal(ta.fileCount, 6, 'five files and a symlink; folders are not counted')
  })

  it('changes with the content, the exec bit, a symlink target, an empty folder, the Dockerfile, a build arg and the target', async () => {
    const root = await tree()
    const base = await tagOf(root)
    const seen = new Set([base])
    const expectNew = async (what: string, options: ContentTagOptions = {}): Promise<void> => {
      const tag = await tagOf(root, options)
      assert.ok(!seen.has(tag), `${what} changes the tag`)
      seen.add(tag)
    }

    await expectNew('a build arg', {buildArgs: {NODE_ENV: 'production'}})
    await expectNew('its value', {buildArgs: {NODE_ENV: 'development'}})
    await expectNew('the target', {target: 'runtime'})
    assert.equal(
      await tagOf(root, {buildArgs: {A: '1', B: '2'}}),
      await tagOf(root, {buildArgs: {B: '2', A: '1'}}),
      'the order of build args does not matter',
    )

    await writeFile(join(root, 'src/index.js'), 'console.log(2)\n')
    await expectNew('a file content')
    await chmod(join(root, 'package.json'), 0o755)
    await expectNew('the exec bit')
    await rm(join(root, 'current'))
    await symlink('package.json', join(root, 'current'))
    await expectNew('a symlink target')
    await mkdir(join(root, 'uploads'))
    await expectNew('an empty folder (COPY creates it)')
    await writeFile(join(root, 'Dockerfile'), 'FROM node:22\nCOPY . /app\n')
    await expectNew('the Dockerfile')
  })

  it('does not change with ignored files, mtimes or non-exec mode bits', async () => {
    const root = await tree()
    const base = await tagOf(root)
    await writeFile(join(root, 'debug.log'), 'more noise')
    await writeFile(join(root, 'node_modules/x/index.js'), 'changed')
    await mkdir(join(root, '.draft/cache'), {recursive: true})
    await writeFile(join(root, '.draft/cache/anything.json'), '{}')
    await age(root, new Date('1999-09-09T00:00:00Z'))
    await chmod(join(root, 'package.json'), 0o600)
    assert.equal(await tagOf(root), base)
  })

  it('never covers or sends the excluded paths, whatever the app\'s .dockerignore re-includes (issue 15)', async () => {
    // An app's own .dockerignore that knows nothing of draft, and even re-includes part of it.
    const root = await tree({'Dockerfile': 'FROM a\nCOPY . /app\n', '.dockerignore': 'node_modules\n!.draft/logs\n', 'a.js': '1', 'draft.toml': 'x', 'charts/app/values.yaml': 'replicas: 1\n', '.draft/logs/up.log': 'build 1\n'})
    const exclude = ['.draft', 'draft.toml', 'charts/app']
    const first = await contentTag(root, {exclude})
    assert.deepEqual(first.entries.map(e => e.path), ['.dockerignore', 'Dockerfile', 'a.js', 'charts'])
    assert.ok(!first.listing.entries.some(e => /^(\.draft|charts\/|draft\.toml)/.test(e.path)), 'not sent either')
    await writeFile(join(root, '.draft/logs/up.log'), 'build 1\nbuild 2\n')
    await writeFile(join(root, 'charts/app/values.yaml'), 'replicas: 3\n')
    await writeFile(join(root, 'draft.toml'), 'y')
    assert.equal((await contentTag(root, {exclude})).tag, first.tag, 'draft\'s own files and the deploy settings do not change the tag')
    assert.notEqual((await contentTag(root)).tag, first.tag, 'without the exclusions, the log would be part of the tag')
    // Names are literal: a wildcard or a leading ! in a path is not a pattern.
    const odd = await tree({'Dockerfile': 'FROM a', '[x]': '1', 'x': '2', '!y': '3', 'y': '4'})
    assert.deepEqual((await contentTag(odd, {exclude: ['[x]', '!y']})).entries.map(e => e.path), ['Dockerfile', 'x', 'y'])
  })

  it('covers an ignored Dockerfile by its content', async () => {
    const root = await tree({'Dockerfile': 'FROM a', '.dockerignore': 'Dockerfile', 'x': 'x'})
    const before = await contentTag(root)
    assert.ok(!before.entries.some((e) => e.path === 'Dockerfile'))
    await writeFile(join(root, 'Dockerfile'), 'FROM b')
    assert.notEqual((await contentTag(root)).tag, before.tag)
  })

  it('counts files and bytes for the progress line', async () => {
    const root = await tree({'Dockerfile': 'FROM a', 'a': '12345', 'd/b': '123', 'l': {link: 'a'}})
    const tag = await contentTag(root)
    assert.equal(tag.fileCount, 4)
    assert.equal(tag.totalBytes, 'FROM a'.length + 5 + 3)
  })

  describe('stat cache', () => {
    const counting = (): {options: Pick<ContentTagOptions, 'hashFile'>; reads: () => number} => {
      let reads = 0
      return {
        options: {
          hashFile: (path) => {
            reads++
            return sha256OfFile(path)
          },
        },
        reads: () => reads,
      }
    }

    it('re-tags an unchanged 2,000-file tree without reading any file', async function () {
      this.timeout(60_000)
      const spec: Tree = {'Dockerfile': 'FROM scratch\nCOPY . /\n', '.dockerignore': '.draft\n'}
      for (let i = 0; i < 2000; i++) spec[`pkg${i % 40}/file${i}.txt`] = `content ${i}\n`
      const root = await tree(spec)
      await age(root)
      const cacheFile = join(root, '.draft/cache/content-tag.json')

      const first = counting()
      const cold = await contentTag(root, {cacheFile, ...first.options})
      assert.equal(first.reads(), 2002)
      assert.equal(cold.hashed, 2002)

      const second = counting()
      const warm = await contentTag(root, {cacheFile, ...second.options})
      assert.equal(second.reads(), 0, 'no file content is read')
      assert.equal(warm.cached, 2002)
      assert.equal(warm.tag, cold.tag)

      await writeFile(join(root, 'pkg3/file3.txt'), 'changed 3\n')
      const third = counting()
      const changed = await contentTag(root, {cacheFile, ...third.options})
      assert.equal(third.reads(), 1, 'only the changed file is read')
      assert.notEqual(changed.tag, cold.tag)
      assert.equal(changed.tag, (await contentTag(root)).tag, 'the cache gives the tag a full read gives')
    })

    it('does not trust the cache for a file changed in the last seconds (coarse mtimes)', async () => {
      const root = await tree({'Dockerfile': 'FROM a', 'fresh': 'x'})
      const cacheFile = join(root, '.draft/cache/content-tag.json')
      await contentTag(root, {cacheFile})
      const again = counting()
      await contentTag(root, {cacheFile, ...again.options})
      assert.equal(again.reads(), 2)
    })

    it('ignores a corrupted or foreign cache file, and writes it atomically', async () => {
      const root = await tree({'Dockerfile': 'FROM a', 'a': 'a', '.dockerignore': '.draft'})
      await age(root)
      const cacheDir = join(root, '.draft/cache')
      const cacheFile = join(cacheDir, 'content-tag.json')
      const expected = await tagOf(root)
      await mkdir(cacheDir, {recursive: true})
      for (const junk of ['{not json', '[]', 'null', '{"format":"other","version":1,"files":{}}',
        '{"format":"draft-stat-cache","version":1,"files":{"a":[1,2,3,"not-a-hash"]}}']) {
        await writeFile(cacheFile, junk)
        const reads = counting()
        assert.equal(await tagOf(root, {cacheFile, ...reads.options}), expected, junk)
        assert.equal(reads.reads(), 3, junk)
      }
      assert.deepEqual(await readdir(cacheDir), ['content-tag.json'], 'no temporary file is left behind')
      const written = JSON.parse(await readFile(cacheFile, 'utf8')) as {format: string; files: Record<string, unknown>}
      assert.equal(written.format, 'draft-stat-cache')
      assert.deepEqual(Object.keys(written.files), ['.dockerignore', 'Dockerfile', 'a'])
    })

    it('survives a cache folder it cannot create', async () => {
      const root = await tree({'Dockerfile': 'FROM a'})
      await writeFile(join(root, 'blocker'), 'a file where a folder should be')
      assert.match(await tagOf(root, {cacheFile: join(root, 'blocker/cache.json')}), /^draft-/)
    })
  })

  it('names the unreadable file', async () => {
    const root = await tree({'Dockerfile': 'FROM a', 'secret': 'x'})
    const failing: ContentTagOptions['hashFile'] = async (path) => {
      if (path.endsWith('secret')) throw Object.assign(new Error('EACCES: permission denied'), {code: 'EACCES'})
      return sha256OfFile(path)
    }
    await assert.rejects(contentTag(root, {hashFile: failing}), (error: unknown) =>
      error instanceof DraftError && error.code === 'CONTEXT_UNREADABLE' && error.message.includes('secret') && error.message.includes('permission denied'))
  })

  describe('changeNeedsBuild', () => {
    const patterns = parse('node_modules\n!node_modules/keep.js\n*.log\n.git\n.draft\nDockerfile\n.dockerignore\n')
    const files = {dockerfile: 'Dockerfile', ignoreFile: '.dockerignore'}

    it('keeps what can reach the image and drops the rest', () => {
      assert.deepEqual(
        changeNeedsBuild(
          ['src/a.js', 'debug.log', 'src/debug.log', 'node_modules/x/y.js', 'node_modules/keep.js', '.git/index', '.draft/cache/x.json', './src/b.js'],
          patterns,
          files,
        ),
        ['src/a.js', 'src/debug.log', 'node_modules/keep.js', 'src/b.js'],
      )
    })

    it('always keeps the Dockerfile and the ignore file, even when they are ignored', () => {
      assert.deepEqual(changeNeedsBuild(['Dockerfile', '.dockerignore'], patterns, files), ['Dockerfile', '.dockerignore'])
      assert.deepEqual(changeNeedsBuild(['../docker/app.Dockerfile', '../other'], patterns, {...files, dockerfile: '../docker/app.Dockerfile'}), ['../docker/app.Dockerfile'])
    })

    it('keeps a change to an excluded folder that an exception reaches into', () => {
      assert.deepEqual(changeNeedsBuild(['node_modules', '.git'], patterns, files), ['node_modules'])
    })

    it('keeps everything without patterns, and nothing for an empty list', () => {
      assert.deepEqual(changeNeedsBuild(['a', 'b/c'], [], files), ['a', 'b/c'])
      assert.deepEqual(changeNeedsBuild([], patterns, files), [])
    })
  })
})
