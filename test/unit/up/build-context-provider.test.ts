import assert from 'node:assert/strict'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {DEFAULT_BUILDER_SETTINGS} from '../../../src/cluster-builder/settings.js'
import type {DeployConfig} from '../../../src/config/draft-toml.js'
import {BuildContextProvider, ignoreFileOf} from '../../../src/up/build-context-provider.js'

describe('the build context of a deploy', () => {
  let dir: string
  let config: DeployConfig
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'draft-ctx-'))
    for (const folder of ['api', 'worker', 'shared']) mkdirSync(join(dir, folder))
    writeFileSync(join(dir, 'api', 'Dockerfile'), 'FROM scratch\nCOPY . .\n')
    writeFileSync(join(dir, 'api', 'server.js'), 'api\n')
    writeFileSync(join(dir, 'worker', 'worker.js'), 'worker\n')
    writeFileSync(join(dir, 'shared', 'lib.js'), 'lib\n')
    config = {
      appDir: join(dir, 'api'), file: join(dir, 'draft.toml'), env: 'development', release: 'api', namespace: 'default', registry: '', image: 'api',
      dockerfile: join(dir, 'api', 'Dockerfile'), context: dir, chart: join(dir, 'api', 'charts', 'api'), target: '', buildArgs: {}, buildNetwork: '',
      values: [], set: {}, kubeContext: '', timeoutMs: 60_000, watch: {quietMs: 300, maxWaitMs: 5000}, connect: false, ui: false, builder: 'local', clusterBuilder: {...DEFAULT_BUILDER_SETTINGS}, stateDir: join(dir, '.draft', 'services', 'api'),
    }
  })
  afterEach(() => rmSync(dir, {recursive: true, force: true}))

  it('never counts draft\'s own state folder, so writing its cache does not change the tag', async () => {
    const provider = new BuildContextProvider()
    const first = await provider.prepare(config)
    mkdirSync(join(dir, '.draft', 'services', 'api', 'cache'), {recursive: true})
    writeFileSync(join(dir, '.draft', 'services', 'api', 'cache', 'content-tag.json'), '{"changed": true}')
    mkdirSync(join(dir, '.draft', 'services', 'api', 'logs'), {recursive: true})
    writeFileSync(join(dir, '.draft', 'services', 'api', 'logs', 'build.log'), 'log\n')
    assert.equal((await provider.prepare(config)).tag, first.tag)
  })

  it('uses <Dockerfile>.dockerignore when there is one: a service sends only what it needs of a shared context', async () => {
    const provider = new BuildContextProvider()
    assert.equal(ignoreFileOf(config), join(dir, '.dockerignore'))
    const wide = await provider.prepare(config)
    writeFileSync(join(dir, 'worker', 'worker.js'), 'worker v1.1\n')
    assert.notEqual((await provider.prepare(config)).tag, wide.tag, 'with the root .dockerignore the whole project is the context')
    writeFileSync(join(dir, 'api', 'Dockerfile.dockerignore'), '*\n!api\n!shared\n')
    assert.equal(ignoreFileOf(config), join(dir, 'api', 'Dockerfile.dockerignore'))
    const narrow = await provider.prepare(config)
    writeFileSync(join(dir, 'worker', 'worker.js'), 'worker v2\n')
    assert.equal((await provider.prepare(config)).tag, narrow.tag, 'the worker is not in the API\'s context')
    writeFileSync(join(dir, 'shared', 'lib.js'), 'lib v2\n')
    assert.notEqual((await provider.prepare(config)).tag, narrow.tag, 'the shared folder is')
  })
})
