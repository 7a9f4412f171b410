import assert from 'node:assert/strict'

import {DraftError} from '../../../src/core/errors.js'
import {commandWords, interpolate, parseCompose, parseDotenv} from '../../../src/project/compose.js'

const failure = (fn: () => unknown): DraftError => {
  try {
    fn()
  } catch (error) {
    assert.ok(error instanceof DraftError, String(error))
    return error
  }
  assert.fail('expected a DraftError')
}

describe('compose files', () => {
  it('maps services, builds, ports, environment, depends_on, volumes, command and user', () => {
    const project = parseCompose(
      `services:
  api:
    build:
      context: .
      dockerfile: api/Dockerfile
      target: runtime
      args: [NODE_ENV=production]
    ports: ["127.0.0.1:8080:3000/tcp", "9000/udp"]
    environment:
      - REDIS_URL=redis://redis:6379
      - FROM_SHELL
    depends_on:
      redis: {condition: service_healthy}
  redis:
    image: redis:7
    command: redis-server --save "60 1"
    user: "999:999"
    volumes:
      - data:/data
      - ./seed:/seed
      - type: tmpfs
        target: /tmp
  web:
    build: ./web
    expose: [8080]
    depends_on: [api]
    profiles: [debug]
`,
      'compose.yaml',
    )
    const [api, redis] = project.services
    assert.deepEqual(project.services.map(s => s.name), ['api', 'redis'])
    assert.deepEqual(api!.build, {context: '.', dockerfile: 'api/Dockerfile', target: 'runtime', args: {NODE_ENV: 'production'}, line: 3})
    assert.deepEqual(api!.ports, [3000])
    assert.deepEqual(api!.environment, {REDIS_URL: 'redis://redis:6379'})
    assert.deepEqual(api!.dependsOn, [{name: 'redis', line: 13}])
    assert.equal(api!.line, 2)
    assert.deepEqual(redis!.command, ['redis-server', '--save', '60 1'])
    assert.equal(redis!.user, 999)
    assert.deepEqual(redis!.volumes.map(v => [v.kind, v.source, v.target]), [['volume', 'data', '/data'], ['bind', './seed', '/seed'], ['tmpfs', undefined, '/tmp']])
    assert.deepEqual(project.skipped, [{name: 'web', reason: 'only with profile debug', line: 23}])
    // What cannot be carried over is said, with the line.
    assert.ok(project.warnings.some(w => /compose\.yaml:8: service api: port 9000\/udp is left out/.test(w)), project.warnings.join('\n'))
    assert.ok(project.warnings.some(w => /compose\.yaml:11: service api: FROM_SHELL takes its value from the shell/.test(w)), project.warnings.join('\n'))
  })

  it('interpolates from .env and defaults, never from draft\'s own environment, and reports what was blank', () => {
    process.env.DRAFT_TEST_SECRET = 'from-the-shell'
    const project = parseCompose('services:\n  a:\n    image: "app:${TAG:-1.2}"\n    environment:\n      A: $${literal}\n      B: ${FROM_DOTENV}\n      C: ${DRAFT_TEST_SECRET}\n', 'compose.yaml', {FROM_DOTENV: 'dotenv'})
    delete process.env.DRAFT_TEST_SECRET
    assert.equal(project.services[0]!.image, 'app:1.2')
    assert.deepEqual(project.services[0]!.environment, {A: '${literal}', B: 'dotenv', C: ''})
    assert.ok(project.warnings.some(w => w.includes('blank: DRAFT_TEST_SECRET')))
    const missing = new Set<string>()
    assert.deepEqual(interpolate('${A:?set A}', {}, missing), {error: 'A is required: set A'})
    assert.deepEqual(interpolate('${A:+yes}${B+no}', {A: 'x', B: ''}, missing), {value: 'yesno'})
    assert.deepEqual(interpolate('${A:-d}/${A-e}', {A: ''}, missing), {value: 'd/'})
  })

  it('names the line of YAML that does not parse', () => {
    const error = failure(() => parseCompose('services:\n  api:\n    build: .\n   image: x\n', 'compose.yaml'))
    assert.equal(error.code, 'COMPOSE_INVALID')
    assert.deepEqual(error.location, {file: 'compose.yaml', line: 4})
    assert.match(error.message, /not valid YAML/)
  })

  it('refuses a service with neither build nor image, a remote or outside context, and an unknown dependency, each at its line', () => {
    let error = failure(() => parseCompose('services:\n  api:\n    ports: ["80"]\n', 'compose.yaml'))
    assert.match(error.message, /neither build nor image/)
    assert.equal(error.location?.line, 2)
    error = failure(() => parseCompose('services:\n  api:\n    build: ../elsewhere\n', 'compose.yaml'))
    assert.match(error.message, /outside the project/)
    assert.equal(error.location?.line, 3)
    error = failure(() => parseCompose('services:\n  api:\n    build: https://github.com/x/y.git\n', 'compose.yaml'))
    assert.match(error.message, /remote build context/)
    error = failure(() => parseCompose('services:\n  api:\n    build: .\n    depends_on:\n      - cache\n', 'compose.yaml'))
    assert.equal(error.code, 'UNKNOWN_DEPENDENCY')
    assert.equal(error.location?.line, 5)
    error = failure(() => parseCompose('version: "3"\n', 'compose.yaml'))
    assert.match(error.message, /no `services:`/)
  })

  it('splits a command string as a shell would, without expanding anything', () => {
    assert.deepEqual(commandWords(`sh -c 'echo $HOME' "a \\"b\\"" c\\ d`), ['sh', '-c', 'echo $HOME', 'a "b"', 'c d'])
    assert.deepEqual(commandWords(['x', 1]), ['x', '1'])
    assert.equal(commandWords({}), undefined)
  })

  it('reads .env files as compose does', () => {
    assert.deepEqual(parseDotenv('# c\nA=1\nexport B="two words"\nC=\'$raw\'\nD=x # note\nbad line\n'), {A: '1', B: 'two words', C: '$raw', D: 'x'})
  })
})
