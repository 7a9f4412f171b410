import assert from 'node:assert/strict'
import {Readable} from 'node:stream'

import {decodeStatus, stepPosition} from '../../../src/docker/buildkit-status.js'
import type {BuildProgress, BuildRequest} from '../../../src/docker/docker-engine.js'
import {BuildFailure, followBuildKit, followClassic} from '../../../src/docker/dockerode-engine.js'

/** Minimal protobuf writer for the fields BuildKit's StatusResponse uses. */
const varint = (n: number): number[] => {
  const out: number[] = []
  while (n > 127) {
    out.push((n & 0x7f) | 0x80)
    n = Math.floor(n / 128)
  }
  out.push(n)
  return out
}
const bytesField = (field: number, value: Uint8Array | string): number[] => {
  const data = typeof value === 'string' ? [...Buffer.from(value)] : [...value]
  return [...varint(field * 8 + 2), ...varint(data.length), ...data]
}
const boolField = (field: number, value: boolean): number[] => [...varint(field * 8), value ? 1 : 0]
const vertex = (v: {digest: string; name: string; started?: boolean; completed?: boolean; cached?: boolean; error?: string}): number[] => [
  ...bytesField(1, v.digest),
  ...bytesField(3, v.name),
  ...(v.cached ? boolField(4, true) : []),
  ...(v.started ? bytesField(5, new Uint8Array([8, 1])) : []),
  ...(v.completed ? bytesField(6, new Uint8Array([8, 2])) : []),
  ...(v.error ? bytesField(7, v.error) : []),
]
const trace = (vertexes: Parameters<typeof vertex>[0][], logs: {vertex: string; msg: string}[] = []): string =>
  JSON.stringify({
    id: 'moby.buildkit.trace',
    aux: Buffer.from([...vertexes.flatMap(v => bytesField(1, new Uint8Array(vertex(v)))), ...logs.flatMap(l => bytesField(3, new Uint8Array([...bytesField(1, l.vertex), ...bytesField(4, l.msg)])))]).toString('base64'),
  })

const request = (progress: BuildProgress[], log: string[]): BuildRequest => ({
  context: Readable.from([]), dockerfile: 'Dockerfile', tags: ['x'], buildArgs: {},
  onProgress: p => progress.push(p), onLog: l => log.push(l),
})

describe('build streams', () => {
  it('decodes BuildKit status: steps, cached steps, the image id', async () => {
    const lines = [
      trace([{digest: 'a', name: '[internal] load build context', started: true}]),
      trace([{digest: 'a', name: '[internal] load build context', started: true, completed: true}, {digest: 'b', name: '[deps 1/3] FROM node:20', started: true, completed: true, cached: true}]),
      trace([{digest: 'c', name: '[deps 2/3] RUN npm ci', started: true}], [{vertex: 'c', msg: 'added 60 packages\n'}]),
      trace([{digest: 'c', name: '[deps 2/3] RUN npm ci', started: true, completed: true}]),
      JSON.stringify({id: 'moby.image.id', aux: {ID: 'sha256:abc'}}),
    ]
    const progress: BuildProgress[] = []
    const log: string[] = []
    const result = await followBuildKit(Readable.from(lines.map(l => `${l}\n`)), request(progress, log))
    assert.deepEqual(result, {imageId: 'sha256:abc', steps: 2, cachedSteps: 1})
    // A step that starts and finishes in one message (a cache hit) is not shown as running.
    assert.deepEqual(progress.map(p => p.step), ['[internal] load build context', '[deps 2/3] RUN npm ci'])
    assert.deepEqual(progress[1], {step: '[deps 2/3] RUN npm ci', index: 2, total: 3})
    assert.ok(log.includes('[deps 2/3] RUN npm ci: added 60 packages'))
  })

  it('names the failing BuildKit step with its last output lines', async () => {
    const lines = [
      trace([{digest: 'c', name: '[build 3/4] RUN npm run build', started: true}], [{vertex: 'c', msg: 'error TS2322: Type string is not number\nnpm ERR! code 2\n'}]),
      trace([{digest: 'c', name: '[build 3/4] RUN npm run build', started: true, completed: true, error: 'process "/bin/sh -c npm run build" did not complete successfully: exit code: 2'}]),
      JSON.stringify({errorDetail: {message: 'process "/bin/sh -c npm run build" did not complete successfully: exit code: 2'}, error: 'x'}),
    ]
    await assert.rejects(followBuildKit(Readable.from(lines.map(l => `${l}\n`)), request([], [])), (error: unknown) => {
      assert.ok(error instanceof BuildFailure)
      assert.equal(error.step, '[build 3/4] RUN npm run build')
      assert.match(error.reason, /exit code: 2/)
      assert.deepEqual(error.tail, ['error TS2322: Type string is not number', 'npm ERR! code 2'])
      return true
    })
  })

  it('follows the classic builder: steps, cache hits, the failing step', async () => {
    const ok = ['Step 1/3 : FROM node:20', ' ---> 1234', 'Step 2/3 : COPY . .', ' ---> Using cache', 'Step 3/3 : CMD ["node"]', 'Successfully built 5678']
    const progress: BuildProgress[] = []
    const result = await followClassic(Readable.from([...ok.map(l => JSON.stringify({stream: `${l}\n`})), JSON.stringify({aux: {ID: 'sha256:5678'}})].map(l => `${l}\n`)), request(progress, []))
    assert.deepEqual(result, {imageId: 'sha256:5678', steps: 3, cachedSteps: 1})
    assert.deepEqual(progress.map(p => p.index), [1, 2, 3])
    const bad = ['Step 2/3 : RUN make', 'make: *** No rule to make target']
    await assert.rejects(
      followClassic(Readable.from([...bad.map(l => JSON.stringify({stream: `${l}\n`})), JSON.stringify({errorDetail: {message: "The command '/bin/sh -c make' returned a non-zero code: 2"}})].map(l => `${l}\n`)), request([], [])),
      (error: unknown) => error instanceof BuildFailure && error.step === 'RUN make' && error.tail.includes('make: *** No rule to make target'),
    )
  })

  it('reads step positions and skips unknown protobuf fields', () => {
    assert.deepEqual(stepPosition('[stage-1 4/4] COPY . .'), {index: 4, total: 4})
    assert.deepEqual(stepPosition('[2/5] RUN x'), {index: 2, total: 5})
    assert.deepEqual(stepPosition('exporting to image'), {})
    const withUnknown = new Uint8Array([...varint(9 * 8), 7, ...bytesField(1, new Uint8Array(vertex({digest: 'd', name: 'n'})))])
    assert.equal(decodeStatus(withUnknown).vertexes[0]?.name, 'n')
  })
})
