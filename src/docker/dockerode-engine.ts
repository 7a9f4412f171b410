import {existsSync} from 'node:fs'
import {createRequire} from 'node:module'
import type {Readable} from 'node:stream'

import type Dockerode from 'dockerode'

import {BuildFailure} from '../core/build-failure.js'
import {DraftError} from '../core/errors.js'
import {SolveTracker, decodeStatus} from './buildkit-status.js'
import {dockerUnavailable, pushFailure} from './docker-errors.js'
import type {
  BuildRequest,
  BuildResult,
  ContainerSpec,
  DockerEngine,
  EngineInfo,
  PushProgress,
  PushRequest,
} from './docker-engine.js'

const require = createRequire(import.meta.url)

interface StreamMessage {
  stream?: string
  status?: string
  id?: string
  error?: string
  errorDetail?: {message?: string}
  aux?: unknown
  progressDetail?: {current?: number; total?: number}
}

/** The real engine, through dockerode. DOCKER_HOST (and DOCKER_TLS_VERIFY/DOCKER_CERT_PATH) choose it. */
export class DockerodeEngine implements DockerEngine {
  private client?: Dockerode
  private readonly host: string
  private infoCache?: Promise<EngineInfo>

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {
    this.host = env.DOCKER_HOST || 'unix:///var/run/docker.sock'
  }

  /** dockerode (with its gRPC and ssh clients) loads on first use: a no-op deploy never needs it. */
  private get docker(): Dockerode {
    if (!this.client) {
      const Docker = require('dockerode') as typeof Dockerode
      // A unix socket from the environment given; anything else (tcp, ssh, TLS) docker-modem reads itself.
      this.client = this.host.startsWith('unix://') ? new Docker({socketPath: this.host.slice('unix://'.length)}) : new Docker()
    }
    return this.client
  }

  info(): Promise<EngineInfo> {
    this.infoCache ??= this.docker.version().then(
      version => ({
        host: this.host,
        serverVersion: version.Version,
        apiVersion: version.ApiVersion,
        // The builder-version-2 API exists from API 1.39 on Linux engines; DOCKER_BUILDKIT=0 opts out.
        buildkit: version.Os === 'linux' && apiAtLeast(version.ApiVersion, '1.39') && this.env.DOCKER_BUILDKIT !== '0',
      }),
      (error: Error) => {
        this.infoCache = undefined
        throw dockerUnavailable(error, this.host, this.socketMissing()) ?? new DraftError('DOCKER_UNAVAILABLE', {host: this.host, reason: error.message}, {cause: error})
      },
    )
    return this.infoCache
  }

  /**
   * DOCKER_UNAVAILABLE when `error` is a lost connection, else undefined. Every call asks, not only
   * `info()`: in a watch loop the version was asked cycles ago, and a build is the first call to find
   * Docker gone. The engine is then asked its version afresh, so the error is the one a first
   * `draft up` gives (a build notices a missing socket as a broken pipe, `info()` as no socket), and a
   * restarted engine, maybe another version, is not mistaken for the old one.
   */
  private async unavailable(error: unknown): Promise<DraftError | undefined> {
    const lost = dockerUnavailable(error, this.host, this.socketMissing())
    if (!lost) return undefined
    this.infoCache = undefined
    return this.info().then(
      () => lost,
      (probe: unknown) => (probe instanceof DraftError ? probe : lost),
    )
  }

  private socketMissing(): boolean {
    return this.host.startsWith('unix://') && !existsSync(this.host.slice('unix://'.length))
  }

  /** Runs one engine call, turning a lost connection into DOCKER_UNAVAILABLE. */
  private async call<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work()
    } catch (error) {
      throw (await this.unavailable(error)) ?? error
    }
  }

  async build(request: BuildRequest): Promise<BuildResult> {
    const info = await this.info()
    const builder = info.buildkit ? 'buildkit' : 'classic'
    const options: Record<string, unknown> = {
      t: request.tags[0],
      dockerfile: request.dockerfile,
      buildargs: request.buildArgs,
      version: builder === 'buildkit' ? '2' : '1',
      abortSignal: request.signal,
      rm: true,
      forcerm: true,
    }
    if (request.target) options.target = request.target
    if (request.networkMode) options.networkmode = request.networkMode
    if (request.registryAuth && Object.keys(request.registryAuth).length) options.registryconfig = request.registryAuth

    const stream = (await this.docker.buildImage(request.context as unknown as NodeJS.ReadableStream, options).catch(async (error: unknown) => {
      throw aborted(error, request.signal) ?? (await this.unavailable(error)) ?? new DraftError('BUILD_FAILED', {step: 'the start of the build', reason: String((error as Error).message), log: ''})
    })) as Readable
    const result = await this.call(() => (builder === 'buildkit' ? followBuildKit(stream, request) : followClassic(stream, request)))
    for (const tag of request.tags.slice(1)) await this.tag(request.tags[0]!, tag)
    return {...result, builder}
  }

  async push(request: PushRequest): Promise<{digest: string}> {
    const {repository, tag} = splitRef(request.ref)
    const image = this.docker.getImage(repository)
    // The daemon insists on an X-Registry-Auth header, even an empty one.
    const authconfig = request.auth ?? {serveraddress: repository.split('/')[0]}
    const push = image.push.bind(image) as unknown as (options: object) => Promise<Readable>
    const stream = await push({tag, authconfig, abortSignal: request.signal}).catch(async (error: unknown) => {
      throw aborted(error, request.signal) ?? (await this.unavailable(error)) ?? new DraftError('PUSH_FAILED', {image: request.ref, reason: (error as Error).message})
    })
    const layers = new Map<string, {current: number; total: number; done: boolean}>()
    let digest = ''
    await this.call(() => followLines(stream, request.signal, message => {
      if (message.error || message.errorDetail) throw pushFailure(request.ref, message.errorDetail?.message ?? message.error ?? 'unknown error')
      const aux = message.aux as {Digest?: string} | undefined
      if (aux?.Digest) digest = aux.Digest
      if (message.id && message.status) {
        const layer = layers.get(message.id) ?? {current: 0, total: 0, done: false}
        if (message.progressDetail?.total) {
          layer.current = message.progressDetail.current ?? layer.current
          layer.total = message.progressDetail.total
        }
        if (/^(Pushed|Layer already exists|Mounted from)/.test(message.status)) layer.done = true
        layers.set(message.id, layer)
        request.onProgress?.(pushProgress(layers))
      }
    }))
    if (!digest) throw new DraftError('PUSH_FAILED', {image: request.ref, reason: 'the registry returned no digest'})
    return {digest}
  }

  async tag(source: string, target: string): Promise<void> {
    const {repository, tag} = splitRef(target)
    await this.call(() => this.docker.getImage(source).tag({repo: repository, tag}))
  }

  async imageExists(ref: string): Promise<boolean> {
    try {
      await this.docker.getImage(ref).inspect()
      return true
    } catch (error) {
      if ((error as {statusCode?: number}).statusCode === 404) return false
      throw (await this.unavailable(error)) ?? error
    }
  }

  async imageSize(ref: string): Promise<number | undefined> {
    try {
      return (await this.docker.getImage(ref).inspect()).Size
    } catch {
      return undefined
    }
  }

  async startContainer(spec: ContainerSpec): Promise<string> {
    const container = await this.call(() => this.docker.createContainer({
      Image: spec.image,
      name: spec.name,
      Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
      Labels: {'dev.draft.owner': 'draft'},
      // As a pod's `command`, it replaces the image's ENTRYPOINT too (a Go image's is the binary).
      ...(spec.command ? {Entrypoint: spec.command, Cmd: []} : {}),
      ...(spec.user ? {User: spec.user} : {}),
      HostConfig: {
        NetworkMode: spec.networkMode,
        ...(spec.readOnlyRoot ? {ReadonlyRootfs: true} : {}),
        ...(spec.volumes?.length ? {Binds: spec.volumes.map(v => `${v.name}:${v.path}`)} : {}),
      },
    }))
    await this.call(() => container.start())
    return container.id
  }

  async containerLogs(id: string): Promise<string> {
    const buffer = (await this.call(() => this.docker.getContainer(id).logs({stdout: true, stderr: true, follow: false}))) as unknown as Buffer
    return demux(buffer)
  }

  async containerRunning(id: string): Promise<boolean> {
    try {
      return Boolean((await this.docker.getContainer(id).inspect()).State.Running)
    } catch {
      return false
    }
  }

  async waitContainer(id: string): Promise<number> {
    const result = (await this.docker.getContainer(id).wait()) as {StatusCode?: number}
    return result.StatusCode ?? -1
  }

  async removeContainer(id: string): Promise<void> {
    await this.docker.getContainer(id).remove({force: true}).catch(() => undefined)
  }

  async removeVolume(name: string): Promise<void> {
    await this.docker.getVolume(name).remove({force: true}).catch(() => undefined)
  }
}

export async function followBuildKit(stream: Readable, request: BuildRequest): Promise<Omit<BuildResult, 'builder'>> {
  const tracker = new SolveTracker({
    ...(request.onProgress ? {onProgress: request.onProgress} : {}),
    ...(request.onLog ? {onLog: request.onLog} : {}),
  })
  let imageId = ''
  await followLines(stream, request.signal, message => {
    if (message.id === 'moby.image.id') {
      imageId = (message.aux as {ID?: string}).ID ?? imageId
      return
    }
    if (message.id === 'moby.buildkit.trace' && typeof message.aux === 'string') {
      tracker.update(decodeStatus(Buffer.from(message.aux, 'base64')))
      return
    }
    if (message.error || message.errorDetail) {
      tracker.fail(message.errorDetail?.message ?? message.error ?? 'unknown error')
      return
    }
    if (message.stream) for (const line of message.stream.split('\n').filter(Boolean)) request.onLog?.(line)
  })
  const failure = tracker.failure()
  if (failure) throw failure
  if (!imageId) throw new BuildFailure('the end of the build', 'the engine reported no image id', [])
  return {imageId, ...tracker.counts()}
}

export async function followClassic(stream: Readable, request: BuildRequest): Promise<Omit<BuildResult, 'builder'>> {
  let imageId = ''
  let step = ''
  let steps = 0
  let cached = 0
  const tail: string[] = []
  let failure: string | undefined
  await followLines(stream, request.signal, message => {
    if (message.error || message.errorDetail) {
      failure = message.errorDetail?.message ?? message.error
      request.onLog?.(`ERROR ${failure}`)
      return
    }
    const aux = message.aux as {ID?: string} | undefined
    if (aux?.ID) imageId = aux.ID
    for (const line of (message.stream ?? '').split('\n').filter(Boolean)) {
      request.onLog?.(line)
      const stepLine = /^Step (\d+)\/(\d+) : (.*)$/.exec(line)
      if (stepLine) {
        step = stepLine[3]!
        steps++
        tail.length = 0
        request.onProgress?.({step, index: Number(stepLine[1]), total: Number(stepLine[2])})
      } else {
        if (/Using cache/.test(line)) cached++
        tail.push(line)
        if (tail.length > 15) tail.shift()
      }
    }
  })
  if (failure) throw new BuildFailure(step || 'the build', failure, tail)
  return {imageId, steps, cachedSteps: cached}
}

export {BuildFailure}

/** Read a JSON-lines stream from the engine; a throw from the handler stops it and rejects. */
function followLines(stream: Readable, signal: AbortSignal | undefined, handle: (message: StreamMessage) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let rest = ''
    let settled = false
    const finish = (error?: unknown): void => {
      if (settled) return
      settled = true
      signal?.removeEventListener('abort', onAbort)
      if (error) {
        stream.destroy()
        reject(error)
      } else resolve()
    }
    const onAbort = (): void => finish(new DraftError('ABORTED', {stage: 'the image transfer'}))
    signal?.addEventListener('abort', onAbort, {once: true})
    if (signal?.aborted) return onAbort()
    stream.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString('utf8')).split('\n')
      rest = lines.pop() ?? ''
      for (const line of lines) {
        if (!line.trim()) continue
        let message: StreamMessage
        try {
          message = JSON.parse(line) as StreamMessage
        } catch {
          message = {stream: line}
        }
        try {
          handle(message)
        } catch (error) {
          return finish(error)
        }
      }
    })
    let ended = false
    stream.on('end', () => {
      ended = true
      if (rest.trim()) {
        try {
          handle(JSON.parse(rest) as StreamMessage)
        } catch (error) {
          return finish(error)
        }
      }
      finish()
    })
    stream.on('error', error => finish(aborted(error, signal) ?? error))
    // Closed before its end: the engine went away mid-stream. Not a success with no image.
    const cut = (): Error => Object.assign(new Error('the engine closed the stream before its end'), {code: 'ECONNRESET'})
    stream.on('close', () => finish(ended ? undefined : (aborted(undefined, signal) ?? cut())))
  })
}

function pushProgress(layers: Map<string, {current: number; total: number; done: boolean}>): PushProgress {
  let bytesDone = 0
  let bytesTotal = 0
  let layersDone = 0
  for (const l of layers.values()) {
    bytesTotal += l.total
    bytesDone += l.done ? l.total : Math.min(l.current, l.total)
    if (l.done) layersDone++
  }
  return {layers: layers.size, layersDone, bytesDone, bytesTotal}
}

export function splitRef(ref: string): {repository: string; tag: string} {
  const slash = ref.lastIndexOf('/')
  const colon = ref.lastIndexOf(':')
  return colon > slash ? {repository: ref.slice(0, colon), tag: ref.slice(colon + 1)} : {repository: ref, tag: 'latest'}
}

function apiAtLeast(version: string, minimum: string): boolean {
  const [a = 0, b = 0] = version.split('.').map(Number)
  const [c = 0, d = 0] = minimum.split('.').map(Number)
  return a > c || (a === c && b >= d)
}

/** ABORTED when the caller's signal (Ctrl-C, a stale build) ended the transfer; undefined otherwise. */
function aborted(error: unknown, signal: AbortSignal | undefined): DraftError | undefined {
  if (signal?.aborted || (error as {name?: string} | undefined)?.name === 'AbortError') return new DraftError('ABORTED', {stage: 'the image transfer'})
  return undefined
}

/** Split Docker's multiplexed log stream (8-byte frame headers) into text. */
function demux(buffer: Buffer): string {
  if (buffer.length < 8 || buffer[0]! > 2 || buffer[1] !== 0) return buffer.toString('utf8')
  let out = ''
  let pos = 0
  while (pos + 8 <= buffer.length) {
    const size = buffer.readUInt32BE(pos + 4)
    out += buffer.subarray(pos + 8, pos + 8 + size).toString('utf8')
    pos += 8 + size
  }
  return out
}
