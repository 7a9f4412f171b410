import assert from 'node:assert/strict'

import {DraftError} from '../../../src/core/errors.js'
import {parseCompose} from '../../../src/project/compose.js'
import {type PlanServicesInput, planServices, serviceFolder} from '../../../src/project/services.js'

const FOLDERS = new Set(['.', 'api', 'worker', 'web', 'shared', 'tools'])
const FILES = new Set(['api/Dockerfile', 'worker/Dockerfile'])
const exists = {folder: (p: string) => FOLDERS.has(p), file: (p: string) => FILES.has(p)}

const SHOP = `services:
  web:
    build: ./web
    ports: ["8080:8080"]
    depends_on: [api]
  api:
    build: {context: ., dockerfile: api/Dockerfile}
    ports: ["3000"]
    depends_on: [redis]
  worker:
    build: {context: ., dockerfile: worker/Dockerfile}
    depends_on: [redis]
  redis:
    image: redis:7
`
const plan = (compose: string, more: Partial<PlanServicesInput> = {}) =>
  planServices({compose: parseCompose(compose, 'compose.yaml'), apps: [], exists, ...more})

const failure = (fn: () => unknown): DraftError => {
  try {
    fn()
  } catch (error) {
    assert.ok(error instanceof DraftError, String(error))
    return error
  }
  assert.fail('expected a DraftError')
}

describe('which services a project has', () => {
  it('builds a service in its own folder, or from a shared context with the chart in its Dockerfile\'s folder', () => {
    const {services} = plan(SHOP)
    const byName = Object.fromEntries(services.map(s => [s.name, s]))
    assert.deepEqual(byName.web!.build, {context: 'web', dockerfile: 'web/Dockerfile', dockerfileExists: false, chartOnly: false, args: {}})
    assert.equal(byName.web!.path, 'web')
    assert.deepEqual(byName.api!.build, {context: '.', dockerfile: 'api/Dockerfile', dockerfileExists: true, chartOnly: true, args: {}})
    assert.equal(byName.api!.path, 'api')
    assert.equal(byName.redis!.kind, 'image')
    assert.equal(byName.redis!.image, 'redis:7')
    assert.equal(serviceFolder('.', 'Dockerfile'), '.')
    assert.equal(serviceFolder('services/api', 'services/api/Dockerfile'), 'services/api')
  })

  it('lists what it does not deploy, one reason each: libraries, folders no pack fits, apps compose does not name, profiles', () => {
    const {skipped} = plan(SHOP + '  debug:\n    image: busybox\n    profiles: [debug]\n', {
      apps: [
        {path: 'api', pack: 'node', framework: null},
        {path: 'shared', pack: null, framework: null, library: 'package.json has no start script'},
        {path: 'tools', pack: 'go', framework: null},
      ],
    })
    assert.deepEqual(skipped, [
      {name: 'debug', reason: 'only with profile debug'},
      {name: 'shared', reason: 'library: package.json has no start script'},
      {name: 'tools', reason: 'not a service of compose.yaml'},
    ])
  })

  it('without compose: every app folder with a pack, the rest skipped', () => {
    const result = planServices({
      apps: [
        {path: 'apps/api', pack: 'node', framework: 'express'},
        {path: 'apps/lib', pack: null, framework: null, library: 'no package main'},
        {path: 'apps/docs', pack: null, framework: null},
      ],
      exists,
    })
    assert.deepEqual(result.services.map(s => [s.name, s.path, s.build?.context, s.build?.dockerfile]), [['api', 'apps/api', 'apps/api', 'apps/api/Dockerfile']])
    assert.deepEqual(result.skipped.map(s => s.name), ['apps/lib', 'apps/docs'])
  })

  it('--only keeps the named services and drops their edges to the others, with a warning', () => {
    const result = plan(SHOP, {only: ['api', 'web']})
    assert.deepEqual(result.services.map(s => s.name), ['web', 'api'])
    assert.deepEqual(result.services.find(s => s.name === 'api')!.dependsOn, [])
    assert.ok(result.warnings.some(w => /api depends on redis, which is not scaffolded here/.test(w)))
    assert.equal(failure(() => plan(SHOP, {only: ['nope']})).code, 'UNKNOWN_SERVICE')
  })

  it('--no-dependencies leaves the image-only services out and says so', () => {
    const result = plan(SHOP, {noDependencies: true})
    assert.deepEqual(result.services.map(s => s.name), ['web', 'api', 'worker'])
    assert.deepEqual(result.skipped, [{name: 'redis', reason: 'image redis:7: left out (--no-dependencies)'}])
  })

  it('refuses a build folder that is not there, at the line of its build', () => {
    const error = failure(() => plan('services:\n  api:\n    image: x\n  web:\n    build: ./frontend\n'))
    assert.equal(error.code, 'COMPOSE_BUILD_MISSING')
    assert.deepEqual(error.location, {file: 'compose.yaml', line: 5})
    assert.match(error.message, /built from frontend, which is not a folder/)
  })

  it('refuses a Dockerfile compose names that is not there, unless it is the one a pack writes', () => {
    assert.equal(failure(() => plan('services:\n  api:\n    build: {context: ., dockerfile: api/Dockerfile.dev}\n  r:\n    image: redis\n')).code, 'COMPOSE_BUILD_MISSING')
    assert.equal(plan('services:\n  tools:\n    build: ./tools\n  r:\n    image: redis\n').services[0]!.build!.dockerfileExists, false)
  })

  it('refuses two services that would get the same release name', () => {
    const error = failure(() => plan('services:\n  my_api:\n    image: a\n  my-api:\n    image: b\n'))
    assert.equal(error.code, 'DUPLICATE_RELEASE')
    assert.deepEqual(error.location, {file: 'compose.yaml', line: 4})
    assert.match(error.message, /my_api, my-api would both be deployed as release "my-api"/)
  })

  it('refuses a depends_on cycle, naming it and the line that closes it', () => {
    const error = failure(() => plan('services:\n  a:\n    image: a\n    depends_on: [b]\n  b:\n    image: b\n    depends_on:\n      - a\n'))
    assert.equal(error.code, 'DEPENDENCY_CYCLE')
    assert.match(error.message, /a -> b -> a/)
    assert.deepEqual(error.location, {file: 'compose.yaml', line: 8})
  })

  it('warns when a service\'s Kubernetes name differs from its compose name', () => {
    const result = plan('services:\n  cache_db:\n    image: redis\n  a:\n    image: x\n')
    assert.equal(result.services[0]!.release, 'cache-db')
    assert.ok(result.warnings.some(w => /reach it as cache-db, not cache_db/.test(w)))
  })
})
