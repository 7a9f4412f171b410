import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {parseCompose} from '../../../src/project/compose.js'
import {dependencyChart, knownImages, splitImage} from '../../../src/project/dependency.js'
import {planServices} from '../../../src/project/services.js'
import {packageRoot} from '../../../src/util/package-root.js'
import {parseToml} from '../../../src/util/toml.js'

const known = knownImages(parseToml(readFileSync(join(packageRoot(), 'templates', 'dependency-images.toml'), 'utf8')).data)
const service = (compose: string) => planServices({compose: parseCompose(compose, 'compose.yaml'), apps: [], exists: {folder: () => true, file: () => true}}).services[0]!

describe('the chart of an image-only service', () => {
  it('takes the port, data folder and user of an image draft knows, when compose says nothing', () => {
    const chart = dependencyChart(service('services:\n  cache:\n    image: redis:7\n'), known, 'compose.yaml')
    assert.deepEqual(chart.context, {name: 'cache', image: 'redis:7', repository: 'redis', tag: '7', source: 'compose.yaml:2', port: 6379, env: {}, command: [], args: [], dataPaths: ['/data'], user: 999})
  })

  it('lets compose win: its ports, volumes, environment, user and command', () => {
    const chart = dependencyChart(service('services:\n  db:\n    image: docker.io/library/postgres:15\n    ports: ["5433:5432"]\n    user: "70"\n    environment: {POSTGRES_PASSWORD: pw}\n    volumes: [pg:/var/lib/postgresql/data]\n    entrypoint: ["docker-entrypoint.sh"]\n    command: postgres -c max_connections=20\n'), known, 'compose.yaml')
    assert.equal(chart.port, 5432)
    assert.deepEqual(chart.context.env, {PGDATA: '/var/lib/postgresql/data/pgdata', POSTGRES_PASSWORD: 'pw'})
    assert.deepEqual(chart.context.dataPaths, ['/var/lib/postgresql/data'])
    assert.equal(chart.context.user, 70)
    assert.deepEqual(chart.context.command, ['docker-entrypoint.sh'])
    assert.deepEqual(chart.context.args, ['postgres', '-c', 'max_connections=20'])
  })

  it('drops a known data variable that would point outside the folders compose mounts', () => {
    const chart = dependencyChart(service('services:\n  db:\n    image: postgres:15\n    volumes: [pg:/pgdata]\n'), known, 'compose.yaml')
    assert.deepEqual(chart.context.env, {})
    assert.deepEqual(chart.context.dataPaths, ['/pgdata'])
  })

  it('says so when an unknown image publishes no port, and when a host folder cannot follow into the cluster', () => {
    const chart = dependencyChart(service('services:\n  thing:\n    image: example.com/thing\n    volumes: [./data:/data]\n'), known, 'compose.yaml')
    assert.equal(chart.port, undefined)
    assert.equal(chart.context.user, null)
    assert.ok(chart.warnings.some(w => /publishes no port and draft does not know the image/.test(w)))
    assert.ok(chart.warnings.some(w => /compose\.yaml:4: thing: the host folder \.\/data cannot be mounted/.test(w)))
  })

  it('splits image references the way Docker names them', () => {
    assert.deepEqual(splitImage('redis'), {repository: 'redis', tag: 'latest', key: 'redis'})
    assert.deepEqual(splitImage('127.0.0.1:5000/library/redis:7'), {repository: '127.0.0.1:5000/library/redis', tag: '7', key: '127.0.0.1:5000/library/redis'})
    assert.deepEqual(splitImage('docker.io/valkey/valkey:8'), {repository: 'docker.io/valkey/valkey', tag: '8', key: 'valkey/valkey'})
  })
})
