import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {readSyncTable} from '../../../src/config/sync-table.js'
import {loadPack} from '../../../src/pack-model/manifest.js'
import type {Variables} from '../../../src/pack-model/variables.js'
import {readDockerfile} from '../../../src/scaffold/dockerfile.js'
import {formatSyncTable, imageCommand, resolveSyncRules} from '../../../src/scaffold/sync-table.js'
import {parseToml} from '../../../src/util/toml.js'
import {fakePack} from '../../support/packs.js'

const vars = (values: Record<string, unknown>): Variables =>
  Object.fromEntries(Object.entries(values).map(([k, value]) => [k, {value, source: 'default', evidence: []}])) as unknown as Variables

describe('the Dockerfile\'s command', () => {
  it('is the last stage\'s ENTRYPOINT and CMD, exec or shell form, and nothing when the stage inherits it', () => {
    const facts = readDockerfile('FROM a AS b\nCMD ["build"]\nFROM node:22\nENTRYPOINT ["/usr/bin/tini", "--"]\nCMD ["node", "src/server.js"]\n')
    assert.deepEqual([facts.entrypoint, facts.cmd], [['/usr/bin/tini', '--'], ['node', 'src/server.js']])
    assert.deepEqual(readDockerfile('FROM x\nCMD node server.js\n').cmd, ['/bin/sh', '-c', 'node server.js'])
    assert.deepEqual(readDockerfile('FROM x\nCMD ["a"]\nFROM php:8-apache\nUSER 33\n'), {baseImages: ['x', 'php:8-apache'], stages: [], exposed: [], user: '33'})
  })
  it('drops an init in front: the restart wrapper takes its place', () => {
    assert.deepEqual(imageCommand({entrypoint: ['/usr/bin/tini', '--'], cmd: ['node', 'a.js']}), ['node', 'a.js'])
    assert.deepEqual(imageCommand({entrypoint: ['dumb-init', '--single-child', '--'], cmd: ['x']}), ['x'])
    assert.deepEqual(imageCommand({entrypoint: ['python'], cmd: ['app.py']}), ['python', 'app.py'])
    assert.deepEqual(imageCommand({entrypoint: ['/bin/sh', '-c', 'exec serve'], cmd: ['ignored']}), ['/bin/sh', '-c', 'exec serve'])
    assert.equal(imageCommand({}), undefined)
  })
})

describe('the [sync] draft create writes', () => {
  const sync = {reload: 'restart' as const, paths: [{from: '.', to: '/app'}], rebuild: ['package.json'], stopSignal: 'TERM' as const, rebuildWhen: [{variable: 'build', why: 'the image builds the app'}, {variable: 'collect', files: ['**/static/**'], why: 'collected'}]}
  const pack = fakePack({name: 'demo', sync})
  const image = {entrypoint: ['tini', '--'], cmd: ['node', 'src/server.js']}

  it('restarts the Dockerfile\'s command, with the rebuild globs of the rules that apply', () => {
    assert.deepEqual(resolveSyncRules(pack, vars({build: false, collect: ''}), image), {reload: 'restart', paths: [{from: '.', to: '/app'}], rebuild: ['package.json'], command: ['node', 'src/server.js'], stopSignal: 'TERM'})
    assert.deepEqual(resolveSyncRules(pack, vars({build: false, collect: 'manage.py collectstatic'}), image).rebuild, ['package.json', '**/static/**'])
  })
  it('rebuilds when a variable says the app is compiled, when the pack has no rules, and when there is no command to restart', () => {
    assert.deepEqual(resolveSyncRules(pack, vars({build: true}), image), {reload: 'rebuild', why: 'the image builds the app', paths: [], rebuild: [], command: [], stopSignal: 'TERM'})
    assert.match(resolveSyncRules(fakePack({name: 'bare'}), vars({}), image).why!, /the bare pack has no live update rules/)
    assert.match(resolveSyncRules(pack, vars({}), {}).why!, /sets no CMD/)
  })
  it('fills {{variables}} into a command that reloads by itself', () => {
    const self = fakePack({name: 'py', sync: {...sync, reload: 'self', command: 'uvicorn {{module}} --reload --host 0.0.0.0', rebuildWhen: []}})
    assert.deepEqual(resolveSyncRules(self, vars({module: 'app.main:app'}), image).command, ['uvicorn', 'app.main:app', '--reload', '--host', '0.0.0.0'])
  })
  it('writes TOML that draft.toml reads back as the same rules', () => {
    for (const rules of [resolveSyncRules(pack, vars({}), image), resolveSyncRules(pack, vars({build: true}), image), {...resolveSyncRules(pack, vars({}), image), reload: 'none' as const, command: []}]) {
      const read = readSyncTable(parseToml(formatSyncTable(rules, 'demo')).data.sync)
      assert.ok(read.ok, JSON.stringify(read))
      assert.deepEqual(read.rules, rules)
    }
  })
})

describe('pack.toml [sync]', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'draft-sync-pack-'))
    writeFileSync(join(dir, 'Dockerfile.ejs'), 'FROM x\n')
  })
  afterEach(() => rmSync(dir, {recursive: true, force: true}))
  const load = (sync: string) => {
    writeFileSync(join(dir, 'pack.toml'), `name = "demo"\nversion = "1.0.0"\ndescription = "d"\n[detect]\nlanguages = ["Go"]\n[variables.port]\ntype = "port"\ndefault = 1\ndescription = "p"\n[variables.build]\ntype = "boolean"\ndefault = false\ndescription = "b"\n[files]\n"Dockerfile" = "Dockerfile.ejs"\n${sync}\n`)
    return loadPack(dir, 'app')
  }
  const problems = (sync: string): string[] => {
    const loaded = load(sync)
    assert.ok(!loaded.ok, 'expected problems')
    return loaded.problems.map(p => `${p.line}: ${p.message}`)
  }

  it('loads the rules with their defaults', () => {
    const loaded = load('[sync]\nreload = "restart"\npaths = [{from = ".", to = "/app"}]\n[[sync.rebuild-when]]\nvariable = "build"\nwhy = "compiled"')
    assert.ok(loaded.ok, JSON.stringify(loaded))
    assert.deepEqual(loaded.pack.sync, {reload: 'restart', paths: [{from: '.', to: '/app'}], rebuild: [], stopSignal: 'TERM', rebuildWhen: [{variable: 'build', why: 'compiled'}]})
    const none = load('')
    assert.ok(none.ok && none.pack.sync === undefined)
  })
  it('reports what does not hold together, with the line', () => {
    assert.match(problems('[sync]\nreload = "rebuild"').join('\n'), /sync: must have required property 'why'/)
    assert.match(problems('[sync]\nreload = "none"').join('\n'), /must have required property 'paths'/)
    assert.match(problems('[sync]\nreload = "self"\npaths = [{from = ".", to = "/app"}]').join('\n'), /reload = "self" needs the command/)
    assert.match(problems('[sync]\nreload = "restart"\npaths = [{from = ".", to = "/app"}]\ncommand = "run {{nope}}"').join('\n'), /\{\{nope\}\} is not a variable of the pack/)
    assert.match(problems('[sync]\nreload = "none"\npaths = [{from = ".", to = "/app"}]\n[[sync.rebuild-when]]\nvariable = "port"\nwhy = "x"').join('\n'), /^\d+: sync\.rebuild-when\.0\.variable: "port" is not a boolean or string variable/m)
    assert.match(problems('[sync]\nreload = "none"\npaths = [{from = ".", to = "app"}]').join('\n'), /must match pattern/)
  })
})
