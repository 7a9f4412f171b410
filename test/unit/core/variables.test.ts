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

  describe('maps and lists gather every fact they name', () => {
    const gathering = fakePack({
      name: 'gather',
      variables: {
        port: {type: 'port', description: 'port', default: 3000, derivedFrom: []},
        env: {type: 'map', description: 'env', default: {PORT: '{{port}}'}, derivedFrom: ['lang.env', 'settings.listenEnv']},
        paths: {type: 'list', description: 'paths', default: [], derivedFrom: ['lang.paths', 'other.paths']},
      },
    })
    it('merges maps (the earlier fact wins a name both have) and unites lists, with all the evidence', () => {
      const vars = resolveVariables(gathering, {
        'lang.env': {value: {HOST: '0.0.0.0'}, evidence: [{detail: 'reads HOST'}]},
        'settings.listenEnv': {value: {HOST: '127.0.0.1', API_PORT: '{{port}}'}, evidence: [{detail: 'API_PORT in .env.example', key: 'API_PORT'}]},
        'lang.paths': {value: ['instance'], evidence: [{detail: 'sqlite', key: 'instance'}]},
        'other.paths': {value: ['instance', 'uploads'], evidence: [{detail: 'uploads', key: 'uploads'}]},
      }, [])
      assert.deepEqual(vars.env?.value, {PORT: '3000', HOST: '0.0.0.0', API_PORT: '3000'})
      assert.equal(vars.env?.fact, 'lang.env, settings.listenEnv')
      assert.deepEqual(vars.env?.evidence.map(e => e.detail), ['reads HOST', 'API_PORT in .env.example'])
      assert.deepEqual(vars.paths?.value, ['instance', 'uploads'])
    })
    it('takes a list from --set as comma-separated values, and refuses a list fact that is not one', () => {
      assert.deepEqual(resolveVariables(gathering, {}, ['paths=data, logs']).paths?.value, ['data', 'logs'])
      assert.deepEqual(resolveVariables(gathering, {}, ['paths=']).paths?.value, [])
      const warnings: string[] = []
      assert.deepEqual(resolveVariables(gathering, {'lang.paths': {value: 'data', evidence: []}}, [], warnings).paths?.value, [])
      assert.match(warnings[0] ?? '', /must be a list of text values/)
    })
  })

  describe('[[system-packages]]', () => {
    const native = fakePack({
      name: 'native',
      variables: {
        port: {type: 'port', description: 'port', default: 3000, derivedFrom: []},
        buildPackages: {type: 'string', description: 'build', default: '', derivedFrom: ['lang.buildPackages']},
        runtimePackages: {type: 'string', description: 'runtime', default: '', derivedFrom: []},
      },
      systemPackages: [
        {fact: 'lang.dependencies', any: ['psycopg2'], build: ['gcc', 'libpq-dev'], runtime: ['libpq5'], why: 'psycopg2 compiles against libpq'},
        {fact: 'lang.dependencies', any: ['mysqlclient', 'mariadb'], build: ['gcc', 'default-libmysqlclient-dev'], runtime: ['libmariadb3']},
        {fact: 'lang.addons', any: ['*'], build: ['make', 'g++'], runtime: []},
      ],
    })
    const deps = (names: string[]) => ({value: names, evidence: names.map((n, i) => ({detail: `${n} is a dependency`, file: 'requirements.txt', line: i + 1, key: n}))})

    it('adds the packages of every rule whose dependency the app has, once each, with the dependency as evidence', () => {
      const vars = resolveVariables(native, {'lang.dependencies': deps(['flask', 'psycopg2', 'mariadb']), 'lang.buildPackages': {value: 'git', evidence: [{detail: 'git dependency'}]}}, [])
      assert.equal(vars.buildPackages?.value, 'git gcc libpq-dev default-libmysqlclient-dev')
      assert.equal(vars.runtimePackages?.value, 'libpq5 libmariadb3')
      assert.equal(vars.runtimePackages?.source, 'detected')
      assert.deepEqual(vars.runtimePackages?.evidence[0], {detail: 'psycopg2 compiles against libpq', file: 'requirements.txt', line: 2, key: 'psycopg2'})
      assert.deepEqual(vars.runtimePackages?.evidence[1], {detail: 'mariadb needs libmariadb3 at run time', file: 'requirements.txt', line: 3, key: 'mariadb'})
    })
    it('"*" matches any non-empty list; nothing matches no list; --set wins', () => {
      assert.equal(resolveVariables(native, {'lang.addons': deps(['bcrypt'])}, []).buildPackages?.value, 'make g++')
      assert.equal(resolveVariables(native, {'lang.addons': deps([])}, []).buildPackages?.value, '')
      assert.equal(resolveVariables(native, {}, []).runtimePackages?.source, 'default')
      assert.equal(resolveVariables(native, {'lang.dependencies': deps(['psycopg2'])}, ['buildPackages=']).buildPackages?.value, '')
    })
  })
})
