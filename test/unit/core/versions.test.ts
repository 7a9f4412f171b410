import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {DraftError} from '../../../src/core/errors.js'
import {loadPack} from '../../../src/pack-model/manifest.js'
import {resolveVariables} from '../../../src/pack-model/variables.js'
import {type VersionPolicy, chooseVersion} from '../../../src/pack-model/versions.js'
import {fakePack} from '../../support/packs.js'

const node: VersionPolicy = {maintained: ['22', '24', '26'], published: '16 || 18 || >=20', endOfLife: 'upgrade'}
const go: VersionPolicy = {maintained: ['1.26', '1.27'], published: '>=1.19', endOfLife: 'upgrade'}
const dotnet: VersionPolicy = {maintained: ['10.0', '11.0'], published: '2.1 || 3.1 || >=5.0', endOfLife: 'keep'}

describe('chooseVersion', () => {
  it('takes the oldest maintained line that satisfies a range, without a warning', () => {
    for (const [range, line] of [['>=18', '22'], ['^24.1.0', '24'], ['>=20 <23', '22'], ['18.x || 24.x', '24'], ['26', '26']] as const) {
      const choice = chooseVersion(range, node)
      assert.equal(choice?.value, line, range)
      assert.equal(choice?.warning, undefined, range)
    }
    assert.equal(chooseVersion('>=1.15', go)?.value, '1.26', 'go 1.15 in go.mod: golang:1.15-bookworm never existed')
    assert.equal(chooseVersion('>=1.27.1', go)?.value, '1.27')
  })

  it('moves an end-of-life pin to the oldest maintained line at or above it, and warns', () => {
    const old = chooseVersion('4.0.0', node, 'package.json:5')
    assert.equal(old?.value, '22', 'node:4-bookworm-slim was never published')
    assert.match(old?.warning ?? '', /package\.json:5 asks for 4\.0\.0, which only end-of-life versions satisfy; using 22/)
    assert.equal(chooseVersion('20', node)?.value, '22')
    assert.ok(chooseVersion('20', node)?.warning)
    // Never downwards: a pin between maintained lines goes to the next one up.
    assert.equal(chooseVersion('23', node)?.value, '24')
    assert.equal(chooseVersion('<18', node)?.value, '22')
  })

  it('takes the newest maintained line for a range above all of them, and warns', () => {
    const future = chooseVersion('>=27', node)
    assert.equal(future?.value, '26')
    assert.match(future?.warning ?? '', /newer than any maintained line/)
    assert.equal(chooseVersion('>=1.28', go)?.value, '1.27')
  })

  it('keeps an end-of-life line under the keep policy while its image is published', () => {
    const kept = chooseVersion('8.0', dotnet)
    assert.equal(kept?.value, '8.0')
    assert.match(kept?.warning ?? '', /end-of-life/)
    assert.equal(chooseVersion('1.0', dotnet)?.value, '10.0', 'never published: upgraded')
    assert.equal(chooseVersion('10.0', dotnet)?.warning, undefined)
  })

  it('answers nothing for what is not a range', () => {
    assert.equal(chooseVersion('lts/*', node), undefined)
    assert.equal(chooseVersion('system', node), undefined)
  })
})

describe('version variables', () => {
  const pack = fakePack({
    name: 'demo',
    variables: {
      port: {type: 'port', description: 'port', default: 3000, derivedFrom: []},
      version: {type: 'version', description: 'version', default: '24', derivedFrom: ['demo.version'], pattern: '^\\d+$', versions: node},
    },
  })
  const asked = (value: string) => ({'demo.version': {value, evidence: [{detail: `engines.node is "${value}"`, file: 'package.json', line: 7}]}})

  it('resolve a detected range to a line, with the reason in the evidence and the warning in the output', () => {
    const warnings: string[] = []
    const vars = resolveVariables(pack, asked('4.0.0'), [], warnings)
    assert.equal(vars.version?.value, '22')
    assert.equal(vars.version?.source, 'detected')
    assert.deepEqual(vars.version?.evidence.map(e => e.detail), ['engines.node is "4.0.0"', '22: the oldest maintained line at or above 4.0.0'])
    assert.equal(warnings.length, 1)
    assert.match(warnings[0]!, /^version: package\.json:7 asks for 4\.0\.0/)
  })

  it('fall back to the default, with a warning, for something that is not a range', () => {
    const warnings: string[] = []
    assert.equal(resolveVariables(pack, asked('latest please'), [], warnings).version?.value, '24')
    assert.match(warnings[0]!, /not a version range/)
  })

  it('refuse a --set the base image was never published for', () => {
    assert.equal(resolveVariables(pack, {}, ['version=20']).version?.value, '20', 'end-of-life but published: the user asked')
    assert.throws(() => resolveVariables(pack, {}, ['version=4']), (error: unknown) => error instanceof DraftError && error.code === 'BAD_SET' && /never published for 4/.test(error.message))
  })

  describe('in pack.toml', () => {
    let dir: string
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'draft-version-pack-'))
      writeFileSync(join(dir, 'Dockerfile.ejs'), 'FROM x\n')
    })
    afterEach(() => rmSync(dir, {recursive: true, force: true}))
    const manifest = (version: string): string =>
      `name = "demo"\nversion = "1.0.0"\ndescription = "d"\n[detect]\nlanguages = ["Go"]\n[variables.port]\ntype = "port"\ndefault = 1\ndescription = "p"\n[variables.version]\ntype = "version"\ndescription = "v"\n${version}\n[files]\n"Dockerfile" = "Dockerfile.ejs"\n`

    it('load maintained, published and end-of-life', () => {
      writeFileSync(join(dir, 'pack.toml'), manifest('default = "1.26"\nmaintained = ["1.26", "1.27"]\npublished = ">=1.19"\nend-of-life = "keep"'))
      const loaded = loadPack(dir, 'app')
      assert.ok(loaded.ok, JSON.stringify(loaded))
      assert.deepEqual(loaded.pack.variables.version?.versions, {maintained: ['1.26', '1.27'], published: '>=1.19', endOfLife: 'keep'})
    })

    it('report data the choice could not rely on, with the line', () => {
      const problem = (body: string): string => {
        writeFileSync(join(dir, 'pack.toml'), manifest(body))
        const loaded = loadPack(dir, 'app')
        assert.ok(!loaded.ok)
        return `${loaded.problems[0]!.line}: ${loaded.problems[0]!.message}`
      }
      assert.match(problem('default = "1.26"'), /needs a non-empty "maintained" list/)
      assert.match(problem('default = "1.25"\nmaintained = ["1.26"]'), /^\d+: variables\.version\.default: "1\.25" is not one of the maintained lines/)
      assert.match(problem('maintained = ["1.26", "2"]'), /same number of parts/)
      assert.match(problem('maintained = ["1.26"]\npublished = "not a range"'), /not a semver range/)
      assert.match(problem('maintained = ["1.18"]\npublished = ">=1.19"'), /outside the published range/)
    })
  })
})
