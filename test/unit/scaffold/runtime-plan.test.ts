import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import yaml from 'js-yaml'

import {memorySnapshot} from '../../../src/detect/snapshot.js'
import {CHART_DEFAULTS, loadPack} from '../../../src/pack-model/manifest.js'
import {resolveVariables} from '../../../src/pack-model/variables.js'
import {InProcessRenderer} from '../../../src/sandbox/in-process-renderer.js'
import {planScaffold, writablePaths} from '../../../src/scaffold/plan.js'
import {fakePack} from '../../support/packs.js'

const pack = fakePack({
  name: 'runtime',
  chart: {...CHART_DEFAULTS, appDir: '/app', writablePaths: ['/tmp', '/app/tmp']},
  variables: {
    port: {type: 'port', description: 'port', default: 8000, derivedFrom: []},
    env: {type: 'map', description: 'env', default: {PORT: '{{port}}'}, derivedFrom: ['settings.listenEnv']},
    settings: {type: 'map', description: 'settings', default: {}, derivedFrom: ['settings.env']},
    secrets: {type: 'map', description: 'secrets', default: {}, derivedFrom: ['settings.secrets']},
    releaseCommand: {type: 'string', description: 'release', default: '', derivedFrom: ['procfile.release']},
    writablePaths: {type: 'list', description: 'paths', default: [], derivedFrom: ['lang.writablePaths']},
  },
})

const app = memorySnapshot('/work/app', {'app.py': '', 'uploads/welcome.txt': 'hi', 'db/schema.rb': '', 'tmp/.keep': ''})
const facts = {
  'settings.listenEnv': {value: {API_PORT: '{{port}}'}, evidence: [{detail: 'sample', file: '.env.example', line: 1, key: 'API_PORT'}]},
  'settings.env': {value: {GREETING: 'hello', DATABASE_URL: ''}, evidence: [{detail: 'sample', file: '.env.example', line: 2, key: 'GREETING'}, {detail: 'required', file: 'main.go', line: 9, key: 'DATABASE_URL'}]},
  'settings.secrets': {value: {SESSION_SECRET: ''}, evidence: [{detail: 'sample', file: '.env.example', line: 3, key: 'SESSION_SECRET'}]},
  'procfile.release': {value: 'python manage.py migrate --noinput', evidence: [{detail: 'Procfile release process', file: 'Procfile', line: 2}]},
  'lang.writablePaths': {value: ['instance', 'uploads', 'uploads/thumbs', 'tmp'], evidence: []},
}

const renderer = new InProcessRenderer()
const plan = (variables: ReturnType<typeof resolveVariables>) => planScaffold({snapshot: app, pack, variables, app: 'demo', force: false, renderer})
const valuesOf = (p: Awaited<ReturnType<typeof plan>>) => yaml.load(p.files.find(f => f.path === 'charts/demo/values.yaml')!.content!) as Record<string, unknown>

describe('the chart of an app that needs settings, writable folders and a release phase', () => {
  const variables = resolveVariables(pack, facts, [])
  let planned: Awaited<ReturnType<typeof plan>>
  let values: Record<string, unknown>
  before(async () => {
    planned = await plan(variables)
    values = valuesOf(planned)
  })

  it('puts the settings in env (the listen environment winning) and the secrets in secretEnv', () => {
    assert.deepEqual(values.env, {GREETING: 'hello', DATABASE_URL: '', PORT: '8000', API_PORT: '8000'})
    assert.deepEqual(values.secretEnv, {SESSION_SECRET: ''})
  })

  it('warns about each secret and each setting without a value, naming where it was found', () => {
    assert.deepEqual(planned.warnings, [
      'SESSION_SECRET (.env.example:3) looks like a secret: the chart keeps it in a Secret with a random development value, generated once per release; give the real one (values secretEnv.SESSION_SECRET, or --set secrets.SESSION_SECRET=VALUE) outside development',
      'DATABASE_URL (main.go:9) must be set and has no sample value: the chart sets it empty; give it with --set settings.DATABASE_URL=VALUE',
    ])
  })

  it('adds the app folders under the app dir, seeded where the image has files, and drops folders inside another', () => {
    assert.deepEqual(values.writablePaths, [
      '/tmp',
      {path: '/app/tmp', seed: true, persist: true},
      {path: '/app/instance', seed: false, persist: true},
      {path: '/app/uploads', seed: true, persist: true},
    ])
    assert.deepEqual(values.persistence, {enabled: false, size: '1Gi', storageClass: '', accessModes: ['ReadWriteOnce'], existingClaim: ''})
  })

  it('runs the release command in exec form, and describes the pod for pack test', async () => {
    assert.deepEqual(values.release, {command: ['python', 'manage.py', 'migrate', '--noinput']})
    assert.deepEqual(planned.pod.release, ['python', 'manage.py', 'migrate', '--noinput'])
    assert.deepEqual(planned.pod.env, values.env)
    assert.deepEqual(planned.pod.secrets, {SESSION_SECRET: ''})
    assert.equal(planned.pod.readOnlyRoot, true)
    const shell = resolveVariables(pack, {...facts, 'procfile.release': {value: 'bin/migrate && bin/seed', evidence: []}}, [])
    assert.deepEqual((await plan(shell)).pod.release, ['sh', '-c', 'bin/migrate && bin/seed'])
  })

  it('an app with nothing of the sort keeps the plain chart', async () => {
    const plain = await plan(resolveVariables(pack, {}, []))
    const plainValues = valuesOf(plain)
    assert.deepEqual(plainValues.writablePaths, ['/tmp', '/app/tmp'])
    assert.deepEqual(plainValues.release, {command: []})
    assert.deepEqual(plainValues.secretEnv, {})
    assert.deepEqual(plain.warnings, [])
  })

  it('a pack that does not say where the app is leaves the folders read-only, with a warning', () => {
    const warnings: string[] = []
    const noDir = {...pack, chart: {...pack.chart, appDir: ''}}
    assert.deepEqual(writablePaths(app, noDir, variables, warnings).map(w => w.path), ['/tmp', '/app/tmp'])
    assert.match(warnings[0] ?? '', /does not say where the app is in the image \(\[chart\] app-dir\)/)
    assert.deepEqual(writablePaths(app, pack, resolveVariables(pack, {'lang.writablePaths': {value: ['.', 'data', '../etc'], evidence: []}}, [])).map(w => [w.path, w.seed]), [
      ['/tmp', false],
      ['/app/tmp', false],
      ['/app', true],
    ])
  })
})

describe('pack.toml [[system-packages]]', () => {
  it('needs the variables its packages go to', () => {
    const dir = mkdtempSync(join(tmpdir(), 'draft-pack-'))
    try {
      writeFileSync(join(dir, 'Dockerfile.ejs'), 'FROM x\n')
      writeFileSync(join(dir, 'pack.toml'), 'name = "n"\nversion = "1.0.0"\ndescription = "d"\n[detect]\nlanguages = ["Python"]\n[variables.port]\ntype = "port"\ndescription = "p"\n[variables.runtimePackages]\ntype = "string"\ndescription = "r"\n[files]\n"Dockerfile" = "Dockerfile.ejs"\n[[system-packages]]\nfact = "python.dependencies"\nany = ["psycopg2"]\nbuild = ["gcc"]\nruntime = ["libpq5"]\n')
      const loaded = loadPack(dir, 'app')
      assert.equal(loaded.ok, false)
      assert.deepEqual(loaded.ok ? [] : loaded.problems.map(p => [p.line, p.message]), [[17, 'system-packages[0].build needs a string variable "buildPackages" for the Dockerfile to install them']])
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})
