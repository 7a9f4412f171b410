import {posix} from 'node:path'

import {type Evidence, type Fact, type FactSet, type Inspector, fact, findHealthPath, findIn, lineOf, procfileWeb, sourceFiles} from '../facts.js'
import type {Snapshot} from '../snapshot.js'
import {configFilePort, runtimeFiles} from './runtime-files.js'
import {parseToml} from '../../util/toml.js'

/** Rust web frameworks by crate, with the port their own documentation runs them on. */
const FRAMEWORKS: {crate: string; name: string; port: number}[] = [
  {crate: 'actix-web', name: 'actix-web', port: 8080},
  {crate: 'axum', name: 'axum', port: 3000},
  {crate: 'rocket', name: 'rocket', port: 8000},
  {crate: 'warp', name: 'warp', port: 3030},
  {crate: 'poem', name: 'poem', port: 3000},
  {crate: 'salvo', name: 'salvo', port: 5800},
  {crate: 'tide', name: 'tide', port: 8080},
  {crate: 'hyper', name: 'hyper', port: 3000},
]

const DEFAULT_PORT = 8080

interface CargoToml {
  package?: {name?: string; 'rust-version'?: string | {workspace?: boolean}; build?: string | boolean; autobins?: boolean}
  workspace?: {members?: string[]; package?: {'rust-version'?: string}}
  bin?: {name?: string; path?: string}[]
  lib?: {path?: string}
  dependencies?: Record<string, unknown>
}

interface BinTarget {
  name: string
  path: string
  explicit: boolean
}

export const rustInspector: Inspector = {
  name: 'rust',
  inspect(snapshot) {
    const text = snapshot.read('Cargo.toml')
    if (text === undefined) return {}
    const facts: FactSet = {manifest: fact(true, 'Cargo.toml', 'Cargo.toml', 1)}
    let cargo: CargoToml
    try {
      cargo = parseToml(text).data as CargoToml
    } catch {
      return facts
    }

    if (cargo.workspace && !cargo.package) {
      const members = cargo.workspace.members ?? []
      facts.workspace = fact(true, `a Cargo workspace${members.length ? ` of ${members.join(', ')}` : ''} with no package of its own`, 'Cargo.toml', lineOf(text, /^\[workspace\]/m))
      if (members.length) facts.members = fact(members, 'workspace members', 'Cargo.toml', lineOf(text, /^\s*members\s*=/m))
    }

    const name = cargo.package?.name
    if (name) facts.packageName = fact(name, `package ${name}`, 'Cargo.toml', lineOf(text, /^\s*name\s*=/m))
    const version = rustVersion(snapshot, cargo, text)
    if (version) facts.version = version
    if (snapshot.has('Cargo.lock')) facts.lockfile = fact(true, 'Cargo.lock pins the dependencies', 'Cargo.lock')

    const deps = cargo.dependencies ?? {}
    const framework = FRAMEWORKS.find(f => f.crate in deps)
    if (framework) facts.framework = fact(framework.name, `depends on ${framework.crate}`, 'Cargo.toml', lineOf(text, new RegExp(`^\\s*${framework.crate}\\s*=|^\\[dependencies\\.${framework.crate}\\]`, 'm')))

    const bins = binTargets(snapshot, cargo)
    if (bins.length === 0 && cargo.package) facts.library = fact(true, 'no binary target: a library crate, nothing to run', 'Cargo.toml')
    const procfile = procfileWeb(snapshot)
    const chosen = chooseBin(bins, name, procfile?.value)
    if (chosen) {
      facts.binaryName = {value: chosen.bin.name, evidence: [chosen.evidence]}
      if (bins.length > 1) facts.binaries = fact(bins.map(b => b.name), `${bins.length} binaries`)
      facts.startCommand = startCommand(procfile, chosen.bin.name)
    }

    // The dependency layer builds against placeholder sources; a workspace or path dependency needs
    // files that are not copied yet, so such a crate builds in one step instead.
    const pathDeps = Object.entries(deps).filter(([, v]) => typeof v === 'object' && v !== null && 'path' in v).map(([k]) => k)
    if (bins.length && !cargo.workspace && pathDeps.length === 0) {
      // A build script stub too: its build-dependencies then land in the dependency layer.
      const build = cargo.package?.build
      const script = typeof build === 'string' ? build : build !== false && snapshot.has('build.rs') ? 'build.rs' : undefined
      const placeholders = [...new Set([...bins.map(b => b.path), ...(cargo.lib?.path ? [cargo.lib.path] : []), ...(script ? [script] : [])])]
      facts.placeholders = fact(placeholders.join(' '), `placeholder sources let the dependencies build before the code is copied`)
    } else if (pathDeps.length) {
      facts.placeholders = fact('', `path dependencies (${pathDeps.join(', ')}) build with the code in one step`)
    }

    Object.assign(facts, systemPackages(snapshot))

    const sources = sourceFiles(snapshot, ['.rs'], 120).filter(f => !/(^|\/)(benches|target)\//.test(f))
    const first = chosen ? [chosen.bin.path, ...sources.filter(s => s !== chosen.bin.path)] : sources
    if (!framework) {
      const std = findIn(snapshot, first, /\bstd::net::(?:\{[^}]*\bTcpListener\b|TcpListener\b)/)
      if (std) facts.framework = fact('std', 'a server on the standard library (std::net::TcpListener)', std.file, std.line)
    }
    const files = runtimeFiles(snapshot, {sources, base: '', sourceExtensions: ['.rs'], embedded: rustEmbedded(snapshot, sources, deps)})
    if (files) facts.runtimeFiles = files
    const configs = (files?.value ?? []).flatMap(p => (snapshot.has(p) ? [p] : snapshot.files.filter(f => f.path.startsWith(`${p}/`)).map(f => f.path)))
    Object.assign(facts, listenFacts(snapshot, first, framework, configFilePort(snapshot, configs, sources)))
    const health = findHealthPath(snapshot, first) ?? warpHealth(snapshot, first)
    if (health) facts.healthPath = health
    return facts
  },
}

/**
 * The toolchain the crate asks for, as a range: rust-toolchain(.toml) pins an exact one, rust-version
 * is the minimum the crate supports (>=). A channel such as "stable" names no version, and the next
 * source is asked.
 */
function rustVersion(snapshot: Snapshot, cargo: CargoToml, text: string): Fact<string> | undefined {
  const versionLike = /^\d+\.\d+(?:\.\d+)?$/
  const toml = snapshot.read('rust-toolchain.toml')
  if (toml !== undefined) {
    const channel = /^\s*channel\s*=\s*["']([^"']+)["']/m.exec(toml)?.[1]
    if (channel && versionLike.test(channel)) return fact(channel, `rust-toolchain.toml pins ${channel}`, 'rust-toolchain.toml', lineOf(toml, /^\s*channel\s*=/m))
  }
  const plain = snapshot.read('rust-toolchain')
  if (plain !== undefined) {
    const channel = /^\s*channel\s*=\s*["']([^"']+)["']/m.exec(plain)?.[1] ?? plain.trim()
    if (versionLike.test(channel)) return fact(channel, `rust-toolchain pins ${channel}`, 'rust-toolchain', 1)
  }
  const own = cargo.package?.['rust-version']
  const declared = typeof own === 'string' ? own : own?.workspace ? cargo.workspace?.package?.['rust-version'] : undefined
  if (declared && versionLike.test(declared)) {
    return fact(`>=${declared}`, `rust-version = "${declared}" in Cargo.toml`, 'Cargo.toml', lineOf(text, /^\s*rust-version\s*=/m))
  }
  return undefined
}

/** Binaries cargo would build: [[bin]] entries, src/main.rs, and src/bin/*.rs (autobins). */
export function binTargets(snapshot: Snapshot, cargo: CargoToml): BinTarget[] {
  const name = cargo.package?.name
  const bins: BinTarget[] = []
  for (const bin of cargo.bin ?? []) {
    if (!bin.name && !bin.path) continue
    const binName = bin.name ?? posix.basename(bin.path!, '.rs')
    const path = bin.path ?? (binName === name && snapshot.has('src/main.rs') ? 'src/main.rs' : `src/bin/${binName}.rs`)
    bins.push({name: binName, path: path.replace(/^\.\//, ''), explicit: true})
  }
  if (cargo.package?.autobins !== false) {
    if (name && snapshot.has('src/main.rs') && !bins.some(b => b.path === 'src/main.rs')) bins.push({name, path: 'src/main.rs', explicit: false})
    for (const path of snapshot.list('src/bin')) {
      const auto = path.endsWith('.rs') ? path : snapshot.has(`${path}/main.rs`) ? `${path}/main.rs` : undefined
      if (!auto || bins.some(b => b.path === auto)) continue
      bins.push({name: posix.basename(path, '.rs'), path: auto, explicit: false})
    }
  }
  return bins
}

/** The binary to run: the one Procfile names, the only one, the package's own, or a server-like one. */
function chooseBin(bins: BinTarget[], pkg: string | undefined, procfile: string | undefined): {bin: BinTarget; evidence: Evidence} | undefined {
  if (bins.length === 0) return undefined
  const others = (b: BinTarget): string => {
    const rest = bins.filter(x => x !== b).map(x => x.name)
    return rest.length ? `; the others (${rest.join(', ')}) can be chosen with --set binaryName=NAME` : ''
  }
  const pick = (bin: BinTarget, why: string): {bin: BinTarget; evidence: Evidence} => ({bin, evidence: {detail: `${why}${others(bin)}`, file: bin.path}})
  const program = procfile ? posix.basename(procfile.trim().split(/\s+/)[0] ?? '') : undefined
  const byProcfile = program ? bins.find(b => b.name === program) : undefined
  if (byProcfile) return pick(byProcfile, `Procfile web runs ${program}`)
  if (bins.length === 1) return pick(bins[0]!, bins[0]!.explicit ? `the [[bin]] target ${bins[0]!.name}` : `the binary of package ${bins[0]!.name}`)
  const own = bins.find(b => b.name === pkg)
  if (own) return pick(own, `the binary named after the package`)
  const server = bins.find(b => /server|api|web|http|serve|app/i.test(b.name))
  if (server) return pick(server, `${server.name} is named like a server`)
  return pick(bins[0]!, `${bins[0]!.name} is the first of ${bins.length} binaries`)
}

function startCommand(procfile: Fact<string> | undefined, binary: string): Fact<string> {
  if (procfile && !/[$|&;<>`()*]/.test(procfile.value)) {
    const [program, ...args] = procfile.value.trim().split(/\s+/)
    if (program && posix.basename(program) === binary) return {value: [`/app/${binary}`, ...args].join(' '), evidence: procfile.evidence}
  }
  return fact(`/app/${binary}`, `the release binary, at /app/${binary} in the image`)
}

/**
 * Debian packages the build and the runtime need. openssl-sys links libssl, so the build needs its
 * headers and the runtime the library; TLS with the system's roots needs CA certificates, which
 * debian-slim lacks.
 */
function systemPackages(snapshot: Snapshot): FactSet {
  const lock = snapshot.read('Cargo.lock')
  if (!lock) return {}
  const has = (crate: string): number | undefined => lineOf(lock, new RegExp(`^name = "${crate}"$`, 'm'))
  const openssl = has('openssl-sys')
  if (openssl) {
    return {
      buildPackages: fact('pkg-config libssl-dev', 'openssl-sys builds against the OpenSSL headers', 'Cargo.lock', openssl),
      runtimePackages: fact('ca-certificates libssl3', 'openssl-sys links libssl at run time', 'Cargo.lock', openssl),
    }
  }
  const roots = has('rustls-native-certs') ?? has('openssl-probe')
  if (roots) return {runtimePackages: fact('ca-certificates', 'TLS with the system certificate store', 'Cargo.lock', roots)}
  return {}
}


const LOCAL = /^(127\.0\.0\.1|localhost|\[::1\]|::1|127,\s*0,\s*0,\s*1|LOCALHOST)$/

/**
 * The port and host the server binds: a bind or SocketAddr literal, a PORT variable with its default,
 * Rocket's own configuration, then the framework's usual port. Binding to 127.0.0.1, as many actix
 * and warp examples do, leaves the container deaf: that is reported.
 */
/**
 * What the build compiles into the program: include_str!/include_bytes!/include_dir! arguments,
 * rust-embed's #[folder], sqlx::migrate!/embed_migrations! folders, and askama's templates/ (read by
 * the compiler, not at run time).
 */
function rustEmbedded(snapshot: Snapshot, sources: readonly string[], deps: Record<string, unknown>): {path: string; evidence: Evidence}[] {
  const out: {path: string; evidence: Evidence}[] = []
  for (const file of sources) {
    const text = snapshot.read(file)
    if (!text) continue
    const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : ''
    for (const m of text.matchAll(/(?<![\w:])(include_str!|include_bytes!|include_dir!|#\[folder\s*=|sqlx::migrate!|embed_migrations!)\s*\(?\s*"([^"]+)"/g)) {
      const line = text.slice(0, m.index).split('\n').length
      // include_str! is relative to the file; the others to the crate root ($CARGO_MANIFEST_DIR).
      const relative = m[1] === 'include_str!' || m[1] === 'include_bytes!'
      const raw = m[2]!.replace(/^\$CARGO_MANIFEST_DIR\//, '')
      const path = relative && dir ? normalize(`${dir}/${raw}`) : normalize(raw)
      out.push({path, evidence: {detail: `${m[1]!.replace(/\s*=$/, '')} compiles ${m[2]} into the program`, file, line}})
    }
  }
  if ('askama' in deps) out.push({path: 'templates', evidence: {detail: 'askama compiles templates/ into the program', file: 'Cargo.toml'}})
  if ('diesel_migrations' in deps) out.push({path: 'migrations', evidence: {detail: 'diesel_migrations embeds migrations/', file: 'Cargo.toml'}})
  return out
}

function normalize(path: string): string {
  const parts: string[] = []
  for (const part of path.split('/')) {
    if (part === '..') parts.pop()
    else if (part && part !== '.') parts.push(part)
  }
  return parts.join('/')
}

function listenFacts(snapshot: Snapshot, sources: string[], framework: (typeof FRAMEWORKS)[number] | undefined, configPort?: Fact<number>): FactSet {
  const facts: FactSet = {}
  const env: Record<string, string> = {}
  const envEvidence: Evidence[] = []

  // ("127.0.0.1", 8080) / "0.0.0.0:3000" / ([0, 0, 0, 0], 3000) / (Ipv4Addr::LOCALHOST, 8080)
  const binding =
    findIn(snapshot, sources, /\(\s*"((?:\d{1,3}\.){3}\d{1,3}|localhost|::1?|\[::1?\])"\s*,\s*(\d{2,5})\s*\)/) ??
    findIn(snapshot, sources, /\bbind\(\s*&?"([\w.-]+|\[[:\w]*\]):(\d{2,5})"/) ??
    findIn(snapshot, sources, /\(\s*\[\s*(\d+\s*,\s*\d+\s*,\s*\d+\s*,\s*\d+)\s*\]\s*,\s*(\d{2,5})\s*\)/) ??
    findIn(snapshot, sources, /Ipv[46]Addr::(LOCALHOST|UNSPECIFIED)\)?\s*,\s*(\d{2,5})\s*\)/) ??
    findIn(snapshot, sources, /"(0\.0\.0\.0|127\.0\.0\.1|localhost|\[::\]):(\d{2,5})"/)

  const portVar = findIn(snapshot, sources, /\benv::var(?:_os)?\(\s*"([A-Z0-9_]*PORT)"\s*\)/)
  const portDefault = portVar ? findIn(snapshot, sources, new RegExp(`"${portVar.match[1]}"\\s*\\)[^;]*?\\b(?:unwrap_or(?:_else)?|or)\\([^;]*?"?(\\d{2,5})"?`)) : undefined
  const rocketToml = snapshot.read('Rocket.toml')
  const rocketPort = rocketToml ? /^\s*port\s*=\s*(\d{2,5})/m.exec(rocketToml) : null

  if (portDefault) facts.port = fact(Number(portDefault.match[1]), `${portVar!.match[1]} defaults to ${portDefault.match[1]}`, portDefault.file, portDefault.line)
  else if (binding) facts.port = fact(Number(binding.match[2]), `binds port ${binding.match[2]}`, binding.file, binding.line)
  else if (configPort) facts.port = configPort
  else if (framework?.name === 'rocket' && rocketPort) facts.port = fact(Number(rocketPort[1]), `port = ${rocketPort[1]} in Rocket.toml`, 'Rocket.toml', lineOf(rocketToml!, /^\s*port\s*=/m))
  else if (framework) facts.port = fact(framework.port, `${framework.name} apps usually listen on ${framework.port}`)
  else facts.port = fact(DEFAULT_PORT, `no port found in source; ${DEFAULT_PORT} is assumed`)

  if (portVar) {
    const name = portVar.match[1]!
    env[name] = '{{port}}'
    facts.portEnv = fact(name, `the app reads ${name}`, portVar.file, portVar.line)
    envEvidence.push({detail: `the app reads ${name}, so it is set to the container port`, file: portVar.file, line: portVar.line})
  }
  const addrVar = findIn(snapshot, sources, /\benv::var(?:_os)?\(\s*"([A-Z0-9_]*(?:ADDR|ADDRESS|BIND|LISTEN)[A-Z0-9_]*)"\s*\)/)
  if (addrVar && !/DATABASE|DB_|REDIS|SMTP/.test(addrVar.match[1]!)) {
    env[addrVar.match[1]!] = '0.0.0.0:{{port}}'
    envEvidence.push({detail: `the app reads ${addrVar.match[1]}, so it listens on every interface at the container port`, file: addrVar.file, line: addrVar.line})
  }
  const hostVar = findIn(snapshot, sources, /\benv::var(?:_os)?\(\s*"(HOST|BIND_HOST|LISTEN_HOST|HTTP_HOST|SERVER_HOST)"\s*\)/)
  if (hostVar) {
    env[hostVar.match[1]!] = '0.0.0.0'
    envEvidence.push({detail: `the app reads ${hostVar.match[1]}; set to 0.0.0.0 so it answers outside the pod`, file: hostVar.file, line: hostVar.line})
  }
  if (framework?.name === 'rocket') {
    // Rocket binds 127.0.0.1:8000 unless told otherwise; its ROCKET_* variables override Rocket.toml.
    env.ROCKET_ADDRESS = '0.0.0.0'
    env.ROCKET_PORT = '{{port}}'
    envEvidence.push({detail: 'Rocket listens on 127.0.0.1 unless ROCKET_ADDRESS says otherwise; ROCKET_PORT sets its port'})
  }

  if (binding && LOCAL.test(binding.match[1]!.trim()) && !hostVar && !addrVar) {
    facts.bindsLocalhost = fact(true, 'binds to 127.0.0.1 only: the container will not answer; bind to 0.0.0.0', binding.file, binding.line)
  }
  if (Object.keys(env).length) facts.env = {value: env, evidence: envEvidence}
  return facts
}

/** warp names paths without a slash: warp::path("health") or path!("healthz"). */
function warpHealth(snapshot: Snapshot, files: readonly string[]): Fact<string> | undefined {
  for (const name of ['healthz', 'health', 'livez', 'readyz', 'ping']) {
    const found = findIn(snapshot, files, new RegExp(`path(?:!|::path)?\\(\\s*"${name}"\\s*\\)`))
    if (found) return fact(`/${name}`, `route /${name} defined in source`, found.file, found.line)
  }
  return undefined
}
