import {type Evidence, type Fact, type FactSet, type Inspector, fact, findHealthPath, findIn, lineOf, procfileWeb, sourceFiles} from '../facts.js'
import type {Snapshot} from '../snapshot.js'
import {pep440Range} from '../version-ranges.js'
import {parseToml} from '../../util/toml.js'

/** A dependency the app declares, with where it is declared (for evidence). */
interface Dependency {
  file: string
  line?: number
}

type Dependencies = Map<string, Dependency>

interface Manifests {
  pyproject?: Record<string, unknown>
  pyprojectText?: string
  pipfile?: Record<string, unknown>
  pipfileText?: string
  requirements?: string
}

/** Servers that run an app object; the package to install when the app does not declare it. */
const SERVERS: Record<string, string> = {
  gunicorn: 'gunicorn',
  uvicorn: 'uvicorn',
  hypercorn: 'hypercorn',
  daphne: 'daphne',
  'waitress-serve': 'waitress',
}

/** Where pip-style requirements usually live when there is no requirements.txt at the root. */
const NESTED_REQUIREMENTS = ['requirements/production.txt', 'requirements/prod.txt', 'requirements/base.txt', 'requirements/common.txt']

const ROOT_SCRIPTS = ['main.py', 'app.py', 'server.py', 'run.py', 'wsgi.py', '__main__.py']

/** Health routes a Django urls.py may declare (without the leading slash, as Django writes them). */
const DJANGO_HEALTH = ['healthz', 'health', 'livez', 'readyz', 'ping', 'up']

export const pythonInspector: Inspector = {
  name: 'python',
  inspect(snapshot) {
    const manifests = readManifests(snapshot)
    const rootScripts = snapshot.list('').filter(p => p.endsWith('.py'))
    const hasManifest = manifests.pyproject || manifests.pipfile || manifests.requirements || snapshot.has('setup.py') || snapshot.has('setup.cfg')
    // Without a manifest or a script at the root, stray .py files (tooling of another stack) say nothing.
    if (!hasManifest && rootScripts.length === 0) return {}

    const facts: FactSet = {}
    const manifest = ['pyproject.toml', 'Pipfile', manifests.requirements, 'setup.py', 'setup.cfg'].find(f => f && snapshot.has(f))
    if (manifest) facts.manifest = fact(manifest, manifest, manifest)
    const workspace = uvWorkspace(manifests)
    if (workspace) facts.workspace = workspace

    const deps = dependencies(snapshot, manifests)
    const packages = allPackages(snapshot, deps)
    if (packages.value.length) facts.dependencies = packages
    Object.assign(facts, packageManager(snapshot, manifests))
    const version = pythonVersion(snapshot, manifests)
    if (version) facts.version = version

    const sources = sourceFiles(snapshot, ['.py'], 200)
    const framework = detectFramework(snapshot, deps, sources)
    if (framework) facts.framework = framework.fact

    const app = framework ? appObject(snapshot, framework.name, sources) : undefined
    if (app) facts.appModule = app.fact
    if (app?.dir) facts.appDir = fact(app.dir, `the server imports the app from ${app.dir}/`)

    const start = startCommand(snapshot, framework?.name, app, rootScripts)
    if (start) facts.startCommand = start

    const server = start ? serverOf(start.value) : undefined
    if (server && !deps.has(SERVERS[server]!)) {
      facts.serverPackage = fact(SERVERS[server]!, `the start command runs ${server}, which the app does not declare: the image installs it`)
    }

    Object.assign(facts, listenFacts(snapshot, sources, framework?.name, start?.value, server))

    if (framework?.name === 'django') Object.assign(facts, collectStatic(snapshot, sources, app?.dir ?? ''))
    const writes = writablePaths(snapshot, sources, framework?.name, deps, app?.dir ?? '')
    if (writes) facts.writablePaths = writes
    const release = releaseCommand(snapshot, sources, framework?.name, deps, app)
    if (release) facts.releaseCommand = release

    const health = healthPath(snapshot, sources, framework?.name)
    if (health) facts.healthPath = health
    return facts
  },
}

function readManifests(snapshot: Snapshot): Manifests {
  const out: Manifests = {}
  const pyprojectText = snapshot.read('pyproject.toml')
  if (pyprojectText !== undefined) {
    out.pyprojectText = pyprojectText
    out.pyproject = tomlData(pyprojectText)
  }
  const pipfileText = snapshot.read('Pipfile')
  if (pipfileText !== undefined) {
    out.pipfileText = pipfileText
    out.pipfile = tomlData(pipfileText)
  }
  out.requirements = ['requirements.txt', ...NESTED_REQUIREMENTS].find(f => snapshot.has(f))
  return out
}

function tomlData(text: string): Record<string, unknown> {
  try {
    return parseToml(text).data
  } catch {
    // A broken manifest is evidence of nothing; detection goes on with the other files.
    return {}
  }
}

const table = (value: unknown): Record<string, unknown> | undefined =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined

/** Package names as PyPI compares them: lower case, runs of `-_.` as one dash. */
export const normalizeName = (name: string): string => name.toLowerCase().replace(/[-_.]+/g, '-')

/** A uv workspace root with no project of its own only gathers the apps below it. */
function uvWorkspace(manifests: Manifests): Fact<boolean> | undefined {
  const tool = table(manifests.pyproject?.tool)
  const workspace = table(table(tool?.uv)?.workspace)
  if (!workspace || manifests.pyproject?.project) return undefined
  return fact(true, 'pyproject.toml declares a uv workspace and no project', 'pyproject.toml', lineOf(manifests.pyprojectText ?? '', '[tool.uv.workspace]'))
}

/** Every runtime dependency the app declares, from requirements files, pyproject.toml and Pipfile. */
function dependencies(snapshot: Snapshot, manifests: Manifests): Dependencies {
  const deps: Dependencies = new Map()
  const add = (name: string, file: string, line?: number): void => {
    const key = normalizeName(name)
    if (!deps.has(key)) deps.set(key, {file, ...(line === undefined ? {} : {line})})
  }
  if (manifests.requirements) readRequirements(snapshot, manifests.requirements, add, new Set())

  const text = manifests.pyprojectText ?? ''
  const project = table(manifests.pyproject?.project)
  const listed = Array.isArray(project?.dependencies) ? (project.dependencies as unknown[]) : []
  for (const spec of listed) {
    const match = typeof spec === 'string' ? /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?/.exec(spec) : null
    if (!match) continue
    const line = lineOf(text, new RegExp(`["']${escape(match[1]!)}`))
    add(match[1]!, 'pyproject.toml', line)
    for (const extra of extrasOf(match[2])) add(`${match[1]}[${extra}]`, 'pyproject.toml', line)
  }
  const poetry = table(table(manifests.pyproject?.tool)?.poetry)
  for (const name of Object.keys(table(poetry?.dependencies) ?? {})) {
    if (name !== 'python') add(name, 'pyproject.toml', lineOf(text, new RegExp(`^${escape(name)}\\s*=`, 'm')))
  }
  for (const [name, spec] of Object.entries(table(manifests.pipfile?.packages) ?? {})) {
    const line = lineOf(manifests.pipfileText ?? '', new RegExp(`^${escape(name)}\\s*=`, 'm'))
    add(name, 'Pipfile', line)
    const extras = table(spec)?.extras
    if (Array.isArray(extras)) for (const extra of extras) if (typeof extra === 'string') add(`${name}[${extra}]`, 'Pipfile', line)
  }
  return deps
}

const extrasOf = (list: string | undefined): string[] => (list ?? '').split(',').map(e => normalizeName(e.trim())).filter(Boolean)

/**
 * Every package the install will bring, for the pack's [[system-packages]] rules: the declared ones
 * (with extras as `name[extra]`), then those a lockfile resolved, since a package without wheels can
 * come in as a dependency of a dependency.
 */
function allPackages(snapshot: Snapshot, deps: Dependencies): Fact<string[]> {
  const evidence: Evidence[] = [...deps].map(([name, d]) => ({detail: `${name} is a dependency`, file: d.file, ...(d.line === undefined ? {} : {line: d.line}), key: name}))
  const names = new Set(deps.keys())
  const lockNames = (file: string, pattern: RegExp): void => {
    const text = snapshot.read(file)
    if (!text) return
    for (const m of text.matchAll(pattern)) {
      const name = normalizeName(m[1]!)
      if (names.has(name)) continue
      names.add(name)
      evidence.push({detail: `${name} is locked in ${file}`, file, line: text.slice(0, m.index).split('\n').length, key: name})
    }
  }
  lockNames('uv.lock', /^\[\[package\]\]\s*\nname\s*=\s*"([^"]+)"/gm)
  lockNames('poetry.lock', /^\[\[package\]\]\s*\nname\s*=\s*"([^"]+)"/gm)
  const pipfileLock = parseJsonObject(snapshot.read('Pipfile.lock'))
  const locked = table(pipfileLock?.default)
  if (locked) {
    const text = snapshot.read('Pipfile.lock') ?? ''
    for (const name of Object.keys(locked)) {
      const key = normalizeName(name)
      if (names.has(key)) continue
      names.add(key)
      evidence.push({detail: `${key} is locked in Pipfile.lock`, file: 'Pipfile.lock', line: lineOf(text, `"${name}"`), key})
    }
  }
  return {value: [...names], evidence}
}

function parseJsonObject(text: string | undefined): Record<string, unknown> | undefined {
  try {
    return text === undefined ? undefined : table(JSON.parse(text))
  } catch {
    return undefined
  }
}

function readRequirements(snapshot: Snapshot, file: string, add: (name: string, file: string, line?: number) => void, seen: Set<string>): void {
  if (seen.has(file)) return
  seen.add(file)
  const text = snapshot.read(file)
  if (!text) return
  const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/') + 1) : ''
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/(^|\s)#.*$/, '').trim()
    const include = /^(?:-r|--requirement)\s*=?\s*(\S+)/.exec(line)
    if (include) return readRequirements(snapshot, normalizePath(dir + include[1]!), add, seen)
    if (!line || line.startsWith('-')) return
    const match = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?/.exec(line)
    if (!match) return
    add(match[1]!, file, index + 1)
    for (const extra of extrasOf(match[2])) add(`${match[1]}[${extra}]`, file, index + 1)
  })
}

/** Requirement files pulled in with `-r`, so the Dockerfile copies them along with the first. */
export function requirementFiles(snapshot: Snapshot, file: string): string[] {
  const out: string[] = []
  const visit = (path: string): void => {
    if (out.includes(path) || !snapshot.has(path)) return
    out.push(path)
    const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/') + 1) : ''
    for (const match of (snapshot.read(path) ?? '').matchAll(/^\s*(?:-r|--requirement|-c|--constraint)\s*=?\s*(\S+)/gm)) {
      visit(normalizePath(dir + match[1]!))
    }
  }
  visit(file)
  return out
}

function normalizePath(path: string): string {
  const parts: string[] = []
  for (const part of path.split('/')) {
    if (part === '..') parts.pop()
    else if (part !== '.' && part !== '') parts.push(part)
  }
  return parts.join('/')
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * The tool that installs the dependencies, most explicit first: a lockfile names its tool, then a
 * requirements file, then a Pipfile or a [tool.poetry] table, then plain PEP 621 metadata.
 */
function packageManager(snapshot: Snapshot, manifests: Manifests): FactSet {
  const text = manifests.pyprojectText ?? ''
  const tool = table(manifests.pyproject?.tool)
  const pm = (name: string, detail: string, file: string, line?: number): Fact<string> => fact(name, detail, file, line)
  const files = (list: string[], detail: string): Fact<string> => fact(list.join(' '), detail, list[0])

  if (snapshot.has('uv.lock')) {
    return {
      packageManager: pm('uv', 'lockfile uv.lock', 'uv.lock'),
      lockfile: fact('uv.lock', 'lockfile uv.lock', 'uv.lock'),
      dependencyFiles: files(['pyproject.toml', 'uv.lock'], 'uv installs from pyproject.toml and uv.lock'),
    }
  }
  if (snapshot.has('poetry.lock')) {
    return {
      packageManager: pm('poetry', 'lockfile poetry.lock', 'poetry.lock'),
      lockfile: fact('poetry.lock', 'lockfile poetry.lock', 'poetry.lock'),
      dependencyFiles: files(['pyproject.toml', 'poetry.lock'], 'poetry installs from pyproject.toml and poetry.lock'),
    }
  }
  if (snapshot.has('Pipfile.lock') && snapshot.has('Pipfile')) {
    return {
      packageManager: pm('pipenv', 'lockfile Pipfile.lock', 'Pipfile.lock'),
      lockfile: fact('Pipfile.lock', 'lockfile Pipfile.lock', 'Pipfile.lock'),
      dependencyFiles: files(['Pipfile', 'Pipfile.lock'], 'pipenv installs from Pipfile.lock'),
    }
  }
  if (manifests.requirements) {
    const list = requirementFiles(snapshot, manifests.requirements)
    return {
      packageManager: pm('pip', `requirements file ${manifests.requirements}`, manifests.requirements),
      requirementsFile: fact(manifests.requirements, `requirements file ${manifests.requirements}`, manifests.requirements),
      dependencyFiles: files(list, list.length > 1 ? `${list[0]} includes ${list.slice(1).join(', ')}` : `pip installs from ${list[0]}`),
    }
  }
  if (manifests.pipfile) {
    return {packageManager: pm('pipenv', 'Pipfile (no lockfile yet)', 'Pipfile'), dependencyFiles: files(['Pipfile'], 'pipenv locks and installs from Pipfile')}
  }
  if (tool?.poetry) {
    return {
      packageManager: pm('poetry', 'pyproject.toml has a [tool.poetry] table', 'pyproject.toml', lineOf(text, '[tool.poetry')),
      dependencyFiles: files(['pyproject.toml'], 'poetry installs from pyproject.toml'),
    }
  }
  if (tool?.uv) {
    return {
      packageManager: pm('uv', 'pyproject.toml has a [tool.uv] table', 'pyproject.toml', lineOf(text, '[tool.uv')),
      dependencyFiles: files(['pyproject.toml'], 'uv installs from pyproject.toml'),
    }
  }
  const project = table(manifests.pyproject?.project)
  if (project && Array.isArray(project.dependencies) && project.dependencies.length > 0) {
    return {
      packageManager: pm('pip', 'pyproject.toml lists [project] dependencies and no lockfile', 'pyproject.toml', lineOf(text, /^dependencies\s*=/m)),
      requirementsFile: fact('pyproject.toml', 'dependencies come from [project] in pyproject.toml', 'pyproject.toml', lineOf(text, /^dependencies\s*=/m)),
      dependencyFiles: files(['pyproject.toml'], 'the [project] dependencies of pyproject.toml'),
    }
  }
  return {packageManager: pm('pip', 'no dependency manifest: only the standard library', '')}
}

/**
 * The Python the app asks for, as a semver range: pins first (.python-version, runtime.txt, Pipfile),
 * then ranges (requires-python, Poetry's python). The pack chooses a maintained line from it.
 */
function pythonVersion(snapshot: Snapshot, manifests: Manifests): Fact<string> | undefined {
  const pinned = snapshot.read('.python-version')?.split(/\r?\n/).map(l => l.trim()).find(l => l && !l.startsWith('#'))
  const fromPin = pinned ? cpython(pinned) : undefined
  if (fromPin) return fact(fromPin, `.python-version says ${pinned}`, '.python-version', 1)

  const runtime = snapshot.read('runtime.txt')?.trim()
  const fromRuntime = runtime ? cpython(runtime) : undefined
  if (fromRuntime) return fact(fromRuntime, `runtime.txt says ${runtime}`, 'runtime.txt', 1)

  const requires = table(manifests.pipfile?.requires)
  const pipfileVersion = requires?.python_full_version ?? requires?.python_version
  if (typeof pipfileVersion === 'string' && cpython(pipfileVersion)) {
    return fact(cpython(pipfileVersion)!, `Pipfile requires python ${pipfileVersion}`, 'Pipfile', lineOf(manifests.pipfileText ?? '', /^python_(full_)?version/m))
  }

  const text = manifests.pyprojectText ?? ''
  const requiresPython = table(manifests.pyproject?.project)?.['requires-python']
  if (typeof requiresPython === 'string') {
    const range = pep440Range(requiresPython)
    if (range) return fact(range, `requires-python is "${requiresPython}"`, 'pyproject.toml', lineOf(text, 'requires-python'))
  }
  const poetryPython = table(table(table(manifests.pyproject?.tool)?.poetry)?.dependencies)?.python
  if (typeof poetryPython === 'string') {
    const range = pep440Range(poetryPython)
    if (range) return fact(range, `[tool.poetry.dependencies] python is "${poetryPython}"`, 'pyproject.toml', lineOf(text, /^python\s*=/m))
  }
  return undefined
}

/** "3.11.7", "python-3.11.7", "3.12.*" -> the CPython version; "pypy3.10" and "system" are not CPython. */
function cpython(text: string): string | undefined {
  return /^(?:python-?|cpython-?)?(3\.\d+(?:\.\d+)?)(?:\.\*)?$/.exec(text.trim())?.[1]
}

interface Framework {
  name: 'django' | 'fastapi' | 'flask'
  fact: Fact<string>
}

/** Django, FastAPI or Flask, from the declared dependencies first, then from imports in the source. */
function detectFramework(snapshot: Snapshot, deps: Dependencies, sources: string[]): Framework | undefined {
  const order = [
    {name: 'django', dep: 'django', import: /^\s*(?:from|import)\s+django\b/m},
    {name: 'fastapi', dep: 'fastapi', import: /^\s*(?:from|import)\s+fastapi\b/m},
    {name: 'flask', dep: 'flask', import: /^\s*(?:from|import)\s+flask\b/m},
  ] as const
  for (const candidate of order) {
    const dep = deps.get(candidate.dep)
    if (dep) return {name: candidate.name, fact: fact(candidate.name, `dependency "${candidate.dep}"`, dep.file, dep.line)}
  }
  if (snapshot.has('manage.py') && /django/i.test(snapshot.read('manage.py') ?? '')) {
    return {name: 'django', fact: fact('django', 'manage.py runs Django', 'manage.py')}
  }
  for (const candidate of order) {
    const found = findIn(snapshot, sources, candidate.import)
    if (found) return {name: candidate.name, fact: fact(candidate.name, `imports ${candidate.dep}`, found.file, found.line)}
  }
  return undefined
}

/**
 * Where a server must run from to import a file, and the module name from there. The app root in
 * general (namespace packages import without __init__.py), but src/ for a src layout, and the folder
 * of a path part that is no Python identifier (`my-service/app.py`).
 */
export function importPath(file: string): {dir: string; module: string} {
  const parts = file.replace(/\.py$/, '').replace(/\/__init__$/, '').split('/')
  let cut = parts[0] === 'src' && parts.length > 1 ? 1 : 0
  parts.forEach((part, i) => {
    if (i < parts.length - 1 && !/^[A-Za-z_]\w*$/.test(part)) cut = i + 1
  })
  return {dir: parts.slice(0, cut).join('/'), module: parts.slice(cut).join('.')}
}

interface AppObject {
  fact: Fact<string>
  /** Folder the server runs from, relative to the app root; '' for the root. */
  dir: string
}

/**
 * The app object a server imports: `project.wsgi:application` for Django, `module:app` (or a factory
 * call) for Flask and FastAPI.
 */
function appObject(snapshot: Snapshot, framework: Framework['name'], sources: string[]): AppObject | undefined {
  if (framework === 'django') return djangoWsgi(snapshot, sources)
  const klass = framework === 'flask' ? 'Flask' : 'FastAPI'
  const assigned = new RegExp(`^(\\w+)\\s*(?::\\s*\\w+\\s*)?=\\s*(?:\\w+\\.)?${klass}\\(`, 'm')
  const found = findIn(snapshot, sources, assigned)
  if (found) {
    const {dir, module} = importPath(found.file)
    return {fact: fact(`${module}:${found.match[1]}`, `${found.match[1]} = ${klass}(...)`, found.file, found.line), dir}
  }
  const factory = findIn(snapshot, sources, /^def\s+(create_app|make_app)\s*\(/m)
  if (factory) {
    const {dir, module} = importPath(factory.file)
    const call = framework === 'flask' ? `${factory.match[1]}()` : factory.match[1]
    return {fact: fact(`${module}:${call}`, `application factory ${factory.match[1]}()`, factory.file, factory.line), dir}
  }
  return undefined
}

/** Django runs from the folder of manage.py; its WSGI module is named by settings, or found. */
function djangoWsgi(snapshot: Snapshot, sources: string[]): AppObject | undefined {
  const manage = snapshot.files.map(f => f.path).filter(p => /(^|\/)manage\.py$/.test(p)).sort((a, b) => a.split('/').length - b.split('/').length)[0]
  const dir = manage?.includes('/') ? manage.slice(0, manage.lastIndexOf('/')) : ''
  const setting = findIn(snapshot, sources, /^WSGI_APPLICATION\s*=\s*["']([\w.]+)\.(\w+)["']/m)
  if (setting) {
    return {fact: fact(`${setting.match[1]}:${setting.match[2]}`, `WSGI_APPLICATION = "${setting.match[1]}.${setting.match[2]}"`, setting.file, setting.line), dir}
  }
  const wsgi = sources.find(f => /(^|\/)wsgi\.py$/.test(f) && /get_wsgi_application/.test(snapshot.read(f) ?? ''))
  if (!wsgi) return undefined
  const relative = dir && wsgi.startsWith(`${dir}/`) ? wsgi.slice(dir.length + 1) : wsgi
  const module = relative.replace(/\.py$/, '').replaceAll('/', '.')
  return {fact: fact(`${module}:application`, 'the Django WSGI module', wsgi, lineOf(snapshot.read(wsgi) ?? '', 'application =')), dir}
}

/** Procfile `web` first, then the framework's production server, then a script at the root. */
function startCommand(snapshot: Snapshot, framework: Framework['name'] | undefined, app: AppObject | undefined, rootScripts: string[]): Fact<string> | undefined {
  const procfile = procfileWeb(snapshot)
  if (procfile) {
    // The image has the virtualenv on PATH and not the tool that made it: run the program directly.
    const wrapper = /^(?:poetry|pipenv|uv)\s+run\s+(?:--\s+)?/.exec(procfile.value)
    if (!wrapper) return procfile
    const direct = procfile.value.slice(wrapper[0].length)
    return {value: direct, evidence: [...procfile.evidence, {detail: `"${wrapper[0].trim()}" dropped: the image puts the virtualenv on PATH`}]}
  }
  if (app) {
    const target = app.fact.value
    const from = app.dir ? ` (from ${app.dir}/)` : ''
    if (framework === 'fastapi') {
      return fact(`uvicorn ${target} --host 0.0.0.0${app.dir ? ` --app-dir ${app.dir}` : ''}`, `FastAPI app ${target}${from} runs under uvicorn, bound to all interfaces`)
    }
    const quoted = target.endsWith(')') ? `'${target}'` : target
    return fact(`gunicorn ${app.dir ? `--chdir ${app.dir} ` : ''}${quoted}`, `${framework === 'django' ? 'Django' : 'Flask'} app ${target}${from} runs under gunicorn (it binds 0.0.0.0:$PORT)`)
  }
  const main = ROOT_SCRIPTS.find(f => rootScripts.includes(f))
  if (main) return fact(`python ${main}`, `${main} at the app root`, main)
  const pkg = snapshot.files.find(f => /^[A-Za-z_]\w*\/__main__\.py$/.test(f.path))
  if (pkg) return fact(`python -m ${pkg.path.split('/')[0]}`, `${pkg.path} makes the package runnable`, pkg.path)
  return undefined
}

/** The server program a start command runs (`gunicorn`, `uvicorn`...), past wrappers such as `poetry run`. */
function serverOf(command: string): string | undefined {
  const words = command.trim().split(/\s+/)
  const skip = new Set(['exec', 'poetry', 'pipenv', 'uv', 'run', 'python', 'python3', '-m'])
  const first = words.find(w => !skip.has(w) && !/^\w+=/.test(w))
  return first && first in SERVERS ? first : undefined
}

const FRAMEWORK_PORTS: Record<Framework['name'], number> = {django: 8000, fastapi: 8000, flask: 5000}

/**
 * The port and the environment the app needs to answer on it. gunicorn binds 0.0.0.0:$PORT when PORT
 * is set and uvicorn reads UVICORN_PORT, so the port stays one setting; a script reads what it reads.
 */
function listenFacts(
  snapshot: Snapshot,
  sources: string[],
  framework: Framework['name'] | undefined,
  command: string | undefined,
  server: string | undefined,
): FactSet {
  const facts: FactSet = {}
  const env: Record<string, string> = {}
  const evidence: Evidence[] = []
  const procfile = snapshot.has('Procfile')
  const runsScript = Boolean(command && !server)

  let port: Fact<number> | undefined
  const commandPort = command ? /(?:--bind[= ]|-b\s+)(?:[\w.]*:)?(\d{2,5})\b|--port[= ](\d{2,5})\b|\s-p\s+(\d{2,5})\b/.exec(command) : null
  if (commandPort) {
    const value = Number(commandPort[1] ?? commandPort[2] ?? commandPort[3])
    port = fact(value, `the start command listens on ${value}`, procfile ? 'Procfile' : undefined)
  }
  const gunicornConf = server === 'gunicorn' ? ['gunicorn.conf.py', 'gunicorn_config.py', 'config/gunicorn.py'].find(f => snapshot.has(f)) : undefined
  if (!port && gunicornConf) {
    const bind = findIn(snapshot, [gunicornConf], /^bind\s*=\s*\[?\s*["'][\w.]*:(\d{2,5})["']/m)
    if (bind) port = fact(Number(bind.match[1]), `gunicorn config binds port ${bind.match[1]}`, bind.file, bind.line)
  }
  const envPort = findIn(snapshot, sources, /(?:environ\.get|getenv)\(\s*["']PORT["']\s*,\s*["']?(\d{2,5})/)
  if (!port && framework !== 'django') {
    const literal =
      envPort ??
      findIn(snapshot, sources, /\.run\([^)]*\bport\s*=\s*(\d{2,5})/) ??
      findIn(snapshot, sources, /(?:HTTPServer|TCPServer|make_server|\.bind)\(\s*\(?\s*["'][^"']*["']\s*,\s*(\d{2,5})\b/) ??
      findIn(snapshot, sources, /^PORT\s*=\s*(\d{2,5})\s*$/m)
    if (literal) port = fact(Number(literal.match[1]), `port ${literal.match[1]} in source`, literal.file, literal.line)
  }
  if (!port && framework) port = fact(FRAMEWORK_PORTS[framework], `${framework} ${framework === 'flask' ? 'apps conventionally listen' : 'listens'} on ${FRAMEWORK_PORTS[framework]}`)
  if (port) facts.port = port

  const readsPort = findIn(snapshot, sources, /(?:environ\.get|getenv)\(\s*["']PORT["']|environ\[\s*["']PORT["']\s*\]/)
  if (readsPort) {
    facts.portEnv = fact('PORT', 'the app reads PORT', readsPort.file, readsPort.line)
    env.PORT = '{{port}}'
    evidence.push({detail: 'the app reads PORT, so PORT is set to the container port', file: readsPort.file, line: readsPort.line})
  }
  if (server === 'gunicorn' || /\$\{?PORT\b/.test(command ?? '')) {
    env.PORT = '{{port}}'
    evidence.push({detail: server === 'gunicorn' ? 'gunicorn binds 0.0.0.0:$PORT when PORT is set' : 'the start command reads $PORT'})
  }
  if (server === 'uvicorn' && !commandPort) {
    env.UVICORN_PORT = '{{port}}'
    evidence.push({detail: 'uvicorn reads its port from UVICORN_PORT'})
  }
  const readsHost = findIn(snapshot, sources, /(?:environ\.get|getenv)\(\s*["'](HOST|BIND_HOST|LISTEN_HOST)["']|environ\[\s*["'](HOST)["']\s*\]/)
  if (readsHost && runsScript) {
    const name = readsHost.match[1] ?? readsHost.match[2]!
    env[name] = '0.0.0.0'
    evidence.push({detail: `the app reads ${name}; set to 0.0.0.0 so it answers outside the pod`, file: readsHost.file, line: readsHost.line})
  }
  if (framework === 'django') {
    const hosts = findIn(snapshot, sources, /^ALLOWED_HOSTS\s*=.*(?:environ\.get|getenv|environ\[|env\.list|env\()\s*\(?\s*["'](\w+)["']/m)
    if (hosts) {
      env[hosts.match[1]!] = '*'
      evidence.push({detail: `ALLOWED_HOSTS comes from ${hosts.match[1]}; "*" lets probes reach the pod by its IP`, file: hosts.file, line: hosts.line})
    }
  }
  if (Object.keys(env).length) facts.env = {value: env, evidence}

  const localhost = bindsLocalhost(snapshot, sources, command, runsScript, framework, gunicornConf)
  if (localhost) facts.bindsLocalhost = localhost
  return facts
}

function bindsLocalhost(
  snapshot: Snapshot,
  sources: string[],
  command: string | undefined,
  runsScript: boolean,
  framework: Framework['name'] | undefined,
  gunicornConf: string | undefined,
): Fact<boolean> | undefined {
  const warning = 'binds to localhost only: the container will not answer; bind to 0.0.0.0'
  if (command && /(?:--host[= ]|--bind[= ]|-b\s+|-h\s+)(?:127\.0\.0\.1|localhost)\b/.test(command)) {
    return fact(true, `the start command ${warning}`, snapshot.has('Procfile') ? 'Procfile' : undefined)
  }
  if (gunicornConf) {
    const bind = findIn(snapshot, [gunicornConf], /^bind\s*=\s*\[?\s*["'](?:127\.0\.0\.1|localhost)[:"']/m)
    if (bind) return fact(true, `gunicorn config ${warning}`, bind.file, bind.line)
  }
  if (!runsScript) return undefined
  const explicit = findIn(snapshot, sources, /(?:\.run\(|HTTPServer\(|TCPServer\(|make_server\(|\.bind\()[^)]*["'](?:127\.0\.0\.1|localhost)["']/)
  if (explicit) return fact(true, warning, explicit.file, explicit.line)
  if (framework === 'flask') {
    const run = findIn(snapshot, sources, /\bapp\.run\((?![^)]*host\s*=)[^)]*\)/)
    if (run) return fact(true, `app.run() without host= binds Flask to 127.0.0.1: the container will not answer; pass host="0.0.0.0"`, run.file, run.line)
  }
  const uvicorn = findIn(snapshot, sources, /\buvicorn\.run\((?![^)]*host\s*=)[^)]*\)/)
  if (uvicorn) return fact(true, 'uvicorn.run() without host= binds 127.0.0.1: the container will not answer; pass host="0.0.0.0"', uvicorn.file, uvicorn.line)
  return undefined
}

/** A health route: the conventional quoted paths, or a Django URL pattern (written without the slash). */
function healthPath(snapshot: Snapshot, sources: string[], framework: Framework['name'] | undefined): Fact<string> | undefined {
  if (framework === 'django') {
    const urls = sources.filter(f => /(^|\/)urls\.py$/.test(f))
    for (const name of DJANGO_HEALTH) {
      const found = findIn(snapshot, urls, new RegExp(`(?:re_)?path\\(\\s*r?["']\\^?(${name}/?)\\$?["']`))
      if (found) return fact(`/${found.match[1]}`, `URL pattern ${found.match[1]} in ${found.file}`, found.file, found.line)
    }
  }
  return findHealthPath(snapshot, sources)
}

/**
 * A Django project with STATIC_ROOT collects its static files into the image at build time. Settings
 * that read their secret key from the environment get a placeholder for that one command.
 */
function collectStatic(snapshot: Snapshot, sources: string[], dir: string): FactSet {
  const root = findIn(snapshot, sources, /^STATIC_ROOT\s*=/m)
  if (!root) return {}
  const facts: FactSet = {}
  const manage = dir ? `${dir}/manage.py` : 'manage.py'
  if (!snapshot.has(manage)) return {}
  facts.collectStatic = fact(`python ${manage} collectstatic --noinput`, 'STATIC_ROOT is set: static files are collected into the image', root.file, root.line)
  const secret = findIn(snapshot, sources, /^SECRET_KEY\s*=\s*(?:os\.environ\[\s*["'](\w+)["']\s*\]|os\.environ\.get\(\s*["'](\w+)["']\s*\)\s*$|os\.getenv\(\s*["'](\w+)["']\s*\)\s*$|env\(\s*["'](\w+)["']\s*\))/m)
  if (secret) {
    const name = secret.match[1] ?? secret.match[2] ?? secret.match[3] ?? secret.match[4]!
    facts.buildEnv = {value: {[name]: 'collectstatic-only'}, evidence: [{detail: `settings need ${name}; collectstatic gets a placeholder, the real one comes at run time`, file: secret.file, line: secret.line}]}
  }
  return facts
}

/** A folder the app writes into, relative to the app root ('.' for the root itself). */
const folderOf = (path: string): string => {
  const clean = path.replace(/^\.\//, '')
  return clean.includes('/') ? clean.slice(0, clean.lastIndexOf('/')) : '.'
}

const joinDir = (dir: string, sub: string): string => (dir && dir !== '.' ? (sub === '.' ? dir : `${dir}/${sub}`) : sub)

/**
 * Folders inside the app that it writes to at run time, which a read-only root filesystem would
 * refuse: a SQLite database next to the code (Django's BASE_DIR / "db.sqlite3", a relative
 * `sqlite:///` URL, sqlite3.connect), Flask's instance/ folder (where Flask-SQLAlchemy puts a
 * relative SQLite file), upload and media folders, and log files.
 */
function writablePaths(snapshot: Snapshot, sources: string[], framework: Framework['name'] | undefined, deps: Dependencies, appDir: string): Fact<string[]> | undefined {
  const paths = new Map<string, Evidence>()
  const add = (folder: string, detail: string, file: string, line: number): void => {
    const key = folder.replace(/\/+$/, '') || '.'
    if (key.startsWith('/') || key.startsWith('..') || paths.has(key)) return
    paths.set(key, {detail, file, line, key})
  }
  const djangoDir = framework === 'django' ? (snapshot.files.map(f => f.path).find(p => /(^|\/)manage\.py$/.test(p))?.replace(/\/?manage\.py$/, '') ?? '') : ''
  const flaskSqlalchemy = framework === 'flask' && deps.has('flask-sqlalchemy')
  for (const file of sources) {
    const text = snapshot.read(file)
    if (!text) continue
    const at = (index: number): number => text.slice(0, index).split('\n').length
    // Django: BASE_DIR / "db.sqlite3", BASE_DIR / "data" / "db.sqlite3", os.path.join(BASE_DIR, ...).
    for (const m of text.matchAll(/BASE_DIR\s*(?:\/\s*["']([^"']+)["']\s*)*\/\s*["']([^"']+\.(?:sqlite3?|db))["']|os\.path\.join\(\s*BASE_DIR\s*,\s*((?:["'][^"']+["']\s*,\s*)*)["']([^"']+\.(?:sqlite3?|db))["']/g)) {
      const middle = m[0].match(/["']([^"']+)["']/g)!.map(q => q.slice(1, -1)).slice(0, -1).join('/')
      add(joinDir(djangoDir, middle || '.'), `the SQLite database ${m[2] ?? m[4]} is written next to the code`, file, at(m.index!))
    }
    for (const m of text.matchAll(/["']sqlite(?:\+\w+)?:\/\/\/(?!\/)([^"'{}]+\.(?:sqlite3?|db))["']/g)) {
      // Flask-SQLAlchemy 3 resolves a relative SQLite path in the instance folder; SQLAlchemy in the working directory.
      const folder = flaskSqlalchemy ? joinDir(appDir, 'instance') : joinDir(appDir, folderOf(m[1]!))
      add(folder, `the SQLite database ${m[1]} is written ${flaskSqlalchemy ? "in Flask's instance folder" : 'inside the app'}`, file, at(m.index!))
    }
    for (const m of text.matchAll(/\bsqlite3\.connect\(\s*["'](?!:memory:)([^"'/][^"']*)["']/g)) {
      add(joinDir(appDir, folderOf(m[1]!)), `sqlite3.connect("${m[1]}") writes inside the app`, file, at(m.index!))
    }
    if (framework === 'flask') {
      const instance = /\bapp\.instance_path\b|\bcurrent_app\.instance_path\b/.exec(text)
      if (instance && /makedirs|sqlite|DATABASE|open\(/.test(text)) add(joinDir(appDir, 'instance'), "the app writes into Flask's instance folder", file, at(instance.index))
    }
    for (const m of text.matchAll(/^\s*(?:app\.config\[\s*["'])?(UPLOAD_FOLDER|UPLOAD_DIR|UPLOADS_DIR|MEDIA_ROOT)["']?\]?\s*=\s*(?:os\.path\.join\(\s*(?:BASE_DIR|[\w.]+)\s*,\s*|BASE_DIR\s*\/\s*)?["']([\w][\w./-]*)["']/gm)) {
      add(joinDir(framework === 'django' ? djangoDir : appDir, m[2]!.replace(/\/+$/, '')), `${m[1]} = "${m[2]}": uploads are written there`, file, at(m.index!))
    }
    for (const m of text.matchAll(/\b(?:FileHandler|RotatingFileHandler|TimedRotatingFileHandler)\(\s*["']([\w][\w.-]*\/[\w./-]+)["']/g)) {
      add(joinDir(appDir, folderOf(m[1]!)), `logs are written to ${m[1]}`, file, at(m.index!))
    }
  }
  if (!paths.size) return undefined
  return {value: [...paths.keys()], evidence: [...paths.values()]}
}

/**
 * The release phase: what must run before a new version serves traffic. Django's migrations, Flask-
 * Migrate's (with a migrations/ folder), or Alembic's. A Procfile `release:` wins over these (the pack
 * names procfile.release first).
 */
function releaseCommand(snapshot: Snapshot, sources: string[], framework: Framework['name'] | undefined, deps: Dependencies, app: AppObject | undefined): Fact<string> | undefined {
  if (framework === 'django') {
    const manage = snapshot.files.map(f => f.path).filter(p => /(^|\/)manage\.py$/.test(p)).sort((a, b) => a.length - b.length)[0]
    // DATABASES = {} is Django's dummy backend: there is nothing to migrate. Settings often choose
    // the database in an if/else (Postgres from DATABASE_URL in production, SQLite otherwise), so
    // the assignment may be indented.
    const databases = findIn(snapshot, sources, /^[ \t]*DATABASES\s*=\s*(?!\{\s*\}\s*$)\S/m)
    if (manage && databases) return fact(`python ${manage} migrate --noinput`, 'Django applies its migrations before the new version serves', databases.file, databases.line)
  }
  const migrationsEnv = snapshot.has('migrations/env.py') || snapshot.has('migrations/alembic.ini')
  if (framework === 'flask' && deps.has('flask-migrate') && migrationsEnv) {
    const module = app?.fact.value.split(':')[0]
    const dep = deps.get('flask-migrate')!
    return fact(`flask${module ? ` --app ${module}` : ''} db upgrade`, 'Flask-Migrate with a migrations/ folder: its migrations run before the new version serves', dep.file, dep.line)
  }
  if (snapshot.has('alembic.ini') && deps.has('alembic')) {
    return fact('alembic upgrade head', 'alembic.ini: the migrations run before the new version serves', 'alembic.ini')
  }
  return undefined
}
