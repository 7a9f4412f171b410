import assert from 'node:assert/strict'
import {mkdtempSync, rmSync} from 'node:fs'
import {type Server, type ServerResponse, createServer} from 'node:http'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Readable} from 'node:stream'

import {DockerodeEngine} from '../../../src/docker/dockerode-engine.js'
import {failure} from '../../support/draft-error.js'

/**
 * The real adapter against a stand-in engine on a unix socket: it answers /version like Docker, and a
 * test makes it go away. What the issue saw: after a first good cycle, the engine's version is known,
 * so the build was the first call to fail, and a lost socket read as a Dockerfile problem.
 */
describe('DockerodeEngine when Docker goes away', function () {
  this.timeout(10_000)
  let dir: string
  let socket: string
  let server: Server | undefined
  let versions = 0
  let onBuild: (res: ServerResponse) => void = res => res.end()

  const start = async (): Promise<void> => {
    server = createServer((req, res) => {
      const path = (req.url ?? '').replace(/^\/v[\d.]+/, '').split('?')[0]
      req.resume()
      if (path === '/version') {
        versions++
        res.setHeader('Content-Type', 'application/json')
        res.end(JSON.stringify({Version: '28.0.0', ApiVersion: '1.47', Os: 'linux'}))
      } else if (path === '/build') {
        onBuild(res)
      } else {
        res.statusCode = 404
        res.end('{"message":"not here"}')
      }
    })
    await new Promise<void>(resolve => server!.listen(socket, resolve))
  }
  const stop = async (): Promise<void> => {
    server?.closeAllConnections()
    await new Promise<void>(resolve => (server ? server.close(() => resolve()) : resolve()))
    server = undefined
  }
  const build = (engine: DockerodeEngine) => engine.build({context: Readable.from([Buffer.from('tar')]), dockerfile: 'Dockerfile', tags: ['127.0.0.1:45000/app:draft-1'], buildArgs: {}})

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'draft-engine-'))
    socket = join(dir, 'docker.sock')
    versions = 0
    await start()
  })
  afterEach(async () => {
    await stop()
    rmSync(dir, {recursive: true, force: true})
  })

  it('says DOCKER_UNAVAILABLE from a build, a push and an image lookup, word for word as a first call does', async () => {
    const env = {DOCKER_HOST: `unix://${socket}`}
    const engine = new DockerodeEngine(env)
    assert.equal((await engine.info()).serverVersion, '28.0.0')
    await stop()

    const firstCall = await failure(new DockerodeEngine(env).info())
    assert.equal(firstCall.code, 'DOCKER_UNAVAILABLE')
    assert.equal(firstCall.message, `Docker is not running or not reachable at unix://${socket}: no socket there`)
    for (const [what, call] of [
      ['build', () => build(engine)],
      ['push', () => engine.push({ref: '127.0.0.1:45000/app:draft-1'})],
      ['image lookup', () => engine.imageExists('127.0.0.1:45000/app:draft-1')],
    ] as const) {
      const error = await failure(call())
      assert.deepEqual([error.code, error.message, error.fix], [firstCall.code, firstCall.message, firstCall.fix], what)
    }

    // Back again: the engine is asked its version afresh (it may be another one now).
    await start()
    const before = versions
    await engine.info()
    assert.equal(versions, before + 1)
  })

  it('says DOCKER_UNAVAILABLE when the engine drops the connection in the middle of a build', async () => {
    onBuild = res => {
      res.writeHead(200, {'Content-Type': 'application/json'})
      res.write('{"stream":"Step 1/2 : FROM scratch\\n"}\n')
      setTimeout(() => res.socket?.destroy(), 20)
    }
    // The classic builder: BuildKit's session (gRPC over a hijacked connection) is more than this stand-in speaks.
    const error = await failure(build(new DockerodeEngine({DOCKER_HOST: `unix://${socket}`, DOCKER_BUILDKIT: '0'})))
    assert.equal(error.code, 'DOCKER_UNAVAILABLE')
    assert.match(error.message, /the connection was reset/)
  })
})
