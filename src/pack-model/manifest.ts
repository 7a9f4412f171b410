import {existsSync, readFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {join, relative} from 'node:path'

import type {ReloadMode, SyncRules} from '../sync/rules.js'
import {packageRoot} from '../util/package-root.js'
import {TomlSyntaxError, parseToml} from '../util/toml.js'
import {type VersionPolicy, isPublished, lineRange, validRange} from './versions.js'

export type VariableType = 'string' | 'integer' | 'port' | 'boolean' | 'enum' | 'map' | 'version' | 'list'

export interface VariableSpec {
  type: VariableType
  description: string
  default?: unknown
  derivedFrom: string[]
  values?: string[]
  pattern?: string
  minimum?: number
  maximum?: number
  /** A `version` variable: the maintained lines, the published range and the end-of-life policy. */
  versions?: VersionPolicy
}

export interface DetectRule {
  files?: string[]
  fact?: string
  weight: number
  why?: string
}

export interface ChartSettings {
  readOnlyRootFilesystem: boolean
  writablePaths: string[]
  runAsUser: number
  cpuRequest: string
  memoryRequest: string
  cpuLimit: string
  memoryLimit: string
  startupSeconds: number
  /**
   * Where the app's own folder is in the runtime image (`/app`). Paths that detection finds the app
   * writing to (relative to the app) become writable volumes under it; empty when the image has no
   * such folder, and then none are added.
   */
  appDir: string
}

/**
 * Dependencies that need Debian packages: to compile in the build stage (no wheel, no prebuilt
 * binary) or a shared library at run time. Matched against a list fact of the app's dependencies.
 */
export interface SystemPackagesRule {
  /** A list fact naming the app's dependencies, e.g. `python.dependencies`. */
  fact: string
  /** Dependency names of which any must be in the fact; `*` matches any non-empty list. */
  any: string[]
  build: string[]
  runtime: string[]
  why?: string
}

/**
 * Live update rules as the pack states them (pack.toml [sync]); `draft create` resolves them for the
 * app (variables, the Dockerfile's command) into draft.toml's [sync] table.
 */
export interface PackSync {
  reload: ReloadMode
  why?: string
  paths: SyncRules['paths']
  rebuild: string[]
  /** With {{variable}} references; absent for restart: the Dockerfile's command. */
  command?: string
  stopSignal: SyncRules['stopSignal']
  /**
   * Rules on the app's variables (true, or a non-empty string): its `files` need a new image too, or,
   * without files, every change does (e.g. the app is compiled).
   */
  rebuildWhen: {variable: string; why: string; files?: string[]}[]
}

export interface FixtureSpec {
  path: string
  probe?: string
  build: boolean
  why?: string
  expect: Record<string, unknown>
}

export type PackSource = 'app' | 'user' | 'builtin'

export interface Pack {
  name: string
  version: string
  description: string
  /** Folder that holds pack.toml. */
  dir: string
  source: PackSource
  languages: string[]
  languageWeight: number
  /** At least one of these globs must match for the pack to be a candidate at all. */
  requires: string[]
  rules: DetectRule[]
  variables: Record<string, VariableSpec>
  files: Record<string, string>
  chart: ChartSettings
  systemPackages: SystemPackagesRule[]
  /** Absent: the pack has no live update rules, and every change rebuilds. */
  sync?: PackSync
  fixtures: FixtureSpec[]
}

/** A problem found in a pack, always with the file and, where known, the line. */
export interface PackProblem {
  file: string
  line?: number
  message: string
}

export const MANIFEST = 'pack.toml'

export const CHART_DEFAULTS: ChartSettings = {
  readOnlyRootFilesystem: true,
  writablePaths: ['/tmp'],
  runAsUser: 10001,
  cpuRequest: '100m',
  memoryRequest: '128Mi',
  cpuLimit: '1',
  memoryLimit: '512Mi',
  startupSeconds: 30,
  appDir: '',
}

type Validator = ((data: unknown) => boolean) & {errors?: {instancePath: string; message?: string; params: Record<string, unknown>}[] | null}
let validator: Validator | undefined

function schemaValidator(): Validator {
  if (validator) return validator
  const require = createRequire(import.meta.url)
  const Ajv = require('ajv') as new (options: object) => {compile(schema: object): Validator}
  const schema = JSON.parse(readFileSync(join(packageRoot(), 'packs', 'pack.schema.json'), 'utf8')) as object
  validator = new Ajv({allErrors: true, strict: false}).compile(schema)
  return validator
}

export type LoadResult = {ok: true; pack: Pack} | {ok: false; name: string; problems: PackProblem[]}

/**
 * Read and validate one pack folder. Never throws for a bad pack: the caller decides whether a broken
 * pack is fatal (it is for `pack lint` and for the chosen pack) or only a warning (for the others).
 */
export function loadPack(dir: string, source: PackSource): LoadResult {
  const file = join(dir, MANIFEST)
  const fallbackName = dir.split(/[\\/]/).pop() ?? dir
  if (!existsSync(file)) {
    return {ok: false, name: fallbackName, problems: [{file, message: `${MANIFEST} is missing`}]}
  }
  let doc
  try {
    doc = parseToml(readFileSync(file, 'utf8'))
  } catch (error) {
    if (error instanceof TomlSyntaxError) {
      return {ok: false, name: fallbackName, problems: [{file, line: error.line, message: `TOML syntax: ${error.message}`}]}
    }
    return {ok: false, name: fallbackName, problems: [{file, message: (error as Error).message}]}
  }
  const data = doc.data
  const name = typeof data.name === 'string' ? data.name : fallbackName
  const validate = schemaValidator()
  const problems: PackProblem[] = []
  if (!validate(data)) {
    for (const error of validate.errors ?? []) {
      const path = error.instancePath.split('/').filter(Boolean).map(p => p.replaceAll('~1', '/').replaceAll('~0', '~'))
      const extra = error.params.additionalProperty ? ` "${String(error.params.additionalProperty)}"` : ''
      const allowed = error.params.allowedValues ? ` (${(error.params.allowedValues as unknown[]).join(', ')})` : ''
      const where = path.length ? path.join('.') : '(top level)'
      problems.push({file, line: doc.lineOf(path), message: `${where}: ${error.message ?? 'invalid'}${extra}${allowed}`})
    }
    // oneOf reports one error per branch plus its own; keep the messages distinct.
    return {ok: false, name, problems: dedupe(problems)}
  }

  const detect = data.detect as {languages: string[]; 'language-weight'?: number; requires?: string[]; rules?: DetectRule[]}
  const variables: Record<string, VariableSpec> = {}
  for (const [key, raw] of Object.entries(data.variables as Record<string, Record<string, unknown>>)) {
    const spec: VariableSpec = {
      type: raw.type as VariableType,
      description: raw.description as string,
      derivedFrom: (raw['derived-from'] as string[] | undefined) ?? [],
    }
    for (const k of ['default', 'values', 'pattern', 'minimum', 'maximum'] as const) {
      if (raw[k] !== undefined) (spec as unknown as Record<string, unknown>)[k] = raw[k]
    }
    if (spec.type === 'enum' && !spec.values?.length) {
      problems.push({file, line: doc.lineOf(['variables', key, 'type']), message: `variables.${key}: an enum needs a non-empty "values" list`})
    }
    if (spec.pattern !== undefined) {
      try {
        new RegExp(spec.pattern)
      } catch {
        problems.push({file, line: doc.lineOf(['variables', key, 'pattern']), message: `variables.${key}.pattern is not a valid regular expression`})
      }
    }
    if (spec.type === 'version') {
      const problem = versionProblem(raw, spec)
      if (problem) problems.push({file, line: doc.lineOf(['variables', key, problem.at]), message: `variables.${key}.${problem.at}: ${problem.message}`})
      else spec.versions = {maintained: raw.maintained as string[], published: raw.published as string | undefined, endOfLife: (raw['end-of-life'] as 'upgrade' | 'keep' | undefined) ?? 'upgrade'}
    }
    variables[key] = spec
  }
  for (const [i, rule] of ((data['system-packages'] as Record<string, unknown>[] | undefined) ?? []).entries()) {
    for (const [key, variable] of [['build', 'buildPackages'], ['runtime', 'runtimePackages']] as const) {
      if ((rule[key] as string[] | undefined)?.length && variables[variable]?.type !== 'string') {
        problems.push({file, line: doc.lineOf(['system-packages', i, key]), message: `system-packages[${i}].${key} needs a string variable "${variable}" for the Dockerfile to install them`})
      }
    }
  }
  const files = data.files as Record<string, string>
  for (const [output, template] of Object.entries(files)) {
    const templatePath = join(dir, template)
    if (!relative(dir, templatePath).split(/[\\/]/).every(p => p !== '..') || !existsSync(templatePath)) {
      problems.push({file, line: doc.lineOf(['files', output]), message: `files."${output}": template ${template} does not exist in the pack`})
    }
  }
  const fixtures = ((data.fixtures as Record<string, unknown>[] | undefined) ?? []).map((f, i): FixtureSpec => {
    if (!existsSync(join(dir, f.path as string))) {
      problems.push({file, line: doc.lineOf(['fixtures', i, 'path']), message: `fixtures[${i}].path: ${String(f.path)} does not exist in the pack`})
    }
    return {
      path: f.path as string,
      probe: f.probe as string | undefined,
      build: f.build !== false,
      why: f.why as string | undefined,
      expect: (f.expect as Record<string, unknown> | undefined) ?? {},
    }
  })
  const sync = readPackSync(data.sync as Record<string, unknown> | undefined, variables, (path, message) => problems.push({file, line: doc.lineOf(['sync', ...path]), message: `sync.${path.join('.')}: ${message}`}))
  if (problems.length) return {ok: false, name, problems}

  const chart = (data.chart as Record<string, unknown> | undefined) ?? {}
  const pick = <K extends keyof ChartSettings>(key: K, toml: string): ChartSettings[K] =>
    (chart[toml] as ChartSettings[K] | undefined) ?? CHART_DEFAULTS[key]
  return {
    ok: true,
    pack: {
      name,
      version: data.version as string,
      description: data.description as string,
      dir,
      source,
      languages: detect.languages,
      languageWeight: detect['language-weight'] ?? 50,
      requires: detect.requires ?? [],
      rules: detect.rules ?? [],
      variables,
      files,
      chart: {
        readOnlyRootFilesystem: pick('readOnlyRootFilesystem', 'read-only-root-filesystem'),
        writablePaths: pick('writablePaths', 'writable-paths'),
        runAsUser: pick('runAsUser', 'run-as-user'),
        cpuRequest: pick('cpuRequest', 'cpu-request'),
        memoryRequest: pick('memoryRequest', 'memory-request'),
        cpuLimit: pick('cpuLimit', 'cpu-limit'),
        memoryLimit: pick('memoryLimit', 'memory-limit'),
        startupSeconds: pick('startupSeconds', 'startup-seconds'),
        appDir: pick('appDir', 'app-dir'),
      },
      systemPackages: ((data['system-packages'] as Record<string, unknown>[] | undefined) ?? []).map(r => ({
        fact: r.fact as string,
        any: r.any as string[],
        build: (r.build as string[] | undefined) ?? [],
        runtime: (r.runtime as string[] | undefined) ?? [],
        ...(r.why === undefined ? {} : {why: r.why as string}),
      })),
      ...(sync ? {sync} : {}),
      fixtures,
    },
  }
}

/** The [sync] table, checked against the pack's variables (the schema has checked its shape). */
function readPackSync(raw: Record<string, unknown> | undefined, variables: Record<string, VariableSpec>, problem: (path: string[], message: string) => void): PackSync | undefined {
  if (!raw) return undefined
  const reload = raw.reload as ReloadMode
  const command = raw.command as string | undefined
  if (reload === 'self' && !command) problem(['command'], 'reload = "self" needs the command that reloads by itself')
  if ((reload === 'none' || reload === 'rebuild') && command) problem(['command'], `reload = "${reload}" runs the image's own command: leave command out`)
  for (const ref of command?.matchAll(/\{\{(\w+)\}\}/g) ?? []) {
    if (!variables[ref[1]!]) problem(['command'], `{{${ref[1]}}} is not a variable of the pack`)
  }
  const rebuildWhen = ((raw['rebuild-when'] as {variable: string; why: string; files?: string[]}[] | undefined) ?? []).map(r => ({variable: r.variable, why: r.why, ...(r.files ? {files: [...r.files]} : {})}))
  for (const [i, rule] of rebuildWhen.entries()) {
    const type = variables[rule.variable]?.type
    if (type !== 'boolean' && type !== 'string') problem(['rebuild-when', String(i), 'variable'], `"${rule.variable}" is not a boolean or string variable of the pack`)
  }
  return {
    reload,
    ...(raw.why === undefined ? {} : {why: raw.why as string}),
    paths: ((raw.paths as SyncRules['paths'] | undefined) ?? []).map(p => ({from: p.from, to: p.to})),
    rebuild: (raw.rebuild as string[] | undefined) ?? [],
    ...(command ? {command} : {}),
    stopSignal: (raw['stop-signal'] as SyncRules['stopSignal'] | undefined) ?? 'TERM',
    rebuildWhen,
  }
}

/** What is wrong with a `version` variable's data, if anything: the choice relies on all of it. */
function versionProblem(raw: Record<string, unknown>, spec: VariableSpec): {at: string; message: string} | undefined {
  const maintained = raw.maintained as string[] | undefined
  if (!maintained?.length) return {at: 'type', message: 'a version variable needs a non-empty "maintained" list of release lines'}
  const bad = maintained.find(line => !/^\d+(\.\d+){0,2}$/.test(line) || validRange(lineRange(line)) === undefined)
  if (bad !== undefined) return {at: 'maintained', message: `"${bad}" is not a release line such as "22" or "3.13"`}
  if (new Set(maintained.map(line => line.split('.').length)).size > 1) return {at: 'maintained', message: 'every line must be written with the same number of parts'}
  const published = raw.published as string | undefined
  if (published !== undefined && validRange(published) === undefined) return {at: 'published', message: `"${published}" is not a semver range`}
  const unpublished = maintained.find(line => !isPublished(line, {published}))
  if (unpublished !== undefined) return {at: 'maintained', message: `${unpublished} is outside the published range ${published}`}
  if (spec.default !== undefined && !maintained.includes(String(spec.default))) return {at: 'default', message: `${JSON.stringify(spec.default)} is not one of the maintained lines (${maintained.join(', ')})`}
  return undefined
}

function dedupe(problems: PackProblem[]): PackProblem[] {
  const seen = new Set<string>()
  return problems.filter(p => {
    const key = `${p.line}:${p.message}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}
