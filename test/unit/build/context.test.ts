import assert from 'node:assert/strict'
import {open, stat, utimes} from 'node:fs/promises'
import {join} from 'node:path'
import {setFlagsFromString} from 'node:v8'
import {runInNewContext} from 'node:vm'

import {contextTar, listContext} from '../../../src/build/context.js'
import {DraftError} from '../../../src/core/errors.js'
import {makeTree, readTar, removeTree} from './helpers.js'

// The unit mocha config does not pass --expose-gc; the flag can still be set at run time.
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

describe('build context', () => {
  const roots: string[] = []
  const tree = async (...args: Parameters<typeof makeTree>): Promise<string> => {
    const root = await makeTree(...args)
    roots.push(root)
    return root
  }
  after(async () => {
    for (const root of roots) await removeTree(root)
  })

  it('lists what .dockerignore lets through, sorted, and always the Dockerfile and .dockerignore', async () => {
    const root = await tree({
      'Dockerfile': 'FROM scratch\n',
      '.dockerignore': 'Dockerfile\n.dockerignore\nnode_modules\n!node_modules/keep.js\n*.log\n.git\n',
      'src/app.js': 'app',
      'src/debug.log': 'log',
      'node_modules/dep/index.js': 'dep',
      'node_modules/keep.js': 'keep',
      '.git/HEAD': 'ref',
      'empty': {dir: true},
      'link-to-app': {link: 'src/app.js'},
    })
    const listing = await listContext(root)
    assert.deepEqual(
      listing.entries.map((e) => `${e.type[0]} ${e.path}${e.ignored ? ' (sent, ignored)' : ''}`),
      [
        'f .dockerignore (sent, ignored)',
        'f Dockerfile (sent, ignored)',
        'd empty',
        's link-to-app',
        'd node_modules',
        'f node_modules/keep.js',
        'd src',
        'f src/app.js',
        'f src/debug.log',
      ],
    )
    // `*.log` is anchored at the root like every pattern: src/debug.log stays (it would take `**/*.log`).
    assert.equal(listing.dockerfile, 'Dockerfile')
    assert.equal(listing.entries.find((e) => e.path === 'link-to-app')?.linkTarget, 'src/app.js')
    assert.ok(!listing.walked.includes('.git'), 'an excluded folder with no exception into it is not read')
    assert.ok(!listing.walked.includes('node_modules/dep'))
    assert.ok(listing.walked.includes('node_modules'), 'an exception reaches into node_modules')
  })

  it('never reads node_modules when no exception points into it', async () => {
    const root = await tree({'Dockerfile': 'FROM scratch', '.dockerignore': 'node_modules', 'node_modules/a/b/c.js': 'x', 'a.js': 'a'})
    const listing = await listContext(root)
    assert.deepEqual(listing.walked, [''])
    assert.deepEqual(listing.entries.map((e) => e.path), ['.dockerignore', 'Dockerfile', 'a.js'])
  })

  it('streams a tar with the listing: modes, mtimes, uid/gid 0, symlinks as symlinks, folders', async () => {
    const root = await tree({
      'Dockerfile': 'FROM scratch\n',
      '.dockerignore': '*.secret\n',
      'run.sh': {content: '#!/bin/sh\n', mode: 0o755},
      'a.secret': 'nope',
      'sub/empty': {dir: true},
      'sub/link': {link: '../run.sh'},
    })
    const when = new Date('2020-01-02T03:04:05Z')
    await utimes(join(root, 'run.sh'), when, when)
    const items = await readTar(contextTar(root, await listContext(root)))
    assert.deepEqual([...items.keys()].sort(), ['.dockerignore', 'Dockerfile', 'run.sh', 'sub/', 'sub/empty/', 'sub/link'])
    const run = items.get('run.sh')
    assert.equal(run?.mode, 0o755)
    assert.equal(run?.mtime.getTime(), when.getTime())
    assert.equal(run?.uid, 0)
    assert.equal(run?.gid, 0)
    assert.equal(run?.content, '#!/bin/sh\n')
    assert.equal(items.get('sub/link')?.type, 'symlink')
    assert.equal(items.get('sub/link')?.linkname, '../run.sh')
    assert.equal(items.get('sub/empty/')?.type, 'directory')
  })

  it('sends an ignored Dockerfile in an ignored folder, and its folder', async () => {
    const root = await tree({'build/Dockerfile': 'FROM scratch', 'build/other': 'x', '.dockerignore': 'build', 'app.js': 'a'})
    const listing = await listContext(root, {dockerfile: 'build/Dockerfile'})
    assert.equal(listing.dockerfile, 'build/Dockerfile')
    assert.deepEqual(
      listing.entries.map((e) => [e.path, e.ignored === true]),
      [['.dockerignore', false], ['app.js', false], ['build', true], ['build/Dockerfile', true]],
    )
  })

  it('adds a Dockerfile from outside the context under a generated name that .dockerignore excludes', async () => {
    const outer = await tree({'docker/app.Dockerfile': 'FROM scratch\nCOPY . /app\n', 'app/main.go': 'package main', 'app/.dockerignore': '*.md'})
    const listing = await listContext(join(outer, 'app'), {dockerfile: join(outer, 'docker/app.Dockerfile')})
    assert.match(listing.dockerfile, /^\.dockerfile\.[0-9a-f]{20}$/)
    const items = await readTar(contextTar(listing.root, listing))
    assert.equal(items.get(listing.dockerfile)?.content, 'FROM scratch\nCOPY . /app\n')
    assert.equal(items.get('.dockerignore')?.content, `*.md\n${listing.dockerfile}\n`)
    assert.ok(items.has('main.go'))

    const again = await listContext(join(outer, 'app'), {dockerfile: join(outer, 'docker/app.Dockerfile')})
    assert.equal(again.dockerfile, listing.dockerfile, 'the generated name is reproducible')

    const bare = await tree({'ctx/a': 'a', 'Dockerfile': 'FROM scratch'})
    const bareListing = await listContext(join(bare, 'ctx'), {dockerfile: join(bare, 'Dockerfile')})
    const bareItems = await readTar(contextTar(bareListing.root, bareListing))
    assert.equal(bareItems.get('.dockerignore')?.content, `.dockerignore\n${bareListing.dockerfile}\n`)
  })

  it('names the missing Dockerfile in a typed error', async () => {
    const root = await tree({'a': 'a'})
    await assert.rejects(listContext(root, {dockerfile: 'Dockerfile.dev'}), (error: unknown) =>
      error instanceof DraftError && error.code === 'DOCKERFILE_MISSING' && error.message.includes('Dockerfile.dev'))
  })

  it('reports an invalid .dockerignore with its line', async () => {
    const root = await tree({'Dockerfile': 'FROM scratch', '.dockerignore': 'ok\nbad[\n'})
    await assert.rejects(listContext(root), (error: unknown) =>
      error instanceof DraftError && error.code === 'DOCKERIGNORE_INVALID' && error.message.startsWith('.dockerignore:2:'))
  })

  describe('a 50 MB file', function () {
    this.timeout(60_000)
    const size = 50 * 1024 * 1024
    let root: string

    before(async () => {
      root = await tree({'Dockerfile': 'FROM scratch'})
      const handle = await open(join(root, 'big.bin'), 'w')
      const block = Buffer.alloc(1024 * 1024, 0x61)
      for (let i = 0; i < 50; i++) await handle.write(block)
      await handle.close()
    })

    it('is read as the consumer pulls, not ahead of it, and memory stays flat', async () => {
      const listing = await listContext(root)
      const stream = contextTar(root, listing)
      gc()
      const before = process.memoryUsage()
      let received = 0
      let nextSample = 0
      const buffers: number[] = []
      let peakRss = 0
      let rewritten = false
      let tail = Buffer.alloc(0)
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        received += chunk.length
        tail = Buffer.concat([tail, chunk]).subarray(-64 * 1024)
        if (received >= nextSample) {
          // What the stream holds on to, not what the collector has yet to free.
          nextSample += 5 * 1024 * 1024
          gc()
          const now = process.memoryUsage()
          buffers.push(now.arrayBuffers - before.arrayBuffers)
          peakRss = Math.max(peakRss, now.rss - before.rss)
        }
        if (!rewritten && received > 1024 * 1024) {
          // Once the tar has started, change the end of the file: a stream that reads lazily sends the
          // new bytes, one that had read the file ahead would send the old ones.
          rewritten = true
          const handle = await open(join(root, 'big.bin'), 'r+')
          await handle.write(Buffer.alloc(4096, 0x7a), 0, 4096, size - 4096)
          await handle.close()
        }
      }
      assert.ok(received > size, `received ${received}`)
      assert.ok(tail.toString('latin1').includes('z'.repeat(4096)), 'the end of the file was read after the stream started')
      const mb = (n: number): string => (n / 1024 / 1024).toFixed(1)
      // The collector frees array buffers concurrently, so one sample can be ~12 MB high; a stream that held
      // the file would be 50 MB high in every sample after the first.
      const median = [...buffers].sort((a, b) => a - b)[Math.floor(buffers.length / 2)] ?? 0
      assert.ok(median < 16 * 1024 * 1024, `buffers held while streaming (median): ${mb(median)} MB`)
      assert.ok(peakRss < 40 * 1024 * 1024, `RSS grew by ${mb(peakRss)} MB while streaming a 50 MB file`)
    })

    it('stops and closes the file when the signal aborts mid-stream', async () => {
      const listing = await listContext(root)
      const controller = new AbortController()
      const stream = contextTar(root, listing, {signal: controller.signal})
      let received = 0
      const error = await new Promise<Error | undefined>((resolve) => {
        stream.on('data', (chunk: Buffer) => {
          received += chunk.length
          if (received > 2 * 1024 * 1024 && !controller.signal.aborted) controller.abort()
        })
        stream.on('error', resolve)
        stream.on('end', () => resolve(undefined))
      })
      assert.equal(error?.name, 'AbortError')
      assert.ok(received < size / 2, `stopped early (${received} bytes)`)
      await new Promise((resolve) => setTimeout(resolve, 50))
      const handles = process.getActiveResourcesInfo().filter((r) => r === 'FileHandle')
      assert.equal(handles.length, 0, 'no file is left open')
      assert.ok((await stat(join(root, 'big.bin'))).size === size)
    })

    it('stops when the consumer destroys the stream', async () => {
      const stream = contextTar(root, await listContext(root))
      await new Promise<void>((resolve) => stream.once('data', () => resolve()))
      stream.destroy()
      await new Promise((resolve) => setTimeout(resolve, 50))
      assert.equal(process.getActiveResourcesInfo().filter((r) => r === 'FileHandle').length, 0)
    })
  })
})
