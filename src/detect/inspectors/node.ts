import {type Fact, type FactSet, type Inspector, fact, findHealthPath, findIn, lineOf, parseJson, procfileWeb, sourceFiles} from '../facts.js'
import type {Snapshot} from '../snapshot.js'

interface PackageJson {
  name?: string
  main?: string
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

    const start = startCommand(snapshot, pkg, text, server)
    if (start) facts.startCommand = start

    const sources = entryFirst(sourceFiles(snapshot, SOURCE_EXTENSIONS), pkg, start?.value)
    Object.assign(facts, listenFacts(snapshot, sources, server, Boolean(facts.spa)))
    const health = findHealthPath(snapshot, sources)
    if (health) facts.healthPath = health
    return facts
  },
}

function packageManager(snapshot: Snapshot, pkg: PackageJson, text: string): FactSet {
  const declared = /^(npm|yarn|pnpm|bun)@(\d+)/.exec(pkg.packageManager ?? '')
  if (declared) {
    return {
      packageManager: fact(declared[1]!, `"packageManager": "${pkg.packageManager}"`, 'package.json', lineOf(text, '"packageManager"')),
      packageManagerVersion: fact(declared[2]!, `"packageManager": "${pkg.packageManager}"`, 'package.json', lineOf(text, '"packageManager"')),
      ...lockfileFact(snapshot, declared[1]!),
    }
  }
  for (const {file, manager} of LOCKFILES) {
    if (snapshot.has(file)) {
      const facts: FactSet = {packageManager: fact(manager, `lockfile ${file}`, file), lockfile: fact(file, `lockfile ${file}`, file)}
      if (manager === 'yarn') {
        const berry = snapshot.has('.yarnrc.yml') || /__metadata:/.test(snapshot.read('yarn.lock') ?? '')
        facts.packageManagerVersion = fact(berry ? '4' : '1', berry ? 'yarn.lock in the Berry format' : 'classic yarn.lock', file)
      }
      return facts
    }
  }
  return {packageManager: fact('npm', 'no lockfile: npm is the default')}
}

function lockfileFact(snapshot: Snapshot, manager: string): FactSet {
  const lock = LOCKFILES.find(l => l.manager === manager && snapshot.has(l.file))
  return lock ? {lockfile: fact(lock.file, `lockfile ${lock.file}`, lock.file)} : {}
}

/** The major Node version, from the most explicit source to the least. */
function nodeVersion(snapshot: Snapshot, pkg: PackageJson, text: string): Fact<string> | undefined {
  for (const file of ['.nvmrc', '.node-version']) {
    const raw = snapshot.read(file)?.trim()
    const major = raw ? /^v?(\d+)/.exec(raw)?.[1] : undefined
    if (major) return fact(major, `${file} says ${raw}`, file, 1)
  }
  if (pkg.volta?.node) {
    const major = /(\d+)/.exec(pkg.volta.node)?.[1]
    if (major) return fact(major, `volta pins node ${pkg.volta.node}`, 'package.json', lineOf(text, '"volta"'))
  }
  const engines = pkg.engines?.node
  if (engines) {
    const major = majorFromRange(engines)
    if (major) return fact(major, `engines.node is "${engines}"`, 'package.json', lineOf(text, '"engines"'))
  }
  return undefined
}

/** The lowest major a range allows: ">=18" -> 18, "^20.11" -> 20, "18.x || 20.x" -> 18. */
export function majorFromRange(range: string): string | undefined {
  const majors = [...range.matchAll(/(?:^|[\s|^~>=v])(\d+)(?:\.|\b)/g)].map(m => Number(m[1]))
  const filtered = majors.filter(n => n >= 4 && n < 100)
  return filtered.length ? String(Math.min(...filtered)) : undefined
}

function startCommand(
  snapshot: Snapshot,
  pkg: PackageJson,
  text: string,
  server: (typeof SERVER_FRAMEWORKS)[number] | undefined,
): Fact<string> | undefined {
  const procfile = procfileWeb(snapshot)
  if (procfile) return procfile
  const start = pkg.scripts?.start
  if (start) {
    // A plain `node file` runs directly: node is PID 1 then, and gets SIGTERM without npm in between.
    const direct = /^node\s+[\w./@-]+(\s+[\w./=@-]+)*$/.test(start.trim()) ? start.trim() : 'npm start'
    return fact(direct, `"start" script: ${start}`, 'package.json', lineOf(text, '"start"'))
  }
  if (server?.start) return fact(server.start, `${server.name} default start command`)
  if (pkg.main) return fact(`node ${pkg.main}`, `"main": "${pkg.main}"`, 'package.json', lineOf(text, '"main"'))
  for (const file of ['server.js', 'index.js', 'app.js', 'main.js', 'server.mjs', 'index.mjs']) {
    if (snapshot.has(file)) return fact(`node ${file}`, `${file} at the app root`, file)
  }
  return undefined
}

function entryFirst(files: string[], pkg: PackageJson, start: string | undefined): string[] {
  const named = [pkg.main, start?.split(/\s+/)[1]].filter((f): f is string => Boolean(f)).map(f => f.replace(/^\.\//, ''))
  const entries = files.filter(f => named.some(n => f === n || f.replace(/\.[mc]?[jt]s$/, '') === n.replace(/\.[mc]?[jt]s$/, '')))
  // TypeScript entry points compile to dist/; their sources sit under src/.
  return [...entries, ...files.filter(f => !entries.includes(f))]
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
): FactSet {
  const facts: FactSet = {}
  if (spa) return facts
  const env: Record<string, string> = {}
  const envEvidence: Fact['evidence'] = []

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
