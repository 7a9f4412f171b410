import {type Evidence, type Fact, type FactSet, type Inspector, fact, findHealthPath, findIn, lineOf, parseJson, procfileWeb, sourceFiles} from '../facts.js'
import type {Snapshot} from '../snapshot.js'
import {validRange} from '../../pack-model/versions.js'
import {type Runner, type TsConfig, compiledPath, resolveCommand, resolveScript} from './node-start.js'
import {stripJsonComments} from './dotnet.js'

interface PackageJson {
  name?: string
  main?: string
  gypfile?: boolean
  scripts?: Record<string, string>
  dependencies?: Record<string, string>
  devDependencies?: Record<string, string>
  engines?: {node?: string}
  packageManager?: string
  workspaces?: unknown
  volta?: {node?: string}
}

/** Server frameworks, most specific first, with the port each listens on by default. */
const SERVER_FRAMEWORKS: {dep: string; name: string; port: number; start?: string}[] = [
  {dep: 'next', name: 'next', port: 3000, start: 'node_modules/.bin/next start'},
  {dep: 'nuxt', name: 'nuxt', port: 3000, start: 'node .output/server/index.mjs'},
  {dep: '@remix-run/serve', name: 'remix', port: 3000},
  {dep: '@sveltejs/adapter-node', name: 'sveltekit', port: 3000, start: 'node build'},
  {dep: '@nestjs/core', name: 'nest', port: 3000, start: 'node dist/main.js'},
  {dep: 'fastify', name: 'fastify', port: 3000},
  {dep: '@hapi/hapi', name: 'hapi', port: 3000},
  {dep: 'koa', name: 'koa', port: 3000},
  {dep: 'hono', name: 'hono', port: 3000},
  {dep: 'express', name: 'express', port: 3000},
]

/** Front-end build tools: with no server framework beside them, the app is a single-page app. */
const SPA_TOOLS: {dep: string; name: string; output: string}[] = [
  {dep: '@angular/core', name: 'angular', output: 'dist'},
  {dep: 'react-scripts', name: 'create-react-app', output: 'build'},
  {dep: '@vue/cli-service', name: 'vue', output: 'dist'},
  {dep: 'vite', name: 'vite', output: 'dist'},
  {dep: 'parcel', name: 'parcel', output: 'dist'},
]

const LOCKFILES: {file: string; manager: string}[] = [
  {file: 'pnpm-lock.yaml', manager: 'pnpm'},
  {file: 'yarn.lock', manager: 'yarn'},
  {file: 'bun.lockb', manager: 'bun'},
  {file: 'bun.lock', manager: 'bun'},
  {file: 'package-lock.json', manager: 'npm'},
  {file: 'npm-shrinkwrap.json', manager: 'npm'},
]

const SOURCE_EXTENSIONS = ['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts']

export const nodeInspector: Inspector = {
  name: 'node',
  inspect(snapshot) {
    const text = snapshot.read('package.json')
    const pkg = parseJson(text) as PackageJson | undefined
    if (!pkg || text === undefined) return {}
    const facts: FactSet = {}
    const deps = {...pkg.devDependencies, ...pkg.dependencies}
    const depLine = (dep: string): number | undefined => lineOf(text, `"${dep}"`)

    facts.manifest = fact(true, 'package.json', 'package.json')
    if (pkg.workspaces || snapshot.has('pnpm-workspace.yaml')) {
      facts.workspace = pkg.workspaces
        ? fact(true, 'package.json declares workspaces', 'package.json', lineOf(text, '"workspaces"'))
        : fact(true, 'pnpm-workspace.yaml', 'pnpm-workspace.yaml')
    }

    Object.assign(facts, packageManager(snapshot, pkg, text))
    const version = nodeVersion(snapshot, pkg, text)
    if (version) facts.version = version

    const server = SERVER_FRAMEWORKS.find(f => deps[f.dep])
    const spaTool = SPA_TOOLS.find(f => deps[f.dep])
    if (server) facts.framework = fact(server.name, `dependency "${server.dep}"`, 'package.json', depLine(server.dep))
    else if (spaTool) facts.framework = fact(spaTool.name, `dependency "${spaTool.dep}"`, 'package.json', depLine(spaTool.dep))

    const scripts = pkg.scripts ?? {}
    if (!server && spaTool && scripts.build) {
      facts.spa = fact(true, `${spaTool.name} build with no server framework`, 'package.json', depLine(spaTool.dep))
      const output = angularOutput(snapshot, pkg) ?? viteOutput(snapshot) ?? spaTool.output
      facts.buildOutput = fact(output, `${spaTool.name} writes its build to ${output}/`)
    }
    if (scripts.build) facts.buildScript = fact(true, 'package.json has a "build" script', 'package.json', lineOf(text, '"build"'))
    const typescript = snapshot.has('tsconfig.json') || Boolean(deps.typescript)
    if (typescript) facts.typescript = fact(true, snapshot.has('tsconfig.json') ? 'tsconfig.json' : 'dependency "typescript"', snapshot.has('tsconfig.json') ? 'tsconfig.json' : 'package.json')

    const start = startFacts(snapshot, pkg, text, server)
    Object.assign(facts, start)
    const native = nativeAddons(snapshot, pkg, text)
    if (native) facts.nativeAddon = native

    const sources = entryFirst(snapshot, sourceFiles(snapshot, SOURCE_EXTENSIONS), pkg, start.startCommand?.value as string | undefined)
    Object.assign(facts, listenFacts(snapshot, sources, server, Boolean(facts.spa), start.startEnv as Fact<Record<string, string>> | undefined))
    const health = findHealthPath(snapshot, sources)
    if (health) facts.healthPath = health
    // No start script, no server, nothing that listens: a package other apps require, like the shared
    // folder of a monorepo. There is nothing to deploy.
    if (!scripts.start && !procfileWeb(snapshot) && !server && !spaTool && !facts.port && !facts.portEnv) {
      facts.library = fact(true, 'package.json has no start script and nothing in it listens: a library, nothing to run', 'package.json')
    }
    return facts
  },
}

function packageManager(snapshot: Snapshot, pkg: PackageJson, text: string): FactSet {
  const facts: FactSet = {}
  const declared = /^(npm|yarn|pnpm|bun)@(\d+(?:\.\d+){0,2}(?:-[\w.]+)?)/.exec(pkg.packageManager ?? '')
  if (declared) {
    const line = lineOf(text, '"packageManager"')
    Object.assign(facts, {
      packageManager: fact(declared[1]!, `"packageManager": "${pkg.packageManager}"`, 'package.json', line),
      packageManagerVersion: fact(declared[2]!, `"packageManager": "${pkg.packageManager}"`, 'package.json', line),
      ...lockfileFact(snapshot, declared[1]!),
    })
  } else {
    const lock = LOCKFILES.find(({file}) => snapshot.has(file))
    if (!lock) return {packageManager: fact('npm', 'no lockfile: npm is the default')}
    Object.assign(facts, {packageManager: fact(lock.manager, `lockfile ${lock.file}`, lock.file), lockfile: fact(lock.file, `lockfile ${lock.file}`, lock.file)})
    const version = lockfileManagerVersion(lock.manager, snapshot.read(lock.file) ?? '', snapshot.has('.yarnrc.yml'))
    if (version) facts.packageManagerVersion = fact(version.value, version.why, lock.file, version.line)
  }
  if (facts.packageManager?.value === 'yarn') Object.assign(facts, yarnrc(snapshot))
  return facts
}

/** The major of yarn or pnpm that wrote a lockfile, when no packageManager field says. */
function lockfileManagerVersion(manager: string, lock: string, yarnrcYml: boolean): {value: string; why: string; line?: number} | undefined {
  if (manager === 'yarn') {
    const metadata = /__metadata:\s*\n\s+version:\s*(\d+)/.exec(lock)
    if (!metadata && !yarnrcYml) return {value: '1', why: 'classic yarn.lock'}
    // Berry's lockfile format: 4 was written by yarn 2, 6 by yarn 3, 8 by yarn 4.
    const format = Number(metadata?.[1] ?? 8)
    return {value: format >= 8 ? '4' : format >= 6 ? '3' : '2', why: `yarn.lock in the Berry format${metadata ? ` (version ${format})` : ''}`, line: lineOf(lock, '__metadata')}
  }
  if (manager === 'pnpm') {
    const format = /^lockfileVersion:\s*'?(\d+)(?:\.(\d+))?/m.exec(lock)
    if (!format) return undefined
    // 9.0 is written by pnpm 9 and later (10 reads it as written); 6.x by pnpm 8; 5.4 by 7; 5.3 by 6.
    const major = Number(format[1])
    const value = major >= 9 ? '10' : major >= 6 ? '8' : Number(format[2] ?? 0) >= 4 ? '7' : '6'
    return {value, why: `pnpm-lock.yaml lockfileVersion ${format[1]}${format[2] === undefined ? '' : `.${format[2]}`}`, line: 1}
  }
  return undefined
}

/** Berry settings that change the install: a committed release (yarnPath) and the linker. */
function yarnrc(snapshot: Snapshot): FactSet {
  const text = snapshot.read('.yarnrc.yml')
  if (!text) return {}
  const facts: FactSet = {}
  const path = /^yarnPath:\s*["']?([^"'\n#]+?)["']?\s*$/m.exec(text)?.[1]?.replace(/^\.\//, '')
  // .yarn/ is hidden, so the walk lists it as skipped rather than reading it.
  const yarnDir = snapshot.skipped.some(s => s.path === '.yarn') || snapshot.files.some(f => f.path.startsWith('.yarn/'))
  if (path && (snapshot.has(path) || (yarnDir && path.startsWith('.yarn/')))) facts.yarnPath = fact(path, `.yarnrc.yml runs the committed yarn release ${path}`, '.yarnrc.yml', lineOf(text, /^yarnPath:/m))
  if (yarnDir) facts.yarnFolder = fact(true, '.yarn/ (releases, plugins) is part of the install', '.yarn')
  const linker = /^nodeLinker:\s*["']?([\w-]+)/m.exec(text)?.[1]
  if (linker) facts.yarnNodeLinker = fact(linker, `nodeLinker: ${linker}`, '.yarnrc.yml', lineOf(text, /^nodeLinker:/m))
  return facts
}

/** Helpers that only packages compiling a native addon depend on. */
const NATIVE_HELPERS = ['node-gyp', 'node-pre-gyp', '@mapbox/node-pre-gyp', 'prebuild-install', 'node-gyp-build', 'nan', 'node-addon-api', 'bindings', 'cmake-js']
/** Well-known native addons, for lockfiles that do not record install scripts (yarn, pnpm). */
const KNOWN_NATIVE = ['bcrypt', 'argon2', 'sqlite3', 'better-sqlite3', 'canvas', 'node-sass', 're2', 'cpu-features', 'bufferutil', 'utf-8-validate', 'leveldown', 'classic-level', 'iconv', 'microtime', 'zeromq', 'libxmljs', 'libxmljs2', 'isolated-vm', 'node-pty', 'farmhash', 'kerberos', 'keytar', 'unix-dgram', 'deasync', 'ffi-napi', 'ref-napi', 'usb', '@serialport/bindings-cpp', 'node-expat', 'grpc', 'lmdb', 'msgpackr-extract', 'sodium-native']

/**
 * Packages that compile a native addon at install time when no prebuilt binary can be downloaded:
 * npm's lockfile marks packages with install scripts (hasInstallScript); those that depend on a
 * native build helper, or are well-known addons, need a compiler. The app itself may be one
 * (binding.gyp, "gypfile": true).
 */
function nativeAddons(snapshot: Snapshot, pkg: PackageJson, text: string): Fact<boolean> | undefined {
  const evidence: Evidence[] = []
  if (snapshot.has('binding.gyp')) evidence.push({detail: 'binding.gyp: the app builds a native addon', file: 'binding.gyp'})
  if (pkg.gypfile) evidence.push({detail: '"gypfile": true', file: 'package.json', line: lineOf(text, '"gypfile"')})
  const lockText = snapshot.read('package-lock.json') ?? snapshot.read('npm-shrinkwrap.json')
  const lock = parseJson(lockText) as {packages?: Record<string, {hasInstallScript?: boolean; dependencies?: Record<string, string>; optionalDependencies?: Record<string, string>}>} | undefined
  const found = new Set<string>()
  for (const [path, entry] of Object.entries(lock?.packages ?? {})) {
    if (!path || !entry.hasInstallScript) continue
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length)
    const deps = Object.keys({...entry.dependencies, ...entry.optionalDependencies})
    if (!KNOWN_NATIVE.includes(name) && !deps.some(d => NATIVE_HELPERS.includes(d))) continue
    if (found.has(name)) continue
    found.add(name)
    evidence.push({detail: `${name} runs an install script that compiles a native addon`, file: snapshot.has('package-lock.json') ? 'package-lock.json' : 'npm-shrinkwrap.json', line: lineOf(lockText!, `"${path}"`)})
  }
  if (!lock) {
    // yarn and pnpm lockfiles do not say which packages have install scripts: well-known addons only.
    for (const file of ['yarn.lock', 'pnpm-lock.yaml']) {
      const lockfile = snapshot.read(file)
      if (!lockfile) continue
      for (const name of KNOWN_NATIVE) {
        const escaped = name.replace(/[/.]/g, m => `\\${m}`)
        const line = lineOf(lockfile, new RegExp(`^\\s*["'/]?${escaped}@`, 'm'))
        if (line !== undefined && !found.has(name)) {
          found.add(name)
          evidence.push({detail: `${name} compiles a native addon at install time`, file, line})
        }
      }
    }
  }
  return evidence.length ? {value: true, evidence} : undefined
}

function lockfileFact(snapshot: Snapshot, manager: string): FactSet {
  const lock = LOCKFILES.find(l => l.manager === manager && snapshot.has(l.file))
  return lock ? {lockfile: fact(lock.file, `lockfile ${lock.file}`, lock.file)} : {}
}

/** LTS code names that .nvmrc may name (`lts/iron`). */
const LTS_NAMES: Record<string, string> = {argon: '4', boron: '6', carbon: '8', dubnium: '10', erbium: '12', fermium: '14', gallium: '16', hydrogen: '18', iron: '20', jod: '22', krypton: '24'}

/**
 * The Node version the app asks for, as a semver range (a pin is a narrow one), from the most explicit
 * source to the least. The pack chooses the line to build with from it (pack-model/versions.ts).
 */
function nodeVersion(snapshot: Snapshot, pkg: PackageJson, text: string): Fact<string> | undefined {
  for (const file of ['.nvmrc', '.node-version']) {
    const raw = snapshot.read(file)?.split(/\r?\n/).map(l => l.replace(/#.*/, '').trim()).find(Boolean)
    if (!raw) continue
    const lts = /^lts\/(\w+)$/i.exec(raw)
    const range = lts ? LTS_NAMES[lts[1]!.toLowerCase()] : validRange(raw.replace(/^v(?=\d)/, ''))
    // `node`, `stable` and `lts/*` name no version: the next source is asked.
    if (range) return fact(range, `${file} says ${raw}`, file, 1)
  }
  const volta = pkg.volta?.node && validRange(pkg.volta.node)
  if (volta) return fact(volta, `volta pins node ${pkg.volta!.node}`, 'package.json', lineOf(text, '"volta"'))
  const engines = pkg.engines?.node && validRange(pkg.engines.node)
  if (engines) return fact(engines, `engines.node is "${pkg.engines!.node}"`, 'package.json', lineOf(text, /"node"\s*:/))
  return undefined
}

/** Scripts that, by convention, run the built app (Nest's `start:prod`). */
const PRODUCTION_SCRIPTS = ['start:prod', 'start:production', 'prod', 'serve:prod', 'start:dist']

/**
 * How production starts the app, and whether it must be built first: the Procfile, the start script
 * (followed through other scripts, past dev loaders, down to `node FILE` where it can be), the
 * framework's default, `main`, or a conventional entry file.
 */
function startFacts(snapshot: Snapshot, pkg: PackageJson, text: string, server: (typeof SERVER_FRAMEWORKS)[number] | undefined): FactSet {
  const scripts = pkg.scripts ?? {}
  const procfile = procfileWeb(snapshot)
  let runner: Runner | undefined
  let origin: Evidence
  if (procfile) {
    runner = resolveCommand(procfile.value, scripts)
    // A Procfile command that is not plain node (a shell line, another tool) is run as written.
    if (!runner || (!runner.loader && !runner.needsBuild && !Object.keys(runner.env).length && runner.command === procfile.value)) return {startCommand: procfile}
    origin = {...procfile.evidence[0]!, detail: `Procfile web process: ${procfile.value}`}
  } else if (scripts.start !== undefined) {
    runner = resolveScript(scripts, 'start')
    origin = {detail: `"start" script: ${scripts.start}`, file: 'package.json', line: lineOf(text, '"start"')}
    if (!runner) return {startCommand: {value: 'npm start', evidence: [{...origin, detail: `${origin.detail} (not a plain node command: npm runs it)`}]}}
  } else {
    if (server?.start) return {startCommand: fact(server.start, `${server.name} default start command`)}
    if (pkg.main) return {startCommand: fact(`node ${pkg.main}`, `"main": "${pkg.main}"`, 'package.json', lineOf(text, '"main"'))}
    for (const file of ['server.js', 'index.js', 'app.js', 'main.js', 'server.mjs', 'index.mjs']) {
      if (snapshot.has(file)) return {startCommand: fact(`node ${file}`, `${file} at the app root`, file)}
    }
    return {}
  }

  const facts: FactSet = {}
  const via = runner.via.length > 1 ? ` (through ${runner.via.map(v => `"${v}"`).join(' -> ')})` : ''
  if (Object.keys(runner.env).length) facts.startEnv = {value: runner.env, evidence: [{...origin, detail: `set in front of the start command: ${Object.keys(runner.env).join(', ')}`}]}
  if (!runner.loader) {
    facts.startCommand = {value: runner.command, evidence: [{...origin, detail: `${origin.detail}${via}: node runs directly, as PID 1, so it gets SIGTERM without npm in between`}]}
    if (runner.needsBuild) facts.build = {value: true, evidence: [{...origin, detail: 'the start command builds first: the build runs in the image instead'}]}
    return facts
  }

  facts.devLoader = {value: runner.loader, evidence: [{...origin, detail: `${origin.detail}${via}: ${runner.loader} is a development loader, absent from a production install`}]}
  const loaderNote = `${runner.loader} in the start script is for development`
  for (const name of PRODUCTION_SCRIPTS) {
    const prod = resolveScript(scripts, name)
    if (prod && !prod.loader && prod.command) {
      facts.startCommand = fact(prod.command, `${loaderNote}; the "${name}" script runs the built app`, 'package.json', lineOf(text, `"${name}"`))
      if (Object.keys(prod.env).length) facts.startEnv = fact(prod.env, `set in front of the "${name}" script`, 'package.json', lineOf(text, `"${name}"`))
      Object.assign(facts, buildFacts(snapshot, pkg, text, loaderNote))
      return facts
    }
  }
  if (runner.command) {
    // nodemon or node-dev on plain JavaScript: the same file, without the restarter.
    facts.startCommand = {value: runner.command, evidence: [{...origin, detail: `${loaderNote}: production runs the same file with node`}]}
    return facts
  }
  const plainMain = pkg.main?.replace(/^\.\//, '')
  if ((runner.loader === 'nodemon' || runner.loader === 'node-dev') && !runner.sourceEntry && plainMain && /\.[cm]?js$/.test(plainMain) && snapshot.has(plainMain)) {
    // A bare `nodemon` runs "main".
    facts.startCommand = fact(`node ${plainMain}`, `${loaderNote}; it runs "main", and so does production, with node`, 'package.json', lineOf(text, '"main"'))
    return facts
  }
  const tsconfig = readTsConfig(snapshot)
  const main = pkg.main?.replace(/^\.\//, '')
  const mainIsBuilt = main !== undefined && /\.[cm]?js$/.test(main) && (tsconfig?.outDir ? main.startsWith(`${tsconfig.outDir.replace(/^\.\//, '').replace(/\/+$/, '')}/`) : !snapshot.has(main))
  if (mainIsBuilt) {
    facts.startCommand = fact(`node ${main}`, `${loaderNote}; "main" is the built entry ${main}`, 'package.json', lineOf(text, '"main"'))
  } else if (runner.sourceEntry && tsconfig) {
    const sources = snapshot.files.map(f => f.path).filter(f => /\.[cm]?tsx?$/.test(f) && !f.includes('node_modules/'))
    const out = compiledPath(runner.sourceEntry, tsconfig, sources)
    facts.startCommand = fact(`node ${out}`, `${loaderNote}; tsc compiles ${runner.sourceEntry} to ${out}${tsconfig.outDir ? ` (outDir ${tsconfig.outDir})` : ''}`, 'tsconfig.json')
  } else if (runner.loader === 'nest start') {
    const nest = parseJson(stripJsonComments(snapshot.read('nest-cli.json') ?? '')) as {sourceRoot?: string; entryFile?: string} | undefined
    const out = `dist/${nest?.entryFile ?? 'main'}.js`
    facts.startCommand = fact(`node ${out}`, `${loaderNote}; nest build writes ${out}`, snapshot.has('nest-cli.json') ? 'nest-cli.json' : 'package.json')
  } else {
    facts.startCommand = {value: 'npm start', evidence: [{...origin, detail: `${loaderNote}, and no built entry was found (no start:prod script, built "main" or tsconfig outDir): npm runs it`}]}
    return facts
  }
  Object.assign(facts, buildFacts(snapshot, pkg, text, loaderNote))
  return facts
}

/** The build stage that makes the compiled entry: the build script, else nest build or tsc. */
function buildFacts(snapshot: Snapshot, pkg: PackageJson, text: string, why: string): FactSet {
  const scripts = pkg.scripts ?? {}
  const facts: FactSet = {build: fact(true, `${why}: the image runs the build's output`, 'package.json', lineOf(text, '"start"'))}
  if (scripts.build !== undefined) return facts
  const deps = {...pkg.devDependencies, ...pkg.dependencies}
  if (snapshot.has('nest-cli.json') || deps['@nestjs/cli']) facts.buildCommand = fact('nest build', 'no "build" script: the Nest CLI builds', snapshot.has('nest-cli.json') ? 'nest-cli.json' : 'package.json')
  else if (snapshot.has('tsconfig.json')) facts.buildCommand = fact('tsc', 'no "build" script: tsc compiles with tsconfig.json', 'tsconfig.json')
  return facts
}

/** compilerOptions of tsconfig.json, following one local `extends`. */
function readTsConfig(snapshot: Snapshot, file = 'tsconfig.json', depth = 0): TsConfig | undefined {
  const json = parseJson(stripJsonComments(snapshot.read(file) ?? '')) as {extends?: string; include?: string[]; compilerOptions?: {outDir?: string; rootDir?: string}} | undefined
  if (!json) return undefined
  const base = typeof json.extends === 'string' && json.extends.startsWith('.') && depth < 3
    ? readTsConfig(snapshot, joinPath(file, json.extends.endsWith('.json') ? json.extends : `${json.extends}.json`), depth + 1)
    : undefined
  return {
    outDir: json.compilerOptions?.outDir ?? base?.outDir,
    rootDir: json.compilerOptions?.rootDir ?? base?.rootDir,
    include: Array.isArray(json.include) ? json.include : base?.include,
  }
}

function joinPath(from: string, rel: string): string {
  const parts = from.split('/').slice(0, -1)
  for (const seg of rel.split('/')) {
    if (seg === '..') parts.pop()
    else if (seg !== '.' && seg !== '') parts.push(seg)
  }
  return parts.join('/')
}

function entryFirst(snapshot: Snapshot, files: string[], pkg: PackageJson, start: string | undefined): string[] {
  // The entry is the first word after node's flags: `node --flag ./bin/www`.
  const entry = start?.split(/\s+/).slice(1).find(w => !w.startsWith('-'))
  const named = [pkg.main, entry].filter((f): f is string => Boolean(f)).map(f => f.replace(/^\.\//, ''))
  const entries = files.filter(f => named.some(n => f === n || f.replace(/\.[mc]?[jt]s$/, '') === n.replace(/\.[mc]?[jt]s$/, '')))
  // An entry without an extension (express-generator's bin/www) is source all the same.
  const bare = named.filter(n => !files.includes(n) && snapshot.has(n) && !/\.\w+$/.test(n))
  // TypeScript entry points compile to dist/; their sources sit under src/.
  return [...bare, ...entries, ...files.filter(f => !entries.includes(f))]
}

/**
 * How the app listens: its port, whether it reads PORT, and whether it binds only to localhost (then
 * the container would not answer). The environment to set follows from these.
 */
function listenFacts(
  snapshot: Snapshot,
  sources: string[],
  server: (typeof SERVER_FRAMEWORKS)[number] | undefined,
  spa: boolean,
  startEnv?: Fact<Record<string, string>>,
): FactSet {
  const facts: FactSet = {}
  if (spa) return facts
  // Variables the start script set in front of node are set in the image instead.
  const env: Record<string, string> = {...startEnv?.value}
  const envEvidence: Fact['evidence'] = [...(startEnv?.evidence ?? [])]

  const readsPort = findIn(snapshot, sources, /process\.env\.PORT\b|process\.env\[['"]PORT['"]\]|\benv\.PORT\b/)
  const literal =
    findIn(snapshot, sources, /process\.env\.PORT\b[^\n;]{0,24}?(?:\|\||\?\?)\s*['"]?(\d{2,5})/) ??
    findIn(snapshot, sources, /\.listen\(\s*(\d{2,5})\b/) ??
    findIn(snapshot, sources, /\bport\s*[:=]\s*(\d{2,5})\b/i)
  let port: Fact<number> | undefined
  if (literal) port = fact(Number(literal.match[1]), `port ${literal.match[1]} in source`, literal.file, literal.line)
  else if (server) port = fact(server.port, `${server.name} listens on ${server.port} by default`)
  if (port) facts.port = port

  if (readsPort) {
    facts.portEnv = fact('PORT', 'the app reads PORT', readsPort.file, readsPort.line)
    env.PORT = '{{port}}'
    envEvidence.push({detail: 'the app reads PORT, so PORT is set to the container port', file: readsPort.file, line: readsPort.line})
  } else if (server && ['next', 'nuxt', 'sveltekit', 'remix'].includes(server.name)) {
    env.PORT = '{{port}}'
    envEvidence.push({detail: `${server.name} reads PORT`})
  }

  const localhost = findIn(snapshot, sources, /listen\([^)]*['"](?:127\.0\.0\.1|localhost)['"]/)
  if (localhost) {
    facts.bindsLocalhost = fact(true, 'binds to localhost only: the container will not answer; bind to 0.0.0.0 or read HOST', localhost.file, localhost.line)
  }
  const readsHost = findIn(snapshot, sources, /process\.env\.(HOST|HOSTNAME)\b/)
  if (readsHost) {
    env[readsHost.match[1]!] = '0.0.0.0'
    envEvidence.push({detail: `the app reads ${readsHost.match[1]}; set to 0.0.0.0 so it answers outside the pod`, file: readsHost.file, line: readsHost.line})
  } else if (server?.name === 'next') {
    env.HOSTNAME = '0.0.0.0'
    envEvidence.push({detail: 'next start binds to HOSTNAME'})
  } else if (server?.name === 'nuxt') {
    env.HOST = '0.0.0.0'
    envEvidence.push({detail: 'nuxt binds to HOST'})
  } else if (server?.name === 'fastify') {
    const host = findIn(snapshot, sources, /host\s*:\s*['"]0\.0\.0\.0['"]|['"]::['"]/)
    if (!host) {
      facts.bindsLocalhost ??= fact(true, 'fastify listens on localhost unless given host: "0.0.0.0"; the container will not answer')
    }
  }
  if (Object.keys(env).length) facts.env = {value: env, evidence: envEvidence}
  return facts
}

function angularOutput(snapshot: Snapshot, pkg: PackageJson): string | undefined {
  const angular = parseJson(snapshot.read('angular.json'))
  if (!angular) return undefined
  const projects = angular.projects as Record<string, {architect?: {build?: {options?: {outputPath?: string | {base?: string}}}}}> | undefined
  const first = projects ? Object.values(projects)[0] : undefined
  const output = first?.architect?.build?.options?.outputPath
  const base = typeof output === 'string' ? output : output?.base
  // Angular 17+ puts the files under browser/.
  return base ? `${base}/browser` : pkg.name ? `dist/${pkg.name}/browser` : undefined
}

function viteOutput(snapshot: Snapshot): string | undefined {
  for (const file of ['vite.config.ts', 'vite.config.js', 'vite.config.mjs']) {
    const found = /outDir\s*:\s*['"]([^'"]+)['"]/.exec(snapshot.read(file) ?? '')
    if (found) return found[1]
  }
  return undefined
}
