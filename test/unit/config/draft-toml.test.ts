import assert from 'node:assert/strict'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, relative} from 'node:path'

import {DEFAULT_BUILDER_SETTINGS} from '../../../src/cluster-builder/settings.js'
import {loadConfig} from '../../../src/config/draft-toml.js'
import {DraftError, describeError} from '../../../src/core/errors.js'
import {formatProblem, loadPacks} from '../../../src/pack-model/registry.js'
import {renderError} from '../../../src/ui/render-error.js'

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
    assert.deepEqual(c.watch, {quietMs: 200, maxWaitMs: 5000, syncQuietMs: 50})
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

  it('adds --build-arg to the file\'s build-args, the flag winning; a pair without a name is BAD_BUILD_ARG', () => {
    assert.deepEqual(loadConfig(dir, {buildArg: ['NODE_ENV=development', 'PYTHON_VERSION=3.13', 'EMPTY=']}, {}).buildArgs, {NODE_ENV: 'development', PYTHON_VERSION: '3.13', EMPTY: ''})
    const bad = problem(() => loadConfig(dir, {buildArg: ['=3.13']}, {}))
    assert.equal(bad.code, 'BAD_BUILD_ARG')
    assert.match(bad.fix, /--build-arg NAME=VALUE/)
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

  it('names the place of a mistake once: in the command\'s output, in a watch cycle\'s, in --json', () => {
    const count = (text: string, place: string): number => text.split(place).length - 1
    write(`${BASE}\nfoo bar = 1\n`)
    const shown = relative(process.cwd(), join(dir, 'draft.toml'))
    const syntax = problem(() => loadConfig(dir, {}, {}))
    assert.equal(syntax.message, `${shown}:23: syntax: illegal character in key`)
    assert.equal(count(renderError(syntax), 'draft.toml:23'), 1, renderError(syntax))
    assert.equal(describeError(syntax).message, syntax.message)
    assert.deepEqual([syntax.toJSON().file, syntax.toJSON().line], [join(dir, 'draft.toml'), 23])

    write(BASE.replace('chart = "charts/shop"', 'chart = "charts/nope"'))
    const chart = problem(() => loadConfig(dir, {}, {}))
    assert.equal(chart.message, `the chart charts/nope named in ${shown}:5 does not exist`)
    assert.equal(count(renderError(chart), 'draft.toml:5'), 1)
  })

  it('names the place of a pack.toml syntax error once, in the warning and in the error', () => {
    const packs = join(dir, 'packs')
    mkdirSync(join(packs, 'broken'), {recursive: true})
    writeFileSync(join(packs, 'broken', 'pack.toml'), 'name = "broken"\nversion = "0.1.0"\nfoo bar = 1\n')
    const set = loadPacks({builtinDir: packs, draftHome: join(dir, 'home')})
    const place = `${join(packs, 'broken', 'pack.toml')}:3`
    assert.equal(formatProblem(set.broken[0]!.problems[0]!), `${place}: TOML syntax: illegal character in key`)
    const error = problem(() => set.get('broken'))
    assert.equal(error.code, 'PACK_INVALID')
    assert.equal(renderError(error).split(place).length - 1, 1, renderError(error))
  })

  it('reads connect = true, lets --connect and --no-connect win, and still suggests a misspelt key', () => {
    assert.equal(loadConfig(dir, {}, {}).connect, false)
    write(BASE.replace('timeout = "90s"', 'timeout = "90s"\nconnect = true'))
    assert.equal(loadConfig(dir, {}, {}).connect, true)
    assert.equal(loadConfig(dir, {connect: false}, {}).connect, false)
    write(BASE.replace('timeout = "90s"', 'timeout = "90s"\nconnect = "yes"'))
    const quoted = problem(() => loadConfig(dir, {}, {}))
    assert.match(quoted.message, /:7: environments\.development\.connect: must be true or false, not a string/)
    write(BASE.replace('timeout = "90s"', 'timeout = "90s"\nconect = true'))
    assert.match(problem(() => loadConfig(dir, {}, {})).fix, /Did you mean "connect"\?/)
  })

  it('serves the dashboard unless ui = false or --ui=false, and suggests ui for a misspelt key', () => {
    assert.equal(loadConfig(dir, {}, {}).ui, true)
    write(BASE.replace('timeout = "90s"', 'timeout = "90s"\nui = false'))
    assert.equal(loadConfig(dir, {}, {}).ui, false)
    assert.equal(loadConfig(dir, {ui: true}, {}).ui, true)
    write(BASE)
    assert.equal(loadConfig(dir, {ui: false}, {}).ui, false)
    write(BASE.replace('timeout = "90s"', 'timeout = "90s"\nui = "off"'))
    assert.match(problem(() => loadConfig(dir, {}, {})).message, /:7: environments\.development\.ui: must be true or false, not a string/)
    write(BASE.replace('timeout = "90s"', 'timeout = "90s"\nuii = false'))
    assert.match(problem(() => loadConfig(dir, {}, {})).fix, /Did you mean "ui"\?/)
  })

  it('builds locally by default; builder = "cluster" with its settings, --builder over the file', () => {
    const plain = loadConfig(dir, {}, {})
    assert.equal(plain.builder, 'local')
    assert.deepEqual(plain.clusterBuilder, DEFAULT_BUILDER_SETTINGS)
    write(BASE.replace('timeout = "90s"', 'timeout = "90s"\nbuilder = "cluster"') + [
      '',
      '[environments.development.cluster-builder]',
      'namespace = "team-builds"',
      'host-network = true',
      'replicas = 2',
      'cache-size = "20Gi"',
      'dns = ["192.0.2.53"]',
      'insecure-registries = ["registry.dev:5000"]',
      '',
      '[environments.development.cluster-builder.mirrors]',
      '"docker.io" = ["mirror.dev:5000"]',
      '',
    ].join('\n'))
    const c = loadConfig(dir, {}, {})
    assert.equal(c.builder, 'cluster')
    assert.deepEqual(c.clusterBuilder, {
      ...DEFAULT_BUILDER_SETTINGS, namespace: 'team-builds', hostNetwork: true, replicas: 2, cacheSize: '20Gi',
      dns: ['192.0.2.53'], insecureRegistries: ['registry.dev:5000'], mirrors: {'docker.io': ['mirror.dev:5000']},
    })
    assert.equal(loadConfig(dir, {builder: 'local'}, {}).builder, 'local')
    assert.equal(loadConfig(dir, {env: 'staging'}, {}).builder, 'local', 'each environment has its own builder')
    assert.match(problem(() => loadConfig(dir, {builder: 'remote'}, {})).message, /--builder: builder: "remote" is not a builder/)
  })

  it('names the line of a wrong builder setting, with an example', () => {
    write(BASE.replace('timeout = "90s"', 'timeout = "90s"\nbuilder = "kubernetes"'))
    assert.match(problem(() => loadConfig(dir, {}, {})).message, /:7: environments\.development\.builder: "kubernetes" is not a builder/)
    const bad = (lines: string, message: RegExp, fix?: RegExp): void => {
      write(`${BASE}\n[environments.development.cluster-builder]\n${lines}\n`)
      const error = problem(() => loadConfig(dir, {}, {}))
      assert.match(error.message, message)
      if (fix) assert.match(error.fix, fix)
    }
    bad('replica = 2', /cluster-builder\.replica: unknown key/, /Did you mean "replicas"\?/)
    bad('replicas = "2"', /replicas: must be a whole number/, /replicas = 2/)
    bad('replicas = 0', /replicas: 0 is not between 1 and 50/)
    bad('rootless = "no"', /rootless: must be true or false/)
    bad('namespace = "Team_Builds"', /"Team_Builds" is not a valid namespace/)
    bad('memory = "lots"', /"lots" is not a memory quantity/)
    bad('dns = ["my-dns"]', /"my-dns" is not an IP address/)
    bad('mirrors = {"docker.io" = "m:5000"}', /mirrors: must be a table of lists of strings/)
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
