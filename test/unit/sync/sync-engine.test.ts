import assert from 'node:assert/strict'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {Readable, Writable} from 'node:stream'

import tar from 'tar-stream'

import type {UpEvent} from '../../../src/core/events.js'
import {FakeKube} from '../../../src/kube/fake-kube.js'
import type {PodState} from '../../../src/kube/kube.js'
import {FakePodStreams} from '../../../src/pod-streams/fake-pod-streams.js'
import {PodStreamError} from '../../../src/pod-streams/pod-streams.js'
import {cksumLine} from '../../../src/sync/cksum.js'
import {SYNC_MODE_ANNOTATION, parseSyncRecord} from '../../../src/sync/record.js'
import type {SyncRules} from '../../../src/sync/rules.js'
import {SyncEngine, type SyncRequest} from '../../../src/sync/sync-engine.js'
import {failure} from '../../support/draft-error.js'

/**
 * A container as the apply script sees it: its files in a map. The fake exec runs what the script
 * would (unpack, remove, cksum, compare, restart) on that map, so the engine is tested against the
 * script's contract; the script itself runs on the real node (integration and e2e tiers).
 */
class Container {
  readonly files = new Map<string, Buffer>()
  restarts = 0
  /** Set to make the next restart fail like the script does. */
  crash = false
  corrupt = false

  async run(command: readonly string[], stdin: Readable | undefined, stdout: Writable): Promise<{exitCode: number; message: string}> {
    const [, , , , , size, expected, restart, , , , , removed, ...files] = command
    if (Number(size) > 0) {
      const extract = tar.extract()
      const done = new Promise<void>(resolve => extract.on('finish', () => resolve()))
      extract.on('entry', (header, stream, next) => {
        const chunks: Buffer[] = []
        stream.on('data', (c: unknown) => chunks.push(c as Buffer))
        stream.on('end', () => {
          if (header.type === 'file') this.files.set(header.name, this.corrupt ? Buffer.from('garbage') : Buffer.concat(chunks))
          next()
        })
      })
      stdin!.pipe(extract as unknown as Writable)
      await done
    }
    for (const path of removed ? removed.split('\n') : []) this.files.delete(path)
    const actual = files.map(f => cksumLine(this.files.get(f) ?? Buffer.alloc(0), f)).join('\n')
    if (files.length) stdout.write(`${actual}\n`)
    if (actual !== expected) {
      stdout.write('draft-sync: mismatch\n')
      return {exitCode: 24, message: 'command terminated with non-zero exit code'}
    }
    stdout.write('draft-sync: copied\n')
    if (restart !== '1') return {exitCode: 0, message: ''}
    stdout.write('draft-sync: restarting\n')
    if (this.crash) {
      stdout.write('draft-sync: exited 1\n')
      return {exitCode: 31, message: 'command terminated with non-zero exit code'}
    }
    this.restarts++
    stdout.write('draft-sync: listening\n')
    return {exitCode: 0, message: ''}
  }
}

function pod(name: string): PodState {
  return {
    name,
    phase: 'Running',
    templateHash: 'h',
    image: 'reg/app:draft-1',
    conditions: [],
    containers: [{name: 'app', ready: true, restartCount: 0, running: true}],
    containerNames: ['app'],
    ports: [{container: 'app', name: 'http', port: 3000, protocol: 'TCP'}],
    annotations: {[SYNC_MODE_ANNOTATION]: 'restart'},
  }
}

describe('SyncEngine', () => {
  let dir: string
  let kube: FakeKube
  let streams: FakePodStreams
  let containers: Map<string, Container>
  let events: UpEvent[]
  const rules: SyncRules = {reload: 'restart', paths: [{from: '.', to: '/app'}], rebuild: [], command: ['node', 'a.js'], stopSignal: 'TERM'}

  const request = (files: string[], extra: Partial<SyncRequest> = {}): SyncRequest => ({
    release: 'app',
    namespace: 'default',
    appDir: dir,
    rules,
    files: files.map(path => ({path, target: `/app/${path}`})),
    image: 'reg/app:draft-1',
    tag: 'draft-1',
    emit: e => events.push(e),
    ...extra,
  })

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'draft-sync-engine-'))
    mkdirSync(join(dir, 'src'))
    writeFileSync(join(dir, 'src', 'a.js'), 'version 2\n')
    kube = new FakeKube()
    kube.podList = [pod('app-1'), pod('app-2')]
    streams = new FakePodStreams()
    containers = new Map([['app-1', new Container()], ['app-2', new Container()]])
    for (const c of containers.values()) c.files.set('app/src/old.js', Buffer.from('old'))
    streams.execHandler = (ref, command, io) => containers.get(ref.pod)!.run(command, io.stdin, io.stdout!)
    events = []
  })
  afterEach(() => rmSync(dir, {recursive: true, force: true}))

  it('copies into every pod, checks, restarts, records on the pods, with the stages plan, copy and reload', async () => {
    const engine = new SyncEngine({kube, streams})
    const result = await engine.run(request(['src/a.js', 'src/old.js']))
    for (const c of containers.values()) {
      assert.equal(c.files.get('app/src/a.js')?.toString(), 'version 2\n')
      assert.ok(!c.files.has('app/src/old.js'), 'the deleted file is gone')
      assert.equal(c.restarts, 1)
    }
    assert.deepEqual({copied: result.copied, removed: result.removed, pods: result.pods, restarted: result.restarted, sinceImage: result.sinceImage}, {copied: 1, removed: 1, pods: ['app-1', 'app-2'], restarted: true, sinceImage: 2})
    assert.deepEqual(events.filter(e => e.type === 'stage-finished').map(e => e.stage), ['plan', 'copy', 'reload'])
    assert.deepEqual(Object.keys(result.timings).sort(), ['copy', 'plan', 'reload'])
    assert.deepEqual(kube.annotations.map(a => [a.pod, parseSyncRecord(a.annotations)?.files, parseSyncRecord(a.annotations)?.image]), [['app-1', 2, 'draft-1'], ['app-2', 2, 'draft-1']])

    // The count is of distinct files since the image: saving the same file again adds nothing.
    writeFileSync(join(dir, 'src', 'a.js'), 'version 3\n')
    writeFileSync(join(dir, 'src', 'b.js'), 'new\n')
    const again = await engine.run(request(['src/a.js', 'src/b.js']))
    assert.equal(again.sinceImage, 3)
  })

  it('sends nothing on stdin for deletes only, and skips the reload stage when the app reloads itself', async () => {
    const result = await new SyncEngine({kube, streams}).run(request(['src/old.js'], {rules: {...rules, reload: 'self'}}))
    assert.equal(result.bytes, 0)
    assert.ok(!containers.get('app-1')!.files.has('app/src/old.js'))
    assert.deepEqual(events.find(e => e.type === 'stage-skipped'), {type: 'stage-skipped', stage: 'reload', at: (events.find(e => e.type === 'stage-skipped') as {at: number}).at, message: 'the app reloads changed files by itself'})
  })

  it('does not apply when exec is forbidden, and records nothing', async () => {
    streams.forbidden = true
    const error = await failure(new SyncEngine({kube, streams}).run(request(['src/a.js'])))
    assert.equal(error.code, 'SYNC_NOT_APPLIED')
    assert.match(error.message, /exec into pod app-\d is forbidden \(RBAC: create on pods\/exec\)/)
    assert.equal(kube.annotations.length, 0)
    assert.equal(events.find(e => e.type === 'stage-failed')?.stage, 'copy')
  })

  it('does not apply when a pod is killed during the copy', async () => {
    streams.execHandler = async (ref, command, io) => {
      if (ref.pod === 'app-2') throw new PodStreamError('unreachable', 'the exec stream in app-2/app closed before the command ended')
      return containers.get(ref.pod)!.run(command, io.stdin, io.stdout!)
    }
    const error = await failure(new SyncEngine({kube, streams}).run(request(['src/a.js'])))
    assert.equal(error.code, 'SYNC_NOT_APPLIED')
    assert.match(error.message, /the exec stream to pod app-2 broke/)
    assert.equal(kube.annotations.length, 0)
  })

  it('does not apply when what landed differs from what was sent', async () => {
    containers.get('app-2')!.corrupt = true
    const error = await failure(new SyncEngine({kube, streams}).run(request(['src/a.js'])))
    assert.equal(error.code, 'SYNC_NOT_APPLIED')
    assert.match(error.message, /differ from the ones sent \(cksum\) \(pod app-2\)/)
  })

  it('does not apply when the pods cannot carry the record', async () => {
    kube.unpatchablePods.add('app-1')
    const error = await failure(new SyncEngine({kube, streams}).run(request(['src/a.js'])))
    assert.equal(error.code, 'SYNC_NOT_APPLIED')
    assert.match(error.message, /could not be recorded on the pods/)
  })

  it('does not apply when a pod does not run in sync mode, before any exec', async () => {
    kube.podList = [pod('app-1'), {...pod('app-2'), annotations: {}}]
    const error = await failure(new SyncEngine({kube, streams}).run(request(['src/a.js'])))
    assert.equal(error.code, 'SYNC_NOT_APPLIED')
    assert.match(error.message, /pod app-2 does not run in sync mode/)
    assert.equal(streams.opened.length, 0)
    assert.equal(events.find(e => e.type === 'stage-failed')?.stage, 'plan')
  })

  it('says the app did not come back after its restart, with the files in and recorded', async () => {
    containers.get('app-1')!.crash = true
    const error = await failure(new SyncEngine({kube, streams}).run(request(['src/a.js'])))
    assert.equal(error.code, 'SYNC_RELOAD_FAILED')
    assert.match(error.message, /the files are in pod app-1, but the app exited 1 after the restart/)
    assert.equal(containers.get('app-1')!.files.get('app/src/a.js')?.toString(), 'version 2\n')
    assert.equal(kube.annotations.length, 2)
  })

  it('stops at Ctrl-C during the copy', async () => {
    const stop = new AbortController()
    streams.execHandler = () => new Promise(() => undefined)
    const running = new SyncEngine({kube, streams}).run(request(['src/a.js'], {signal: stop.signal}))
    setTimeout(() => stop.abort(), 20)
    const error = await failure(running)
    assert.equal(error.code, 'ABORTED')
    assert.equal(kube.annotations.length, 0)
  })

})
