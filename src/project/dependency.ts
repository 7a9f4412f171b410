import type {ServiceSpec} from './services.js'

/**
 * The chart of a service that runs an image as it is (redis, postgres, ...): its port, environment,
 * data folders, command and user, from the compose file first, then from what draft knows of the
 * image (templates/dependency-images.toml). Pure.
 */
export interface KnownImage {
  port?: number
  data: string[]
  user?: number
  env: Record<string, string>
}

/** The known images from the data file, keyed by repository (`redis`, `valkey/valkey`). */
export function knownImages(data: Record<string, unknown>): Map<string, KnownImage> {
  const out = new Map<string, KnownImage>()
  for (const [name, raw] of Object.entries(data)) {
    const entry = raw as {port?: number; data?: string[]; user?: number; env?: Record<string, string>}
    out.set(name, {
      ...(typeof entry.port === 'number' ? {port: entry.port} : {}),
      data: Array.isArray(entry.data) ? entry.data.map(String) : [],
      ...(typeof entry.user === 'number' ? {user: entry.user} : {}),
      env: Object.fromEntries(Object.entries(entry.env ?? {}).map(([k, v]) => [k, String(v)])),
    })
  }
  return out
}

/** `redis:7`, `docker.io/library/redis:7`, `library/redis` all mean `redis`; the tag apart. */
export function splitImage(image: string): {repository: string; tag: string; key: string} {
  const at = image.indexOf('@')
  const named = at >= 0 ? image.slice(0, at) : image
  const colon = named.lastIndexOf(':')
  const hasTag = colon > named.lastIndexOf('/')
  const repository = hasTag ? named.slice(0, colon) : named
  const tag = hasTag ? named.slice(colon + 1) : 'latest'
  const key = repository.replace(/^(docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, '').replace(/^library\//, '')
  return {repository, tag, key}
}

export interface DependencyChart {
  /** What the dependency chart's templates see. */
  context: {name: string; image: string; repository: string; tag: string; source: string; port: number | null; env: Record<string, string>; command: string[]; args: string[]; dataPaths: string[]; user: number | null}
  port?: number
  warnings: string[]
}

export function dependencyChart(spec: ServiceSpec, known: ReadonlyMap<string, KnownImage>, file: string): DependencyChart {
  const image = spec.image!
  const {repository, tag, key} = splitImage(image)
  const about = known.get(key)
  const warnings: string[] = []
  const origin = `${spec.origin.file}${spec.origin.line ? `:${spec.origin.line}` : ''}`
  const port = spec.ports[0] ?? about?.port
  if (port === undefined) warnings.push(`${origin}: ${spec.name} (${image}) publishes no port and draft does not know the image: it gets no Service; set \`port\` in draft.toml if others connect to it`)
  // Volumes compose mounts are the image's data; bind mounts of the host cannot follow into the cluster.
  const mounted = spec.volumes.map(v => v.target)
  for (const v of spec.volumes) {
    if (v.kind === 'bind') warnings.push(`${spec.origin.file}${v.line ? `:${v.line}` : ''}: ${spec.name}: the host folder ${v.source} cannot be mounted in the cluster; ${v.target} is an empty folder there`)
  }
  const dataPaths = [...new Set(mounted.length ? mounted : (about?.data ?? []))]
  const env = {...(about?.env ?? {}), ...spec.env}
  // A data folder variable the image needs (PGDATA) only makes sense below a mounted folder.
  for (const [k, v] of Object.entries(about?.env ?? {})) {
    if (!(k in spec.env) && !dataPaths.some(p => v === p || v.startsWith(`${p}/`))) delete env[k]
  }
  const user = spec.user ?? about?.user
  return {
    context: {
      name: spec.release,
      image,
      repository,
      tag,
      source: origin || file,
      port: port ?? null,
      env,
      command: spec.entrypoint ?? [],
      args: spec.command ?? [],
      dataPaths,
      user: user ?? null,
    },
    ...(port !== undefined ? {port} : {}),
    warnings,
  }
}
