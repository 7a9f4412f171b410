import {existsSync, readFileSync, readdirSync, statSync} from 'node:fs'
import {basename, join, posix} from 'node:path'

import {DraftError} from '../core/errors.js'
import {detectApp, listApps, openApp} from '../detect/detect.js'
import {subSnapshot, type Snapshot} from '../detect/snapshot.js'
import type {Evidence} from '../pack-model/facts.js'
import {CHART_DEFAULTS, type Pack} from '../pack-model/manifest.js'
import type {PackSet} from '../pack-model/registry.js'
import type {Variables} from '../pack-model/variables.js'
import {type ApplyResult, applyFiles} from '../scaffold/apply.js'
import {readDockerfile} from '../scaffold/dockerfile.js'
import {type PlannedFile, planScaffold} from '../scaffold/plan.js'
import type {TemplateRenderer} from '../scaffold/template-renderer.js'
import {packageRoot} from '../util/package-root.js'
import {parseToml} from '../util/toml.js'
import {COMPOSE_FILES, type ComposeProject, parseCompose, parseDotenv} from './compose.js'
import {dependencyChart, knownImages} from './dependency.js'
import {type ServiceSpec, planServices} from './services.js'

/**
 * `draft create` at the root of several services: every app scaffolded in its own folder (Dockerfile,
 * .dockerignore, chart), every image-only dependency given a small chart, and one draft.toml that
 * lists them all. Everything is planned first, then written all or nothing, across services.
 */
export interface ProjectCreateOptions {
  path: string
  /** Only these services (repeatable --only). */
  only?: readonly string[]
  /** Leave image-only services out. */
  noDependencies?: boolean
  dryRun?: boolean
  force?: boolean
}

export interface PlannedService {
  name: string
  release: string
  kind: 'build' | 'image'
  path: string
  /** The pack that scaffolds it; absent for a dependency, `dockerfile` when only its Dockerfile is known. */
  pack?: string
  port?: number
  worker: boolean
  chart: string
  dockerfile?: string
  context?: string
  target?: string
  buildArgs?: Record<string, string>
  image?: string
  dependsOn: string[]
  origin: string
  /** Its files, relative to the project root. */
  files: PlannedFile[]
}

export interface ProjectCreateResult {
  root: string
  compose?: string
  services: PlannedService[]
  skipped: {name: string; reason: string}[]
  warnings: string[]
  /** Every file of the plan, relative to the root (the services', then draft.toml). */
  files: PlannedFile[]
  /** FROM images of the Dockerfiles (written or kept). */
  baseImages: string[]
  /** Images deployed as they are. */
  images: string[]
  applied?: ApplyResult
}

/** The compose file at a root, if any, with its text. */
export function findCompose(root: string): {file: string; text: string} | undefined {
  for (const file of COMPOSE_FILES) {
    const path = join(root, file)
    if (existsSync(path) && statSync(path).isFile()) return {file, text: readFileSync(path, 'utf8')}
  }
  return undefined
}

/**
 * Whether a root is a project of several services by its compose file (two services or more), with the
 * file read; a monorepo without one is found by detection (the MONOREPO answer).
 */
export function composeProjectAt(root: string): {compose?: ComposeProject; isProject: boolean} {
  const found = findCompose(root)
  const compose = found ? parseCompose(found.text, found.file, readDotenv(root)) : undefined
  return compose ? {compose, isProject: compose.services.length >= 2} : {isProject: false}
}

export async function createProject(options: ProjectCreateOptions, packs: PackSet, renderer: TemplateRenderer, found?: {snapshot: Snapshot; compose?: ComposeProject}): Promise<ProjectCreateResult> {
  renderer.prepare?.()
  const snapshot = found?.snapshot ?? openApp(options.path)
  const root = snapshot.root
  let compose = found?.compose
  if (!found) {
    const file = findCompose(root)
    if (file) compose = parseCompose(file.text, file.file, readDotenv(root))
  }
  const apps = await listApps(snapshot, packs)
  const plan = planServices({
    ...(compose ? {compose} : {}),
    apps,
    ...(options.only?.length ? {only: options.only} : {}),
    ...(options.noDependencies ? {noDependencies: true} : {}),
    exists: {
      folder: path => path === '.' || (existsSync(join(root, path)) && statSync(join(root, path)).isDirectory()),
      file: path => existsSync(join(root, path)) && statSync(join(root, path)).isFile(),
    },
  })
  if (plan.services.length === 0) throw new DraftError('NO_SERVICES', {path: options.path, skipped: plan.skipped.map(s => `${s.name}: ${s.reason}`)})

  const warnings = [...plan.warnings]
  const templatesDir = join(packageRoot(), 'templates')
  const known = knownImages(parseToml(readFileSync(join(templatesDir, 'dependency-images.toml'), 'utf8')).data)
  const services: PlannedService[] = []
  for (const spec of plan.services) {
    if (spec.kind === 'image') {
      const chart = dependencyChart(spec, known, compose?.file ?? 'draft.toml')
      const chartPath = `charts/${spec.release}`
      const files = await renderDependencyChart(snapshot, chartPath, chart.context, renderer, templatesDir, Boolean(options.force))
      warnings.push(...chart.warnings)
      services.push({
        name: spec.name,
        release: spec.release,
        kind: 'image',
        path: '.',
        ...(chart.port ? {port: chart.port} : {}),
        worker: !chart.port,
        chart: chartPath,
        image: spec.image!,
        dependsOn: spec.dependsOn.map(d => d.name),
        origin: where(spec.origin),
        files,
      })
    } else {
      services.push(await planBuiltService(spec, snapshot, packs, renderer, Boolean(options.force), compose, warnings))
    }
  }

  // Two services built from one folder plan the same files; they must agree.
  const files: PlannedFile[] = []
  const byPath = new Map<string, {file: PlannedFile; service: string}>()
  for (const service of services) {
    for (const file of service.files) {
      const before = byPath.get(file.path)
      if (!before) {
        byPath.set(file.path, {file, service: service.name})
        files.push(file)
      } else if (before.file.content !== file.content && file.action !== 'keep') {
        warnings.push(`${file.path}: ${before.service} and ${service.name} share it; it is written as ${before.service} needs it`)
      }
    }
  }
  const configFile = await planProjectToml(snapshot, services, compose?.file, renderer, templatesDir, Boolean(options.force))
  files.push(configFile)

  const baseImages = [...new Set(services.flatMap(s => s.files.filter(f => posix.basename(f.path) === 'Dockerfile' || f.path === s.dockerfile).flatMap(f => readDockerfile(f.content ?? readText(root, f.path)).baseImages)))]
  const result: ProjectCreateResult = {
    root,
    ...(compose ? {compose: compose.file} : {}),
    services,
    skipped: plan.skipped,
    warnings,
    files,
    baseImages,
    images: services.filter(s => s.image).map(s => s.image!),
  }
  if (options.dryRun) return result
  const folders = services.map(s => s.chart)
  return {...result, applied: applyFiles({root, files, folders, owner: 'draft'})}
}

async function planBuiltService(
  spec: ServiceSpec,
  snapshot: Snapshot,
  packs: PackSet,
  renderer: TemplateRenderer,
  force: boolean,
  compose: ComposeProject | undefined,
  warnings: string[],
): Promise<PlannedService> {
  const build = spec.build!
  const app = spec.path === '.' ? snapshot : subSnapshot(snapshot, spec.path)
  const relToApp = (path: string): string => (spec.path === '.' ? path : posix.relative(spec.path, path))
  const dockerfileText = build.dockerfileExists ? readText(snapshot.root, build.dockerfile) : undefined
  const dockerfileFacts = dockerfileText !== undefined ? readDockerfile(dockerfileText) : undefined

  const detection = await detectApp(app, packs, {})
  let pack: Pack
  let variables: Variables
  if (detection.pack && detection.variables) {
    pack = packs.get(detection.pack)
    variables = detection.variables
  } else if (dockerfileText !== undefined) {
    // No pack knows the app, but its Dockerfile is there: the shared chart is enough to deploy it.
    pack = dockerfileOnlyPack(dockerfileFacts!, spec, warnings)
    variables = {
      port: {name: 'port', value: 8080, source: 'default', evidence: [], description: 'Port the app listens on'},
      env: {name: 'env', value: {}, source: 'default', evidence: [], description: 'Environment'},
    }
  } else {
    throw new DraftError('NO_PACK_MATCH', {path: spec.path, packs: packs.names(), ...(packs.held.length ? {held: packs.held.map(h => h.dir)} : {})})
  }
  warnings.push(...detection.warnings.map(w => `${spec.name}: ${w}`))

  const file = compose?.file ?? spec.origin.file
  const evidence: Evidence = {detail: `${file}${spec.origin.line ? `:${spec.origin.line}` : ''}`, file, ...(spec.origin.line ? {line: spec.origin.line} : {})}
  variables = withComposeFacts(variables, spec, evidence)
  const exposed = dockerfileFacts?.exposed[0]?.port
  const port = variables.port
  const worker = Boolean(compose) && spec.ports.length === 0 && exposed === undefined && (!port || port.source === 'default')
  const portValue = worker ? undefined : exposed && port?.source !== 'flag' && !spec.ports.length ? exposed : (port?.value as number | undefined)
  if (worker) {
    // The pack's PORT is for a server; a worker listens on nothing.
    const env = variables.env?.value as Record<string, string> | undefined
    if (env && env.PORT === String(port?.value) && !('PORT' in spec.env)) {
      const {PORT: _dropped, ...rest} = env
      variables = {...variables, env: {...variables.env!, value: rest}}
    }
  }

  const plan = await planScaffold({
    snapshot: app,
    pack,
    variables,
    app: spec.release,
    force,
    renderer,
    service: {
      name: spec.release,
      ...(portValue ? {servicePort: portValue} : {}),
      worker,
      ...(dockerfileText !== undefined ? {dockerfile: {path: relToApp(build.dockerfile), text: dockerfileText}} : {}),
      ...(build.chartOnly ? {chartOnly: true} : {}),
    },
  })
  const prefix = (path: string): string => (spec.path === '.' ? path : posix.normalize(posix.join(spec.path, path)))
  return {
    name: spec.name,
    release: spec.release,
    kind: 'build',
    path: spec.path,
    pack: pack.name,
    ...(portValue ? {port: portValue} : {}),
    worker,
    chart: prefix(plan.chartPath),
    dockerfile: build.dockerfileExists ? build.dockerfile : prefix('Dockerfile'),
    context: build.context,
    ...(build.target ? {target: build.target} : {}),
    buildArgs: build.args,
    dependsOn: spec.dependsOn.map(d => d.name),
    origin: where(spec.origin),
    files: plan.files.map(f => ({...f, path: prefix(f.path)})),
  }
}

/** Compose's port and environment win over what detection inferred; each says where it came from. */
export function withComposeFacts(variables: Variables, spec: Pick<ServiceSpec, 'ports' | 'env'>, evidence: Evidence): Variables {
  const out = structuredClone(variables)
  const port = out.port
  const before = port?.value
  if (port && spec.ports[0]) Object.assign(port, {value: spec.ports[0], source: 'detected', fact: undefined, evidence: [{...evidence, detail: `ports in ${evidence.detail}`}]})
  const env = out.env
  if (env && typeof env.value === 'object' && env.value !== null) {
    const map = {...(env.value as Record<string, string>)}
    // The pack's PORT follows the port compose gives, unless compose sets PORT itself.
    if (port && map.PORT === String(before) && before !== port.value) map.PORT = String(port.value)
    if (Object.keys(spec.env).length) {
      Object.assign(map, spec.env)
      Object.assign(env, {source: 'detected', evidence: [...env.evidence, {...evidence, detail: `environment in ${evidence.detail}`}]})
    }
    env.value = map
  }
  return out
}

/** A service no pack knows but whose Dockerfile is there: the shared chart, run as the Dockerfile's USER. */
function dockerfileOnlyPack(facts: ReturnType<typeof readDockerfile>, spec: ServiceSpec, warnings: string[]): Pack {
  const uid = facts.user && /^\d+/.test(facts.user) ? Number(/^(\d+)/.exec(facts.user)![1]) : undefined
  if (uid === undefined || uid === 0) {
    warnings.push(`${spec.name}: its Dockerfile ${facts.user ? `runs as "${facts.user}"` : 'sets no USER'}; the chart runs it as uid ${CHART_DEFAULTS.runAsUser} with a read-only root: set podSecurityContext in ${spec.path}/charts/${spec.release}/values.yaml if it needs otherwise`)
  }
  return {
    name: 'dockerfile',
    version: '0',
    description: 'an app known only by its Dockerfile',
    dir: join(packageRoot(), 'templates'),
    source: 'builtin',
    languages: [],
    languageWeight: 0,
    requires: [],
    rules: [],
    variables: {
      port: {type: 'port', description: 'Port the app listens on', default: 8080, derivedFrom: []},
      env: {type: 'map', description: 'Environment', default: {}, derivedFrom: []},
    },
    files: {},
    chart: {...CHART_DEFAULTS, ...(uid ? {runAsUser: uid} : {})},
    systemPackages: [],
    fixtures: [],
  }
}

async function renderDependencyChart(snapshot: Snapshot, chartPath: string, context: Record<string, unknown>, renderer: TemplateRenderer, templatesDir: string, force: boolean): Promise<PlannedFile[]> {
  const chartDir = join(templatesDir, 'dependency-chart')
  if (snapshot.has(`${chartPath}/Chart.yaml`) && !force) return [{path: chartPath, owner: 'draft', action: 'keep', reason: 'a chart exists here: kept and used for deploys'}]
  const sources = walkFiles(chartDir)
  const templated = sources.filter(f => f.endsWith('.ejs'))
  const results = await renderer.render({pack: 'draft', files: templated.map(f => join(chartDir, f)), context, views: [join(templatesDir, 'partials')], roots: [templatesDir]})
  return sources.map((rel): PlannedFile => {
    const path = `${chartPath}/${rel.replace(/\.ejs$/, '')}`
    const action = snapshot.has(path) ? 'replace' : 'create'
    if (!rel.endsWith('.ejs')) return {path, owner: 'draft', action, reason: 'dependency chart', content: readFileSync(join(chartDir, rel), 'utf8')}
    const result = results[templated.indexOf(rel)]!
    if (!result.ok) throw new DraftError('TEMPLATE_FAILED', {pack: 'draft', template: `templates/dependency-chart/${rel}${result.line ? `:${result.line}` : ''}`, reason: result.reason})
    return {path, owner: 'draft', action, reason: 'dependency chart', content: result.output}
  })
}

async function planProjectToml(snapshot: Snapshot, services: PlannedService[], compose: string | undefined, renderer: TemplateRenderer, templatesDir: string, force: boolean): Promise<PlannedFile> {
  if (snapshot.has('draft.toml') && !force) return {path: 'draft.toml', owner: 'draft', action: 'keep', reason: 'exists: kept (--force writes it for these services)'}
  const [result] = await renderer.render({
    pack: 'draft',
    files: [join(templatesDir, 'project.toml.ejs')],
    context: {
      project: basename(snapshot.root),
      compose: compose ?? '',
      services: services.map(s => ({
        name: s.name,
        key: /^[A-Za-z0-9_-]+$/.test(s.name) ? s.name : JSON.stringify(s.name),
        kind: s.kind,
        release: s.release,
        path: s.path,
        context: s.context ?? s.path,
        dockerfile: s.dockerfile ?? '',
        chart: s.chart,
        image: s.image ?? '',
        port: s.port ?? null,
        dependsOn: s.dependsOn,
        target: s.target ?? '',
        buildArgs: s.buildArgs ?? {},
      })),
    },
    views: [join(templatesDir, 'partials')],
    roots: [templatesDir],
  })
  if (!result?.ok) throw new DraftError('TEMPLATE_FAILED', {pack: 'draft', template: 'templates/project.toml.ejs', reason: result?.ok === false ? result.reason : 'no output'})
  return {path: 'draft.toml', owner: 'draft', action: snapshot.has('draft.toml') ? 'replace' : 'create', reason: 'the services and how draft up deploys them', content: result.output}
}

function walkFiles(dir: string, sub = ''): string[] {
  const out: string[] = []
  for (const entry of readdirSync(join(dir, sub), {withFileTypes: true})) {
    const rel = sub ? `${sub}/${entry.name}` : entry.name
    if (entry.isDirectory()) out.push(...walkFiles(dir, rel))
    else if (entry.isFile()) out.push(rel)
  }
  return out.sort()
}

function readText(root: string, path: string): string {
  try {
    return readFileSync(join(root, path), 'utf8')
  } catch {
    return ''
  }
}

export function readDotenv(root: string): Record<string, string> {
  const file = join(root, '.env')
  return existsSync(file) ? parseDotenv(readFileSync(file, 'utf8')) : {}
}

const where = (origin: {file: string; line?: number}): string => `${origin.file}${origin.line ? `:${origin.line}` : ''}`
