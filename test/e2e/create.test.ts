import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {packageRoot} from '../../src/util/package-root.js'
import {copyFixture, draft} from '../support/cli.js'

const listing = (dir: string): string[] => readdirSync(dir, {recursive: true}).map(String).sort()

/** `draft detect` and `draft create` as a user runs them, on the fixture apps and on bad input. */
describe('draft detect and draft create (e2e)', function () {
  this.timeout(5 * 60_000)

  it('detects a fixture with --json in the documented shape', async () => {
    const run = await draft(['detect', join(packageRoot(), 'packs', 'python', 'fixtures', 'flask-requirements'), '--json'])
    assert.equal(run.code, 0, run.stderr)
    const json = JSON.parse(run.stdout) as Record<string, unknown>
    assert.deepEqual(Object.keys(json).slice(0, 8), ['pack', 'language', 'framework', 'port', 'startCommand', 'version', 'evidence', 'alternatives'])
    assert.equal(json.pack, 'python')
    assert.equal(json.framework, 'flask')
    assert.ok(Array.isArray(json.evidence) && (json.evidence as unknown[]).length > 0)
  })

  it('explains the evidence, the scores and the runner-up', async () => {
    const run = await draft(['detect', join(packageRoot(), 'packs', 'java', 'fixtures', 'spring-boot-mvnw'), '--explain'])
    assert.equal(run.code, 0, run.stderr)
    assert.match(run.stdout, /Evidence/)
    assert.match(run.stdout, /Scores/)
    assert.match(run.stdout, /runner-up: /)
    assert.match(run.stdout, /Java \d+(\.\d)?%/)
  })

  it('reports a monorepo root with its apps instead of guessing, and exits 1', async () => {
    const run = await draft(['detect', join(packageRoot(), 'test', 'fixtures', 'monorepo')])
    assert.equal(run.code, 1)
    assert.match(run.stdout, /Monorepo .*2 apps/)
    assert.match(run.stdout, /apps\/api\s+node/)
    assert.match(run.stdout, /apps\/web\s+static/)
    assert.match(run.stderr, /\(MONOREPO\)/)
  })

  it('lists the packs and --pack when nothing fits', async () => {
    const run = await draft(['create', join(packageRoot(), 'test', 'fixtures', 'no-match')])
    assert.equal(run.code, 1)
    assert.match(run.stderr, /no language pack fits/)
    assert.match(run.stderr, /--pack NAME\. Available packs: dotnet, go, gradle, java, node, php, python, ruby, rust, static/)
  })

  it('writes Dockerfile, .dockerignore, the chart and draft.toml, then keeps them on a second run', async () => {
    const app = copyFixture('go', 'net-http')
    const first = await draft(['create', app])
    assert.equal(first.code, 0, first.stderr)
    for (const file of ['Dockerfile', '.dockerignore', 'draft.toml', 'charts/net-http/Chart.yaml', 'charts/net-http/values.yaml', 'charts/net-http/templates/deployment.yaml']) {
      assert.ok(existsSync(join(app, file)), file)
    }
    writeFileSync(join(app, 'Dockerfile'), `${readFileSync(join(app, 'Dockerfile'), 'utf8')}# my edit\n`)
    const second = await draft(['create', app])
    assert.equal(second.code, 0, second.stderr)
    assert.match(second.stdout, /= Dockerfile\s+kept/)
    assert.match(readFileSync(join(app, 'Dockerfile'), 'utf8'), /# my edit/)
    const forced = await draft(['create', app, '--force'])
    assert.equal(forced.code, 0)
    assert.doesNotMatch(readFileSync(join(app, 'Dockerfile'), 'utf8'), /# my edit/)
  })

  it('moves an end-of-life runtime pin to a maintained line and says so; refuses a --set of a line never published (issue 15)', async () => {
    const app = copyFixture('node', 'start-flags')
    const run = await draft(['create', app])
    assert.equal(run.code, 0, run.stderr)
    assert.match(run.stdout + run.stderr, /package\.json:\d+ asks for 4\.0\.0, which only end-of-life versions satisfy; using 22/)
    assert.match(readFileSync(join(app, 'Dockerfile'), 'utf8'), /^ARG NODE_VERSION=22$/m, 'node:4-bookworm-slim was never published')
    const refused = await draft(['create', copyFixture('node', 'start-flags'), '--set', 'version=4'])
    assert.equal(refused.code, 1)
    assert.match(refused.stdout + refused.stderr, /never published for 4/)
  })

  it('keeps and uses an existing Dockerfile: its EXPOSE decides the chart port', async () => {
    const app = join(mkdtempSync(join(tmpdir(), 'draft-e2e-')), 'existing-dockerfile')
    cpSync(join(packageRoot(), 'test', 'fixtures', 'existing-dockerfile'), app, {recursive: true})
    const before = readFileSync(join(app, 'Dockerfile'), 'utf8')
    const run = await draft(['create', app, '--json'])
    assert.equal(run.code, 0, run.stderr)
    const plan = JSON.parse(run.stdout) as {files: {path: string; action: string}[]; variables: {port: {value: number}}}
    assert.deepEqual(plan.files.find(f => f.path === 'Dockerfile'), {path: 'Dockerfile', action: 'keep', reason: 'exists: kept and used for the build'})
    assert.equal(plan.variables.port.value, 4000)
    assert.equal(readFileSync(join(app, 'Dockerfile'), 'utf8'), before)
    assert.match(readFileSync(join(app, 'charts', 'existing-dockerfile', 'values.yaml'), 'utf8'), /containerPort: 4000/)
  })

  it('writes nothing on --dry-run, and prints the plan with the Dockerfile', async () => {
    const app = copyFixture('rust', 'std-tcp')
    const before = listing(app)
    const run = await draft(['create', app, '--dry-run'])
    assert.equal(run.code, 0, run.stderr)
    assert.match(run.stdout, /would create/)
    assert.match(run.stdout, /--- Dockerfile/)
    assert.deepEqual(listing(app), before)
  })

  describe('bad input exits 1 with the fix and writes nothing', () => {
    const refuses = async (args: string[], code: string, pattern: RegExp, app?: string): Promise<void> => {
      const before = app ? listing(app) : []
      const run = await draft(args)
      assert.equal(run.code, 1, run.stdout)
      assert.match(run.stderr, new RegExp(`\\(${code}\\)`))
      assert.match(run.stderr, pattern)
      assert.match(run.stderr, /fix: /)
      if (app) assert.deepEqual(listing(app), before, 'nothing was written')
    }

    it('a path that does not exist, a file, an empty folder', async () => {
      await refuses(['create', '/nonexistent/app'], 'PATH_NOT_FOUND', /does not exist/)
      await refuses(['create', join(packageRoot(), 'package.json')], 'PATH_NOT_DIRECTORY', /is a file, not a folder/)
      await refuses(['create', mkdtempSync(join(tmpdir(), 'draft-empty-'))], 'EMPTY_FOLDER', /has no files/)
    })

    it('an unreadable manifest', async () => {
      const app = copyFixture('node', 'plain-http')
      chmodSync(join(app, 'package.json'), 0o000)
      // root reads any file: run draft as root without the capabilities that let it skip permissions.
      const dropCaps = process.getuid?.() === 0 ? ['setpriv', '--bounding-set', '-dac_override,-dac_read_search'] : []
      const before = listing(app)
      const command = [...dropCaps, process.execPath, join(packageRoot(), 'bin', 'run.js'), 'create', app]
      const run = spawnSync(command[0]!, command.slice(1), {encoding: 'utf8', env: {...process.env, NO_COLOR: '1'}})
      assert.equal(run.status, 1, run.stdout + run.stderr)
      assert.match(run.stderr, /package\.json: permission denied/)
      assert.match(run.stderr, /\(UNREADABLE\)/)
      assert.deepEqual(listing(app), before)
    })

    it('an unknown pack, and a bad --set', async () => {
      const app = copyFixture('node', 'express-api')
      await refuses(['create', app, '--pack', 'cobol'], 'UNKNOWN_PACK', /no pack named "cobol".*Use one of: dotnet, go/s, app)
      await refuses(['create', app, '--set', 'port=70000'], 'BAD_SET', /a port must be a whole number from 1 to 65535/, app)
      await refuses(['create', app, '--set', 'colour=blue'], 'BAD_SET', /no variable "colour".*with one of: build, buildCommand, env, framework/s, app)
      await refuses(['create', app, '--set', 'port'], 'BAD_SET', /expected KEY=VALUE/, app)
    })

    it('an app name that cannot become a Kubernetes name', async () => {
      const app = copyFixture('node', 'express-api')
      await refuses(['create', app, '--app', '___'], 'BAD_APP_NAME', /cannot be made into a valid Kubernetes name/, app)
    })
  })

  it('is all or nothing: a failure half-way leaves the folder as it was', async () => {
    const app = copyFixture('node', 'plain-http')
    // A file where the chart's folder must go: the chart cannot be renamed into place.
    mkdirSync(join(app, 'charts'))
    writeFileSync(join(app, 'charts', 'plain-http'), 'not a folder')
    const before = listing(app)
    const run = await draft(['create', app])
    assert.equal(run.code, 1)
    assert.match(run.stderr, /already exist.*charts\/plain-http.*\(FILES_EXIST\)/s)
    assert.deepEqual(listing(app), before)
  })
})
