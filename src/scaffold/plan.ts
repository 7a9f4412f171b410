import {existsSync, readFileSync, readdirSync} from 'node:fs'
import {join, posix, relative, resolve, sep} from 'node:path'

import {DraftError} from '../core/errors.js'
import type {Evidence} from '../pack-model/facts.js'
import type {Snapshot} from '../detect/snapshot.js'
import type {Pack} from '../pack-model/manifest.js'
import {packageRoot} from '../util/package-root.js'
import {readDockerfile} from './dockerfile.js'
import type {TemplateRenderer} from './template-renderer.js'
import type {Variables} from '../pack-model/variables.js'

export type FileAction = 'create' | 'replace' | 'keep'

export interface PlannedFile {
  path: string
  /** Who writes it: the pack, or draft itself (draft.toml). Named when a write is refused. */
  owner: string
  action: FileAction
  /** What is written; absent for kept files. */
  content?: string
  reason: string
}

export interface ScaffoldPlan {
  root: string
  app: string
  pack: {name: string; version: string; source: string}
  dockerfile: string
  chartPath: string
  files: PlannedFile[]
  variables: Variables
  baseImages: string[]
  warnings: string[]
}

export interface PlanInput {
  snapshot: Snapshot
  pack: Pack
  variables: Variables
  app: string
  force: boolean
  warnings?: string[]
  /** Folder of the shared chart, draft.toml template and partials (draft's templates/ by default). */
  templatesDir?: string
  /** Runs the templates: the sandbox in draft, in-process in unit tests. */
  renderer: TemplateRenderer
}

const DOCKERFILE = 'Dockerfile'
const DRAFT_TOML = 'draft.toml'

/** A Kubernetes- and Helm-safe name from a folder name: lower case, dashes, at most 53 characters. */
export function appNameFrom(raw: string): string {
  const name = raw
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, 53)
    .replace(/-+$/, '')
  if (!name) throw new DraftError('BAD_APP_NAME', {name: raw})
  return name
}

/**
 * Everything `draft create` would write, rendered in memory. Existing files are kept unless --force:
 * an existing Dockerfile is used as it is (its EXPOSE decides the chart's port), an existing chart is
 * used in place of the shared one. Every template of the plan is rendered in one call of the renderer.
 */
export async function planScaffold(input: PlanInput): Promise<ScaffoldPlan> {
  const {snapshot, pack, app, force} = input
  const templatesDir = input.templatesDir ?? join(packageRoot(), 'templates')
  const warnings = [...(input.warnings ?? [])]
  const variables = structuredClone(input.variables)

  const existingChart = findChart(snapshot)
  const chartPath = existingChart && !force ? existingChart : `charts/${app}`

  // An existing Dockerfile is the truth about the port.
  const keptDockerfile = snapshot.has(DOCKERFILE) && !force ? snapshot.read(DOCKERFILE) : undefined
  if (keptDockerfile !== undefined) {
    const exposed = readDockerfile(keptDockerfile).exposed[0]
    const port = variables.port
    if (exposed && port && port.source !== 'flag' && port.value !== exposed.port) {
      Object.assign(port, {value: exposed.port, source: 'detected', fact: undefined, evidence: [{detail: `EXPOSE ${exposed.port} in the existing Dockerfile`, file: DOCKERFILE, line: exposed.line}] satisfies Evidence[]})
      syncPortEnv(variables)
    }
  }

  warnings.push(...settingWarnings(variables))
  const writable = writablePaths(snapshot, pack, variables, warnings)

  // First what to write and from which template, then every template rendered at once.
  type Slot = Omit<PlannedFile, 'content'> & {template?: {file: string}; text?: string}
  const slots: Slot[] = []
  for (const [output, template] of Object.entries(pack.files)) {
    const target = safeOutput(pack, output)
    const exists = snapshot.has(target)
    if (exists && !force) {
      slots.push({path: target, owner: pack.name, action: 'keep', reason: target === DOCKERFILE ? 'exists: kept and used for the build' : 'exists: kept'})
      continue
    }
    slots.push({path: target, owner: pack.name, action: exists ? 'replace' : 'create', reason: `${pack.name} pack`, template: {file: join(pack.dir, template)}})
  }

  if (existingChart && !force) {
    slots.push({path: existingChart, owner: pack.name, action: 'keep', reason: 'a chart exists here: kept and used for deploys'})
  } else {
    for (const [relPath, source] of chartFiles(templatesDir, pack)) {
      const output = `${chartPath}/${relPath.replace(/\.ejs$/, '')}`
      const slot: Slot = {path: output, owner: pack.name, action: snapshot.has(output) ? 'replace' : 'create', reason: 'chart'}
      if (relPath.endsWith('.ejs')) slot.template = {file: source}
      else slot.text = readFileSync(source, 'utf8')
      slots.push(slot)
    }
  }

  if (snapshot.has(DRAFT_TOML) && !force) {
    slots.push({path: DRAFT_TOML, owner: 'draft', action: 'keep', reason: 'exists: kept'})
  } else {
    slots.push({path: DRAFT_TOML, owner: 'draft', action: snapshot.has(DRAFT_TOML) ? 'replace' : 'create', reason: 'deploy settings for draft up', template: {file: join(templatesDir, 'draft.toml.ejs')}})
  }

  const rendering = slots.filter(s => s.template)
  const results = await input.renderer.render({
    pack: pack.name,
    files: rendering.map(s => s.template!.file),
    context: {...templateContext(pack, variables, app, {dockerfile: DOCKERFILE, chartPath}), chartWritable: writable},
    views: [join(templatesDir, 'partials')],
    roots: [pack.dir, templatesDir],
  })
  const files: PlannedFile[] = slots.map(({template, text, ...file}) => {
    if (!template) return text === undefined ? file : {...file, content: text}
    const result = results[rendering.findIndex(s => s.template === template)]!
    if (!result.ok) {
      // The template's own path: the same pack can sit in the app, in ~/.draft and among the built-ins.
      const shown = relative(process.cwd(), template.file)
      const path = shown && !shown.startsWith('..') ? shown : template.file
      throw new DraftError('TEMPLATE_FAILED', {pack: file.owner, template: `${path}${result.line ? `:${result.line}` : ''}`, reason: result.reason}, {location: {file: template.file, ...(result.line ? {line: result.line} : {})}})
    }
    return {...file, content: result.output}
  })

  const dockerfileText = files.find(f => f.path === DOCKERFILE)?.content ?? keptDockerfile ?? ''
  const baseImages = readDockerfile(dockerfileText).baseImages
  return {
    root: snapshot.root,
    app,
    pack: {name: pack.name, version: pack.version, source: pack.source},
    dockerfile: DOCKERFILE,
    chartPath,
    files,
    variables,
    baseImages,
    warnings,
  }
}

/** What a template sees: every variable by name, the app, the pack and the chart settings (helpers are added where it renders). */
export function templateContext(pack: Pack, variables: Variables, app: string, paths: {dockerfile: string; chartPath: string}): Record<string, unknown> {
  const values: Record<string, unknown> = {}
  for (const [name, v] of Object.entries(variables)) values[name] = v.value
  return {
    healthPath: '',
    env: {},
    releaseCommand: '',
    ...values,
    app: {name: app},
    pack: {name: pack.name, version: pack.version},
    chart: pack.chart,
    chartEnv: chartEnvOf(variables),
    chartSecrets: objectValue(variables.secrets),
    chartWritable: pack.chart.writablePaths.map(path => ({path, seed: false, persist: false})),
    dockerfile: paths.dockerfile,
    chartPath: paths.chartPath,
  }
}

const objectValue = (v: Variables[string] | undefined): Record<string, string> =>
  v && v.value && typeof v.value === 'object' && !Array.isArray(v.value) ? (v.value as Record<string, string>) : {}

/**
 * The environment of the chart's container: the settings the app declares (sample values), then the
 * environment it needs to listen, which wins a name both have. Secrets are apart (chartSecrets).
 */
export function chartEnvOf(variables: Variables): Record<string, string> {
  return {...objectValue(variables.settings), ...objectValue(variables.env)}
}

/** A writable path of the chart: an emptyDir (or the PVC), seeded with the image's files when it has some there. */
export interface WritablePath {
  path: string
  /** The image has files there, which the volume would hide: an init container copies them in first. */
  seed: boolean
  /** Kept on the release's PersistentVolumeClaim when persistence is enabled (app data, not /tmp). */
  persist: boolean
}

/**
 * The pack's writable paths (/tmp and the like), then the folders detection found the app writing to,
 * under the pack's app folder in the image. A folder inside another writable one is covered by it.
 */
export function writablePaths(snapshot: Snapshot, pack: Pack, variables: Variables, warnings: string[] = []): WritablePath[] {
  const out: WritablePath[] = pack.chart.writablePaths.map(path => ({path, seed: false, persist: false}))
  const detected = variables.writablePaths
  const relative = Array.isArray(detected?.value) ? (detected.value as string[]) : []
  if (relative.length && !pack.chart.appDir) {
    warnings.push(`the app writes to ${relative.join(', ')}, but the ${pack.name} pack does not say where the app is in the image ([chart] app-dir): those paths stay read-only`)
    return out
  }
  const found: WritablePath[] = []
  for (const raw of relative) {
    const rel = posix.normalize(raw.replace(/^\.\/+/, '').replace(/\/+$/, '')) || '.'
    if (rel.startsWith('..') || posix.isAbsolute(rel)) continue
    const path = rel === '.' ? pack.chart.appDir : `${pack.chart.appDir}/${rel}`
    const seed = rel === '.' ? snapshot.files.length > 0 : snapshot.files.some(f => f.path.startsWith(`${rel}/`))
    found.push({path, seed, persist: true})
  }
  for (const entry of found.sort((a, b) => a.path.length - b.path.length)) {
    const covered = (outer: string): boolean => entry.path === outer || entry.path.startsWith(`${outer}/`)
    if (found.some(other => other !== entry && other.path !== entry.path && covered(other.path))) continue
    const same = out.findIndex(o => o.path === entry.path)
    if (same >= 0) out[same] = entry
    else if (!out.some(o => o.path === entry.path)) out.push(entry)
  }
  return out
}

/** What the user should know about the settings that go into the chart: secrets, and values none gave. */
function settingWarnings(variables: Variables): string[] {
  const warnings: string[] = []
  const whereOf = (v: Variables[string] | undefined, key: string): string => {
    const e = v?.evidence.find(x => x.key === key)
    return e?.file ? ` (${e.file}${e.line ? `:${e.line}` : ''})` : ''
  }
  for (const name of Object.keys(objectValue(variables.secrets))) {
    if (objectValue(variables.secrets)[name]) continue
    warnings.push(`${name}${whereOf(variables.secrets, name)} looks like a secret: the chart keeps it in a Secret with a random development value, generated once per release; give the real one (values secretEnv.${name}, or --set secrets.${name}=VALUE) outside development`)
  }
  for (const [name, value] of Object.entries(objectValue(variables.settings))) {
    if (value !== '') continue
    warnings.push(`${name}${whereOf(variables.settings, name)} must be set and has no sample value: the chart sets it empty; give it with --set settings.${name}=VALUE`)
  }
  return warnings
}

/** The shared chart's files, with the pack's own chart/ files in place of those of the same path. */
function chartFiles(templatesDir: string, pack: Pack): Map<string, string> {
  const files = new Map<string, string>()
  const collect = (dir: string): void => {
    if (!existsSync(dir)) return
    const walk = (sub: string): void => {
      for (const entry of readdirSync(join(dir, sub), {withFileTypes: true})) {
        const rel = sub ? `${sub}/${entry.name}` : entry.name
        if (entry.isDirectory()) walk(rel)
        else if (entry.isFile()) files.set(rel, join(dir, rel))
      }
    }
    walk('')
  }
  collect(join(templatesDir, 'chart'))
  collect(join(pack.dir, 'chart'))
  return new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : 1)))
}

/** A chart already in the app: charts/<name>/, chart/ or helm/ with a Chart.yaml. */
function findChart(snapshot: Snapshot): string | undefined {
  const candidates = snapshot.files
    .map(f => f.path)
    .filter(p => /^(charts\/[^/]+|chart|helm|deploy\/helm|deploy\/charts\/[^/]+)\/Chart\.yaml$/.test(p))
    .map(p => posix.dirname(p))
    .sort()
  return candidates[0]
}

/** Outputs must stay inside the app folder: no absolute paths, no `..`. */
function safeOutput(pack: Pack, output: string): string {
  const normal = posix.normalize(output.replaceAll('\\', '/'))
  const outside = posix.isAbsolute(normal) || normal === '..' || normal.startsWith('../') || /^[A-Za-z]:/.test(output)
  if (outside || resolve('/app', normal).split(sep).includes('..')) throw new DraftError('UNSAFE_PATH', {pack: pack.name, path: output})
  return normal
}

function syncPortEnv(variables: Variables): void {
  const env = variables.env
  if (!env || typeof env.value !== 'object' || env.value === null) return
  const map = env.value as Record<string, string>
  if ('PORT' in map) map.PORT = String(variables.port?.value)
}
