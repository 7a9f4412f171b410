import yaml from 'js-yaml'

import {type Evidence, type Fact, type FactSet, fact, findHealthPath, findIn, lineOf} from '../facts.js'
import type {Snapshot} from '../snapshot.js'
import {configFilePort, runtimeFiles} from './runtime-files.js'

/**
 * What the Maven (`java`) and Gradle inspectors have in common: the app's JVM framework, its port,
 * health path and listen environment, read from Spring/Quarkus/Micronaut config files and from the
 * sources. The build files differ, the running app does not, so both inspectors report the same
 * facts from here and only their build-tool parts differ.
 */

export type JvmFramework = 'spring-boot' | 'quarkus' | 'micronaut' | 'ktor' | 'javalin' | 'spark' | 'helidon'

/** How the built app is laid out in the image, which decides the start command. */
export type JvmLayout =
  /** One executable jar with its dependencies inside (Spring Boot, shade, assembly, Micronaut). */
  | 'fat-jar'
  /** Quarkus' fast-jar folder: quarkus-app/quarkus-run.jar plus lib/, app/, quarkus/. */
  | 'quarkus'
  /** The app's jar plus its runtime dependencies in lib/, started by main class. */
  | 'classpath'

/** Port each framework listens on when nothing configures one, and the variable that overrides it. */
export const FRAMEWORK_DEFAULTS: Record<JvmFramework, {port: number; portEnv?: string}> = {
  'spring-boot': {port: 8080, portEnv: 'SERVER_PORT'},
  quarkus: {port: 8080, portEnv: 'QUARKUS_HTTP_PORT'},
  micronaut: {port: 8080, portEnv: 'MICRONAUT_SERVER_PORT'},
  ktor: {port: 8080},
  javalin: {port: 8080},
  spark: {port: 4567},
  helidon: {port: 8080, portEnv: 'SERVER_PORT'},
}

export const JVM_SOURCE_EXTENSIONS = ['.java', '.kt', '.groovy', '.scala']

/**
 * The app's own JVM sources: under src/main/ of the module when the build follows the Maven layout,
 * else anywhere but test folders. (The shared sourceFiles() skips any `example/` folder, which is
 * every `com.example` package of a Spring Initializr app.)
 */
const sourcesCache = new WeakMap<Snapshot, Map<string, string[]>>()

export function jvmSources(snapshot: Snapshot, module: string, limit = 400): string[] {
  let cache = sourcesCache.get(snapshot)
  if (!cache) sourcesCache.set(snapshot, (cache = new Map()))
  const key = `${module}\n${limit}`
  const cached = cache.get(key)
  if (cached) return cached
  const found = listSources(snapshot, module, limit)
  cache.set(key, found)
  return found
}

function listSources(snapshot: Snapshot, module: string, limit: number): string[] {
  const prefix = module ? `${module}/` : ''
  const all = snapshot.files.filter(f => f.path.startsWith(prefix) && f.size <= 256 * 1024 && JVM_SOURCE_EXTENSIONS.some(e => f.path.endsWith(e)))
  const main = all.filter(f => f.path.startsWith(`${prefix}src/main/`))
  const chosen = main.length ? main : all.filter(f => !/(^|\/)(src\/test|src\/it|test|tests|testFixtures)\//.test(f.path.slice(prefix.length)))
  return chosen
    .map(f => f.path)
    .sort((a, b) => a.split('/').length - b.split('/').length || (a < b ? -1 : 1))
    .slice(0, limit)
}

// ---------------------------------------------------------------------------------------------
// Java versions

/** "1.8" -> "8", "17" -> "17", "JavaVersion.VERSION_21" -> "21", "JVM_17" -> "17". */
export function javaMajor(raw: string | undefined): string | undefined {
  if (!raw) return undefined
  const text = raw.trim()
  const legacy = /^1\.(\d+)\b/.exec(text)
  if (legacy) return legacy[1]
  const match = /(?:VERSION_|JVM_)?(\d+)(?:[._]\d+)*$/.exec(text) ?? /^(\d+)/.exec(text)
  const major = match ? Number(match[1]) : Number.NaN
  return major >= 6 && major < 100 ? String(major) : undefined
}

/**
 * Version files that any JVM build may carry: jenv's .java-version, SDKMAN's .sdkmanrc, Heroku's
 * system.properties. They say which JDK the developer really runs, so they win over the build file.
 */
export function versionFiles(snapshot: Snapshot): Fact<string> | undefined {
  const javaVersion = snapshot.read('.java-version')?.trim()
  const fromFile = javaMajor(javaVersion?.replace(/^(temurin|openjdk|corretto|zulu)-/, ''))
  if (fromFile) return fact(fromFile, `.java-version says ${javaVersion}`, '.java-version', 1)
  const sdkman = snapshot.read('.sdkmanrc')
  const sdk = sdkman ? /^java\s*=\s*([\d.]+)/m.exec(sdkman) : null
  if (sdkman && sdk && javaMajor(sdk[1])) return fact(javaMajor(sdk[1])!, `.sdkmanrc pins java=${sdk[1]}`, '.sdkmanrc', lineOf(sdkman, /^java\s*=/m))
  const heroku = snapshot.read('system.properties')
  const runtime = heroku ? /^java\.runtime\.version\s*=\s*(\S+)/m.exec(heroku) : null
  if (heroku && runtime && javaMajor(runtime[1])) {
    return fact(javaMajor(runtime[1])!, `java.runtime.version=${runtime[1]}`, 'system.properties', lineOf(heroku, 'java.runtime.version'))
  }
  return undefined
}

// ---------------------------------------------------------------------------------------------
// Application config (Spring, Quarkus, Micronaut, Ktor)

export interface ConfigValue {
  value: string
  file: string
  line: number | undefined
}

/** Flat `a.b.c` keys of a properties file or of the default-profile document of a YAML file. */
export class AppConfig {
  private readonly values = new Map<string, ConfigValue>()
  readonly files: string[] = []

  static read(snapshot: Snapshot, resourceDirs: readonly string[]): AppConfig {
    const config = new AppConfig()
    const readAll = (profile: string | undefined): void => {
      // YAML first, then properties: Spring lets .properties win when both set a key. Later folders
      // win over earlier ones (the classpath, then the working directory), as in Spring.
      for (const dir of resourceDirs) {
        for (const ext of ['yml', 'yaml', 'properties', 'conf']) {
          const name = `application${profile ? `-${profile}` : ''}.${ext}`
          const file = dir ? `${dir}/${name}` : name
          const text = snapshot.read(file)
          if (text === undefined) continue
          config.files.push(file)
          if (ext === 'properties') config.addProperties(file, text)
          else if (ext === 'conf') config.addHocon(file, text)
          else config.addYaml(file, text, config.profiles)
        }
      }
    }
    readAll(undefined)
    // spring.profiles.active (or spring.profiles.include) adds each profile's own files on top.
    const active = [config.get('spring.profiles.active'), config.get('spring.profiles.include')]
      .flatMap(v => (v && !v.value.includes('${') ? v.value.split(',') : []))
      .map(p => p.trim())
      .filter(p => /^[\w-]+$/.test(p))
    if (active.length) {
      // Read again with the profiles active: their documents in the main YAML files apply, then their files.
      config.values.clear()
      config.files.length = 0
      config.profiles = active
      readAll(undefined)
      for (const profile of active) readAll(profile)
    }
    return config
  }

  /** Active Spring profiles, from spring.profiles.active. */
  profiles: string[] = []

  get(key: string): ConfigValue | undefined {
    return this.values.get(key)
  }

  private addProperties(file: string, text: string): void {
    const lines = text.split(/\r?\n/)
    lines.forEach((raw, i) => {
      const line = raw.trim()
      if (!line || line.startsWith('#') || line.startsWith('!')) return
      const match = /^([^=:\s]+)\s*[=:]\s*(.*)$/.exec(line)
      if (match) this.values.set(match[1]!, {value: match[2]!.trim(), file, line: i + 1})
    })
  }

  private addYaml(file: string, text: string, profiles: readonly string[] = []): void {
    let docs: unknown[]
    try {
      docs = yaml.loadAll(text)
    } catch {
      return
    }
    // A document without a profile condition always applies; one for a profile applies when it is active.
    const flat = (node: unknown, prefix: string, out: Map<string, string>): void => {
      if (node && typeof node === 'object' && !Array.isArray(node)) {
        for (const [k, v] of Object.entries(node as Record<string, unknown>)) flat(v, prefix ? `${prefix}.${k}` : k, out)
      } else if (node !== null && node !== undefined && !Array.isArray(node)) {
        out.set(prefix, String(node))
      }
    }
    for (const doc of docs) {
      const out = new Map<string, string>()
      flat(doc, '', out)
      const condition = out.get('spring.config.activate.on-profile') ?? out.get('spring.profiles')
      if (condition !== undefined && !condition.split(',').some(p => profiles.includes(p.trim()))) continue
      for (const [key, value] of out) {
        const leaf = key.split('.').pop()!
        this.values.set(key, {value, file, line: lineOf(text, new RegExp(`^\\s*${escapeRe(leaf)}\\s*:`, 'm'))})
      }
    }
  }

  /** Ktor's application.conf: only the `port = ...` of ktor.deployment matters here. */
  private addHocon(file: string, text: string): void {
    const port = /\bport\s*[=:]\s*(\d{2,5})/.exec(text)
    if (port) this.values.set('ktor.deployment.port', {value: port[1]!, file, line: lineOf(text, port[0])})
    const env = /\bport\s*[=:]\s*\$\{\??(\w+)\}/.exec(text)
    if (env) this.values.set('ktor.deployment.portEnv', {value: env[1]!, file, line: lineOf(text, env[0])})
  }
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** `${PORT:8080}` -> {env: "PORT", fallback: "8080"}; a plain value has no env. */
export function placeholder(value: string): {env?: string; fallback?: string} {
  const match = /^\$\{([A-Za-z_][\w.-]*)(?::([^}]*))?\}$/.exec(value.trim())
  if (!match) return {fallback: value.trim()}
  return {env: match[1], fallback: match[2]}
}

/**
 * Files the app reads from its working directory, relative to its module: paths that string literals
 * in the code name outside src/ (what is in src/main/resources is in the jar), and Spring Boot's own
 * application.* files beside the build.
 */
function jvmRuntimeFiles(snapshot: Snapshot, module: string, sources: readonly string[], config: AppConfig): Fact<string[]> | undefined {
  const prefix = module ? `${module}/` : ''
  const found = runtimeFiles(snapshot, {
    sources,
    base: module,
    sourceExtensions: [...JVM_SOURCE_EXTENSIONS, '.gradle', '.gradle.kts'],
    exclude: ['src', 'target', 'build', '.mvn', 'gradle', '.gradle'],
  })
  const value = [...(found?.value ?? [])]
  const evidence = [...(found?.evidence ?? [])]
  for (const file of config.files) {
    if (!file.startsWith(prefix) || file.startsWith(`${prefix}src/`)) continue
    const rel = file.slice(prefix.length)
    if (value.some(v => rel === v || rel.startsWith(`${v}/`))) continue
    value.push(rel)
    evidence.push({detail: `Spring Boot reads ${rel} from its working directory: copied beside the jar`, file, key: rel})
  }
  return value.length ? {value, evidence} : undefined
}

// ---------------------------------------------------------------------------------------------
// The running app: port, listen environment, health path, main class

export interface AppSignals {
  framework?: Fact<JvmFramework>
  /** Text of build files and version catalogs, for dependency names. */
  buildText: string
  /** Folder of the module that holds the app ('' for the root). */
  module: string
}

const has = (text: string, artifact: string): boolean => new RegExp(`\\b${escapeRe(artifact)}\\b`).test(text)

/**
 * Port, listen environment, health path and bind warnings of a JVM app, from its config files and
 * sources. Framework defaults apply only where nothing more specific was found.
 */
export function runtimeFacts(snapshot: Snapshot, signals: AppSignals): FactSet {
  const facts: FactSet = {}
  const prefix = signals.module ? `${signals.module}/` : ''
  const framework = signals.framework?.value
  // Spring Boot also reads application.* from the working directory and its config/ folder, over
  // the ones in the jar: those files must then be in the image beside the jar.
  const workDirs = framework === 'spring-boot' ? [signals.module, `${prefix}config`] : []
  const config = AppConfig.read(snapshot, [`${prefix}src/main/resources`, `${prefix}src/main/resources/config`, ...workDirs])
  const sources = jvmSources(snapshot, signals.module)
  const env: Record<string, string> = {}
  const envEvidence: Evidence[] = []

  const files = jvmRuntimeFiles(snapshot, signals.module, sources, config)
  if (files) facts.runtimeFiles = files
  const resources = `${prefix}src/main/resources/`
  const configCandidates = [
    ...(files?.value ?? []).flatMap(p => (snapshot.has(prefix + p) ? [prefix + p] : snapshot.files.filter(f => f.path.startsWith(`${prefix}${p}/`)).map(f => f.path))),
    // Resources the code loads by name (getResourceAsStream("/app.properties")) are in the jar.
    ...snapshot.files.filter(f => f.path.startsWith(resources) && sources.some(src => (snapshot.read(src) ?? '').includes(`"${f.path.slice(resources.length)}"`) || (snapshot.read(src) ?? '').includes(`"/${f.path.slice(resources.length)}"`))).map(f => f.path),
  ]
  const fromConfigFile = !framework || ['ktor', 'javalin', 'spark', 'helidon'].includes(framework) ? configFilePort(snapshot, configCandidates, sources) : undefined
  if (fromConfigFile) facts.port = fromConfigFile

  const portKey = framework === 'quarkus' ? 'quarkus.http.port' : framework === 'micronaut' ? 'micronaut.server.port' : framework === 'ktor' ? 'ktor.deployment.port' : 'server.port'
  const configured = framework ? config.get(portKey) : undefined
  if (configured) {
    const {env: portVar, fallback} = placeholder(configured.value)
    const number = Number(fallback)
    if (Number.isInteger(number) && number > 0 && number < 65536) {
      facts.port = fact(number, `${portKey}=${configured.value}`, configured.file, configured.line)
    }
    if (portVar && /^[A-Z_][A-Z0-9_]*$/.test(portVar)) {
      env[portVar] = '{{port}}'
      facts.portEnv = fact(portVar, `${portKey} reads ${portVar}`, configured.file, configured.line)
      envEvidence.push({detail: `${portKey} reads ${portVar}, so ${portVar} is set to the container port`, file: configured.file, line: configured.line})
    }
  }
  const ktorEnv = framework === 'ktor' ? config.get('ktor.deployment.portEnv') : undefined
  if (ktorEnv) {
    env[ktorEnv.value] = '{{port}}'
    facts.portEnv = fact(ktorEnv.value, `ktor.deployment.port reads ${ktorEnv.value}`, ktorEnv.file, ktorEnv.line)
    envEvidence.push({detail: `application.conf reads ${ktorEnv.value}`, file: ktorEnv.file, line: ktorEnv.line})
  }

  // Plain apps (and Ktor/Javalin/Spark, which take the port in code) say it in the source.
  const readsEnv = findIn(snapshot, sources, /(?:System\.getenv|getenv)\(\s*"(PORT|SERVER_PORT|HTTP_PORT)"\s*\)|getOrDefault\(\s*"(PORT|SERVER_PORT|HTTP_PORT)"/)
  if (readsEnv && !framework?.startsWith('spring') && framework !== 'quarkus' && framework !== 'micronaut') {
    const name = readsEnv.match[1] ?? readsEnv.match[2]!
    env[name] = '{{port}}'
    facts.portEnv ??= fact(name, `the app reads ${name}`, readsEnv.file, readsEnv.line)
    envEvidence.push({detail: `the app reads ${name}, so ${name} is set to the container port`, file: readsEnv.file, line: readsEnv.line})
  }
  if (!facts.port && (!framework || ['ktor', 'javalin', 'spark', 'helidon'].includes(framework))) {
    const literal =
      findIn(snapshot, sources, /getOrDefault\(\s*"\w*PORT"\s*,\s*"(\d{2,5})"/) ??
      findIn(snapshot, sources, /getenv\(\s*"\w*PORT"\s*\)[^;\n]*?(?:\?:|\?\?|,)\s*"?(\d{2,5})/) ??
      findIn(snapshot, sources, /==\s*null\s*\?\s*(\d{2,5})\s*:|!=\s*null\s*\?[^:;\n]+:\s*(\d{2,5})\b/) ??
      findIn(snapshot, sources, /new\s+InetSocketAddress\(\s*(?:"[^"]*"\s*,\s*)?(\d{2,5})\s*\)/) ??
      findIn(snapshot, sources, /InetSocketAddress\(\s*(?:"[^"]*"\s*,\s*)?(\d{2,5})\s*\)/) ??
      findIn(snapshot, sources, /\bport\s*=\s*(\d{2,5})\b/) ??
      findIn(snapshot, sources, /\.start\(\s*(\d{2,5})\s*\)|\bport\(\s*(\d{2,5})\s*\)/)
    const value = literal ? literal.match[1] ?? literal.match[2] : undefined
    if (literal && value) facts.port = fact(Number(value), `port ${value} in source`, literal.file, literal.line)
  }
  if (!facts.port && framework) {
    facts.port = fact(FRAMEWORK_DEFAULTS[framework].port, `${framework} listens on ${FRAMEWORK_DEFAULTS[framework].port} by default`)
  }
  // The framework's own variable wins over its config files, so `draft create --set port=...` works.
  const frameworkEnv = framework ? FRAMEWORK_DEFAULTS[framework].portEnv : undefined
  if (frameworkEnv && !(frameworkEnv in env)) {
    env[frameworkEnv] = '{{port}}'
    facts.portEnv ??= fact(frameworkEnv, `${framework} reads ${frameworkEnv}`)
    envEvidence.push({detail: `${framework} reads ${frameworkEnv} before its config files, so it is set to the container port`})
  }

  const address = framework === 'spring-boot' ? config.get('server.address') : framework === 'quarkus' ? config.get('quarkus.http.host') : framework === 'micronaut' ? config.get('micronaut.server.host') : undefined
  if (address && /^(127\.0\.0\.1|localhost|::1)$/.test(placeholder(address.value).fallback ?? '')) {
    facts.bindsLocalhost = fact(true, `${address.value} is localhost only: the container will not answer; remove it or bind 0.0.0.0`, address.file, address.line)
  }
  const loopback = findIn(snapshot, sources, /InetSocketAddress\(\s*"(?:localhost|127\.0\.0\.1)"|getLoopbackAddress\(\)|host\s*=\s*"(?:localhost|127\.0\.0\.1)"/)
  if (loopback) facts.bindsLocalhost ??= fact(true, 'binds to localhost only: the container will not answer; bind to 0.0.0.0', loopback.file, loopback.line)

  const health = healthPath(snapshot, signals, config, sources)
  if (health) facts.healthPath = health
  if (Object.keys(env).length) facts.env = {value: env, evidence: envEvidence}
  return facts
}

function healthPath(snapshot: Snapshot, signals: AppSignals, config: AppConfig, sources: string[]): Fact<string> | undefined {
  const framework = signals.framework?.value
  const text = signals.buildText
  if (framework === 'spring-boot' && has(text, 'spring-boot-starter-actuator')) {
    const management = config.get('management.server.port')
    if (management && placeholder(management.value).fallback !== config.get('server.port')?.value) {
      // The probes reach the app port only; a health path on another port would fail them.
      return undefined
    }
    if (has(text, 'spring-boot-starter-security') && !findIn(snapshot, sources, /actuator|EndpointRequest/)) {
      // Spring Security's defaults answer 401 on every path, the health endpoint included.
      return undefined
    }
    const context = config.get('server.servlet.context-path') ?? config.get('spring.webflux.base-path')
    const base = config.get('management.endpoints.web.base-path')
    const path = joinPaths(context?.value ?? '', base?.value ?? '/actuator', 'health')
    const where = base ?? context
    return fact(path, 'spring-boot-starter-actuator serves the health endpoint', where?.file, where?.line)
  }
  if (framework === 'quarkus' && has(text, 'quarkus-smallrye-health')) {
    const root = config.get('quarkus.http.root-path')
    const nonApp = config.get('quarkus.http.non-application-root-path')
    const q = nonApp?.value ?? 'q'
    const path = q.startsWith('/') ? joinPaths(q, 'health') : joinPaths(root?.value ?? '', q, 'health')
    return fact(path, 'quarkus-smallrye-health serves the health endpoint')
  }
  if (framework === 'micronaut' && has(text, 'micronaut-management')) {
    return fact('/health', 'micronaut-management serves the health endpoint')
  }
  return findHealthPath(snapshot, sources)
}

function joinPaths(...parts: string[]): string {
  const joined = parts.map(p => p.replace(/^\/+|\/+$/g, '')).filter(Boolean).join('/')
  return `/${joined}`
}

/**
 * The class with the `main` method: `com.example.Main` for Java, `com.example.AppKt` for a
 * top-level Kotlin `fun main`. Used for apps started by class path rather than as a fat jar.
 */
export function findMainClass(snapshot: Snapshot, module: string): Fact<string> | undefined {
  const sources = jvmSources(snapshot, module)
  const candidates: {file: string; line: number; name: string; score: number}[] = []
  for (const file of sources) {
    const text = snapshot.read(file)
    if (!text) continue
    const pkg = /^\s*package\s+([\w.]+)/m.exec(text)?.[1]
    const base = file.split('/').pop()!.replace(/\.\w+$/, '')
    let name: string | undefined
    let line: number | undefined
    const scalaObject = /\bobject\s+(\w+)[^{]*?(?:extends\s+App\b|\{[\s\S]*?\bdef\s+main\s*\()/.exec(text)
    const companion = /@JvmStatic\s+fun\s+main\s*\(/.test(text) ? /\bclass\s+(\w+)/.exec(text) : null
    if ((file.endsWith('.java') || file.endsWith('.groovy')) && /static\s+(?:public\s+)?void\s+main\s*\(/.test(text)) {
      // The public class of a Java file is named after the file.
      name = base
      line = lineOf(text, /static\s+(?:public\s+)?void\s+main\s*\(/)
    } else if (file.endsWith('.kt') && /^fun\s+main\s*\(/m.test(text)) {
      name = `${base}Kt`
      line = lineOf(text, /^fun\s+main\s*\(/m)
    } else if (file.endsWith('.kt') && companion) {
      name = companion[1]
      line = lineOf(text, /@JvmStatic\s+fun\s+main\s*\(/)
    } else if (file.endsWith('.scala') && scalaObject) {
      name = scalaObject[1]
      line = lineOf(text, scalaObject[0])
    }
    if (!name) continue
    const score = (/@SpringBootApplication|@QuarkusMain|Micronaut\.run|embeddedServer|HttpServer\.create|Javalin\.create/.test(text) ? 2 : 0) + (/^(Main|App|Application)/.test(base) ? 1 : 0)
    candidates.push({file, line: line ?? 1, name: pkg ? `${pkg}.${name}` : name, score})
  }
  candidates.sort((a, b) => b.score - a.score)
  const best = candidates[0]
  return best ? fact(best.name, `main method in ${best.file}`, best.file, best.line) : undefined
}

/** Spring Boot 3.3 and later extract a jar into layers with `-Djarmode=tools ... extract --layers`. */
export function bootLayers(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(n => Number.parseInt(n, 10))
  return major > 3 || (major === 3 && minor >= 3)
}

/** The start command of each layout, relative to the image's WORKDIR /app. */
export function startCommandFor(layout: JvmLayout, mainClass: string | undefined): string | undefined {
  if (layout === 'fat-jar') return 'java -jar app.jar'
  if (layout === 'quarkus') return 'java -jar quarkus-app/quarkus-run.jar'
  return mainClass ? `java -cp app.jar:lib/* ${mainClass}` : undefined
}

/** The framework a dependency or plugin list reveals, with the name that gave it away. */
export function frameworkFrom(text: string): {framework: JvmFramework; marker: string} | undefined {
  const table: [JvmFramework, string[]][] = [
    ['spring-boot', ['spring-boot-starter-parent', 'spring-boot-maven-plugin', 'org.springframework.boot', 'spring-boot-starter-web', 'spring-boot-starter-webflux', 'spring-boot-starter']],
    ['quarkus', ['quarkus-maven-plugin', 'io.quarkus', 'quarkus-bom']],
    ['micronaut', ['micronaut-parent', 'micronaut-maven-plugin', 'io.micronaut.application', 'micronaut-http-server-netty', 'io.micronaut']],
    ['ktor', ['io.ktor.plugin', 'ktor-server-core', 'ktor-server-netty', 'ktor-server-cio']],
    ['javalin', ['io.javalin']],
    ['spark', ['com.sparkjava']],
    ['helidon', ['io.helidon']],
  ]
  for (const [framework, markers] of table) {
    for (const marker of markers) if (has(text, marker)) return {framework, marker}
  }
  return undefined
}
