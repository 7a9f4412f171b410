import assert from 'node:assert/strict'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {loadConfig} from '../../../src/config/draft-toml.js'
import {DraftError} from '../../../src/core/errors.js'

const BASE = `[environments.development]
release = "shop"
namespace = "dev"
registry = "127.0.0.1:45000"
chart = "charts/shop"
timeout = "90s"

[environments.development.build-args]
NODE_ENV = "production"

[environments.development.set]
replicaCount = 2

[environments.development.watch]
quiet = "200ms"

[environments.staging]
release = "shop"
namespace = "staging"
registry = "ghcr.io/acme"
chart = "charts/shop"
`

describe('loadConfig (draft.toml)', () => {
  let dir: string
  const write = (text: string): void => writeFileSync(join(dir, 'draft.toml'), text)
  const problem = (fn: () => unknown): DraftError => {
    try {
      fn()
    } catch (error) {
      assert.ok(error instanceof DraftError, String(error))
      return error
    }
    assert.fail('expected an error')
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'draft-config-'))
    mkdirSync(join(dir, 'charts', 'shop'), {recursive: true})
    writeFileSync(join(dir, 'charts', 'shop', 'Chart.yaml'), 'apiVersion: v2\nname: shop\nversion: 0.1.0\n')
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\n')
    write(BASE)
  })
  afterEach(() => rmSync(dir, {recursive: true, force: true}))

  it('reads the development environment with its tables and durations', () => {
    const c = loadConfig(dir, {}, {})
    assert.equal(c.env, 'development')
    assert.equal(c.namespace, 'dev')
    assert.equal(c.timeoutMs, 90_000)
    assert.deepEqual(c.buildArgs, {NODE_ENV: 'production'})
    assert.deepEqual(c.set, {replicaCount: '2'})
    assert.deepEqual(c.watch, {quietMs: 200, maxWaitMs: 5000})
    assert.equal(c.image, 'shop')
    assert.equal(c.chart, join(dir, 'charts', 'shop'))
  })

  it('chooses the environment from --env, then DRAFT_ENV', () => {
    assert.equal(loadConfig(dir, {}, {DRAFT_ENV: 'staging'}).registry, 'ghcr.io/acme')
    assert.equal(loadConfig(dir, {env: 'development'}, {DRAFT_ENV: 'staging'}).namespace, 'dev')
    const missing = problem(() => loadConfig(dir, {env: 'prod'}, {}))
    assert.equal(missing.code, 'UNKNOWN_ENVIRONMENT')
    assert.match(missing.fix, /development, staging/)
  })

  it('lets flags override the file', () => {
    const c = loadConfig(dir, {registry: 'https://localhost:5000/', namespace: 'qa', kubeContext: 'kind-x', release: 'shop-qa', set: ['replicaCount=3', 'env.A=b'], buildNetwork: 'host', timeout: '2m'}, {})
    assert.deepEqual([c.registry, c.namespace, c.kubeContext, c.release, c.buildNetwork, c.timeoutMs], ['localhost:5000', 'qa', 'kind-x', 'shop-qa', 'host', 120_000])
    assert.deepEqual(c.set, {replicaCount: '3', 'env.A': 'b'})
  })

  it('names the file, the line and the key of a mistake, with a suggestion', () => {
    write(BASE.replace('namespace = "dev"', 'namspace = "dev"'))
    const typo = problem(() => loadConfig(dir, {}, {}))
    assert.equal(typo.code, 'CONFIG_INVALID')
    assert.match(typo.message, /draft\.toml:3: environments\.development\.namspace: unknown key/)
    assert.match(typo.fix, /Did you mean "namespace"\?/)
    assert.equal(typo.location?.line, 3)

    write(BASE.replace('timeout = "90s"', 'timeout = 90'))
    assert.match(problem(() => loadConfig(dir, {}, {})).message, /:6: environments\.development\.timeout: must be a string, not a number/)
    write(BASE.replace('quiet = "200ms"', 'quiet = "soon"'))
    assert.match(problem(() => loadConfig(dir, {}, {})).message, /:15: .*watch\.quiet: "soon" is not a duration/)
    write(BASE.replace('release = "shop"', 'release = "Shop_App"'))
    assert.match(problem(() => loadConfig(dir, {}, {})).fix, /lower-case letters, digits and dashes/)
    write('[environments.development\nrelease = 1\n')
    assert.match(problem(() => loadConfig(dir, {}, {})).message, /draft\.toml:1: syntax/)
    write(BASE)
    assert.match(problem(() => loadConfig(dir, {timeout: 'forever'}, {})).message, /--timeout: timeout: "forever" is not a duration/)
  })

  it('says to run draft create when draft.toml or the chart is missing', () => {
    rmSync(join(dir, 'charts'), {recursive: true})
    const chart = problem(() => loadConfig(dir, {}, {}))
    assert.equal(chart.code, 'CHART_MISSING')
    assert.match(chart.fix, /draft create/)
    rmSync(join(dir, 'draft.toml'))
    const config = problem(() => loadConfig(dir, {}, {}))
    assert.equal(config.code, 'CONFIG_MISSING')
    assert.match(config.fix, /Run `draft create`/)
  })
})
