import assert from 'node:assert/strict'
import {rmSync} from 'node:fs'
import {dirname} from 'node:path'

import {loadProject} from '../../../src/config/project-toml.js'
import {type ServiceLayout, mergeRoutes, routeToServices, unwatchedByAll} from '../../../src/loop/service-route.js'
import type {Route} from '../../../src/loop/route.js'
import {layoutOf} from '../../../src/loop/watch-loop.js'
import {createdShop} from '../../support/project.js'

describe('routing a change to the services it concerns', function () {
  this.timeout(30_000)
  let dir: string
  let layouts: ServiceLayout[]
  before(async () => {
    dir = (await createdShop()).dir
    const project = loadProject(dir, {}, {})
    layouts = project.services.map(s => ({...layoutOf(dir, s.config), service: s.name}))
  })
  after(() => rmSync(dirname(dir), {recursive: true, force: true}))
  const route = (path: string): Record<string, Route> => Object.fromEntries(routeToServices(path, layouts))

  it('sends a change in the shared folder to its two users, and only them', () => {
    assert.deepEqual(route('shared/greeting.js'), {api: 'build', worker: 'build'})
  })

  it('sends a change in one app to that app only, whatever contexts overlap', () => {
    assert.deepEqual(route('web/index.html'), {web: 'build'})
    assert.deepEqual(route('api/server.js'), {api: 'build'})
    assert.deepEqual(route('worker/worker.js'), {worker: 'build'})
  })

  it('rebuilds for a service\'s Dockerfile and its own ignore file, redeploys for its chart, and redeploys all for draft.toml', () => {
    assert.deepEqual(route('api/Dockerfile'), {api: 'build'})
    assert.deepEqual(route('api/Dockerfile.dockerignore'), {api: 'build'})
    assert.deepEqual(route('api/charts/api/values.yaml'), {api: 'deploy'})
    assert.deepEqual(route('charts/redis/values.yaml'), {redis: 'deploy'})
    assert.deepEqual(route('draft.toml'), {web: 'deploy', api: 'deploy', worker: 'deploy', redis: 'deploy'})
  })

  it('sends nothing for what no context holds: the compose file, the library\'s manifest outside every context, editor files', () => {
    assert.deepEqual(route('compose.yaml'), {})
    assert.deepEqual(route('README.md'), {})
    assert.deepEqual(route('shared/.greeting.js.swp'), {})
    assert.deepEqual(route('.draft/services/api/cache/content-tag.json'), {})
    assert.deepEqual(route('web/charts/web/Chart.yaml'), {web: 'deploy'})
  })

  it('does not watch what no service needs, and keeps every folder on the way to one', () => {
    assert.ok(unwatchedByAll('node_modules', true, layouts))
    assert.ok(unwatchedByAll('.git', true, layouts))
    assert.ok(!unwatchedByAll('shared', true, layouts))
    assert.ok(!unwatchedByAll('charts/redis', true, layouts))
  })

  it('merges pending work: a build wins over a deploy', () => {
    const pending = new Map<string, Route>([['api', 'deploy']])
    mergeRoutes(pending, new Map<string, Route>([['api', 'build'], ['web', 'deploy']]))
    mergeRoutes(pending, new Map<string, Route>([['api', 'deploy']]))
    assert.deepEqual(Object.fromEntries(pending), {api: 'build', web: 'deploy'})
  })
})
