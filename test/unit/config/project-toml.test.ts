import assert from 'node:assert/strict'
import {readFileSync, rmSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'

import {loadConfig} from '../../../src/config/draft-toml.js'
import {isProjectConfig, loadProject} from '../../../src/config/project-toml.js'
import {DraftError} from '../../../src/core/errors.js'
import {createdShop} from '../../support/project.js'

const failure = (fn: () => unknown): DraftError => {
  try {
    fn()
  } catch (error) {
    assert.ok(error instanceof DraftError, String(error))
    return error
  }
  assert.fail('expected a DraftError')
}

describe('draft.toml of a project', function () {
  this.timeout(30_000)
  let dir: string
  let toml: string
  before(async () => {
    dir = (await createdShop()).dir
    toml = readFileSync(join(dir, 'draft.toml'), 'utf8')
  })
  afterEach(() => writeFileSync(join(dir, 'draft.toml'), toml))
  after(() => rmSync(dirname(dir), {recursive: true, force: true}))
  const write = (text: string): void => writeFileSync(join(dir, 'draft.toml'), text)

  it('resolves every service to the config a lone app has: built ones, and an image deployed as it is', () => {
    assert.ok(isProjectConfig(dir))
    const project = loadProject(dir, {}, {})
    assert.deepEqual(project.services.map(s => [s.name, s.kind, s.dependsOn.map(d => d.name).join(',')]), [['web', 'build', 'api'], ['api', 'build', 'redis'], ['worker', 'build', 'redis'], ['redis', 'image', '']])
    const api = project.services.find(s => s.name === 'api')!.config
    assert.equal(api.context, dir)
    assert.equal(api.dockerfile, join(dir, 'api', 'Dockerfile'))
    assert.equal(api.chart, join(dir, 'api', 'charts', 'api'))
    assert.equal(api.appDir, join(dir, 'api'))
    assert.equal(api.stateDir, join(dir, '.draft', 'services', 'api'))
    assert.deepEqual(api.set, {'probes.innerLoop': 'true', terminationGracePeriodSeconds: '5', containerPort: '3000', 'service.port': '3000'}, 'the environment\'s set, then the port')
    const redis = project.services.find(s => s.name === 'redis')!.config
    assert.deepEqual(redis.prebuilt, {repository: 'redis', tag: '7'})
    assert.equal(project.services.find(s => s.name === 'worker')!.port, undefined)
  })

  it('shares the environment\'s settings, lets an environment change one service, and applies the flags to all', () => {
    write(`${toml}\n[environments.bed]\nnamespace = "shop"\nregistry = "127.0.0.1:45000"\ntimeout = "90s"\n\n[environments.bed.services.redis]\nimage = "127.0.0.1:45000/library/redis:7"\n`)
    const project = loadProject(dir, {env: 'bed', set: ['replicaCount=2']}, {})
    for (const s of project.services) {
      assert.equal(s.config.namespace, 'shop')
      assert.equal(s.config.registry, '127.0.0.1:45000')
      assert.equal(s.config.timeoutMs, 90_000)
      assert.equal(s.config.set.replicaCount, '2')
    }
    assert.deepEqual(project.services.find(s => s.name === 'redis')!.config.prebuilt, {repository: '127.0.0.1:45000/library/redis', tag: '7'})
    assert.deepEqual(loadProject(dir, {services: ['api', 'web']}, {}).services.map(s => s.name), ['web', 'api'])
  })

  it('names the file, line and key of each mistake', () => {
    const cases: [string, string, RegExp, number][] = [
      [toml.replace('[services.api]\n', '[services.api]\nportt = 1\n'), 'CONFIG_INVALID', /services\.api\.portt: unknown key/, 0],
      [toml.replace('depends-on = ["redis"]', 'depends-on = ["cache"]'), 'UNKNOWN_DEPENDENCY', /api depends on cache/, 0],
      [toml.replace('depends-on = ["api"]', 'depends-on = ["api", "worker"]').replace('# No port: a worker, with no Service.\ndepends-on = ["redis"]', '# No port: a worker, with no Service.\ndepends-on = ["redis", "web"]'), 'DEPENDENCY_CYCLE', /web -> worker -> web|worker -> web -> worker/, 0],
      [toml.replace('[services.worker]\n', '[services.worker]\nrelease = "api"\n'), 'DUPLICATE_RELEASE', /api, worker would both be deployed as release "api"/, 0],
      [toml.replace('dockerfile = "api/Dockerfile"', 'dockerfile = "nope/Dockerfile"'), 'DOCKERFILE_NOT_FOUND', /nope\/Dockerfile/, 0],
      [toml.replace('image = "redis:7"', 'image = "redis:7"\ntarget = "x"'), 'CONFIG_INVALID', /target needs a dockerfile/, 0],
      [`${toml}\n[environments.development.services.api]\npath = "web"\n`, 'CONFIG_INVALID', /path cannot change per environment/, 0],
    ]
    for (const [text, code, message] of cases) {
      write(text)
      const error = failure(() => loadProject(dir, {}, {}))
      assert.equal(error.code, code, error.message)
      assert.match(error.message, message)
      assert.ok(error.location?.line, `${code} names a line`)
      assert.equal(text.split('\n')[error.location!.line! - 1]!.length > 0, true)
    }
    write(toml)
    assert.equal(failure(() => loadProject(dir, {services: ['db']}, {})).code, 'UNKNOWN_SERVICE')
    assert.equal(failure(() => loadProject(dir, {release: 'x'}, {})).code, 'CONFIG_INVALID')
  })

  it('is refused by the one-app loader, which says so', () => {
    assert.equal(failure(() => loadConfig(dir, {}, {})).code, 'CONFIG_IS_PROJECT')
  })
})
