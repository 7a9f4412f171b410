import {existsSync, readFileSync, statSync} from 'node:fs'
import {isAbsolute, join, relative, resolve} from 'node:path'

import {BUILDER_KEYS, BUILDER_KINDS, type BuilderKind, type BuilderSettings, DEFAULT_BUILDER_SETTINGS} from '../cluster-builder/settings.js'
import {DraftError} from '../core/errors.js'
import type {SyncRules} from '../sync/rules.js'
import {type TomlDocument, TomlSyntaxError, parseToml} from '../util/toml.js'
import {parseDuration} from '../util/duration.js'
import {readSyncTable} from './sync-table.js'

export const CONFIG_FILE = 'draft.toml'
export const DEFAULT_ENV = 'development'

/** Everything `draft up` needs to know, resolved: flags over the environment's keys over defaults. */
export interface DeployConfig {
  appDir: string
  file: string
  env: string
  release: string
  namespace: string
  /** Registry host, optionally with a namespace path (`ghcr.io/me`). Empty: a local cluster must see local images. */
  registry: string
  image: string
  dockerfile: string
  context: string
  chart: string
  target: string
  buildArgs: Record<string, string>
  buildNetwork: string
  values: string[]
  set: Record<string, string>
  /** helm --set-string values draft adds itself (sync mode's); never from the file. */
  setString?: Record<string, string>
  kubeContext: string
  timeoutMs: number
  /** syncQuietMs: the quiet period of a burst that can be synced (a sync costs little, so it starts sooner). */
  watch: {quietMs: number; maxWaitMs: number; syncQuietMs?: number}
  /** After deploying, forward the ports and stream the logs (`draft up --connect`). */
  connect: boolean
  /**
   * A service of a project that runs an image as it is (redis:7): nothing is built or pushed, the chart
   * gets this image. Absent for everything draft builds.
   */
  prebuilt?: {repository: string; tag: string}
  /** Where draft keeps its cache and logs for this app (default: `.draft` in the app folder). */
  stateDir?: string
  /** `draft up --watch` serves the dashboard (`ui = false` or `--ui=false`: not). */
  ui: boolean
  /** Sync mode for `draft up --watch` (`sync = true`, `--sync`): saved files go into the running container. */
  sync?: boolean
  /** The live update rules of draft.toml's [sync] table; absent when the file has none. */
  syncRules?: SyncRules
  /** Where images are built: Docker on this machine, or BuildKit that draft runs in the cluster. */
  builder: BuilderKind
  /** The cluster builder's settings (`[environments.<name>.cluster-builder]`), defaults filled in. */
  clusterBuilder: BuilderSettings
}

export interface ConfigOverrides {
  env?: string
  registry?: string
  namespace?: string
  kubeContext?: string
  release?: string
  /** helm --set KEY=VALUE, added to (and winning over) the file's [set] table. */
  set?: readonly string[]
  /** docker build --build-arg NAME=VALUE, added to (and winning over) the file's [build-args] table. */
  buildArg?: readonly string[]
  buildNetwork?: string
  timeout?: string
  quiet?: string
  /** --connect / --no-connect, over `connect` in the file. */
  connect?: boolean
  /** --ui=true / --ui=false, over `ui` in the file. */
  ui?: boolean
  /** --sync / --no-sync, over `sync` in the file. */
  sync?: boolean
  /** --builder local|cluster, over `builder` in the file. */
  builder?: string
}

export type KeyKind = 'string' | 'boolean' | 'table' | 'string-list' | 'duration' | 'watch' | 'builder' | 'cluster-builder'
const KEYS: Record<string, KeyKind> = {
  release: 'string',
  namespace: 'string',
  registry: 'string',
  image: 'string',
  dockerfile: 'string',
  context: 'string',
  chart: 'string',
  target: 'string',
  'build-args': 'table',
  'build-network': 'string',
  values: 'string-list',
  set: 'table',
  'kube-context': 'string',
  timeout: 'duration',
  watch: 'watch',
  connect: 'boolean',
  ui: 'boolean',
  sync: 'boolean',
  builder: 'builder',
  'cluster-builder': 'cluster-builder',
}
const WATCH_KEYS = ['quiet', 'max-wait', 'sync-quiet']
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/

/** Read draft.toml, choose the environment, validate every key, and apply the flags. */
export function loadConfig(appDir: string, overrides: ConfigOverrides = {}, env: NodeJS.ProcessEnv = process.env): DeployConfig {
  const {root, file, shown, doc, invalid} = readConfigFile(appDir)

  for (const key of Object.keys(doc.data)) {
    if (key === 'services') throw new DraftError('CONFIG_IS_PROJECT', {file: shown}, {location: {file, line: doc.lineOf([key])}})
    if (key !== 'environments' && key !== 'sync') throw invalid([key], 'unknown top-level key', 'Put settings under [environments.<name>], e.g. [environments.development]; live update rules under [sync].')
  }
  let syncRules: SyncRules | undefined
  if (doc.data.sync !== undefined) {
    const read = readSyncTable(doc.data.sync)
    if (!read.ok) throw invalid(read.path, read.problem, read.fix)
    syncRules = read.rules
  }
  const environments = (doc.data.environments ?? {}) as Record<string, Record<string, unknown>>
  const envName = overrides.env || env.DRAFT_ENV || DEFAULT_ENV
  const section = environments[envName]
  if (!section) throw new DraftError('UNKNOWN_ENVIRONMENT', {file: shown, env: envName, available: Object.keys(environments)})

  const at = (key: string): (string | number)[] => ['environments', envName, key]
  for (const [key, value] of Object.entries(section)) {
    const kind = KEYS[key]
    if (!kind) {
      const guess = suggest(key, Object.keys(KEYS))
      throw invalid(at(key), 'unknown key', guess ? `Did you mean "${guess}"? Valid keys: ${Object.keys(KEYS).join(', ')}.` : `Valid keys: ${Object.keys(KEYS).join(', ')}.`)
    }
    checkKind(key, kind, value, at(key), invalid)
  }

  const str = (key: string, fallback: string): string => (section[key] as string | undefined) ?? fallback
  const table = (key: string): Record<string, string> =>
    Object.fromEntries(Object.entries((section[key] as Record<string, unknown> | undefined) ?? {}).map(([k, v]) => [k, String(v)]))
  const watch = (section.watch as Record<string, string> | undefined) ?? {}

  const setFlags = setPairs(overrides.set)

  const buildArgFlags = buildArgPairs(overrides.buildArg)

  const duration = (value: string, path: (string | number)[], flag: string): number => {
    const ms = parseDuration(value)
    if (ms === undefined) throw flagOrKey(flag, path, `"${value}" is not a duration`, 'Write it like "300ms", "30s" or "5m".')
    return ms
  }
  const flagOrKey = (flag: string, path: (string | number)[], problem: string, fix: string): DraftError =>
    flag ? new DraftError('CONFIG_INVALID', {file: `--${flag}`, key: flag, problem, fix}) : invalid(path, problem, fix)

  const release = overrides.release ?? str('release', '')
  if (!release || release.length > 53 || !DNS_LABEL.test(release)) {
    throw flagOrKey(overrides.release ? 'release' : '', at('release'), `"${release}" is not a valid release name`, 'Use lower-case letters, digits and dashes (at most 53 characters).')
  }
  const namespace = overrides.namespace ?? str('namespace', 'default')
  if (namespace.length > 63 || !DNS_LABEL.test(namespace)) {
    throw flagOrKey(overrides.namespace ? 'namespace' : '', at('namespace'), `"${namespace}" is not a valid namespace`, 'Use lower-case letters, digits and dashes (at most 63 characters).')
  }
  const registry = (overrides.registry ?? str('registry', '')).replace(/^https?:\/\//, '').replace(/\/+$/, '')
  const image = str('image', release)
  if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/.test(image)) {
    throw invalid(at('image'), `"${image}" is not a valid image name`, 'Use lower-case letters, digits, and . _ - / separators.')
  }

  // Paths in draft.toml are relative to the app folder.
  const inApp = (value: string): string => (isAbsolute(value) ? value : join(root, value))
  const chart = inApp(str('chart', `charts/${release}`))
  if (!existsSync(join(chart, 'Chart.yaml'))) {
    const line = doc.lineOf(at('chart'))
    throw new DraftError('CHART_MISSING', {chart: relative(root, chart) || chart, file: shown, line}, {location: {file, line}})
  }
  const context = inApp(str('context', '.'))
  if (!existsSync(context) || !statSync(context).isDirectory()) throw invalid(at('context'), `${relative(root, context) || '.'} is not a folder`, 'Point `context` at the folder to send to the build (usually ".").')
  const dockerfile = inApp(str('dockerfile', 'Dockerfile'))
  if (!existsSync(dockerfile)) {
    const line = doc.lineOf(at('dockerfile'))
    throw new DraftError('DOCKERFILE_NOT_FOUND', {dockerfile: relative(root, dockerfile), file: shown, line}, {location: {file, line}})
  }

  const values = ((section.values as string[] | undefined) ?? []).map(inApp)
  values.forEach((v, i) => {
    if (!existsSync(v)) throw invalid([...at('values'), i], `values file ${relative(root, v)} does not exist`, 'Fix the path (relative to the app folder) or remove it.')
  })

  return {
    appDir: root,
    file,
    env: envName,
    release,
    namespace,
    registry,
    image,
    dockerfile,
    context,
    chart,
    target: str('target', ''),
    buildArgs: {...table('build-args'), ...buildArgFlags},
    buildNetwork: overrides.buildNetwork ?? str('build-network', ''),
    values,
    set: {...table('set'), ...setFlags},
    kubeContext: overrides.kubeContext ?? str('kube-context', ''),
    timeoutMs: overrides.timeout ? duration(overrides.timeout, [], 'timeout') : duration(str('timeout', '5m'), at('timeout'), ''),
    watch: {
      quietMs: overrides.quiet ? duration(overrides.quiet, [], 'quiet') : duration(watch.quiet ?? '300ms', [...at('watch'), 'quiet'], ''),
      maxWaitMs: duration(watch['max-wait'] ?? '5s', [...at('watch'), 'max-wait'], ''),
      syncQuietMs: duration(watch['sync-quiet'] ?? '50ms', [...at('watch'), 'sync-quiet'], ''),
    },
    connect: overrides.connect ?? ((section.connect as boolean | undefined) ?? false),
    ui: overrides.ui ?? ((section.ui as boolean | undefined) ?? true),
    sync: overrides.sync ?? ((section.sync as boolean | undefined) ?? false),
    ...(syncRules ? {syncRules} : {}),
    builder: builderKind(overrides.builder, (section.builder as string | undefined) ?? 'local'),
    clusterBuilder: clusterBuilder(section['cluster-builder'] as Record<string, unknown> | undefined),
  }
}

/** `builder` of an environment, --builder over it (the file's value was checked by checkKind). */
export function builderKind(flag: string | undefined, value: string): BuilderKind {
  if (flag === undefined) return value as BuilderKind
  if (!(BUILDER_KINDS as readonly string[]).includes(flag)) {
    throw new DraftError('CONFIG_INVALID', {file: '--builder', key: 'builder', problem: `"${flag}" is not a builder`, fix: `Use --builder ${BUILDER_KINDS.join(' or --builder ')}.`})
  }
  return flag as BuilderKind
}

/** The table's values over the defaults; checkKind has validated every key already. */
export function clusterBuilder(table: Record<string, unknown> | undefined): BuilderSettings {
  const settings: BuilderSettings = {...DEFAULT_BUILDER_SETTINGS}
  for (const [key, value] of Object.entries(table ?? {})) {
    const check = BUILDER_KEYS[key]
    // TOML tables come as objects without a prototype: copied, they compare and print like any other.
    if (check) Object.assign(settings, {[check.field]: check.kind === 'list-table' ? Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, [...(v as string[])]])) : Array.isArray(value) ? [...value] : value})
  }
  return settings
}

export function checkKind(
  key: string,
  kind: KeyKind,
  value: unknown,
  path: (string | number)[],
  invalid: (path: (string | number)[], problem: string, fix: string) => DraftError,
): void {
  const type = Array.isArray(value) ? 'a list' : value === null ? 'null' : typeof value === 'object' ? 'a table' : `a ${typeof value}`
  switch (kind) {
    case 'string':
    case 'duration':
      if (typeof value !== 'string') throw invalid(path, `must be a string, not ${type}`, `Quote it: ${key} = "${String(value)}".`)
      return
    case 'boolean':
      if (typeof value !== 'boolean') throw invalid(path, `must be true or false, not ${type}`, `Write it without quotes: ${key} = true.`)
      return
    case 'string-list':
      if (!Array.isArray(value) || value.some(v => typeof v !== 'string')) throw invalid(path, `must be a list of strings, not ${type}`, `Write it like ${key} = ["values-dev.yaml"].`)
      return
    case 'table':
      if (type !== 'a table') throw invalid(path, `must be a table, not ${type}`, `Write it as [environments.<name>.${key}] with KEY = "VALUE" lines.`)
      for (const [k, v] of Object.entries(value as object)) {
        if (typeof v === 'object' && v !== null) throw invalid([...path, k], 'must be a string, number or boolean', `Use dotted keys for nested values, e.g. "${k}.sub" = "x".`)
      }
      return
    case 'builder':
      if (typeof value !== 'string' || !(BUILDER_KINDS as readonly string[]).includes(value)) {
        throw invalid(path, `${JSON.stringify(value)} is not a builder`, `Use ${BUILDER_KINDS.map(k => `builder = "${k}"`).join(' (Docker on this machine) or ')} (BuildKit in the cluster).`)
      }
      return
    case 'cluster-builder':
      if (type !== 'a table') throw invalid(path, `must be a table, not ${type}`, 'Write it as [environments.<name>.cluster-builder] with namespace, image, rootless, host-network, replicas, cache-size, storage-class, cpu and memory.')
      for (const [k, v] of Object.entries(value as object)) {
        const check = BUILDER_KEYS[k]
        if (!check) {
          const guess = suggest(k, Object.keys(BUILDER_KEYS))
          throw invalid([...path, k], 'unknown key', `${guess ? `Did you mean "${guess}"? ` : ''}Valid keys: ${Object.keys(BUILDER_KEYS).join(', ')}.`)
        }
        const list = (x: unknown): boolean => Array.isArray(x) && x.every(i => typeof i === 'string')
        const wrong =
          check.kind === 'integer' ? !Number.isInteger(v)
          : check.kind === 'string-list' ? !list(v)
          : check.kind === 'list-table' ? typeof v !== 'object' || v === null || Array.isArray(v) || !Object.values(v).every(list)
          : typeof v !== check.kind
        const expected = {integer: 'a whole number', boolean: 'true or false', string: 'a string', 'string-list': 'a list of strings', 'list-table': 'a table of lists of strings'}[check.kind]
        if (wrong) throw invalid([...path, k], `must be ${expected}, not ${JSON.stringify(v)}`, `Write it like ${check.example}.`)
        const problem = check.valid?.(v as never)
        if (problem) throw invalid([...path, k], problem, `Write it like ${check.example}.`)
      }
      return
    case 'watch':
      if (type !== 'a table') throw invalid(path, `must be a table, not ${type}`, 'Write it as [environments.<name>.watch] with quiet, max-wait and sync-quiet.')
      for (const [k, v] of Object.entries(value as object)) {
        if (!WATCH_KEYS.includes(k)) throw invalid([...path, k], 'unknown key', `Valid keys: ${WATCH_KEYS.join(', ')}.`)
        if (typeof v !== 'string' || parseDuration(v) === undefined) throw invalid([...path, k], `"${String(v)}" is not a duration`, 'Write it like "300ms", "2s" or "1m".')
      }
  }
}

/** The closest valid key, for "did you mean". */
export function suggest(key: string, valid: readonly string[]): string | undefined {
  let best: {key: string; distance: number} | undefined
  for (const candidate of valid) {
    const d = distance(key.toLowerCase().replace(/_/g, '-'), candidate)
    if (!best || d < best.distance) best = {key: candidate, distance: d}
  }
  return best && best.distance <= Math.max(2, Math.floor(key.length / 3)) ? best.key : undefined
}

function distance(a: string, b: string): number {
  const row = Array.from({length: b.length + 1}, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1))
      previous = current
    }
  }
  return row[b.length]!
}

/** --build-arg NAME=VALUE flags as a table; a pair without a name is BAD_BUILD_ARG. */
export function buildArgPairs(pairs: readonly string[] | undefined): Record<string, string> {
  const args: Record<string, string> = {}
  for (const pair of pairs ?? []) {
    const eq = pair.indexOf('=')
    if (eq <= 0) throw new DraftError('BAD_BUILD_ARG', {input: pair})
    args[pair.slice(0, eq)] = pair.slice(eq + 1)
  }
  return args
}

/** --set KEY=VALUE flags as a table; a pair without a key is BAD_SET. */
export function setPairs(pairs: readonly string[] | undefined): Record<string, string> {
  const values: Record<string, string> = {}
  for (const pair of pairs ?? []) {
    const eq = pair.indexOf('=')
    if (eq <= 0) throw new DraftError('BAD_SET', {input: pair, reason: 'expected KEY=VALUE (a helm value path, e.g. replicaCount=2)'})
    values[pair.slice(0, eq)] = pair.slice(eq + 1)
  }
  return values
}

/** A parsed draft.toml (app or project), and how to name a place in it in an error. */
export interface ConfigFile {
  root: string
  file: string
  /** The file as the user's shell would name it. */
  shown: string
  doc: TomlDocument
  invalid: (path: (string | number)[], problem: string, fix: string) => DraftError
}

/** Read and parse DIR/draft.toml: CONFIG_MISSING without it, CONFIG_INVALID at the line of a syntax error. */
export function readConfigFile(dir: string): ConfigFile {
  const root = resolve(dir)
  const file = join(root, CONFIG_FILE)
  const shown = relative(process.cwd(), file) || CONFIG_FILE
  if (!existsSync(file)) throw new DraftError('CONFIG_MISSING', {path: relative(process.cwd(), root) || '.'})
  let doc: TomlDocument
  try {
    doc = parseToml(readFileSync(file, 'utf8'))
  } catch (error) {
    if (error instanceof TomlSyntaxError) {
      throw new DraftError('CONFIG_INVALID', {file: shown, line: error.line, key: 'syntax', problem: error.message, fix: 'Fix the TOML syntax on that line.'}, {location: {file, line: error.line}})
    }
    throw error
  }
  const invalid = (path: (string | number)[], problem: string, fix: string): DraftError => {
    const line = doc.lineOf(path)
    return new DraftError('CONFIG_INVALID', {file: shown, line, key: path.join('.'), problem, fix}, {location: {file, ...(line ? {line} : {})}})
  }
  return {root, file, shown, doc, invalid}
}
