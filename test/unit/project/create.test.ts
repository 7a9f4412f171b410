import assert from 'node:assert/strict'
import {existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'

import {loadPacks} from '../../../src/pack-model/registry.js'
import {create} from '../../../src/project/create-any.js'
import {createProject} from '../../../src/project/create.js'
import {InProcessRenderer} from '../../../src/sandbox/in-process-renderer.js'
import {copyShop, createdShop} from '../../support/project.js'
import {failure} from '../../support/draft-error.js'

const packs = loadPacks({draftHome: '/nonexistent-draft-home'})
const listing = (dir: string): string[] => {
  const out: string[] = []
  const walk = (sub: string): void => {
    for (const e of readdirSync(join(dir, sub), {withFileTypes: true})) {
      const rel = sub ? `${sub}/${e.name}` : e.name
      if (e.isDirectory()) walk(rel)
      else out.push(rel)
    }
  }
  walk('')
  return out.sort()
}

describe('draft create at a project root', function () {
  this.timeout(30_000)

  it('plans every service of the compose file, each in its folder, the library skipped, and writes nothing on a dry run', async () => {
    const {dir, result} = await createdShop({dryRun: true})
    try {
      assert.deepEqual(
        result.services.map(s => [s.name, s.kind, s.path, s.pack ?? s.image, s.port ?? null, s.worker, s.chart, s.dependsOn.join(',')]),
        [
          ['web', 'build', 'web', 'static', 8080, false, 'web/charts/web', 'api'],
          ['api', 'build', 'api', 'node', 3000, false, 'api/charts/api', 'redis'],
          ['worker', 'build', 'worker', 'node', null, true, 'worker/charts/worker', 'redis'],
          ['redis', 'image', '.', 'redis:7', 6379, false, 'charts/redis', ''],
        ],
      )
      assert.deepEqual(result.skipped, [{name: 'shared', reason: 'library: package.json has no start script and nothing in it listens: a library, nothing to run'}])
      assert.deepEqual(result.baseImages.sort(), ['nginxinc/nginx-unprivileged:1.27', 'node:20-bookworm-slim'])
      assert.deepEqual(result.images, ['redis:7'])
      assert.equal(result.applied, undefined)
      assert.ok(!existsSync(join(dir, 'draft.toml')))
      // The API and the worker build from the root with their own Dockerfiles: kept, no pack Dockerfile beside them.
      const api = result.services.find(s => s.name === 'api')!
      assert.deepEqual(api.files.filter(f => !f.path.startsWith('api/charts/')).map(f => [f.path, f.action]), [['api/Dockerfile', 'keep']])
      const values = api.files.find(f => f.path === 'api/charts/api/values.yaml')!.content!
      assert.match(values, /fullnameOverride: "api"/)
      assert.match(values, /containerPort: 3000/)
      assert.match(values, /service:\n {2}type: ClusterIP\n {2}port: 3000/)
      assert.match(values, /REDIS_URL: "redis:\/\/redis:6379"/)
      assert.match(values, /GREETING_STYLE: "plain"/, 'the default of ${GREETING_STYLE:-plain}')
      const worker = result.services.find(s => s.name === 'worker')!.files.find(f => f.path.endsWith('values.yaml'))!.content!
      assert.match(worker, /containerPort: null/)
      assert.doesNotMatch(worker, /PORT:/, 'a worker is not told a port')
    } finally {
      rmSync(dirname(dir), {recursive: true, force: true})
    }
  })

  it('writes every file and a draft.toml with a table per service, then keeps them on a second run', async () => {
    const {dir, result} = await createdShop()
    try {
      assert.ok(result.applied && result.applied.written.length > 0)
      const files = listing(dir)
      for (const f of ['draft.toml', 'web/Dockerfile', 'web/.dockerignore', 'web/charts/web/Chart.yaml', 'api/charts/api/templates/deployment.yaml', 'worker/charts/worker/values.yaml', 'charts/redis/values.yaml', 'charts/redis/templates/pvc.yaml']) {
        assert.ok(files.includes(f), f)
      }
      assert.ok(!files.includes('api/draft.toml') && !files.includes('api/.dockerignore') && !files.includes('shared/Dockerfile'))
      assert.equal(readFileSync(join(dir, 'web', 'nginx.conf'), 'utf8'), readFileSync(join(dir, '..', '..', dirname(dir).split('/').pop()!, 'shop', 'web', 'nginx.conf'), 'utf8'))
      const toml = readFileSync(join(dir, 'draft.toml'), 'utf8')
      assert.match(toml, /\[services\.api\]\npath = "api"\ncontext = "\."\ndockerfile = "api\/Dockerfile"\nchart = "api\/charts\/api"\n/)
      assert.match(toml, /\[services\.redis\]\n# Deployed from this image as it is: nothing is built\.\nimage = "redis:7"\nchart = "charts\/redis"/)
      assert.match(toml, /depends-on = \["redis"\]/)
      const again = await createProject({path: dir}, packs, new InProcessRenderer())
      assert.deepEqual(again.applied!.written, [])
    } finally {
      rmSync(dirname(dir), {recursive: true, force: true})
    }
  })

  it('is all or nothing across services: one file in the way and no service gets anything', async () => {
    const dir = copyShop()
    try {
      mkdirSync(join(dir, 'charts'))
      writeFileSync(join(dir, 'charts', 'redis'), 'a file where the chart goes\n')
      const before = listing(dir)
      await assert.rejects(createProject({path: dir}, packs, new InProcessRenderer()))
      assert.deepEqual(listing(dir), before)
    } finally {
      rmSync(dirname(dir), {recursive: true, force: true})
    }
  })

  it('--only and --no-dependencies limit it', async () => {
    const dir = copyShop()
    try {
      const only = await createProject({path: dir, only: ['web'], dryRun: true}, packs, new InProcessRenderer())
      assert.deepEqual(only.services.map(s => s.name), ['web'])
      const noDeps = await createProject({path: dir, noDependencies: true, dryRun: true}, packs, new InProcessRenderer())
      assert.deepEqual(noDeps.services.map(s => s.name), ['web', 'api', 'worker'])
      assert.ok(noDeps.skipped.some(s => s.name === 'redis'))
    } finally {
      rmSync(dirname(dir), {recursive: true, force: true})
    }
  })

  for (const [name, edit, code, line] of [
    ['a compose file that does not parse', (c: string) => c.replace('    build: ./web', '    build: ./web\n   bad: indent'), 'COMPOSE_INVALID', 7],
    ['a build pointing at a folder that is not there', (c: string) => c.replace('build: ./web', 'build: ./frontend'), 'COMPOSE_BUILD_MISSING', 6],
    ['two services with the same release name', (c: string) => c.replace('\n  redis:\n    image', '\n  Web:\n    image: nginx\n  redis:\n    image'), 'DUPLICATE_RELEASE', 34],
    ['a depends_on cycle', (c: string) => c.replace('    depends_on:\n      - redis\n', '    depends_on:\n      - redis\n      - web\n'), 'DEPENDENCY_CYCLE', 23],
  ] as const) {
    it(`refuses ${name} with the file and line, and writes nothing`, async () => {
      const dir = copyShop()
      try {
        const file = join(dir, 'compose.yaml')
        writeFileSync(file, edit(readFileSync(file, 'utf8')))
        const before = listing(dir)
        const error = await failure(create({path: dir}, packs, new InProcessRenderer()))
        assert.equal(error.code, code, error.message)
        assert.deepEqual(error.location, {file: 'compose.yaml', line}, error.message)
        assert.deepEqual(listing(dir), before)
      } finally {
        rmSync(dirname(dir), {recursive: true, force: true})
      }
    })
  }

  it('takes a monorepo without compose as a project of its apps', async () => {
    const {packageRoot} = await import('../../../src/util/package-root.js')
    const outcome = await create({path: join(packageRoot(), 'test', 'fixtures', 'monorepo'), dryRun: true}, packs, new InProcessRenderer())
    assert.equal(outcome.kind, 'project')
    if (outcome.kind !== 'project') return
    assert.deepEqual(outcome.result.services.map(s => [s.name, s.pack, s.path]), [['api', 'node', 'apps/api'], ['web', 'static', 'apps/web']])
  })
})
