import {posix} from 'node:path'

import {type Evidence, type Fact, type FactSet, type Inspector, fact, findIn, lineOf, procfileWeb} from '../facts.js'
import type {Snapshot} from '../snapshot.js'
import {configFilePort, runtimeFiles} from './runtime-files.js'

/** Go web frameworks by module path (any major version suffix), with the port each is usually run on. */
const FRAMEWORKS: {module: RegExp; name: string; port: number}[] = [
  {module: /^github\.com\/gin-gonic\/gin$/, name: 'gin', port: 8080},
  {module: /^github\.com\/labstack\/echo(\/v\d+)?$/, name: 'echo', port: 8080},
  {module: /^github\.com\/gofiber\/fiber(\/v\d+)?$/, name: 'fiber', port: 3000},
  {module: /^github\.com\/go-chi\/chi(\/v\d+)?$/, name: 'chi', port: 8080},
  {module: /^github\.com\/gorilla\/mux$/, name: 'gorilla', port: 8080},
]

/** Modules that only build with cgo; a static binary on distroless/static would not link. */
const CGO_MODULES = [/^github\.com\/mattn\/go-sqlite3$/, /^github\.com\/confluentinc\/confluent-kafka-go(\/v\d+)?$/]

/** Names a server's main package usually has, best first, when cmd/ holds several programs. */
const SERVER_NAMES = ['server', 'api', 'web', 'http', 'app', 'service', 'serve', 'daemon']

const DEFAULT_PORT = 8080

interface GoMod {
  module?: string
  go?: {version: string; line: number}
  toolchain?: {version: string; line: number}
  requires: {path: string; line: number; indirect: boolean}[]
}

interface MainPackage {
  /** `.` or `./cmd/server`, as `go build` takes it. */
  path: string
  dir: string
  files: string[]
}

export const goInspector: Inspector = {
  name: 'go',
  inspect(snapshot) {
    const modText = snapshot.read('go.mod')
    const workText = snapshot.read('go.work')
    if (modText === undefined && workText === undefined) return {}
    const facts: FactSet = {}

    if (workText !== undefined) {
      const uses = parseWorkUses(workText).filter(u => u.dir !== '.')
      if (uses.length) {
        facts.workspace = fact(true, `go.work uses ${uses.map(u => u.dir).join(', ')}`, 'go.work', uses[0]!.line)
        facts.modules = fact(uses.map(u => u.dir), 'modules of the workspace', 'go.work', uses[0]!.line)
      }
    }
    if (modText === undefined) return facts

    const mod = parseGoMod(modText)
    facts.manifest = fact(true, 'go.mod', 'go.mod', 1)
    if (mod.module) facts.module = fact(mod.module, `module ${mod.module}`, 'go.mod', lineOf(modText, /^module\s/m))
    const version = goVersion(mod)
    if (version) facts.version = version
    if (snapshot.has('go.sum')) facts.goSum = fact(true, 'go.sum pins the module checksums', 'go.sum')
    if (snapshot.has('vendor/modules.txt') || snapshot.skipped.some(s => s.path === 'vendor')) {
      facts.vendored = fact(true, 'vendor/ holds the dependencies: the build uses them instead of downloading', 'vendor/modules.txt')
    }

    const direct = mod.requires.filter(r => !r.indirect)
    const framework = FRAMEWORKS.find(f => direct.some(r => f.module.test(r.path)))
    const frameworkRequire = framework ? direct.find(r => framework.module.test(r.path)) : undefined

    const mains = findMainPackages(snapshot)
    const procfile = procfileWeb(snapshot)
    const chosen = chooseMain(mains, mod.module, snapshot.root, procfile?.value)
    const main = chosen?.main
    if (chosen && main) {
      facts.mainPackage = {value: main.path, evidence: chosen.evidence}
      if (mains.length > 1) facts.mainPackages = fact(mains.map(m => m.path), `${mains.length} main packages`)
    }
    if (mains.length === 0) facts.library = fact(true, 'no package main with func main: a library, nothing to run', 'go.mod')
    const binary = binaryName(main, mod.module)
    facts.binaryName = fact(binary.name, binary.why, main?.files[0])

    const sources = goSources(snapshot, main)
    if (framework && frameworkRequire) {
      facts.framework = fact(framework.name, `requires ${frameworkRequire.path}`, 'go.mod', frameworkRequire.line)
    } else {
      const stdlib = findIn(snapshot, sources, /\bhttp\.(ListenAndServe(?:TLS)?|Server\s*\{)|\bhttp\.Serve\(/)
      if (stdlib) facts.framework = fact('net/http', `the standard library server (http.${stdlib.match[1]?.replace(/\s*\{$/, '') ?? 'Serve'})`, stdlib.file, stdlib.line)
    }

    const cgoModule = direct.find(r => CGO_MODULES.some(m => m.test(r.path)))
    const cgoImport = findIn(snapshot, sources, /^import\s+"C"\s*$/m)
    if (cgoModule) facts.cgo = fact(true, `${cgoModule.path} needs cgo`, 'go.mod', cgoModule.line)
    else if (cgoImport) facts.cgo = fact(true, 'import "C": the code needs cgo', cgoImport.file, cgoImport.line)

    const start = startCommand(procfile, binary.name)
    facts.startCommand = start

    const files = runtimeFiles(snapshot, {
      sources: allGoSources(snapshot),
      base: '',
      sourceExtensions: ['.go'],
      embedded: embeddedPaths(snapshot),
      conventional: CONVENTIONAL_FOLDERS,
    })
    if (files) facts.runtimeFiles = files
    const configs = (files?.value ?? []).flatMap(p => (snapshot.has(p) ? [p] : snapshot.files.filter(f => f.path.startsWith(`${p}/`)).map(f => f.path)))
    const configPort = configFilePort(snapshot, configs, allGoSources(snapshot))

    Object.assign(facts, listenFacts(snapshot, sources, framework, configPort))
    const health = findRoute(snapshot, sources)
    if (health) facts.healthPath = health
    return facts
  },
}

/** go.mod's module, go, toolchain and require directives (single-line and blocks). */
export function parseGoMod(text: string): GoMod {
  const mod: GoMod = {requires: []}
  const lines = text.split(/\r?\n/)
  let inRequire = false
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!
    const line = raw.replace(/\/\/.*$/, '').trim()
    const indirect = /\/\/\s*indirect\b/.test(raw)
    if (inRequire) {
      if (line === ')') {
        inRequire = false
        continue
      }
      const req = /^("?)([^\s"]+)\1\s+v\S+/.exec(line)
      if (req) mod.requires.push({path: req[2]!, line: i + 1, indirect})
      continue
    }
    let m
    if ((m = /^module\s+"?([^\s"]+)"?/.exec(line))) mod.module = m[1]
    else if ((m = /^go\s+(\d+\.\d+(?:\.\d+)?(?:rc\d+)?)\b/.exec(line))) mod.go = {version: m[1]!, line: i + 1}
    else if ((m = /^toolchain\s+go(\d+\.\d+(?:\.\d+)?)/.exec(line))) mod.toolchain = {version: m[1]!, line: i + 1}
    else if (/^require\s*\($/.test(line)) inRequire = true
    else if ((m = /^require\s+"?([^\s"(]+)"?\s+v\S+/.exec(line))) mod.requires.push({path: m[1]!, line: i + 1, indirect})
  }
  return mod
}

/** Directories a go.work uses, from `use ./a` and `use ( ./a ./b )`. */
export function parseWorkUses(text: string): {dir: string; line: number}[] {
  const uses: {dir: string; line: number}[] = []
  const lines = text.split(/\r?\n/)
  let inUse = false
  const add = (dir: string, line: number): void => {
    const clean = posix.normalize(dir.replace(/^"|"$/g, '')).replace(/\/$/, '')
    uses.push({dir: clean === '' ? '.' : clean, line})
  }
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\/\/.*$/, '').trim()
    if (inUse) {
      if (line === ')') inUse = false
      else if (line) add(line, i + 1)
      continue
    }
    if (/^use\s*\($/.test(line)) inUse = true
    else {
      const m = /^use\s+(\S+)/.exec(line)
      if (m) add(m[1]!, i + 1)
    }
  }
  return uses
}

/**
 * The Go the module asks for, as a range: at least the higher of the `go` line (the oldest Go that
 * may build the module) and the `toolchain` line. The pack chooses a maintained line from it.
 */
function goVersion(mod: GoMod): Fact<string> | undefined {
  const release = (v: string): string => v.replace(/(rc|beta)\d+$/, '')
  const toolchain = mod.toolchain && (!mod.go || compareVersions(release(mod.toolchain.version), release(mod.go.version)) > 0)
  if (toolchain) return fact(`>=${release(mod.toolchain!.version)}`, `toolchain go${mod.toolchain!.version} in go.mod`, 'go.mod', mod.toolchain!.line)
  if (mod.go) return fact(`>=${release(mod.go.version)}`, `go ${mod.go.version} in go.mod`, 'go.mod', mod.go.line)
  return undefined
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number)
  const pb = b.split('.').map(Number)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}

const isGoSource = (path: string): boolean =>
  path.endsWith('.go') && !path.endsWith('_test.go') && !/(^|\/)(testdata|examples?|_[^/]*)\//.test(path)

/**
 * Folders that hold a `package main` with a `func main`: the root, cmd/<name>/, and other folders
 * at most two levels down. Only those folders' files are read, so a large module stays cheap.
 */
export function findMainPackages(snapshot: Snapshot): MainPackage[] {
  const byDir = new Map<string, string[]>()
  for (const file of snapshot.files) {
    if (!isGoSource(file.path) || file.size > 512 * 1024) continue
    const dir = posix.dirname(file.path)
    const depth = dir === '.' ? 0 : dir.split('/').length
    if (depth > 3 || (depth === 3 && !dir.startsWith('cmd/'))) continue
    let list = byDir.get(dir)
    if (!list) byDir.set(dir, (list = []))
    list.push(file.path)
  }
  const mains: MainPackage[] = []
  for (const [dir, files] of byDir) {
    // main.go first: it usually holds func main, and one file tells the package of the whole folder.
    const ordered = [...files].sort((a, b) => Number(posix.basename(b) === 'main.go') - Number(posix.basename(a) === 'main.go') || (a < b ? -1 : 1))
    if (!/^package\s+main\b/m.test(snapshot.read(ordered[0]!) ?? '')) continue
    const withMain = ordered.find(f => /^func\s+main\s*\(\s*\)/m.test(snapshot.read(f) ?? ''))
    if (!withMain) continue
    mains.push({path: dir === '.' ? '.' : `./${dir}`, dir, files: [withMain, ...ordered.filter(f => f !== withMain)]})
  }
  return mains.sort((a, b) => rank(a) - rank(b) || (a.path < b.path ? -1 : 1))
}

const rank = (m: MainPackage): number => (m.dir === '.' ? 0 : m.dir.startsWith('cmd/') ? 1 : 2)

const lastElement = (module: string | undefined): string | undefined =>
  module?.split('/').filter(p => !/^v\d+$/.test(p)).pop()

/** The main package to build, and why: Procfile, the root, the only one, or by name. */
export function chooseMain(
  mains: MainPackage[],
  module: string | undefined,
  root: string,
  procfile: string | undefined,
): {main: MainPackage; evidence: Evidence[]} | undefined {
  if (mains.length === 0) return undefined
  const where = (m: MainPackage): Evidence => ({detail: `package main in ${m.dir === '.' ? 'the module root' : `${m.dir}/`}`, file: m.files[0]})
  const others = (m: MainPackage): string => {
    const rest = mains.filter(x => x !== m).map(x => x.path)
    return rest.length ? `; the others (${rest.join(', ')}) can be chosen with --set mainPackage=PATH` : ''
  }
  const pick = (m: MainPackage, why: string): {main: MainPackage; evidence: Evidence[]} => ({
    main: m,
    evidence: [{...where(m), detail: `${why}${others(m)}`}],
  })

  const procBinary = procfile ? posix.basename(procfile.trim().split(/\s+/)[0] ?? '') : undefined
  const byProcfile = procBinary ? mains.find(m => posix.basename(m.dir === '.' ? (lastElement(module) ?? '') : m.dir) === procBinary) : undefined
  if (byProcfile) return pick(byProcfile, `Procfile web runs ${procBinary}, built from ${byProcfile.path}`)
  if (mains.length === 1) return pick(mains[0]!, `the only main package: ${mains[0]!.path}`)
  const rootMain = mains.find(m => m.dir === '.')
  if (rootMain) return pick(rootMain, 'package main at the module root')

  const named = (name: string | undefined): MainPackage | undefined =>
    name ? mains.find(m => posix.basename(m.dir).toLowerCase() === name.toLowerCase()) : undefined
  const moduleName = lastElement(module)
  const byModule = named(moduleName)
  if (byModule) return pick(byModule, `${byModule.path} is named after the module ${module}`)
  const appName = posix.basename(root)
  const byApp = named(appName)
  if (byApp) return pick(byApp, `${byApp.path} is named after the app folder ${appName}`)
  for (const name of SERVER_NAMES) {
    const found = named(name)
    if (found) return pick(found, `${found.path} is named like a server`)
  }
  return pick(mains[0]!, `${mains[0]!.path} is the first of ${mains.length} main packages`)
}

function binaryName(main: MainPackage | undefined, module: string | undefined): {name: string; why: string} {
  const clean = (s: string): string => s.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '')
  if (main && main.dir !== '.') {
    const name = clean(posix.basename(main.dir))
    if (name) return {name, why: `go build names the binary after ${main.dir}/`}
  }
  const fromModule = clean(lastElement(module) ?? '')
  if (fromModule) return {name: fromModule, why: `go build names the binary after the module ${module}`}
  return {name: 'app', why: 'no module name: the binary is called app'}
}

/** The main package's files first (they hold the listen call), then the rest of the module. */
function goSources(snapshot: Snapshot, main: MainPackage | undefined, limit = 120): string[] {
  const first = main?.files ?? []
  const rest: string[] = []
  for (const file of snapshot.files) {
    if (rest.length + first.length >= limit) break
    if (!isGoSource(file.path) || file.size > 256 * 1024 || first.includes(file.path)) continue
    rest.push(file.path)
  }
  rest.sort((a, b) => a.split('/').length - b.split('/').length || (a < b ? -1 : 1))
  return [...first, ...rest]
}


/** Folders Go servers conventionally read at run time (templates, assets, migrations). */
const CONVENTIONAL_FOLDERS = ['templates', 'static', 'public', 'views', 'assets', 'web/templates', 'web/static', 'migrations', 'locales']

/** Every Go source of the module but tests: a runtime read can be in any package. */
function allGoSources(snapshot: Snapshot): string[] {
  return snapshot.files.filter(f => isGoSource(f.path) && f.size <= 256 * 1024).map(f => f.path).slice(0, 400)
}

/**
 * What `//go:embed` compiles into the program, as paths from the module root (a pattern is relative to
 * the file's package folder; `all:` and globs allowed).
 */
export function embeddedPaths(snapshot: Snapshot): {path: string; evidence: Evidence}[] {
  const out: {path: string; evidence: Evidence}[] = []
  for (const file of allGoSources(snapshot)) {
    const text = snapshot.read(file)
    if (!text || !text.includes('go:embed')) continue
    const dir = posix.dirname(file)
    for (const m of text.matchAll(/^\s*\/\/go:embed\s+(.+)$/gm)) {
      for (const raw of m[1]!.match(/"[^"]*"|`[^`]*`|\S+/g) ?? []) {
        const pattern = raw.replace(/^["`]|["`]$/g, '').replace(/^all:/, '')
        const glob = pattern.search(/[*?[]/)
        const prefix = (glob >= 0 ? pattern.slice(0, glob).replace(/[^/]*$/, '') : pattern).replace(/\/+$/, '')
        const path = posix.normalize(dir === '.' ? prefix || '.' : `${dir}/${prefix}`)
        // A glob at the package root (`*.html`) embeds single files; copying one of them too is harmless.
        if (path === '.') continue
        out.push({path, evidence: {detail: `//go:embed ${m[1]!.trim()} compiles it into the program`, file, line: text.slice(0, m.index).split('\n').length}})
      }
    }
  }
  return out
}

/** Procfile `web` when it names a program, else the binary the Dockerfile builds. */
function startCommand(procfile: Fact<string> | undefined, binary: string): Fact<string> {
  if (procfile) {
    const [program, ...args] = procfile.value.trim().split(/\s+/)
    // The runtime image has no shell: a command that needs one cannot run there as written.
    if (program && !/[$|&;<>`()*]/.test(procfile.value)) {
      const path = posix.basename(program) === binary ? `/app/${binary}` : program
      return {value: [path, ...args].join(' '), evidence: procfile.evidence}
    }
  }
  return fact(`/app/${binary}`, `the binary built from the main package, at /app/${binary} in the image`)
}

const LISTEN_CALL = String.raw`(?:ListenAndServe(?:TLS)?|\.Run|\.Start|\.Listen|\.RunTLS|\.StartTLS|net\.Listen)\(\s*(?:"tcp[46]?"\s*,\s*)?`

/**
 * How the server listens: the port (a literal in a listen call, an Addr field, a flag default, an
 * environment default), the variable it reads the port or address from, and whether it binds only
 * to localhost. The environment to set follows from these.
 */
function listenFacts(snapshot: Snapshot, sources: string[], framework: (typeof FRAMEWORKS)[number] | undefined, configPort?: Fact<number>): FactSet {
  const facts: FactSet = {}
  const env: Record<string, string> = {}
  const envEvidence: Evidence[] = []

  const hostPort = String.raw`"((?:[\w.-]+|\[[:\w]*\])?):(\d{2,5})"`
  const direct = findIn(snapshot, sources, new RegExp(LISTEN_CALL + hostPort)) ?? findIn(snapshot, sources, new RegExp(String.raw`\bAddr\s*:\s*` + hostPort))
  // A port in a config file the program reads comes after a literal in the listen call itself, and
  // before defaults in code (a flag's, an environment variable's), which the config file overrides.
  const literal = direct ?? (configPort ? undefined : findIn(snapshot, sources, /\bflag\.(?:String|Int|Uint)(?:Var)?\([^)]*?"(?:port|addr|address|listen|http[-_.]?(?:port|addr))"\s*,\s*"?(?:([\w.-]*):)?(\d{2,5})"?/i) ??
    findIn(snapshot, sources, /"\w*(?:PORT|ADDR)\w*"\s*,\s*"(?:([\w.-]*):)?(\d{2,5})"/) ??
    findIn(snapshot, sources, /\b(?:port|addr|listenAddr|address)\s*(?::=|=)\s*"(?:([\w.-]*):)?(\d{2,5})"/i) ??
    findIn(snapshot, sources, /"():(\d{2,5})"/))
  if (literal) {
    facts.port = fact(Number(literal.match[2]), `port ${literal.match[2]} in source`, literal.file, literal.line)
  } else if (configPort) {
    facts.port = configPort
  } else if (framework) {
    facts.port = fact(framework.port, `${framework.name} apps usually listen on ${framework.port}`)
  } else {
    facts.port = fact(DEFAULT_PORT, `no port found in source; ${DEFAULT_PORT} is the usual one for Go servers`)
  }

  const readsEnv = new RegExp(String.raw`\b(?:os\.Getenv|os\.LookupEnv|\w*[Ee]nv\w*)\(\s*"([A-Z][A-Z0-9_]*)"`, 'g')
  const readsHost = findIn(snapshot, sources, /\b(?:os\.Getenv|os\.LookupEnv|\w*[Ee]nv\w*)\(\s*"(HOST|BIND_HOST|LISTEN_HOST|HTTP_HOST)"/)
  let portVar: ReturnType<typeof findIn>
  for (const file of sources) {
    const text = snapshot.read(file)
    if (!text) continue
    for (const m of text.matchAll(readsEnv)) {
      const name = m[1]!
      if (!/PORT|ADDR|LISTEN/.test(name) || /DB|DATABASE|REDIS|POSTGRES|MYSQL|MONGO|SMTP|GRPC|METRICS|DEBUG|ADMIN/.test(name)) continue
      const line = text.slice(0, m.index).split('\n').length
      portVar = {file, line, match: m as RegExpExecArray}
      break
    }
    if (portVar) break
  }
  if (portVar) {
    const name = portVar.match[1]!
    const isAddress = !/PORT/.test(name)
    // An address variable gets ":port", which listens on every interface.
    env[name] = isAddress ? ':{{port}}' : '{{port}}'
    facts.portEnv = fact(name, `the app reads ${name}`, portVar.file, portVar.line)
    const detail = isAddress ? `the app reads ${name}, so it is set to listen on the container port` : `the app reads ${name}, so it is set to the container port`
    envEvidence.push({detail, file: portVar.file, line: portVar.line})
  } else if (framework?.name === 'gin') {
    const run = findIn(snapshot, sources, /\.Run\(\s*\)/)
    if (run) {
      env.PORT = '{{port}}'
      facts.portEnv = fact('PORT', "gin's Run() with no address listens on PORT", run.file, run.line)
      envEvidence.push({detail: "gin's Run() with no address listens on PORT", file: run.file, line: run.line})
    }
  }
  if (readsHost) {
    env[readsHost.match[1]!] = '0.0.0.0'
    envEvidence.push({detail: `the app reads ${readsHost.match[1]}; set to 0.0.0.0 so it answers outside the pod`, file: readsHost.file, line: readsHost.line})
  }

  const localhostLiteral = String.raw`"(?:127\.0\.0\.1|localhost|\[::1\]):\d{2,5}"`
  const localhost =
    findIn(snapshot, sources, new RegExp(LISTEN_CALL + localhostLiteral)) ??
    findIn(snapshot, sources, new RegExp(String.raw`\bAddr\s*:\s*` + localhostLiteral)) ??
    (literal && /^(127\.0\.0\.1|localhost|\[::1\])$/.test(literal.match[1] ?? '') ? literal : undefined)
  if (localhost && !readsHost) {
    facts.bindsLocalhost = fact(true, 'listens on localhost only: the container will not answer; listen on ":PORT" instead', localhost.file, localhost.line)
  }
  if (Object.keys(env).length) facts.env = {value: env, evidence: envEvidence}
  return facts
}

/** A health route: quoted paths, with the method prefix of Go 1.22 patterns ("GET /healthz"). */
function findRoute(snapshot: Snapshot, files: readonly string[]): Fact<string> | undefined {
  for (const path of ['/healthz', '/health', '/api/health', '/livez', '/readyz', '/ping', '/status']) {
    const found = findIn(snapshot, files, new RegExp(`["\`](?:(?:GET|HEAD)\\s+)?${path.replace(/\//g, '\\/')}/?["\`]`))
    if (found) return fact(path, `route ${path} defined in source`, found.file, found.line)
  }
  return undefined
}
