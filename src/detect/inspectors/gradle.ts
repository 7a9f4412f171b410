import {parseToml} from '../../util/toml.js'
import {type Fact, type FactSet, type Inspector, fact, lineOf} from '../facts.js'
import type {Snapshot} from '../snapshot.js'
import {type JvmFramework, type JvmLayout, bootLayers, findMainClass, frameworkFrom, javaMajor, runtimeFacts, versionFiles} from './jvm.js'

const BUILD_FILES = ['build.gradle.kts', 'build.gradle']
const SETTINGS_FILES = ['settings.gradle.kts', 'settings.gradle']

/** Plugins that make a project something you run: it gets an executable jar or a start script. */
const APP_PLUGINS = new Set(['application', 'org.springframework.boot', 'io.quarkus', 'io.micronaut.application', 'io.ktor.plugin', 'war'])

/** One Gradle project (the root or an included one) as far as its build script shows. */
interface Project {
  /** Folder relative to the root ('' for the root project). */
  dir: string
  file?: string
  text: string
  /** Plugin ids applied (not declared with `apply false`), with their line. */
  plugins: Map<string, number | undefined>
}

/**
 * Gradle builds (the `gradle` pack), Groovy or Kotlin DSL. Reads settings and build scripts, and the
 * version catalog their aliases point into, to report the build (wrapper, DSL, Java toolchain, the
 * project that is the app, its task and layout) and, through jvm.ts, the running app.
 */
export const gradleInspector: Inspector = {
  name: 'gradle',
  inspect(snapshot) {
    const buildFile = BUILD_FILES.find(f => snapshot.has(f))
    const settingsFile = SETTINGS_FILES.find(f => snapshot.has(f))
    if (!buildFile && !settingsFile) return {}
    const manifest = (buildFile ?? settingsFile)!
    const facts: FactSet = {manifest: fact(true, manifest, manifest)}
    const kotlinDsl = manifest.endsWith('.kts')
    facts.dsl = fact(kotlinDsl ? 'kotlin' : 'groovy', kotlinDsl ? 'Kotlin DSL (.gradle.kts)' : 'Groovy DSL (.gradle)', manifest)

    const wrapper = snapshot.has('gradlew')
    facts.packageManager = wrapper ? fact('gradle-wrapper', 'Gradle wrapper gradlew', 'gradlew') : fact('gradle', 'no gradlew: gradle from the build image', manifest)
    facts.wrapper = wrapper ? fact(true, 'Gradle wrapper gradlew', 'gradlew') : fact(false, 'no gradlew: gradle from the build image')
    const distribution = gradleDistribution(snapshot)
    if (distribution) facts.gradleVersion = distribution

    const catalog = readCatalog(snapshot)
    const settingsText = settingsFile ? strip(snapshot.read(settingsFile) ?? '') : ''
    const rootName = /rootProject\.name\s*=\s*["']([^"']+)["']/.exec(settingsText)?.[1]
    const root = readProject(snapshot, '', catalog)
    const included = includes(settingsText).map(dir => readProject(snapshot, dir, catalog)).filter(p => p.file)
    if (included.length) facts.projects = fact(included.map(p => p.dir), `${included.length} included projects`, settingsFile, lineOf(snapshot.read(settingsFile!) ?? '', 'include'))

    // Which project is the app: the root when it applies an application plugin, else the one included
    // project that does. Several apps make a monorepo; draft lists them instead of guessing.
    const apps = [root, ...included].filter(p => [...p.plugins.keys()].some(id => APP_PLUGINS.has(id)))
    let app: Project
    if (apps.length === 1) app = apps[0]!
    else if (apps.length === 0 && included.length === 1 && !root.file) app = included[0]!
    else if (apps.length === 0 && included.length === 0) app = root
    else {
      facts.workspace = fact(true, apps.length ? `${apps.length} projects are applications: ${apps.map(p => p.dir || '(root)').join(', ')}` : 'a multi-project build whose projects are not recognisably applications', settingsFile)
      return facts
    }
    if (app.dir) facts.module = fact(app.dir, `the only application project (of ${included.length})`, app.file)
    facts.project = fact(app.dir ? `:${app.dir.replace(/\//g, ':')}` : '', app.dir ? `Gradle project :${app.dir.replace(/\//g, ':')}` : 'the root project', app.file)
    if (rootName) facts.rootProjectName = fact(rootName, `rootProject.name = "${rootName}"`, settingsFile, lineOf(snapshot.read(settingsFile!) ?? '', 'rootProject.name'))
    const appFile = app.file ?? manifest

    const version = versionFiles(snapshot) ?? javaVersion(app) ?? (app === root ? undefined : javaVersion(root))
    if (version) facts.version = version
    if (app.plugins.has('org.jetbrains.kotlin.jvm') || root.plugins.has('org.jetbrains.kotlin.jvm')) {
      facts.kotlin = fact(true, 'the Kotlin JVM plugin', appFile, app.plugins.get('org.jetbrains.kotlin.jvm'))
    }

    const buildText = [root.text, app === root ? '' : app.text, catalog.text].join('\n')
    const found = pluginFramework(app) ?? frameworkFrom(buildText)
    let framework: Fact<JvmFramework> | undefined
    if (found) {
      const line = app.plugins.get(found.marker) ?? lineOf(snapshot.read(appFile) ?? '', found.marker)
      framework = fact(found.framework, `${found.marker} in ${appFile}`, appFile, line)
      facts.framework = framework
    }

    const {layout, task} = layoutOf(app, found?.framework, appFile)
    facts.layout = layout
    const boot = found?.framework === 'spring-boot' ? bootVersion(snapshot, [app, root], catalog) : undefined
    if (boot) facts.frameworkVersion = boot
    if (layout.value === 'fat-jar' && boot && bootLayers(boot.value)) {
      facts.layered = fact(true, `Spring Boot ${boot.value} extracts its jar into layers (jarmode=tools), so a code edit ships a small layer`, boot.evidence[0]!.file, boot.evidence[0]!.line)
    }
    facts.task = fact(`${facts.project.value}:${task}`.replace(/^:(?=\w+$)/, ''), `${task} builds the ${layout.value} layout`, appFile)
    if (layout.value === 'classpath' && !app.plugins.has('application') && !found) {
      facts.library = fact(true, `${appFile} applies no application plugin: a library, nothing to run (apply \`application\` and set mainClass)`, appFile)
    }
    const mainClass = declaredMainClass(app, appFile) ?? findMainClass(snapshot, app.dir)
    if (mainClass) facts.mainClass = mainClass
    const start = layout.value === 'fat-jar' ? 'java -jar app.jar' : layout.value === 'quarkus' ? 'java -jar quarkus-app/quarkus-run.jar' : mainClass ? `java -cp lib/* ${mainClass.value}` : undefined
    if (start) facts.startCommand = fact(start, layout.evidence[0]!.detail, layout.evidence[0]!.file, layout.evidence[0]!.line)

    facts.buildFiles = fact(buildInputs(snapshot, [root, ...included], settingsFile), 'build scripts copied before the source, so dependency downloads stay cached')
    Object.assign(facts, runtimeFacts(snapshot, {framework, buildText, module: app.dir}))
    return facts
  },
}

/** Comments out: a commented-out plugin or dependency is not applied. */
const strip = (text: string): string => text.replace(/\/\*[\s\S]*?\*\//g, m => m.replace(/[^\n]/g, ' ')).replace(/(^|[^:"'])\/\/.*$/gm, '$1')

/** Project folders of `include(...)` statements: ":services:api" -> "services/api". */
export function includes(settings: string): string[] {
  const out: string[] = []
  for (const statement of settings.matchAll(/^\s*include\b\s*\(?([^\n)]*)\)?/gm)) {
    for (const name of statement[1]!.matchAll(/["']([^"']+)["']/g)) {
      const dir = name[1]!.replace(/^:/, '').replace(/:/g, '/')
      if (dir && !out.includes(dir)) out.push(dir)
    }
  }
  return out
}

interface Catalog {
  /** Accessor (spring.boot.starter.actuator) -> module or plugin id. */
  libraries: Map<string, string>
  plugins: Map<string, string>
  /** Plugin id -> the version the catalog gives it. */
  pluginVersions: Map<string, string>
  text: string
}

const accessor = (key: string): string => key.replace(/[-_]/g, '.')

/** gradle/libs.versions.toml, so that `alias(libs.plugins.spring.boot)` and `libs.ktor.server.core` resolve. */
function readCatalog(snapshot: Snapshot): Catalog {
  const catalog: Catalog = {libraries: new Map(), plugins: new Map(), pluginVersions: new Map(), text: ''}
  const text = snapshot.read('gradle/libs.versions.toml')
  if (!text) return catalog
  let data: Record<string, unknown>
  try {
    data = parseToml(text).data
  } catch {
    return catalog
  }
  const entries = (table: unknown): [string, unknown][] => (table && typeof table === 'object' ? Object.entries(table as Record<string, unknown>) : [])
  for (const [key, value] of entries(data.libraries)) {
    const v = value as {module?: string; group?: string; name?: string} | string
    const module = typeof v === 'string' ? v.split(':').slice(0, 2).join(':') : v.module ?? (v.group && v.name ? `${v.group}:${v.name}` : undefined)
    if (module) catalog.libraries.set(accessor(key), module)
  }
  const versions = (data.versions ?? {}) as Record<string, unknown>
  for (const [key, value] of entries(data.plugins)) {
    const v = value as {id?: string; version?: string | {ref?: string}} | string
    const id = typeof v === 'string' ? v.split(':')[0] : v.id
    if (!id) continue
    catalog.plugins.set(accessor(key), id)
    const version = typeof v === 'string' ? v.split(':')[1] : typeof v.version === 'string' ? v.version : v.version?.ref ? versions[v.version.ref] : undefined
    if (typeof version === 'string') catalog.pluginVersions.set(id, version)
  }
  return catalog
}

function readProject(snapshot: Snapshot, dir: string, catalog: Catalog): Project {
  const prefix = dir ? `${dir}/` : ''
  const file = BUILD_FILES.map(f => prefix + f).find(f => snapshot.has(f))
  const raw = file ? snapshot.read(file) ?? '' : ''
  // `id(...) version ... apply false` only declares a plugin for subprojects; it says nothing of this one.
  let text = strip(raw).split('\n').map(l => (/\bapply\s*\(?\s*false\b/.test(l) ? '' : l)).join('\n')
  // Catalog aliases become the names they stand for, so one search finds both spellings.
  text = text.replace(/\blibs\.plugins\.([\w.]+)/g, (whole, key: string) => catalog.plugins.get(key) ?? whole)
  text = text.replace(/\blibs\.([\w.]+)/g, (whole, key: string) => catalog.libraries.get(key.replace(/\.get$/, '')) ?? whole)
  const plugins = new Map<string, number | undefined>()
  const add = (id: string, line: number | undefined): void => {
    if (!plugins.has(id)) plugins.set(id, line)
  }
  const {body, line: first} = pluginsBlock(text)
  // One statement per line, or several separated by `;`. Lines of `text` are those of the file.
  body.split('\n').forEach((physical, i) => {
    for (const line of physical.split(';')) {
      if (/\bapply\s*\(?\s*false\b/.test(line)) continue
      const id = /\b(?:id|alias)\s*\(?\s*["']?([\w.-]+)["']?/.exec(line)?.[1]
      const kotlin = /\bkotlin\s*\(\s*["']([\w.-]+)["']\s*\)/.exec(line)?.[1]
      const bare = /^\s*[`]?(application|java|java-library|war|groovy|scala)[`]?\s*$/.exec(line)?.[1]
      const plugin = kotlin ? `org.jetbrains.kotlin.${kotlin}` : id ?? bare
      if (plugin) add(plugin, first + i)
    }
  })
  for (const m of text.matchAll(/\bapply\s*\(?\s*plugin\s*[:=]\s*["']([\w.-]+)["']/g)) add(m[1]!, lineOf(raw, m[1]!))
  // A convention plugin from buildSrc (gradle init's `buildlogic.java-application-conventions`) counts
  // as the plugins it applies.
  for (const id of [...plugins.keys()]) {
    const convention = conventionScript(snapshot, id)
    if (!convention) continue
    text += `\n${convention}`
    for (const line of pluginsBlock(convention).body.split('\n')) {
      const bare = /^\s*[`]?(application|java|java-library|war)[`]?\s*$/.exec(line)?.[1] ?? /\bid\s*\(?\s*["']([\w.-]+)["']/.exec(line)?.[1]
      if (bare && !plugins.has(bare)) plugins.set(bare, plugins.get(id))
    }
  }
  return {dir, file, text, plugins}
}

/** The inside of the `plugins { }` block, and the line of the file it starts on. */
function pluginsBlock(text: string): {body: string; line: number} {
  const start = /^[ \t]*plugins\s*\{/m.exec(text)
  if (!start) return {body: '', line: 1}
  const from = start.index + start[0].length
  const line = text.slice(0, from).split('\n').length
  let depth = 0
  for (let i = from - 1; i < text.length; i++) {
    if (text[i] === '{') depth++
    else if (text[i] === '}' && --depth === 0) return {body: text.slice(from, i), line}
  }
  return {body: text.slice(from), line}
}

function conventionScript(snapshot: Snapshot, id: string): string | undefined {
  for (const base of ['buildSrc/src/main/kotlin', 'buildSrc/src/main/groovy', 'build-logic/src/main/kotlin', 'build-logic/src/main/groovy', 'build-logic/convention/src/main/kotlin']) {
    for (const ext of ['.gradle.kts', '.gradle']) {
      const text = snapshot.read(`${base}/${id}${ext}`)
      if (text) return strip(text)
    }
  }
  return undefined
}

/** Version of the Spring Boot plugin: in the plugins block, the buildscript classpath, or the catalog. */
function bootVersion(snapshot: Snapshot, projects: Project[], catalog: Catalog): Fact<string> | undefined {
  const patterns = [/["']org\.springframework\.boot["']\s*\)?\s*version\s*\(?\s*["'](\d[\w.-]*)["']/, /spring-boot-gradle-plugin:(\d[\w.-]*)/]
  for (const project of projects) {
    if (!project.file) continue
    const raw = snapshot.read(project.file) ?? ''
    for (const re of patterns) {
      const match = re.exec(strip(raw))
      if (match) return fact(match[1]!, `Spring Boot plugin ${match[1]}`, project.file, lineOf(raw, re))
    }
  }
  const fromCatalog = catalog.pluginVersions.get('org.springframework.boot')
  return fromCatalog ? fact(fromCatalog, `Spring Boot plugin ${fromCatalog} in the version catalog`, 'gradle/libs.versions.toml') : undefined
}

function pluginFramework(project: Project): {framework: JvmFramework; marker: string} | undefined {
  const table: [string, JvmFramework][] = [
    ['org.springframework.boot', 'spring-boot'],
    ['io.quarkus', 'quarkus'],
    ['io.micronaut.application', 'micronaut'],
    ['io.ktor.plugin', 'ktor'],
  ]
  for (const [id, framework] of table) if (project.plugins.has(id)) return {framework, marker: id}
  return undefined
}

/** The Java release the build targets: toolchain first, then compatibility settings. */
function javaVersion(project: Project): Fact<string> | undefined {
  if (!project.file) return undefined
  const patterns: [RegExp, string][] = [
    [/languageVersion(?:\.set\(|\s*=\s*|\s*\(\s*)?\s*JavaLanguageVersion\.of\(\s*["']?(\d+)["']?\s*\)/, 'Java toolchain languageVersion'],
    [/jvmToolchain\s*\(\s*(\d+)\s*\)/, 'Kotlin jvmToolchain'],
    [/targetCompatibility\s*=\s*(?:JavaVersion\.VERSION_)?["']?([\d._]+)["']?/, 'targetCompatibility'],
    [/sourceCompatibility\s*=\s*(?:JavaVersion\.VERSION_)?["']?([\d._]+)["']?/, 'sourceCompatibility'],
    [/jvmTarget(?:\.set\(|\s*=\s*)\s*(?:JvmTarget\.JVM_)?["']?([\d._]+)["']?/, 'Kotlin jvmTarget'],
  ]
  for (const [re, what] of patterns) {
    const match = re.exec(project.text)
    const major = javaMajor(match?.[1]?.replace(/_/g, '.'))
    if (match && major) return fact(major, `${what} ${match[1]}`, project.file, lineOf(project.text, re))
  }
  return undefined
}

function layoutOf(project: Project, framework: JvmFramework | undefined, file: string): {layout: Fact<JvmLayout>; task: string} {
  const line = (id: string): number | undefined => project.plugins.get(id)
  if (project.plugins.has('org.springframework.boot')) {
    return {layout: fact('fat-jar', 'the Spring Boot plugin builds an executable jar (bootJar)', file, line('org.springframework.boot')), task: 'bootJar'}
  }
  if (project.plugins.has('io.quarkus') || framework === 'quarkus') {
    return {layout: fact('quarkus', 'the Quarkus plugin builds build/quarkus-app/ (quarkusBuild)', file, line('io.quarkus')), task: 'quarkusBuild'}
  }
  const plugin = project.plugins.has('application') ? 'application' : project.plugins.has('io.micronaut.application') ? 'io.micronaut.application' : 'io.ktor.plugin'
  return {layout: fact('classpath', 'the application plugin installs lib/ and a start script (installDist)', file, line(plugin)), task: 'installDist'}
}

function declaredMainClass(project: Project, file: string): Fact<string> | undefined {
  const patterns = [
    /mainClass(?:\.set\(\s*|\s*=\s*|\s*\(\s*)["']([\w.$]+)["']/,
    /mainClassName\s*=\s*["']([\w.$]+)["']/,
    /["']Main-Class["']\s*(?:to|:|,)\s*["']([\w.$]+)["']/,
  ]
  for (const re of patterns) {
    const match = re.exec(project.text)
    if (match) return fact(match[1]!, `the build names the main class ${match[1]}`, file, lineOf(project.text, re))
  }
  return undefined
}

/**
 * Build inputs to copy before the source: gradle/ (the wrapper and the version catalog), buildSrc/ and
 * build-logic/, settings, gradle.properties and the build script of every project.
 */
function buildInputs(snapshot: Snapshot, projects: Project[], settingsFile: string | undefined): string {
  const files = [settingsFile, 'gradle.properties', ...projects.map(p => p.file)].filter((f): f is string => Boolean(f) && snapshot.has(f!))
  // Build logic is needed to configure the build at all; it changes rarely, so it comes early too.
  const folders = ['gradle', 'buildSrc', 'build-logic'].filter(d => snapshot.list(d).length > 0).map(d => `${d}/`)
  return [...new Set([...folders, ...files])].join(' ')
}

/** Gradle version the wrapper pins, from gradle/wrapper/gradle-wrapper.properties. */
function gradleDistribution(snapshot: Snapshot): Fact<string> | undefined {
  const file = 'gradle/wrapper/gradle-wrapper.properties'
  const text = snapshot.read(file)
  const match = text ? /distributionUrl=.*gradle-([\d.]+(?:-rc-\d+)?)-(?:bin|all)\.zip/.exec(text) : null
  return text && match ? fact(match[1]!, `the wrapper pins Gradle ${match[1]}`, file, lineOf(text, 'distributionUrl')) : undefined
}
