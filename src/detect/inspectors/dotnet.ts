import {posix} from 'node:path'

import {type Evidence, type Fact, type FactSet, type Inspector, fact, findHealthPath, findIn, lineOf, parseJson} from '../facts.js'
import type {Snapshot} from '../snapshot.js'

const PROJECT_EXTENSIONS = ['.csproj', '.fsproj', '.vbproj']
/** Files `dotnet restore` reads besides the project files; they are copied before the sources too. */
const RESTORE_INPUTS = ['global.json', 'NuGet.config', 'nuget.config', 'NuGet.Config', 'Directory.Build.props', 'Directory.Build.targets', 'Directory.Packages.props']
/** The port .NET 8+ container images listen on (ASPNETCORE_HTTP_PORTS). */
const CONTAINER_PORT = 8080

export interface DotnetProject {
  path: string
  dir: string
  name: string
  text: string
  sdk: string | undefined
  web: boolean
  test: boolean
  exe: boolean
  assemblyName: string
  targetFrameworks: string[]
  references: string[]
}

export const dotnetInspector: Inspector = {
  name: 'dotnet',
  inspect(snapshot) {
    const all = findProjects(snapshot)
    const solutions = snapshot.list('').filter(p => /\.slnx?$/i.test(p))
    if (all.length === 0 && solutions.length === 0) return {}
    const facts: FactSet = {
      manifest: solutions.length ? fact(true, `solution ${solutions[0]}`, solutions[0]) : fact(true, `project ${all[0]!.path}`, all[0]!.path),
    }

    const listed = solutions.flatMap(s => solutionProjects(snapshot, s))
    const inSolution = listed.length ? all.filter(p => listed.includes(p.path)) : []
    const candidates = (inSolution.length ? inSolution : all).filter(p => !p.test)
    const web = candidates.filter(p => p.web)
    if (web.length > 1 && !web.some(p => p.dir === '.')) {
      facts.workspace = fact(true, `${web.length} ASP.NET Core projects: ${web.map(p => p.path).join(', ')}`, solutions[0] ?? web[0]!.path)
    }
    const chosen = chooseProject(candidates, web, solutions[0], snapshot.root)
    if (!chosen) {
      if (all.length) facts.library = fact(true, 'only test projects here: nothing to run', all[0]!.path)
      return facts
    }
    const project = chosen.project
    if (!project.exe) facts.library = fact(true, `${project.name} is a class library: nothing to run`, project.path)
    facts.project = {value: project.path, evidence: [chosen.evidence]}
    if (candidates.length > 1) facts.projects = fact(candidates.map(p => p.path), `${candidates.length} projects besides tests`)

    const closure = referenceClosure(project, all)
    facts.projectFiles = fact(closure.map(p => p.path).join(' '), closure.length > 1 ? `${project.name} and the projects it references` : `${project.name}`, project.path)
    const inputs = restoreInputs(snapshot, closure)
    if (inputs.length) facts.restoreFiles = fact(inputs.join(' '), `restore reads ${inputs.join(', ')}`, inputs[0])

    const tfm = targetFramework(snapshot, project)
    if (tfm) {
      facts.version = tfm.version
      if (tfm.multi) facts.targetFramework = fact(tfm.moniker, `the project targets several frameworks; publish builds ${tfm.moniker}`, project.path, lineOf(project.text, '<TargetFrameworks>'))
    }
    const sdk = globalJsonSdk(snapshot)
    if (sdk) facts.sdkVersion = sdk

    if (project.web) {
      const why = project.sdk === 'Microsoft.NET.Sdk.Web' ? `Sdk="${project.sdk}"` : 'references the Microsoft.AspNetCore.App framework'
      facts.framework = fact('aspnetcore', `ASP.NET Core: ${why}`, project.path, lineOf(project.text, project.sdk === 'Microsoft.NET.Sdk.Web' ? 'Microsoft.NET.Sdk.Web' : 'Microsoft.AspNetCore.App'))
      facts.web = fact(true, 'an ASP.NET Core app runs on the aspnet image', project.path)
    }
    const assemblyLine = lineOf(project.text, '<AssemblyName>')
    facts.assemblyName = fact(project.assemblyName, assemblyLine ? `<AssemblyName>${project.assemblyName}</AssemblyName>` : `named after ${posix.basename(project.path)}`, project.path, assemblyLine)
    facts.startCommand = fact(`dotnet ${project.assemblyName}.dll`, `publish writes ${project.assemblyName}.dll`, project.path, assemblyLine)

    const sources = csharpSources(snapshot, project)
    const major = Number((facts.version?.value as string | undefined)?.split('.')[0] ?? '8')
    Object.assign(facts, listenFacts(snapshot, project, sources, major))
    const health = healthPath(snapshot, sources)
    if (health) facts.healthPath = health
    return facts
  },
}

/** Project files anywhere in the app (bin/ and obj/ are never walked), parsed. */
export function findProjects(snapshot: Snapshot): DotnetProject[] {
  const projects: DotnetProject[] = []
  for (const file of snapshot.files) {
    if (projects.length >= 200) break
    if (!PROJECT_EXTENSIONS.some(ext => file.path.endsWith(ext))) continue
    const text = snapshot.read(file.path)
    if (text === undefined) continue
    projects.push(parseProject(file.path, text))
  }
  // Shallow first: the root project, then src/, then deeper ones.
  return projects.sort((a, b) => a.path.split('/').length - b.path.split('/').length || (a.path < b.path ? -1 : 1))
}

export function parseProject(path: string, text: string): DotnetProject {
  const dir = posix.dirname(path)
  const name = posix.basename(path).replace(/\.[^.]+$/, '')
  const sdk = /<Project\b[^>]*\bSdk\s*=\s*"([^"]+)"/.exec(text)?.[1] ?? /<Sdk\s+Name\s*=\s*"([^"]+)"/.exec(text)?.[1] ?? /<Import\b[^>]*\bSdk\s*=\s*"([^"]+)"/.exec(text)?.[1]
  const sdkName = sdk?.split('/')[0]
  const web = sdkName === 'Microsoft.NET.Sdk.Web' || /<FrameworkReference\s+Include\s*=\s*"Microsoft\.AspNetCore\.App"/.test(text)
  const test =
    /<IsTestProject>\s*true\s*</i.test(text) ||
    /<PackageReference\s+Include\s*=\s*"Microsoft\.NET\.Test\.Sdk"/.test(text) ||
    /[.-](Unit|Integration|Functional|Acceptance|E2E)?Tests?$/i.test(name)
  const exe = /<OutputType>\s*(Exe|WinExe)\s*</i.test(text) || sdkName === 'Microsoft.NET.Sdk.Worker' || web
  const declared = /<AssemblyName>\s*([^<$]+?)\s*<\/AssemblyName>/.exec(text)?.[1]
  const single = /<TargetFramework>\s*([^<]+?)\s*<\/TargetFramework>/.exec(text)?.[1]
  const multi = /<TargetFrameworks>\s*([^<]+?)\s*<\/TargetFrameworks>/.exec(text)?.[1]
  const targetFrameworks = (single ? [single] : multi ? multi.split(';') : []).map(t => t.trim()).filter(t => t && !t.includes('$('))
  const references = [...text.matchAll(/<ProjectReference\s+Include\s*=\s*"([^"]+)"/g)].map(m => posix.normalize(posix.join(dir, m[1]!.replace(/\\/g, '/'))))
  return {path, dir, name, text, sdk: sdkName, web, test, exe, assemblyName: declared ?? name, targetFrameworks, references}
}

/** Projects a .sln or .slnx lists, as `/` paths from the app root. */
export function solutionProjects(snapshot: Snapshot, solution: string): string[] {
  const text = snapshot.read(solution) ?? ''
  const paths = solution.endsWith('.slnx')
    ? [...text.matchAll(/<Project\s+Path\s*=\s*"([^"]+)"/g)].map(m => m[1]!)
    : [...text.matchAll(/^Project\("\{[^}]+\}"\)\s*=\s*"[^"]*"\s*,\s*"([^"]+\.(?:cs|fs|vb)proj)"/gm)].map(m => m[1]!)
  return paths.map(p => posix.normalize(posix.join(posix.dirname(solution), p.replace(/\\/g, '/'))))
}

function chooseProject(
  candidates: DotnetProject[],
  web: DotnetProject[],
  solution: string | undefined,
  root: string,
): {project: DotnetProject; evidence: Evidence} | undefined {
  const others = (p: DotnetProject, pool: DotnetProject[]): string => {
    const rest = pool.filter(x => x !== p).map(x => x.path)
    return rest.length ? `; the others (${rest.join(', ')}) can be chosen with --set project=PATH` : ''
  }
  const pick = (p: DotnetProject, why: string, pool: DotnetProject[]): {project: DotnetProject; evidence: Evidence} => ({project: p, evidence: {detail: `${why}${others(p, pool)}`, file: p.path}})
  if (web.length === 1) return pick(web[0]!, `the ASP.NET Core project${solution ? ` of ${solution}` : ''}`, web)
  if (web.length > 1) {
    const rootProject = web.find(p => p.dir === '.')
    if (rootProject) return pick(rootProject, 'the ASP.NET Core project at the root', web)
    const stem = solution ? posix.basename(solution).replace(/\.slnx?$/i, '') : posix.basename(root)
    const named = web.find(p => p.name === stem || p.name === `${stem}.Api` || p.name === `${stem}.Web`)
    if (named) return pick(named, `named after ${solution ?? 'the app folder'}`, web)
    return pick(web[0]!, `the first of ${web.length} ASP.NET Core projects`, web)
  }
  const runnable = candidates.filter(p => p.exe)
  if (runnable.length) return pick(runnable[0]!, `${runnable[0]!.name} builds an executable`, runnable)
  if (candidates.length) return pick(candidates[0]!, `the only kind of project here is a library: ${candidates[0]!.name}`, candidates)
  return undefined
}

/** The project and every project it references, transitively: restore needs all their files. */
function referenceClosure(project: DotnetProject, all: DotnetProject[]): DotnetProject[] {
  const byPath = new Map(all.map(p => [p.path, p]))
  const seen = new Map<string, DotnetProject>([[project.path, project]])
  const queue = [project]
  while (queue.length) {
    for (const ref of queue.shift()!.references) {
      const found = byPath.get(ref)
      if (found && !seen.has(ref)) {
        seen.set(ref, found)
        queue.push(found)
      }
    }
  }
  return [...seen.values()]
}

/** global.json, NuGet.config and Directory.*.props in the folders from the root down to each project. */
function restoreInputs(snapshot: Snapshot, projects: DotnetProject[]): string[] {
  const dirs = new Set<string>()
  for (const p of projects) {
    const parts = p.dir === '.' ? [] : p.dir.split('/')
    for (let i = 0; i <= parts.length; i++) dirs.add(parts.slice(0, i).join('/'))
  }
  const found: string[] = []
  for (const dir of [...dirs].sort()) {
    for (const name of RESTORE_INPUTS) {
      const path = dir ? `${dir}/${name}` : name
      if (snapshot.has(path) && !found.includes(path)) found.push(path)
    }
  }
  return found
}

/** net8.0 -> 8.0, from the project or the Directory.Build.props above it; the highest of several. */
function targetFramework(snapshot: Snapshot, project: DotnetProject): {version: Fact<string>; moniker: string; multi: boolean} | undefined {
  let monikers = project.targetFrameworks
  let file = project.path
  let text = project.text
  if (monikers.length === 0) {
    const parts = project.dir === '.' ? [] : project.dir.split('/')
    for (let i = parts.length; i >= 0 && monikers.length === 0; i--) {
      const props = [...parts.slice(0, i), 'Directory.Build.props'].join('/')
      const content = snapshot.read(props)
      if (content === undefined) continue
      monikers = parseProject(props, content).targetFrameworks
      file = props
      text = content
    }
  }
  const versions = monikers
    .map(m => ({moniker: m, match: /^net(?:coreapp)?(\d+)\.(\d+)/.exec(m)}))
    .filter((v): v is {moniker: string; match: RegExpExecArray} => v.match !== null)
    .map(v => ({moniker: v.moniker, version: `${v.match[1]}.${v.match[2]}`}))
    .sort((a, b) => Number(b.version.split('.')[0]) - Number(a.version.split('.')[0]) || Number(b.version.split('.')[1]) - Number(a.version.split('.')[1]))
  const best = versions[0]
  if (!best) return undefined
  const multi = monikers.length > 1
  const tag = multi ? 'TargetFrameworks' : 'TargetFramework'
  return {
    version: fact(best.version, `<${tag}>${multi ? monikers.join(';') : best.moniker}</${tag}>`, file, lineOf(text, `<${tag}>`)),
    moniker: best.moniker,
    multi,
  }
}

/**
 * The SDK image global.json asks for. With a rollForward policy that accepts a newer feature band,
 * the newest SDK of the release (sdk:8.0) does; the default (latestPatch) and the strict policies
 * accept only the pinned band, so the image is tagged with the exact SDK version (sdk:8.0.100).
 */
function globalJsonSdk(snapshot: Snapshot): Fact<string> | undefined {
  const text = snapshot.read('global.json')
  const sdk = parseJson(stripJsonComments(text ?? ''))?.sdk as {version?: unknown; rollForward?: unknown} | undefined
  const version = typeof sdk?.version === 'string' ? sdk.version : undefined
  const match = version ? /^(\d+\.\d+)\.\d+$/.exec(version) : null
  if (!match || !text) return undefined
  const policy = typeof sdk?.rollForward === 'string' ? sdk.rollForward : 'latestPatch'
  const loose = ['latestFeature', 'latestMinor', 'latestMajor', 'feature', 'minor', 'major'].includes(policy)
  const detail = `global.json pins SDK ${version} (rollForward ${policy}${loose ? '' : ': that feature band only'})`
  return fact(loose ? match[1]! : version!, detail, 'global.json', lineOf(text, '"version"'))
}

/** .NET configuration files allow line and block comments and trailing commas; JSON.parse does not. */
export function stripJsonComments(text: string): string {
  let out = ''
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (c === '"') {
      const start = i
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++
      out += text.slice(start, i + 1)
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++
      out += '\n'
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2)
      const skipped = text.slice(i, end < 0 ? text.length : end + 2)
      out += skipped.replace(/[^\n]/g, '')
      i = end < 0 ? text.length : end + 1
    } else {
      out += c
    }
  }
  return out.replace(/,(\s*[}\]])/g, '$1')
}

/** C# (and F#, VB) sources of the project's folder, Program first: it holds the host setup. */
function csharpSources(snapshot: Snapshot, project: DotnetProject, limit = 120): string[] {
  const prefix = project.dir === '.' ? '' : `${project.dir}/`
  const out: string[] = []
  for (const file of snapshot.files) {
    if (out.length >= limit) break
    if (!file.path.startsWith(prefix) || !/\.(cs|fs|vb)$/.test(file.path) || file.size > 256 * 1024) continue
    if (/(^|\/)(tests?|Migrations)\//.test(file.path.slice(prefix.length))) continue
    out.push(file.path)
  }
  const rank = (f: string): number => (/\/?Program\.(cs|fs|vb)$/.test(f) ? 0 : /\/?Startup\.cs$/.test(f) ? 1 : 2)
  return out.sort((a, b) => rank(a) - rank(b) || a.split('/').length - b.split('/').length || (a < b ? -1 : 1))
}


interface Listen {
  port: number
  local: boolean
}

/** The first http URL of a `;`-separated list ("https://localhost:7001;http://localhost:5001"). */
export function parseUrls(urls: string): Listen | undefined {
  const list = urls.split(';').map(u => u.trim()).filter(Boolean)
  const chosen = list.find(u => u.startsWith('http://')) ?? list[0]
  const m = chosen ? /^https?:\/\/(\[[^\]]*\]|[^:/]+)(?::(\d+))?/.exec(chosen) : null
  if (!m) return undefined
  const port = m[2] ? Number(m[2]) : chosen!.startsWith('https') ? 443 : 80
  return {port, local: /^(localhost|127\.0\.0\.1|\[::1\])$/i.test(m[1]!)}
}

/**
 * Where Kestrel listens, most binding first: addresses fixed in code, Kestrel endpoints in
 * appsettings (both win over the environment), then Urls in appsettings, a PORT variable the code
 * reads, the port `dotnet run` uses (launchSettings.json), and the container default.
 */
function listenFacts(snapshot: Snapshot, project: DotnetProject, sources: string[], major: number): FactSet {
  const facts: FactSet = {}
  const at = (file: string) => (project.dir === '.' ? file : `${project.dir}/${file}`)
  /** How the container port is set when this source decides it: a variable, or nothing (fixed in code). */
  type Via = {kind: 'fixed'} | {kind: 'config'; name: string; why: string} | {kind: 'ports'}
  let listen: (Listen & {evidence: Evidence; via: Via}) | undefined
  const set = (l: Listen | undefined, via: Via, detail: string, file?: string, line?: number): void => {
    if (!listen && l) listen = {...l, via, evidence: {detail, ...(file ? {file} : {}), ...(line ? {line} : {})}}
  }

  const inCode =
    findIn(snapshot, sources, /\b(?:UseUrls|\.Run|Urls\.Add)\(\s*"(https?:\/\/[^"]+)"/) ??
    findIn(snapshot, sources, /\b(ListenAnyIP|ListenLocalhost)\(\s*(\d{2,5})/) ??
    findIn(snapshot, sources, /\bListen\(\s*IPAddress\.(Loopback|IPv6Loopback|Any|IPv6Any)\s*,\s*(\d{2,5})/)
  if (inCode) {
    const [, a, b] = inCode.match
    const l = b ? {port: Number(b), local: /Localhost|Loopback/.test(a!)} : parseUrls(a!)
    set(l, {kind: 'fixed'}, `Kestrel address fixed in code (--set port cannot move it): ${inCode.match[0]}`, inCode.file, inCode.line)
  }

  // Configuration files: environment variables override them, so the container port is set there.
  for (const name of ['appsettings.Production.json', 'appsettings.json']) {
    const text = snapshot.read(at(name))
    const json = parseJson(stripJsonComments(text ?? ''))
    if (!json || !text) continue
    const kestrel = json.Kestrel as {Endpoints?: Record<string, {Url?: unknown}>} | undefined
    const endpoints = Object.entries(kestrel?.Endpoints ?? {}).filter((e): e is [string, {Url: string}] => typeof e[1]?.Url === 'string')
    const http = endpoints.find(([, e]) => e.Url.startsWith('http://')) ?? endpoints[0]
    if (http) {
      const [endpoint, {Url: url}] = http
      const why = `overrides the Kestrel endpoint "${endpoint}" of ${name} (${url})`
      set(parseUrls(url), {kind: 'config', name: `Kestrel__Endpoints__${endpoint}__Url`, why}, `Kestrel endpoint ${url} in ${name}`, at(name), lineOf(text, url))
    }
    const urls = (json.Urls ?? json.urls) as unknown
    if (typeof urls === 'string') set(parseUrls(urls), {kind: 'config', name: 'URLS', why: `overrides Urls ${urls} of ${name}`}, `Urls ${urls} in ${name}`, at(name), lineOf(text, urls))
  }

  const portVar = findIn(snapshot, sources, /\bEnvironment\.GetEnvironmentVariable\(\s*"([A-Z0-9_]*PORT)"\s*\)(?:\s*\?\?\s*"(\d{2,5})")?/)
  if (portVar?.match[2]) set({port: Number(portVar.match[2]), local: false}, {kind: 'ports'}, `${portVar.match[1]} defaults to ${portVar.match[2]}`, portVar.file, portVar.line)

  const launchPath = at('Properties/launchSettings.json')
  const launchText = snapshot.read(launchPath)
  const launch = parseJson(stripJsonComments(launchText ?? ''))
  const profiles = Object.entries((launch?.profiles ?? {}) as Record<string, {commandName?: string; applicationUrl?: string}>)
  const profile = profiles.find(([, p]) => p.commandName === 'Project' && p.applicationUrl?.includes('http://')) ?? profiles.find(([, p]) => p.commandName === 'Project' && p.applicationUrl)
  if (profile && launchText) {
    const url = profile[1].applicationUrl!
    const l = parseUrls(url)
    // launchSettings only drives `dotnet run`; its localhost says nothing about the container.
    if (l) set({port: l.port, local: false}, {kind: 'ports'}, `the "${profile[0]}" profile's applicationUrl ${url}, the port dotnet run uses, in launchSettings.json`, launchPath, lineOf(launchText, url))
  }
  set({port: CONTAINER_PORT, local: false}, {kind: 'ports'}, `.NET container images listen on ${CONTAINER_PORT}`)

  const chosen = listen!
  facts.port = {value: chosen.port, evidence: [chosen.evidence]}
  if (chosen.local && chosen.via.kind === 'fixed') {
    facts.bindsLocalhost = fact(true, 'Kestrel listens on localhost only: the container will not answer; use http://+:PORT or remove the fixed address', chosen.evidence.file, chosen.evidence.line)
  }

  // One way to set the address, so that Kestrel does not log that one setting overrides another.
  const env: Record<string, string> = {}
  const evidence: Evidence[] = []
  if (chosen.via.kind === 'config') {
    env[chosen.via.name] = 'http://+:{{port}}'
    evidence.push({detail: `${chosen.via.name} ${chosen.via.why}, on every interface`, ...(chosen.evidence.file ? {file: chosen.evidence.file} : {}), ...(chosen.evidence.line ? {line: chosen.evidence.line} : {})})
  } else if (chosen.via.kind === 'ports' && major >= 8) {
    env.ASPNETCORE_HTTP_PORTS = '{{port}}'
    evidence.push({detail: 'ASPNETCORE_HTTP_PORTS sets the port Kestrel listens on, on every interface (.NET 8+)'})
  } else if (chosen.via.kind === 'ports') {
    env.ASPNETCORE_URLS = 'http://+:{{port}}'
    evidence.push({detail: 'ASPNETCORE_URLS sets the address Kestrel listens on (before .NET 8)'})
  }
  if (portVar) {
    env[portVar.match[1]!] = '{{port}}'
    facts.portEnv = fact(portVar.match[1]!, `the app reads ${portVar.match[1]}`, portVar.file, portVar.line)
    evidence.push({detail: `the app reads ${portVar.match[1]}, so it is set to the container port`, file: portVar.file, line: portVar.line})
  }
  if (Object.keys(env).length) facts.env = {value: env, evidence}
  return facts
}

/** MapHealthChecks("/healthz") first, then a conventional route. */
function healthPath(snapshot: Snapshot, sources: string[]): Fact<string> | undefined {
  const checks = findIn(snapshot, sources, /\bMapHealthChecks\(\s*"(\/[^"]*)"/)
  if (checks) return fact(checks.match[1]!, `MapHealthChecks("${checks.match[1]}")`, checks.file, checks.line)
  return findHealthPath(snapshot, sources)
}
