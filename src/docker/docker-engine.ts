import type {Readable} from 'node:stream'

/**
 * What draft needs from a Docker engine. The core depends on this interface only; `DockerodeEngine`
 * is the real one and `FakeDocker` the one for unit tests.
 */
export interface EngineInfo {
  host: string
  serverVersion: string
  apiVersion: string
  /** The API's builder version 2 (BuildKit) is available. */
  buildkit: boolean
}

export interface BuildProgress {
  /** The step running now, as Docker names it ("[build 3/5] RUN npm run build"). */
  step: string
  /** 1-based index of the step within its stage and the stage's step count, when known. */
  index?: number
  total?: number
  cached?: boolean
}

export interface BuildRequest {
  context: Readable
  /** Path of the Dockerfile inside the context. */
  dockerfile: string
  tags: string[]
  buildArgs: Record<string, string>
  target?: string
  /** Network mode of RUN steps ("host" on engines without a bridge). */
  networkMode?: string
  signal?: AbortSignal
  onProgress?: (progress: BuildProgress) => void
  /** Every line of build output, for the log file. */
  onLog?: (line: string) => void
  /** Credentials for pulling private base images, by registry host. */
  registryAuth?: Record<string, RegistryAuth>
}

export interface BuildResult {
  imageId: string
  builder: 'buildkit' | 'classic'
  /** Steps that were answered from the cache, and all steps. */
  cachedSteps: number
  steps: number
}

export interface RegistryAuth {
  username: string
  password: string
  serveraddress: string
}

export interface PushProgress {
  layers: number
  layersDone: number
  bytesDone: number
  bytesTotal: number
}

export interface PushRequest {
  /** repository:tag */
  ref: string
  auth?: RegistryAuth
  signal?: AbortSignal
  onProgress?: (progress: PushProgress) => void
}

export interface ContainerSpec {
  image: string
  name: string
  env: Record<string, string>
  networkMode: string
  /** In place of the image's ENTRYPOINT and CMD (exec form), as a pod's `command`. */
  command?: string[]
  /** In place of the image's USER ("0" to prepare a volume as root). */
  user?: string
  /** The root filesystem read-only, as the chart runs the pod. */
  readOnlyRoot?: boolean
  /** Named volumes, created on first use, mounted at these paths. */
  volumes?: {name: string; path: string}[]
}

export interface DockerEngine {
  /** Throws DOCKER_UNAVAILABLE with the fix when the engine cannot be reached. */
  info(): Promise<EngineInfo>
  build(request: BuildRequest): Promise<BuildResult>
  push(request: PushRequest): Promise<{digest: string}>
  tag(source: string, target: string): Promise<void>
  imageExists(ref: string): Promise<boolean>
  imageSize(ref: string): Promise<number | undefined>
  startContainer(spec: ContainerSpec): Promise<string>
  containerLogs(id: string): Promise<string>
  containerRunning(id: string): Promise<boolean>
  /** Waits for the container to exit and gives its exit code. */
  waitContainer(id: string): Promise<number>
  removeContainer(id: string): Promise<void>
  removeVolume(name: string): Promise<void>
}
