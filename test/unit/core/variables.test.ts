import assert from 'node:assert/strict'

import {DraftError} from '../../../src/core/errors.js'
import {resolveVariables} from '../../../src/pack-model/variables.js'
import {fakePack} from '../../support/packs.js'

const pack = fakePack({
  name: 'demo',
  variables: {
    port: {type: 'port', description: 'port', default: 3000, derivedFrom: ['demo.port']},
    version: {type: 'string', description: 'version', default: '24', derivedFrom: ['demo.version'], pattern: '^\\d+$'},
    debug: {type: 'boolean', description: 'debug', default: false, derivedFrom: []},
    size: {type: 'enum', description: 'size', default: 'small', values: ['small', 'large'], derivedFrom: []},
    env: {type: 'map', description: 'env', default: {PORT: '{{port}}'}, derivedFrom: ['demo.env']},
  },
})
const detected = {value: 8080, evidence: [{detail: 'listen(8080)', file: 'app.js', line: 3}]}

const code = (fn: () => unknown): string => {
  try {
    fn()
  } catch (error) {
    assert.ok(error instanceof DraftError, String(error))
    return `${error.code}: ${error.message} | ${error.fix}`
  }
  return 'no error'
}

describe('resolveVariables', () => {
  it('takes a detected fact over the default, with its evidence', () => {
    const vars = resolveVariables(pack, {'demo.port': detected}, [])
    assert.equal(vars.port?.value, 8080)
    assert.equal(vars.port?.source, 'detected')
    assert.equal(vars.port?.evidence[0]?.line, 3)
    assert.deepEqual(vars.env?.value, {PORT: '8080'})
  })

  it('lets --set win, coerced to the variable type', () => {
    const vars = resolveVariables(pack, {'demo.port': detected}, ['port=9000', 'debug=yes', 'size=large', 'env.HOST=0.0.0.0'])
    assert.equal(vars.port?.value, 9000)
    assert.equal(vars.port?.source, 'flag')
    assert.equal(vars.debug?.value, true)
    assert.equal(vars.size?.value, 'large')
    assert.deepEqual(vars.env?.value, {PORT: '9000', HOST: '0.0.0.0'})
  })

  it('merges a detected map into the default map', () => {
    const vars = resolveVariables(pack, {'demo.env': {value: {HOSTNAME: '0.0.0.0'}, evidence: []}}, [])
    assert.deepEqual(vars.env?.value, {PORT: '3000', HOSTNAME: '0.0.0.0'})
  })

  it('drops a detected value that fails validation, with a warning', () => {
    const warnings: string[] = []
    const vars = resolveVariables(pack, {'demo.version': {value: '>=18 <21', evidence: []}}, [], warnings)
    assert.equal(vars.version?.value, '24')
    assert.match(warnings[0]!, /ignored detected version/)
  })

  it('refuses bad --set input with the fix named', () => {
    assert.match(code(() => resolveVariables(pack, {}, ['port=70000'])), /^BAD_SET: --set port=70000: a port must be a whole number from 1 to 65535/)
    assert.match(code(() => resolveVariables(pack, {}, ['port=http'])), /"http" is not a whole number/)
    assert.match(code(() => resolveVariables(pack, {}, ['colour=red'])), /has no variable "colour" \| Use --set KEY=VALUE with one of: debug, env, port, size, version/)
    assert.match(code(() => resolveVariables(pack, {}, ['port'])), /expected KEY=VALUE/)
    assert.match(code(() => resolveVariables(pack, {}, ['size=huge'])), /must be one of small, large/)
    assert.match(code(() => resolveVariables(pack, {}, ['version=latest'])), /does not match/)
    assert.match(code(() => resolveVariables(pack, {}, ['debug=maybe'])), /not true or false/)
    assert.match(code(() => resolveVariables(pack, {}, ['port.x=1'])), /port is a port, not a map/)
  })
})
