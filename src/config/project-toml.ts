import {existsSync, readFileSync, statSync} from 'node:fs'
import {isAbsolute, join, relative, resolve} from 'node:path'

import {DraftError} from '../core/errors.js'
import {findCycle} from '../project/graph.js'
import {parseImageRef} from '../registry/image-ref.js'
import {parseDuration} from '../util/duration.js'
import {CONFIG_FILE, type ConfigOverrides, DEFAULT_ENV, type DeployConfig, type KeyKind, buildArgPairs, builderKind, checkKind, clusterBuilder, readConfigFile, setPairs, suggest} from './draft-toml.js'

/**
 * The draft.toml of a project: several services, each with its own folder, build and chart, that
 * `draft up` at the root builds and deploys together.
 *
 *   [environments.development]          namespace, registry, kube-context, timeout, build-network, set,
 *                                       watch, ui: shared by every service (a service's own `set` wins)
 *   [environments.development.services.api]   per-environment overrides of a service's keys
 *   [services.api]                      path, context, dockerfile, chart, port, depends-on, release,
 *                                       image, target, build-args, set, values, timeout
 *
 * A service with `dockerfile` is built; one without is deployed from `image` as it is (redis:7).
 * Every service resolves to the same DeployConfig a lone app has, so `draft up` runs each through the
 * same engine.
 */
export interface ServiceConfig {
  name: string
  kind: 'build' | 'image'
  /** Services it depends on, with the line that says so. */
  dependsOn: {name: string; line?: number}[]
  port?: number
  /** The service's folder, relative to the root. */
  path: string
  config: DeployConfig
}

export interface ProjectConfig {
  root: string
  file: string
  env: string
  services: ServiceConfig[]
  watch: {quietMs: number; maxWaitMs: number}
  /** `draft up --watch` at the root serves the dashboard of every service (`ui = false` or `--ui=false`: not). */
  ui: boolean
}

export interface ProjectOverrides extends ConfigOverrides {
  /** `--service NAME`: only these (their dependencies are not added). */
  services?: readonly string[]
}

const SHARED_KEYS: Record<string, KeyKind> = {
  namespace: 'string',
  registry: 'string',
  'kube-context': 'string',
  timeout: 'duration',
  'build-network': 'string',
  set: 'table',
  watch: 'watch',
  ui: 'boolean',
  builder: 'builder',
  'cluster-builder': 'cluster-builder',
}
const SERVICE_KEYS: Record<string, KeyKind | 'port' | 'names'> = {
  path: 'string',
  context: 'string',
  dockerfile: 'string',
  chart: 'string',
  port: 'port',
  'depends-on': 'names',
  release: 'string',
  image: 'string',
  target: 'string',
  'build-args': 'table',
  set: 'table',
  values: 'string-list',
  timeout: 'duration',
}
/** Keys an environment may not change for one service: where it is and what it waits for. */
const FIXED_KEYS = ['path', 'depends-on']
const BUILD_ONLY = ['context', 'dockerfile', 'target', 'build-args']
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/

/** Whether the draft.toml in `dir` describes several services (it has a [services] table). */
export function isProjectConfig(dir: string): boolean {
  const file = join(resolve(dir), CONFIG_FILE)
  if (!existsSync(file)) return false
  try {
    return /^\s*\[\s*services\s*\.|^\s*services\s*\./m.test(readFileSync(file, 'utf8'))
  } catch {
    return false
  }
}

export function loadProject(dir: string, overrides: ProjectOverrides = {}, env: NodeJS.ProcessEnv = process.env): ProjectConfig {
  const {root, file, shown, doc, invalid} = readConfigFile(dir)
  const flagError = (flag: string, problem: string, fix: string): DraftError => new DraftError('CONFIG_INVALID', {file: `--${flag}`, key: flag, problem, fix})
  if (overrides.release) throw flagError('release', 'a project has a release per service', 'Set `release` in the service\'s table of draft.toml, or leave it: each service is released under its own name.')

  for (const key of Object.keys(doc.data)) {
    if (key !== 'environments' && key !== 'services') {
      const shared = key in SHARED_KEYS ? ` ${key} is a shared setting: put it in [environments.<name>] (e.g. [environments.development]).` : ''
      throw invalid([key], 'unknown top-level key', `Use [environments.<name>] for shared settings and [services.<name>] for each service.${shared}`)
    }
  }
  const environments = (doc.data.environments ?? {}) as Record<string, Record<string, unknown>>
  const envName = overrides.env || env.DRAFT_ENV || DEFAULT_ENV
  const section = environments[envName]
  if (!section) throw new DraftError('UNKNOWN_ENVIRONMENT', {file: shown, env: envName, available: Object.keys(environments)})
  const envAt = (...rest: string[]): string[] => ['environments', envName, ...rest]
  for (const [key, value] of Object.entries(section)) {
    if (key === 'services') continue
    const kind = SHARED_KEYS[key]
    if (!kind) {
      const perService = key in SERVICE_KEYS ? ` ${key} is set per service: put it in [services.<name>] or [environments.${envName}.services.<name>].` : ''
      const guess = suggest(key, Object.keys(SHARED_KEYS))
      throw invalid(envAt(key), 'unknown key', `${guess ? `Did you mean "${guess}"? ` : ''}Valid keys: ${Object.keys(SHARED_KEYS).join(', ')}.${perService}`)
    }
    checkKind(key, kind, value, envAt(key), invalid)
  }

  const declared = doc.data.services as Record<string, unknown> | undefined
  if (!declared || typeof declared !== 'object' || Array.isArray(declared) || Object.keys(declared).length === 0) {
    throw invalid(['services'], 'no service is declared', 'Add a [services.<name>] table per service (`draft create` at the root writes them).')
  }
  const envServices = (section.services ?? {}) as Record<string, unknown>
  if (typeof envServices !== 'object' || Array.isArray(envServices)) throw invalid(envAt('services'), 'must be a table of services', `Write it as [environments.${envName}.services.<name>].`)
  for (const name of Object.keys(envServices)) {
    if (!(name in declared)) throw invalid(envAt('services', name), `there is no service "${name}"`, `Services: ${Object.keys(declared).join(', ')}.`)
  }

  const str = (value: unknown, fallback: string): string => (typeof value === 'string' ? value : fallback)
  const duration = (value: string, path: (string | number)[]): number => {
    const ms = parseDuration(value)
    if (ms === undefined) throw invalid(path, `"${value}" is not a duration`, 'Write it like "300ms", "30s" or "5m".')
    return ms
  }
  const setFlags = setPairs(overrides.set)
  const buildArgFlags = buildArgPairs(overrides.buildArg)
  const namespace = overrides.namespace ?? str(section.namespace, 'default')
  if (namespace.length > 63 || !DNS_LABEL.test(namespace)) {
    throw overrides.namespace ? flagError('namespace', `"${namespace}" is not a valid namespace`, 'Use lower-case letters, digits and dashes.') : invalid(envAt('namespace'), `"${namespace}" is not a valid namespace`, 'Use lower-case letters, digits and dashes (at most 63 characters).')
  }
  const registry = (overrides.registry ?? str(section.registry, '')).replace(/^https?:\/\//, '').replace(/\/+$/, '')
  const kubeContext = overrides.kubeContext ?? str(section['kube-context'], '')
  const buildNetwork = overrides.buildNetwork ?? str(section['build-network'], '')
  // One builder for every service of the environment: the cluster builder is shared anyway.
  const builder = builderKind(overrides.builder, str(section.builder, 'local'))
  const builderSettings = clusterBuilder(section['cluster-builder'] as Record<string, unknown> | undefined)
  const watchTable = (section.watch ?? {}) as Record<string, string>
  let flagTimeout: number | undefined
  if (overrides.timeout) {
    flagTimeout = parseDuration(overrides.timeout)
    if (flagTimeout === undefined) throw flagError('timeout', `"${overrides.timeout}" is not a duration`, 'Write it like "90s" or "5m".')
  }
  let quietMs: number
  if (overrides.quiet) {
    const ms = parseDuration(overrides.quiet)
    if (ms === undefined) throw flagError('quiet', `"${overrides.quiet}" is not a duration`, 'Write it like "300ms" or "1s".')
    quietMs = ms
  } else quietMs = duration(watchTable.quiet ?? '300ms', [...envAt('watch'), 'quiet'])
  const watch = {quietMs, maxWaitMs: duration(watchTable['max-wait'] ?? '5s', [...envAt('watch'), 'max-wait'])}
  const envTimeout = section.timeout === undefined ? undefined : duration(section.timeout as string, envAt('timeout'))
  const inRoot = (value: string): string => (isAbsolute(value) ? value : join(root, value))
  // One page for the whole project: `ui` is the project's, not a service's.
  const ui = overrides.ui ?? ((section.ui as boolean | undefined) ?? true)
  const sharedSet = Object.fromEntries(Object.entries((section.set as Record<string, unknown> | undefined) ?? {}).map(([k, v]) => [k, String(v)]))

  const services: ServiceConfig[] = []
  for (const [name, raw] of Object.entries(declared)) {
    const at = (...rest: (string | number)[]): (string | number)[] => ['services', name, ...rest]
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw invalid(at(), 'must be a table', `Write it as [services.${name}] with its keys.`)
    const base = raw as Record<string, unknown>
    const extra = (envServices[name] ?? {}) as Record<string, unknown>
    // Each key is checked where it is written: the service's table, then the environment's override.
    for (const [table, path] of [[base, at()], [extra, envAt('services', name)]] as const) {
      for (const [key, value] of Object.entries(table)) {
        const kind = SERVICE_KEYS[key]
        if (!kind) {
          const guess = suggest(key, Object.keys(SERVICE_KEYS))
          const shared = key in SHARED_KEYS ? ` ${key} is the project's, shared by every service: put it in [environments.${envName}].` : ''
          throw invalid([...path, key], 'unknown key', `${guess ? `Did you mean "${guess}"? ` : ''}Valid keys: ${Object.keys(SERVICE_KEYS).join(', ')}.${shared}`)
        }
        if (table === extra && FIXED_KEYS.includes(key)) throw invalid([...path, key], `${key} cannot change per environment`, `Set it in [services.${name}].`)
        if (kind === 'port') {
          if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 65535) throw invalid([...path, key], `${JSON.stringify(value)} is not a port`, 'Write a whole number from 1 to 65535, e.g. port = 8080.')
        } else if (kind === 'names') {
          if (!Array.isArray(value) || value.some(v => typeof v !== 'string')) throw invalid([...path, key], 'must be a list of service names', 'Write it like depends-on = ["redis"].')
        } else {
          checkKind(key, kind, value, [...path, key], invalid)
        }
      }
    }
    const value = {...base, ...extra}
    const kind: ServiceConfig['kind'] = value.dockerfile !== undefined ? 'build' : 'image'
    if (kind === 'image') {
      for (const key of BUILD_ONLY) if (value[key] !== undefined) throw invalid(at(key), `${key} needs a dockerfile`, `Add dockerfile = "..." to build ${name}, or remove ${key} to deploy its image as it is.`)
    }
    const release = str(value.release, name)
    if (release.length > 53 || !DNS_LABEL.test(release)) {
      throw invalid(value.release === undefined ? at() : at('release'), `"${release}" is not a valid release name`, 'Use lower-case letters, digits and dashes (at most 53 characters), or set `release` for this service.')
    }
    const path = str(value.path, '.')
    const appDir = inRoot(path)
    if (!existsSync(appDir) || !statSync(appDir).isDirectory()) throw invalid(at('path'), `${path} is not a folder`, 'Point `path` at the service\'s folder, relative to draft.toml.')
    const chart = inRoot(str(value.chart, join(path, 'charts', release)))
    if (!existsSync(join(chart, 'Chart.yaml'))) throw new DraftError('CHART_MISSING', {chart: relative(root, chart) || chart, file: shown}, {location: {file, line: doc.lineOf(value.chart === undefined ? at() : at('chart'))}})
    const values = ((value.values as string[] | undefined) ?? []).map(inRoot)
    values.forEach((v, i) => {
      if (!existsSync(v)) throw invalid(at('values', i), `values file ${relative(root, v)} does not exist`, 'Fix the path (relative to draft.toml) or remove it.')
    })
    const port = value.port as number | undefined
    const table = (key: string): Record<string, string> =>
      Object.fromEntries(Object.entries((value[key] as Record<string, unknown> | undefined) ?? {}).map(([k, v]) => [k, String(v)]))
    // `port` is the service's port for everyone: the container's and the Service's.
    const set: Record<string, string> = {...sharedSet, ...table('set'), ...(port ? {containerPort: String(port), 'service.port': String(port)} : {}), ...setFlags}
    const timeoutMs = flagTimeout ?? (value.timeout !== undefined ? duration(value.timeout as string, at('timeout')) : envTimeout ?? 5 * 60_000)

    let image: string
    let context = root
    let dockerfile = ''
    let prebuilt: DeployConfig['prebuilt']
    if (kind === 'build') {
      image = str(value.image, release)
      if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/.test(image)) throw invalid(at('image'), `"${image}" is not a valid image name`, 'For a service that is built, `image` is the repository name under the registry: lower-case letters, digits, and . _ - /.')
      context = inRoot(str(value.context, path))
      if (!existsSync(context) || !statSync(context).isDirectory()) throw invalid(at('context'), `${relative(root, context) || '.'} is not a folder`, 'Point `context` at the folder to send to the build, relative to draft.toml.')
      dockerfile = inRoot(value.dockerfile as string)
      if (!existsSync(dockerfile)) throw new DraftError('DOCKERFILE_NOT_FOUND', {dockerfile: relative(root, dockerfile), file: shown}, {location: {file, line: doc.lineOf(at('dockerfile'))}})
    } else {
      const ref = value.image
      if (typeof ref !== 'string' || !ref) throw invalid(at(), 'has neither dockerfile nor image', `Give ${name} dockerfile = "..." (draft builds it) or image = "NAME:TAG" (deployed as it is).`)
      try {
        parseImageRef(ref)
      } catch (error) {
        throw invalid(at('image'), (error as Error).message, 'Write the image as NAME[:TAG], e.g. "redis:7".')
      }
      if (ref.includes('@')) throw invalid(at('image'), `${ref} is pinned by digest`, 'Give the image by tag (NAME:TAG): the chart names images by tag.')
      const colon = ref.lastIndexOf(':')
      prebuilt = colon > ref.lastIndexOf('/') ? {repository: ref.slice(0, colon), tag: ref.slice(colon + 1)} : {repository: ref, tag: 'latest'}
      image = prebuilt.repository
    }
    const dependsOn = ((value['depends-on'] as string[] | undefined) ?? []).map((dep, i) => {
      const line = doc.lineOf(at('depends-on', i)) ?? doc.lineOf(at('depends-on'))
      return {name: dep, ...(line ? {line} : {})}
    })
    services.push({
      name,
      kind,
      dependsOn,
      ...(port ? {port} : {}),
      path,
      config: {
        appDir,
        file,
        env: envName,
        release,
        namespace,
        registry,
        image,
        dockerfile,
        context,
        chart,
        target: str(value.target, ''),
        buildArgs: {...table('build-args'), ...buildArgFlags},
        buildNetwork,
        values,
        set,
        kubeContext,
        timeoutMs,
        watch,
        // `draft up --connect` follows one app; at a project root it is not offered.
        connect: false,
        // The project's one dashboard shows every service (ProjectConfig.ui).
        ui,
        builder,
        clusterBuilder: builderSettings,
        stateDir: join(root, '.draft', 'services', name),
        ...(prebuilt ? {prebuilt} : {}),
      },
    })
  }

  const names = services.map(s => s.name)
  for (const s of services) {
    for (const dep of s.dependsOn) {
      if (!names.includes(dep.name)) {
        throw new DraftError('UNKNOWN_DEPENDENCY', {file: shown, ...(dep.line ? {line: dep.line} : {}), service: s.name, dependency: dep.name, services: names}, {location: {file, ...(dep.line ? {line: dep.line} : {})}})
      }
    }
  }
  const cycle = findCycle(services)
  if (cycle) throw new DraftError('DEPENDENCY_CYCLE', {file: shown, ...(cycle.line ? {line: cycle.line} : {}), cycle: cycle.cycle}, {location: {file, ...(cycle.line ? {line: cycle.line} : {})}})
  const releases = new Map<string, string>()
  for (const s of services) {
    const other = releases.get(`${s.config.namespace}/${s.config.release}`)
    if (other) {
      const line = doc.lineOf(['services', s.name, 'release']) ?? doc.lineOf(['services', s.name])
      throw new DraftError('DUPLICATE_RELEASE', {file: shown, ...(line ? {line} : {}), release: s.config.release, services: [other, s.name]}, {location: {file, ...(line ? {line} : {})}})
    }
    releases.set(`${s.config.namespace}/${s.config.release}`, s.name)
  }

  let selected = services
  if (overrides.services?.length) {
    for (const name of overrides.services) if (!names.includes(name)) throw new DraftError('UNKNOWN_SERVICE', {name, flag: '--service', services: names})
    selected = services.filter(s => overrides.services!.includes(s.name))
  }
  return {root, file, env: envName, services: selected, watch, ui}
}
