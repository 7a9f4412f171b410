import {BuildFailure} from '../core/build-failure.js'
import {DraftError} from '../core/errors.js'
import type {BuildRequest, BuildResult, ContainerSpec, DockerEngine, EngineInfo, PushRequest} from './docker-engine.js'
import {dockerUnavailable} from './docker-errors.js'

const HOST = 'unix:///fake.sock'

/**
 * An engine in memory: builds "succeed" by draining the context stream, pushes record the ref.
 * Set `unavailable`, `failBuild` or `failPush` to script failures; `buildGate` holds a build until
 * the test releases it (to test cancellation). `unavailable` fails every call the way the real
 * engine does when its socket is gone: Node's connect error, classified by `dockerUnavailable`.
 */
export class FakeDocker implements DockerEngine {
  readonly images = new Set<string>()
  readonly builds: {tags: string[]; bytes: number; networkMode?: string}[] = []
  readonly pushes: string[] = []
  unavailable = false
  failBuild?: {step: string; reason: string; tail: string[]}
  failPush?: string
  buildGate?: Promise<void>
  buildkit = true

  async info(): Promise<EngineInfo> {
    this.reachable()
    return {host: HOST, serverVersion: '28.0.0-fake', apiVersion: '1.47', buildkit: this.buildkit}
  }

  private reachable(): void {
    if (!this.unavailable) return
    const error = Object.assign(new Error('connect ENOENT /fake.sock'), {code: 'ENOENT', syscall: 'connect', address: '/fake.sock'})
    throw dockerUnavailable(error, HOST)!
  }

  async build(request: BuildRequest): Promise<BuildResult> {
    await this.info()
    let bytes = 0
    for await (const chunk of request.context) bytes += (chunk as Buffer).length
    request.onProgress?.({step: '[1/2] COPY . .', index: 1, total: 2})
    if (this.buildGate && !request.signal?.aborted) {
      await Promise.race([
        this.buildGate,
        new Promise((_, reject) => request.signal?.addEventListener('abort', () => reject(new DraftError('ABORTED', {stage: 'the image transfer'})), {once: true})),
      ])
    }
    if (request.signal?.aborted) throw new DraftError('ABORTED', {stage: 'the image transfer'})
    if (this.failBuild) throw new BuildFailure(this.failBuild.step, this.failBuild.reason, this.failBuild.tail)
    request.onLog?.('DONE [2/2] RUN true')
    for (const tag of request.tags) this.images.add(tag)
    this.builds.push({tags: request.tags, bytes, ...(request.networkMode ? {networkMode: request.networkMode} : {})})
    return {imageId: `sha256:${'0'.repeat(64)}`, builder: this.buildkit ? 'buildkit' : 'classic', steps: 2, cachedSteps: 0}
  }

  async push(request: PushRequest): Promise<{digest: string}> {
    this.reachable()
    if (this.failPush) throw new DraftError('PUSH_FAILED', {image: request.ref, reason: this.failPush})
    if (!this.images.has(request.ref)) throw new DraftError('PUSH_FAILED', {image: request.ref, reason: 'no such image'})
    request.onProgress?.({layers: 1, layersDone: 1, bytesDone: 10, bytesTotal: 10})
    this.pushes.push(request.ref)
    return {digest: `sha256:${'1'.repeat(64)}`}
  }

  async tag(source: string, target: string): Promise<void> {
    this.reachable()
    if (this.images.has(source)) this.images.add(target)
  }

  async imageExists(ref: string): Promise<boolean> {
    this.reachable()
    return this.images.has(ref)
  }

  async imageSize(): Promise<number | undefined> {
    return 1234
  }

  async startContainer(spec: ContainerSpec): Promise<string> {
    return `container-${spec.name}`
  }

  async containerLogs(): Promise<string> {
    return ''
  }

  async containerRunning(): Promise<boolean> {
    return true
  }

  async waitContainer(_id: string): Promise<number> {
    return 0
  }

  async removeContainer(_id: string): Promise<void> {}

  async removeVolume(_name: string): Promise<void> {}
}
