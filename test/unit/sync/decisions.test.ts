import assert from 'node:assert/strict'

import {readSyncTable} from '../../../src/config/sync-table.js'
import type {PodState} from '../../../src/kube/kube.js'
import {decideCycle, syncMode, syncable} from '../../../src/loop/sync-route.js'
import type {WatchLayout} from '../../../src/loop/route.js'
import {cksum, cksumLine} from '../../../src/sync/cksum.js'
import {developmentValues, helmEscape} from '../../../src/sync/development-values.js'
import {type LocalChange, SYNC_LIMIT_BYTES, planSync} from '../../../src/sync/plan.js'
import {SYNCED_ANNOTATION, SYNC_MODE_ANNOTATION, describeSyncRecord, formatSyncRecord, parseSyncRecord} from '../../../src/sync/record.js'
import {type SyncRules, containerPath, rebuildRule, writableFolders} from '../../../src/sync/rules.js'
import {WRAPPER_NAME, applyArgs, readApply, wrapperArgs} from '../../../src/sync/scripts.js'

const rules: SyncRules = {
  reload: 'restart',
  paths: [{from: '.', to: '/app'}, {from: 'public', to: '/srv/www'}],
  rebuild: ['package.json', 'package-lock.json', '**/*.{c,h}', 'native/**'],
  command: ['node', 'src/server.js'],
  stopSignal: 'TERM',
}
const layout: WatchLayout = {context: '', dockerfile: 'Dockerfile', ignoreFile: '.dockerignore', configFile: 'draft.toml', chart: 'charts/app', values: [], patterns: []}

describe('sync rules', () => {
  it('maps a file of the build context to its folder in the container; the longest mapping wins', () => {
    assert.equal(containerPath(rules, 'src/server.js'), '/app/src/server.js')
    assert.equal(containerPath(rules, 'public/index.html'), '/srv/www/index.html')
    assert.equal(containerPath(rules, 'publicity.txt'), '/app/publicity.txt')
    assert.equal(containerPath({paths: [{from: './src/', to: '/app/src/'}]}, 'src/a/b.js'), '/app/src/a/b.js')
    assert.equal(containerPath({paths: [{from: 'src', to: '/app/src'}]}, 'lib/x.js'), undefined)
  })

  it('matches rebuild globs: without a slash at the root only, ** anywhere', () => {
    assert.equal(rebuildRule(rules, 'package.json'), 'package.json')
    assert.equal(rebuildRule(rules, 'sub/package.json'), undefined)
    assert.equal(rebuildRule(rules, 'src/addon/x.c'), '**/*.{c,h}')
    assert.equal(rebuildRule(rules, 'native/deep/lib.rs'), 'native/**')
    assert.equal(rebuildRule(rules, 'src/server.js'), undefined)
  })

  it('makes each mapping target writable once, without folders inside another', () => {
    assert.deepEqual(writableFolders({paths: [{from: '.', to: '/app'}, {from: 'x', to: '/app/x'}, {from: 'w', to: '/srv/www/'}]}), ['/app', '/srv/www'])
  })
})

describe('sync, rebuild or redeploy (decideCycle)', () => {
  const change = (path: string, route: 'build' | 'deploy' = 'build') => ({path, route})

  it('syncs a burst whose every file maps and needs no new image, in path order', () => {
    const d = decideCycle({changes: [change('src/b.js'), change('public/a.css'), change('src/a.js')], layout, sync: rules})
    assert.deepEqual(d, {
      route: 'sync',
      files: [
        {path: 'public/a.css', target: '/srv/www/a.css'},
        {path: 'src/a.js', target: '/app/src/a.js'},
        {path: 'src/b.js', target: '/app/src/b.js'},
      ],
    })
  })

  it('rebuilds the whole burst when one change needs a new image, and says why', () => {
    assert.deepEqual(decideCycle({changes: [change('src/a.js'), change('package.json')], layout, sync: rules}), {route: 'build', why: 'package.json needs a new image (rebuild rule "package.json")'})
    assert.deepEqual(decideCycle({changes: [change('Dockerfile')], layout, sync: rules}), {route: 'build', why: 'Dockerfile changed: the image is rebuilt'})
    assert.deepEqual(decideCycle({changes: [change('.dockerignore')], layout, sync: rules}), {route: 'build', why: '.dockerignore changed: the image is rebuilt'})
    const narrow: SyncRules = {...rules, paths: [{from: 'src', to: '/app/src'}]}
    assert.deepEqual(decideCycle({changes: [change('lib/x.js')], layout, sync: narrow}), {route: 'build', why: 'lib/x.js is outside the synced folders'})
  })

  it('redeploys for a deploy setting, and builds for a source file, within a sync burst', () => {
    assert.deepEqual(decideCycle({changes: [change('draft.toml', 'deploy')], layout, sync: rules}), {route: 'deploy', why: 'draft.toml is a deploy setting: deploying again'})
    assert.deepEqual(decideCycle({changes: [change('src/a.js'), change('charts/app/values.yaml', 'deploy')], layout, sync: rules}).route, 'build')
  })

  it('builds while sync is blocked (nothing in sync mode yet, a failed cycle), and as before with sync off', () => {
    assert.deepEqual(decideCycle({changes: [change('src/a.js')], layout, sync: rules, blocked: 'the last cycle did not finish'}), {route: 'build', why: 'the last cycle did not finish'})
    assert.deepEqual(decideCycle({changes: [change('src/a.js')], layout}), {route: 'build'})
    assert.deepEqual(decideCycle({changes: [change('src/a.js')], layout, sync: {...rules, reload: 'rebuild', why: 'compiled'}}), {route: 'build'})
    assert.deepEqual(decideCycle({changes: [], layout, sync: rules}), {route: 'none'})
  })

  it('takes paths relative to a build context below the app folder', () => {
    const sub: WatchLayout = {...layout, context: 'app', dockerfile: 'app/Dockerfile', ignoreFile: 'app/.dockerignore'}
    assert.deepEqual(decideCycle({changes: [change('app/src/a.js')], layout: sub, sync: rules}), {route: 'sync', files: [{path: 'app/src/a.js', target: '/app/src/a.js'}]})
    assert.equal(decideCycle({changes: [change('app/package.json')], layout: sub, sync: rules}).route, 'build')
  })

  it('tells which single change could sync (it shortens the quiet period)', () => {
    assert.ok(syncable('src/a.js', 'build', layout, rules))
    assert.ok(!syncable('package.json', 'build', layout, rules))
    assert.ok(!syncable('draft.toml', 'deploy', layout, rules))
    assert.ok(!syncable('src/a.js', 'build', layout, undefined))
  })
})

describe('sync mode (the first lines of draft up --watch)', () => {
  const values = 'replicaCount: 1\nsync:\n  enabled: false\n'
  it('is on when asked for, with rules that sync and a chart that knows sync mode', () => {
    const mode = syncMode({requested: true, rules, chart: 'charts/app', chartValues: values})
    assert.ok(mode.on)
    assert.match(mode.message, /live update is on: saved files go into \/app, \/srv\/www in the running container, then draft restarts the app; package\.json, package-lock\.json/)
  })
  it('says why it is off, and that a compiled app rebuilds even when nobody asked', () => {
    assert.deepEqual(syncMode({requested: true, rules: {...rules, reload: 'rebuild', why: 'Go compiles the app'}, chart: 'c', chartValues: values}), {on: false, message: 'live update is off: Go compiles the app; every change rebuilds the image'})
    assert.deepEqual(syncMode({requested: false, rules: {...rules, reload: 'rebuild', why: 'Go compiles the app'}, chart: 'c', chartValues: values}), {on: false, message: 'every change rebuilds the image: Go compiles the app'})
    assert.match(syncMode({requested: true, chart: 'c', chartValues: values}).message!, /draft.toml has no \[sync\] table/)
    assert.match(syncMode({requested: true, rules, chart: 'charts/old', chartValues: 'replicaCount: 1\n'}).message!, /the chart charts\/old has no sync values/)
    assert.match(syncMode({requested: false, rules, chart: 'c', chartValues: values}).message!, /--sync/)
    assert.deepEqual(syncMode({requested: false, chart: 'c', chartValues: values}), {on: false})
  })
})

describe('draft.toml [sync]', () => {
  it('reads the rules, with TERM as the default stop signal', () => {
    assert.deepEqual(readSyncTable({reload: 'restart', paths: [{from: '.', to: '/app'}], rebuild: ['package.json'], command: ['node', 'a.js']}), {
      ok: true,
      rules: {reload: 'restart', paths: [{from: '.', to: '/app'}], rebuild: ['package.json'], command: ['node', 'a.js'], stopSignal: 'TERM'},
    })
    assert.deepEqual(readSyncTable({reload: 'rebuild', why: 'compiled'}), {ok: true, rules: {reload: 'rebuild', why: 'compiled', paths: [], rebuild: [], command: [], stopSignal: 'TERM'}})
  })
  it('names the key of every mistake', () => {
    const problem = (raw: unknown): (string | number)[] => {
      const r = readSyncTable(raw)
      assert.ok(!r.ok)
      return r.path
    }
    assert.deepEqual(problem({reload: 'sometimes'}), ['sync', 'reload'])
    assert.deepEqual(problem({reload: 'none', paths: []}), ['sync', 'paths'])
    assert.deepEqual(problem({reload: 'none', paths: [{from: '.', to: 'app'}]}), ['sync', 'paths', 0])
    assert.deepEqual(problem({reload: 'none', paths: [{from: '../x', to: '/app'}]}), ['sync', 'paths', 0])
    assert.deepEqual(problem({reload: 'restart', paths: [{from: '.', to: '/app'}]}), ['sync', 'command'])
    assert.deepEqual(problem({reload: 'none', paths: [{from: '.', to: '/app'}], 'stop-signal': 'SIGTERM'}), ['sync', 'stop-signal'])
    assert.deepEqual(problem({reload: 'none', paths: [{from: '.', to: '/app'}], rebuld: []}), ['sync', 'rebuld'])
  })
})

describe('POSIX cksum', () => {
  it('gives what coreutils and busybox cksum print', () => {
    assert.equal(cksumLine(Buffer.from('hello world\n'), 'a.txt'), '3733384285 12 a.txt')
    assert.equal(cksum(Buffer.alloc(0)), 4294967295)
    // A length above 255 takes more than one byte in the CRC.
    assert.equal(cksum(Buffer.alloc(1000, 'x')), cksum(Buffer.alloc(1000, 'x')))
    assert.notEqual(cksum(Buffer.alloc(1000, 'x')), cksum(Buffer.alloc(1001, 'x')))
  })
})

function pod(name: string, options: {image?: string; phase?: string; running?: boolean; sync?: boolean; record?: {files: number; image: string}; terminating?: boolean} = {}): PodState {
  const annotations: Record<string, string> = {}
  if (options.sync ?? true) annotations[SYNC_MODE_ANNOTATION] = 'restart'
  if (options.record) annotations[SYNCED_ANNOTATION] = formatSyncRecord({...options.record, at: '2026-01-01T00:00:00.000Z'})
  return {
    name,
    phase: options.phase ?? 'Running',
    templateHash: 'h',
    image: options.image ?? 'reg/app:draft-1',
    conditions: [],
    containers: [{name: 'app', ready: true, restartCount: 0, ...(options.running === false ? {waiting: {reason: 'CrashLoopBackOff', message: ''}} : {running: true})}],
    containerNames: ['app'],
    ports: [{container: 'app', name: 'http', port: 3000, protocol: 'TCP'}],
    annotations,
    ...(options.terminating ? {terminating: true} : {}),
  }
}

describe('the sync plan', () => {
  const file = (path: string, text: string): LocalChange => ({path, target: `/app/${path}`, state: {kind: 'file', data: Buffer.from(text), mode: 0o644, mtimeMs: 1}})
  const input = {image: 'reg/app:draft-1', tag: 'draft-1', syncedBefore: 0}

  it('copies what exists, removes what is gone, and checks each file with cksum, on every pod of the image', () => {
    const planned = planSync({...input, changes: [file('src/a.js', 'A'), {path: 'old.js', target: '/app/old.js', state: {kind: 'missing'}}, {path: 'lib', target: '/app/lib', state: {kind: 'dir', mode: 0o755}}], pods: [pod('p1'), pod('p2'), pod('gone', {terminating: true, image: 'reg/app:draft-0'})]})
    assert.ok(planned.ok)
    assert.deepEqual(planned.plan.removed, ['/app/old.js'])
    assert.deepEqual(planned.plan.dirs, [{target: '/app/lib', mode: 0o755}])
    assert.deepEqual(planned.plan.expected, [cksumLine(Buffer.from('A'), 'app/src/a.js')])
    assert.deepEqual(planned.plan.pods, [{pod: 'p1', container: 'app', port: 3000}, {pod: 'p2', container: 'app', port: 3000}])
  })

  it('refuses, with the reason, whatever it cannot sync for certain', () => {
    const refuse = (changes: LocalChange[], pods: PodState[], syncedBefore = 0): string => {
      const planned = planSync({...input, syncedBefore, changes, pods})
      assert.ok(!planned.ok)
      return planned.reason
    }
    assert.match(refuse([{path: 'l', target: '/app/l', state: {kind: 'other', what: 'a symbolic link'}}], [pod('p')]), /l is a symbolic link/)
    assert.match(refuse([{...file('a', 'x'), target: '/app/a\nb'}], [pod('p')]), /newline or a backslash/)
    assert.match(refuse([{path: 'big', target: '/app/big', state: {kind: 'file', data: Buffer.alloc(SYNC_LIMIT_BYTES + 1), mode: 0o644, mtimeMs: 1}}], [pod('p')]), /more than sync sends/)
    assert.match(refuse([file('a', 'x')], []), /no pod runs reg\/app:draft-1/)
    assert.match(refuse([file('a', 'x')], [pod('p1'), pod('p2', {image: 'reg/app:draft-2'})]), /pod p2 runs reg\/app:draft-2.*rollout/)
    assert.match(refuse([file('a', 'x')], [pod('p1'), pod('p2', {running: false, phase: 'Running'})]), /pod p2 is not running \(CrashLoopBackOff\)/)
    assert.match(refuse([file('a', 'x')], [pod('p', {sync: false})]), /does not run in sync mode/)
    // A pod that replaced one after two files were synced starts from the image without them.
    assert.match(refuse([file('a', 'x')], [pod('p1', {record: {files: 2, image: 'draft-1'}}), pod('p2')], 2), /pod p2 holds 0 of the 2 files synced since image draft-1/)
    assert.ok(planSync({...input, syncedBefore: 2, changes: [file('a', 'x')], pods: [pod('p1', {record: {files: 2, image: 'draft-1'}})]}).ok)
  })
})

describe('what a pod says about live update', () => {
  it('reads back the record draft writes, and nothing else', () => {
    const record = {files: 3, image: 'draft-0123', at: '2026-01-01T00:00:00.000Z'}
    assert.deepEqual(parseSyncRecord({[SYNCED_ANNOTATION]: formatSyncRecord(record)}), record)
    assert.equal(parseSyncRecord({[SYNCED_ANNOTATION]: 'not json'}), undefined)
    assert.equal(parseSyncRecord({}), undefined)
    assert.equal(describeSyncRecord(record), 'synced 3 files since image draft-0123')
  })
})

describe('the scripts in the container', () => {
  it('runs the app under the restart wrapper, and passes the apply script what it checks', () => {
    const args = wrapperArgs(['node', 'a.js'], 'INT')
    assert.deepEqual([args[0], args[1], args[3], args[4], args[5], args[6], args[7]], ['sh', '-c', WRAPPER_NAME, '/run/draft-sync', 'INT', 'node', 'a.js'])
    const apply = applyArgs({size: 1024, files: ['app/a.js'], expected: ['1 1 app/a.js'], removed: ['app/x', 'app/y'], restart: {port: 3000, timeoutSeconds: 30}})
    assert.deepEqual(apply.slice(3), ['draft-sync', '/', '1024', '1 1 app/a.js', '1', '3000', '/run/draft-sync', '30', '1', 'app/x\napp/y', 'app/a.js'])
  })

  it('reads how far an apply got from its exit code and output', () => {
    assert.deepEqual(readApply(0, 'draft-sync: copied\ndraft-sync: restarting\ndraft-sync: listening\n', ''), {ok: true, restarted: true})
    assert.deepEqual(readApply(0, 'draft-sync: copied\n', ''), {ok: true, restarted: false})
    assert.deepEqual(readApply(24, '1 2 app/a\ndraft-sync: mismatch\n', ''), {ok: false, stage: 'copy', reason: 'the files in the container differ from the ones sent (cksum)'})
    assert.deepEqual(readApply(127, '', 'sh: 1: tar: not found\n'), {ok: false, stage: 'copy', reason: 'the container lacks a program sync needs (sh, tar, head or cksum): sh: 1: tar: not found'})
    assert.deepEqual(readApply(21, '', 'tar: app/a: Cannot open: Read-only file system\n'), {ok: false, stage: 'copy', reason: 'tar could not unpack the files: tar: app/a: Cannot open: Read-only file system'})
    assert.deepEqual(readApply(31, 'draft-sync: copied\ndraft-sync: restarting\ndraft-sync: exited 1\n', ''), {ok: false, stage: 'reload', reason: 'the app exited 1 after the restart'})
    assert.deepEqual(readApply(32, 'draft-sync: copied\ndraft-sync: not listening after 30s\n', ''), {ok: false, stage: 'reload', reason: 'the app did not listen on its port again within 30s after the restart'})
  })
})

describe('development values', () => {
  it('sets sync mode in the chart: writable folders, the wrapped command, the wrapper state folder, the generation', () => {
    const v = developmentValues(rules, '7')
    assert.deepEqual(v.set, {'sync.enabled': 'true'})
    assert.equal(v.setString['sync.reload'], 'restart')
    assert.equal(v.setString['sync.generation'], '7')
    assert.equal(v.setString['sync.paths[0]'], '/app')
    assert.equal(v.setString['sync.paths[1]'], '/srv/www')
    assert.equal(v.setString['sync.command[0]'], 'sh')
    assert.equal(v.setString['sync.command[4]'], '/run/draft-sync')
    assert.equal(v.setString['sync.command[6]'], 'node')
    assert.equal(v.setString['sync.stateDir'], '/run/draft-sync')
    const none = developmentValues({...rules, reload: 'none', command: []}, '1')
    assert.equal(Object.keys(none.setString).filter(k => k.startsWith('sync.command')).length, 0)
    assert.equal(none.setString['sync.stateDir'], undefined)
    assert.deepEqual(Object.keys(developmentValues({...rules, reload: 'self', command: ['uvicorn', 'a:b', '--reload']}, '1').setString).filter(k => k.startsWith('sync.command')), ['sync.command[0]', 'sync.command[1]', 'sync.command[2]'])
  })
  it('escapes what helm --set-string would read as syntax', () => {
    assert.equal(helmEscape('a,b'), 'a\\,b')
    assert.equal(helmEscape('c:\\x'), 'c:\\\\x')
    assert.equal(helmEscape('{x}'), '\\{x}')
  })
})
