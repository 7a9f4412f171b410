import {createRequire} from 'node:module'
import {posix} from 'node:path'

import {DraftError} from '../core/errors.js'
import {yamlLineOf} from '../util/yaml-lines.js'

/**
 * A Compose file as a source of facts: which services there are, how each is built or which image it
 * runs, its ports, environment, dependencies and data folders. Only what draft uses is read; what it
 * cannot carry over is named in `warnings`, never silently dropped. Pure: the text comes in, the
 * facts (each with its line) go out; bad input is a DraftError naming the file and the line.
 */

/** Looked for in this order at the root, as `docker compose` does. */
export const COMPOSE_FILES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml']

export interface ComposeBuild {
  /** The build context, relative to the compose file's folder, `/`-separated ('.' for the folder itself). */
  context: string
  /** The Dockerfile, relative to the compose file's folder. */
  dockerfile: string
  target?: string
  args: Record<string, string>
  line?: number
}

export interface ComposeVolume {
  /** `volume` (named), `anonymous`, `bind` (a host folder) or `tmpfs`. */
  kind: 'volume' | 'anonymous' | 'bind' | 'tmpfs'
  source?: string
  target: string
  line?: number
}

export interface ComposeService {
  name: string
  line?: number
  build?: ComposeBuild
  image?: string
  /** Container ports, the first one is the service's port. */
  ports: number[]
  portsLine?: number
  environment: Record<string, string>
  environmentLine?: number
  dependsOn: {name: string; line?: number}[]
  volumes: ComposeVolume[]
  command?: string[]
  entrypoint?: string[]
  /** A numeric user id from `user:`. */
  user?: number
}

export interface ComposeProject {
  /** The file's name as written at the root (compose.yaml, ...). */
  file: string
  services: ComposeService[]
  /** Compose services left out, with the reason (a profile). */
  skipped: {name: string; reason: string; line?: number}[]
  /** What was not carried over, each with its file and line. */
  warnings: string[]
}

type Yaml = {load: (text: string, options?: object) => unknown; YAMLException: new (...args: never[]) => Error & {reason?: string; mark?: {line: number}}}
let yaml: Yaml | undefined
const loadYaml = (): Yaml => (yaml ??= createRequire(import.meta.url)('js-yaml') as Yaml)

/**
 * Parse a compose file. `dotenv` holds the variables of the `.env` file beside it: interpolation uses
 * those and the defaults written in the file, never draft's own environment, so that what `draft create`
 * writes does not depend on the shell it ran in.
 */
export function parseCompose(text: string, file: string, dotenv: Record<string, string> = {}): ComposeProject {
  const {load, YAMLException} = loadYaml()
  let doc: unknown
  try {
    doc = load(text, {filename: file})
  } catch (error) {
    if (error instanceof YAMLException) {
      const line = error.mark ? error.mark.line + 1 : undefined
      throw invalid(file, line, `not valid YAML: ${error.reason ?? error.message.split('\n')[0]}`, 'Fix the YAML on that line (`docker compose config` shows the same problem).')
    }
    throw error
  }
  const lineOf = (path: (string | number)[]): number | undefined => yamlLineOf(text, path)
  const warnings: string[] = []
  const warn = (path: (string | number)[], message: string): void => {
    const line = lineOf(path)
    warnings.push(`${file}${line ? `:${line}` : ''}: ${message}`)
  }
  if (!isMap(doc)) throw invalid(file, 1, 'the file is not a mapping of top-level keys', 'A compose file starts with `services:`.')
  const services = doc.services
  if (!isMap(services)) throw invalid(file, lineOf(['services']) ?? 1, services === undefined ? 'it has no `services:`' : '`services` must be a mapping of service names', 'List the services under `services:`, one key per service.')
  for (const key of ['include', 'extends']) if (key in doc) warn([key], `\`${key}\` is not followed: only this file's own services are read`)

  const out: ComposeService[] = []
  const skipped: ComposeProject['skipped'] = []
  const missing = new Set<string>()
  for (const [name, raw] of Object.entries(services)) {
    const at = (...rest: (string | number)[]): (string | number)[] => ['services', name, ...rest]
    const line = lineOf(at())
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) throw invalid(file, line, `"${name}" is not a valid service name`, 'Use letters, digits, ".", "_" and "-", starting with a letter or digit.')
    if (!isMap(raw)) throw invalid(file, line, `service ${name} must be a mapping`, 'Give it `build:` or `image:` and its settings.')
    const value = interpolateAll(raw, dotenv, missing, (problem, path) => invalid(file, lineOf(at(...path)), `service ${name}: ${problem}`, 'Set the variable in .env beside the compose file, or give it a default: ${NAME:-default}.'))
    const profiles = value.profiles
    if (Array.isArray(profiles) && profiles.length > 0) {
      skipped.push({name, reason: `only with profile ${profiles.join(', ')}`, ...(line ? {line} : {})})
      continue
    }
    const service: ComposeService = {name, ...(line ? {line} : {}), ports: [], environment: {}, dependsOn: [], volumes: []}

    if (value.build !== undefined) service.build = readBuild(value.build, name, file, lineOf(at('build')), warn)
    if (value.image !== undefined) {
      if (typeof value.image !== 'string' || value.image.trim() === '') throw invalid(file, lineOf(at('image')), `service ${name}: image must be an image reference such as redis:7`, 'Write it as `image: NAME[:TAG]`.')
      service.image = value.image.trim()
    }
    if (!service.build && !service.image) throw invalid(file, line, `service ${name} has neither build nor image`, 'Give it `build: ./folder` (draft builds it) or `image: NAME:TAG` (draft deploys that image).')

    service.ports = readPorts(value.ports, value.expose, name, (path, message) => warn(at(...path), message), problem => invalid(file, lineOf(at('ports')), `service ${name}: ${problem}`, 'Write ports as "CONTAINER", "HOST:CONTAINER" or {target: CONTAINER}.'))
    const portsLine = lineOf(at('ports')) ?? lineOf(at('expose'))
    if (portsLine) service.portsLine = portsLine
    service.environment = readEnvironment(value.environment, name, file, lineOf(at('environment')), (path, message) => warn(at('environment', ...path), message))
    const environmentLine = lineOf(at('environment'))
    if (environmentLine) service.environmentLine = environmentLine
    if (value.env_file !== undefined) warn(at('env_file'), `service ${name}: env_file is not copied into the chart (it usually holds secrets); set those values in the chart's values or a Secret`)
    service.dependsOn = readDependsOn(value.depends_on, name, file, lineOf(at('depends_on')), index => lineOf(at('depends_on', index)))
    service.volumes = readVolumes(value.volumes, name, file, index => lineOf(at('volumes', index)))
    for (const key of ['command', 'entrypoint'] as const) {
      if (value[key] === undefined || value[key] === null) continue
      const words = commandWords(value[key])
      if (!words) throw invalid(file, lineOf(at(key)), `service ${name}: ${key} must be a string or a list of strings`, `Write it as ${key}: ["program", "arg"].`)
      service[key] = words
      if (service.build) warn(at(key), `service ${name}: ${key} is not carried over for a service draft builds: the image's own CMD runs (put it in the Dockerfile)`)
    }
    if (value.user !== undefined) {
      const uid = /^(\d+)(?::\d+)?$/.exec(String(value.user))?.[1]
      if (uid !== undefined) service.user = Number(uid)
      else warn(at('user'), `service ${name}: user "${String(value.user)}" is not a numeric id; the chart keeps the image's user`)
    }
    for (const key of ['healthcheck', 'secrets', 'configs', 'network_mode', 'dockerfile_inline']) {
      if (value[key] !== undefined) warn(at(key), `service ${name}: ${key} is not carried over`)
    }
    out.push(service)
  }
  if (missing.size) warnings.push(`${file}: not set in .env and without a default, so blank: ${[...missing].sort().join(', ')}`)

  const names = new Set(out.map(s => s.name))
  for (const service of out) {
    for (const dep of service.dependsOn) {
      if (names.has(dep.name)) continue
      const left = skipped.find(s => s.name === dep.name)
      if (left) {
        warnings.push(`${file}${dep.line ? `:${dep.line}` : ''}: service ${service.name} depends on ${dep.name}, which is left out (${left.reason})`)
        continue
      }
      throw new DraftError('UNKNOWN_DEPENDENCY', {file, line: dep.line, service: service.name, dependency: dep.name, services: [...names]}, {location: {file, ...(dep.line ? {line: dep.line} : {})}})
    }
    service.dependsOn = service.dependsOn.filter(d => names.has(d.name))
  }
  return {file, services: out, skipped, warnings}
}

function readBuild(raw: unknown, name: string, file: string, line: number | undefined, warn: (path: (string | number)[], message: string) => void): ComposeBuild {
  const at = (...rest: (string | number)[]): (string | number)[] => ['services', name, 'build', ...rest]
  const fix = 'Write it as `build: ./folder` or `build: {context: ./folder, dockerfile: Dockerfile}`.'
  if (typeof raw === 'string') return {context: cleanPath(raw, file, line, name), dockerfile: posix.join(cleanPath(raw, file, line, name), 'Dockerfile'), args: {}, ...(line ? {line} : {})}
  if (!isMap(raw)) throw invalid(file, line, `service ${name}: build must be a folder or a mapping`, fix)
  if (raw.dockerfile_inline !== undefined) throw invalid(file, line, `service ${name}: dockerfile_inline is not supported`, 'Put the Dockerfile in a file and name it with `dockerfile:`.')
  const context = cleanPath(typeof raw.context === 'string' ? raw.context : '.', file, line, name)
  if (raw.dockerfile !== undefined && typeof raw.dockerfile !== 'string') throw invalid(file, line, `service ${name}: build.dockerfile must be a path`, fix)
  const dockerfile = posix.normalize(posix.join(context, (raw.dockerfile as string | undefined) ?? 'Dockerfile'))
  const args: Record<string, string> = {}
  if (Array.isArray(raw.args)) {
    for (const entry of raw.args) {
      const text = String(entry)
      const eq = text.indexOf('=')
      if (eq > 0) args[text.slice(0, eq)] = text.slice(eq + 1)
    }
  } else if (isMap(raw.args)) {
    for (const [k, v] of Object.entries(raw.args)) if (v !== null && v !== undefined) args[k] = String(v)
  }
  for (const key of ['additional_contexts', 'ssh', 'secrets', 'cache_from', 'platforms']) {
    if (raw[key] !== undefined) warn(at(key), `service ${name}: build.${key} is not carried over`)
  }
  return {context, dockerfile, ...(typeof raw.target === 'string' ? {target: raw.target} : {}), args, ...(line ? {line} : {})}
}

/** A build context inside the project, `/`-separated; a URL or a path that climbs out is refused. */
function cleanPath(raw: string, file: string, line: number | undefined, name: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) || raw.startsWith('git@')) {
    throw invalid(file, line, `service ${name}: a remote build context (${raw}) is not supported`, 'Clone it beside the compose file and point `build` at the folder.')
  }
  const normal = posix.normalize(raw.replaceAll('\\', '/')).replace(/\/+$/, '') || '.'
  if (posix.isAbsolute(normal) || normal === '..' || normal.startsWith('../')) {
    throw invalid(file, line, `service ${name}: the build context ${raw} is outside the project`, 'draft builds what is below the compose file; move the service inside it.')
  }
  return normal
}

function readPorts(
  ports: unknown,
  expose: unknown,
  name: string,
  warn: (path: (string | number)[], message: string) => void,
  bad: (problem: string) => DraftError,
): number[] {
  const out: number[] = []
  const add = (port: number, path: (string | number)[], protocol = 'tcp'): void => {
    if (protocol !== 'tcp') return warn(path, `service ${name}: port ${port}/${protocol} is left out (the chart serves TCP)`)
    if (!out.includes(port)) out.push(port)
  }
  const fromText = (text: string, path: (string | number)[]): void => {
    const [spec = '', protocol = 'tcp'] = text.split('/')
    const container = spec.split(':').at(-1) ?? ''
    const range = /^(\d+)(?:-(\d+))?$/.exec(container)
    if (!range) throw bad(`"${text}" is not a port`)
    if (range[2]) warn(path, `service ${name}: of the range ${container}, port ${range[1]} is used`)
    const port = Number(range[1])
    if (port < 1 || port > 65535) throw bad(`${port} is not a port number`)
    add(port, path, protocol)
  }
  for (const [key, list] of [['ports', ports], ['expose', expose]] as const) {
    if (list === undefined || list === null) continue
    if (!Array.isArray(list)) throw bad(`${key} must be a list`)
    list.forEach((entry, i) => {
      if (typeof entry === 'number') fromText(String(entry), [key, i])
      else if (typeof entry === 'string') fromText(entry, [key, i])
      else if (isMap(entry) && entry.target !== undefined) fromText(`${String(entry.target)}/${typeof entry.protocol === 'string' ? entry.protocol : 'tcp'}`, [key, i])
      else throw bad(`${key}[${i}] is not a port`)
    })
  }
  if (out.length > 1) warn(['ports'], `service ${name}: ${out.length} ports; the chart serves the first, ${out[0]}`)
  return out
}

function readEnvironment(raw: unknown, name: string, file: string, line: number | undefined, warn: (path: (string | number)[], message: string) => void): Record<string, string> {
  const out: Record<string, string> = {}
  if (raw === undefined || raw === null) return out
  const fromHost = (key: string, path: (string | number)[]): void =>
    warn(path, `service ${name}: ${key} takes its value from the shell that runs compose; it is left out of the chart`)
  if (Array.isArray(raw)) {
    raw.forEach((entry, i) => {
      const text = String(entry)
      const eq = text.indexOf('=')
      if (eq < 0) fromHost(text, [i])
      else out[text.slice(0, eq)] = text.slice(eq + 1)
    })
    return out
  }
  if (!isMap(raw)) throw invalid(file, line, `service ${name}: environment must be a mapping or a list`, 'Write it as `environment: {KEY: value}` or a list of KEY=value.')
  for (const [key, value] of Object.entries(raw)) {
    if (value === null || value === undefined) fromHost(key, [key])
    else out[key] = typeof value === 'object' ? JSON.stringify(value) : String(value)
  }
  return out
}

function readDependsOn(raw: unknown, name: string, file: string, line: number | undefined, itemLine: (index: string | number) => number | undefined): {name: string; line?: number}[] {
  if (raw === undefined || raw === null) return []
  const entry = (dep: string, key: string | number): {name: string; line?: number} => {
    const at = itemLine(key)
    return {name: dep, ...(at ? {line: at} : {})}
  }
  if (Array.isArray(raw)) {
    return raw.map((dep, i) => {
      if (typeof dep !== 'string') throw invalid(file, itemLine(i) ?? line, `service ${name}: depends_on entries must be service names`, 'Write it as `depends_on: [db, cache]`.')
      return entry(dep, i)
    })
  }
  if (isMap(raw)) return Object.keys(raw).map(dep => entry(dep, dep))
  throw invalid(file, line, `service ${name}: depends_on must be a list or a mapping of service names`, 'Write it as `depends_on: [db, cache]`.')
}

function readVolumes(raw: unknown, name: string, file: string, itemLine: (index: number) => number | undefined): ComposeVolume[] {
  if (raw === undefined || raw === null) return []
  if (!Array.isArray(raw)) throw invalid(file, itemLine(0), `service ${name}: volumes must be a list`, 'Write it as `volumes: ["data:/var/lib/data"]`.')
  return raw.map((entry, i): ComposeVolume => {
    const line = itemLine(i)
    const at = line ? {line} : {}
    if (isMap(entry)) {
      const target = typeof entry.target === 'string' ? entry.target : ''
      if (!target.startsWith('/')) throw invalid(file, line, `service ${name}: volumes[${i}] needs an absolute target`, 'Write it as {type: volume, source: data, target: /data}.')
      const type = entry.type === 'bind' || entry.type === 'tmpfs' ? entry.type : 'volume'
      const source = typeof entry.source === 'string' ? entry.source : undefined
      return {kind: type === 'volume' && !source ? 'anonymous' : type, ...(source ? {source} : {}), target, ...at}
    }
    const parts = String(entry).split(':')
    if (parts.length === 1) return {kind: 'anonymous', target: parts[0]!, ...at}
    const [source = '', target = ''] = parts
    if (!target.startsWith('/')) throw invalid(file, line, `service ${name}: volume "${String(entry)}" has no absolute target`, 'Write it as SOURCE:/path/in/container.')
    const bind = source.startsWith('.') || source.startsWith('/') || source.startsWith('~')
    return {kind: bind ? 'bind' : 'volume', source, target, ...at}
  })
}

/** `command:` as compose reads it: a list as is, a string split like a shell would (quotes, no expansion). */
export function commandWords(raw: unknown): string[] | undefined {
  if (Array.isArray(raw)) return raw.every(w => typeof w === 'string' || typeof w === 'number') ? raw.map(String) : undefined
  if (typeof raw !== 'string') return undefined
  const words: string[] = []
  let current = ''
  let quote: string | undefined
  let started = false
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!
    if (quote) {
      if (c === quote) quote = undefined
      else if (c === '\\' && quote === '"' && i + 1 < raw.length) current += raw[++i]
      else current += c
    } else if (c === '"' || c === "'") {
      quote = c
      started = true
    } else if (c === '\\' && i + 1 < raw.length) {
      current += raw[++i]
      started = true
    } else if (/\s/.test(c)) {
      if (started) words.push(current)
      current = ''
      started = false
    } else {
      current += c
      started = true
    }
  }
  if (started) words.push(current)
  return words
}

/**
 * Compose's interpolation: `$$` is a dollar, `${NAME}` and `$NAME` the variable (blank when unset),
 * `${NAME:-default}` / `${NAME-default}`, `${NAME:+alt}` / `${NAME+alt}`, `${NAME:?message}` /
 * `${NAME?message}` an error when unset.
 */
export function interpolate(text: string, vars: Record<string, string>, missing: Set<string>): {value: string} | {error: string} {
  let error: string | undefined
  const value = text.replace(/\$(\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-+?])((?:[^{}]|\{[^{}]*\})*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g, (whole, dollar: string, braced?: string, colon?: string, op?: string, arg?: string, bare?: string) => {
    if (dollar === '$') return '$'
    const name = braced ?? bare!
    const set = name in vars
    const present = colon ? set && vars[name] !== '' : set
    switch (op) {
      case '-':
        return present ? vars[name]! : arg ?? ''
      case '+':
        return present ? arg ?? '' : ''
      case '?':
        if (!present) error ??= `${name} is required${arg ? `: ${arg}` : ''}`
        return present ? vars[name]! : ''
      default:
        if (!set) missing.add(name)
        return vars[name] ?? ''
    }
  })
  return error ? {error} : {value}
}

function interpolateAll(
  value: Record<string, unknown>,
  vars: Record<string, string>,
  missing: Set<string>,
  fail: (problem: string, path: (string | number)[]) => DraftError,
): Record<string, unknown> {
  const walk = (node: unknown, path: (string | number)[]): unknown => {
    if (typeof node === 'string') {
      const result = interpolate(node, vars, missing)
      if ('error' in result) throw fail(result.error, path)
      return result.value
    }
    if (Array.isArray(node)) return node.map((v, i) => walk(v, [...path, i]))
    if (isMap(node)) return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v, [...path, k])]))
    return node
  }
  return walk(value, []) as Record<string, unknown>
}

/** A `.env` file as compose reads it: KEY=VALUE lines, optional quotes, `#` comments, `export ` allowed. */
export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    if (!line || line.startsWith('#')) continue
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line)
    if (!m) continue
    let value = m[2]!
    if (/^"(.*)"$/.test(value)) value = value.slice(1, -1).replace(/\\n/g, '\n').replace(/\\"/g, '"')
    else if (/^'(.*)'$/.test(value)) value = value.slice(1, -1)
    else value = value.replace(/\s+#.*$/, '')
    out[m[1]!] = value
  }
  return out
}

const isMap = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

function invalid(file: string, line: number | undefined, problem: string, fix: string): DraftError {
  return new DraftError('COMPOSE_INVALID', {file, ...(line ? {line} : {}), problem, fix}, {location: {file, ...(line ? {line} : {})}})
}
