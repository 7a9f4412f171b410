import {type Fact, type FactSet, type Inspector, fact} from '../facts.js'
import type {Snapshot} from '../snapshot.js'
import {type JvmFramework, type JvmLayout, bootLayers, findMainClass, frameworkFrom, javaMajor, runtimeFacts, startCommandFor, versionFiles} from './jvm.js'
import {type Pom, child, childrenOf, interpolate, readPom, textAt} from './pom.js'

/** Plugins whose presence makes a module something you run rather than a library. */
const APP_PLUGINS = ['spring-boot-maven-plugin', 'quarkus-maven-plugin', 'micronaut-maven-plugin', 'maven-shade-plugin', 'maven-assembly-plugin', 'exec-maven-plugin', 'jib-maven-plugin']

/**
 * Maven builds (the `java` pack). Reads pom.xml, and for an aggregator the module poms, to report the
 * build (wrapper, Java version, module, jar name, layout) and, through jvm.ts, the running app.
 */
export const javaInspector: Inspector = {
  name: 'java',
  inspect(snapshot) {
    const text = snapshot.read('pom.xml')
    if (text === undefined) return {}
    const facts: FactSet = {manifest: fact(true, 'pom.xml', 'pom.xml')}
    const root = readPom(text)
    if (!root) {
      facts.broken = fact(true, 'pom.xml is not well-formed XML', 'pom.xml')
      return facts
    }
    // .mvn/ is hidden, so the walk lists it as skipped rather than reading it.
    const mvnDir = snapshot.skipped.some(s => s.path === '.mvn') || snapshot.files.some(f => f.path.startsWith('.mvn/'))
    if (mvnDir) facts.mvnConfig = fact(true, '.mvn/ (wrapper settings, maven.config, extensions) is part of the build', '.mvn')
    const wrapper = snapshot.has('mvnw') && mvnDir
    facts.packageManager = wrapper ? fact('maven-wrapper', 'Maven wrapper mvnw', 'mvnw') : fact('maven', 'pom.xml without a wrapper: mvn from the build image', 'pom.xml')
    facts.wrapper = wrapper
      ? fact(true, 'Maven wrapper mvnw', 'mvnw')
      : snapshot.has('mvnw')
        ? fact(false, 'mvnw without .mvn/wrapper/: the wrapper cannot know its Maven, so mvn from the build image', 'mvnw')
        : fact(false, 'no mvnw: mvn from the build image')

    // An aggregator builds its modules; which of them are apps decides between one app and a monorepo.
    let pom = root
    let module = ''
    let moduleText = text
    if (root.packaging === 'pom' && root.modules.length) {
      const apps = root.modules.filter(m => {
        const sub = readModule(snapshot, m.name)
        return sub ? isApp(sub.pom, snapshot, m.name) : false
      })
      facts.modules = fact(root.modules.map(m => m.name), `${root.modules.length} modules`, 'pom.xml', root.modules[0]!.line)
      if (apps.length === 1) {
        const sub = readModule(snapshot, apps[0]!.name)!
        pom = sub.pom
        module = apps[0]!.name
        moduleText = sub.text
        facts.module = fact(module, `the only module that is an application (of ${root.modules.length})`, `${module}/pom.xml`)
      } else {
        facts.workspace = fact(true, apps.length ? `${apps.length} modules are applications` : 'an aggregator whose modules are not recognisably applications', 'pom.xml', firstModuleLine(root))
        return facts
      }
    }
    const file = module ? `${module}/pom.xml` : 'pom.xml'

    const version = versionFiles(snapshot) ?? javaVersion(pom, file) ?? (pom === root ? undefined : javaVersion(root, 'pom.xml'))
    if (version) facts.version = version

    const buildText = [stripComments(text), pom === root ? '' : stripComments(moduleText)].join('\n')
    const found = frameworkFrom(buildText)
    let framework: Fact<JvmFramework> | undefined
    if (found) {
      const inModule = pom !== root && stripComments(moduleText).includes(found.marker)
      const where = inModule ? file : 'pom.xml'
      framework = fact(found.framework, `${found.marker} in ${where}`, where, lineOf(inModule ? moduleText : text, found.marker))
      facts.framework = framework
    }
    const boot = found?.framework === 'spring-boot' ? bootVersion(root, pom, file) : undefined
    if (boot) facts.frameworkVersion = boot

    facts.packaging = fact(pom.packaging, `<packaging>${pom.packaging}</packaging>`, file)
    const layout = layoutOf(pom, found?.framework, file)
    facts.layout = layout
    if (layout.value === 'fat-jar' && pom.plugins.some(p => p.artifactId === 'spring-boot-maven-plugin') && pom.packaging === 'jar' && boot && bootLayers(boot.value)) {
      facts.layered = fact(true, `Spring Boot ${boot.value} extracts its jar into layers (jarmode=tools), so a code edit ships a small layer`, boot.evidence[0]!.file, boot.evidence[0]!.line)
    }
    const jar = jarName(pom)
    if (jar) facts.jar = fact(`${module ? `${module}/` : ''}target/${jar.name}`, jar.why, file, jar.line)
    if (pom.artifactId) facts.artifact = fact(pom.artifactId, `<artifactId>${pom.artifactId}</artifactId>`, file, lineOf(moduleText, `<artifactId>${pom.artifactId}</artifactId>`))

    const mainClass = mainClassOf(pom, file) ?? findMainClass(snapshot, module)
    if (mainClass) facts.mainClass = mainClass
    if (layout.value === 'classpath' && !mainClass) {
      facts.library = fact(true, `${file} builds a plain jar and no class has a main method: a library, nothing to run`, file)
    }
    const start = startCommandFor(layout.value, mainClass?.value)
    if (start) facts.startCommand = fact(start, layout.evidence[0]!.detail, layout.evidence[0]!.file, layout.evidence[0]!.line)

    Object.assign(facts, runtimeFacts(snapshot, {framework, buildText, module}))
    return facts
  },
}

/** The Spring Boot version: the parent, the spring-boot.version property, the BOM, or the plugin's own. */
function bootVersion(root: Pom, pom: Pom, file: string): Fact<string> | undefined {
  for (const p of [pom, root]) {
    if (p.parent?.artifactId === 'spring-boot-starter-parent' && p.parent.version) {
      return fact(p.parent.version, `spring-boot-starter-parent ${p.parent.version}`, p === root ? 'pom.xml' : file, p.parent.line)
    }
  }
  const property = root.properties.get('spring-boot.version')
  const fromProperty = interpolate(root, property?.value)
  if (property && fromProperty) return fact(fromProperty, `<spring-boot.version>${property.value}</spring-boot.version>`, 'pom.xml', property.line)
  for (const p of [root, pom]) {
    const bom = [...childrenOf(child(child(p.root, 'dependencyManagement'), 'dependencies'), 'dependency')].find(d => textAt(d, 'artifactId') === 'spring-boot-dependencies')
    const version = bom ? interpolate(p, textAt(bom, 'version')) : undefined
    if (bom && version) return fact(version, `spring-boot-dependencies ${version}`, p === root ? 'pom.xml' : file, bom.line)
    const plugin = p.plugins.find(x => x.artifactId === 'spring-boot-maven-plugin')
    const pluginVersion = plugin ? interpolate(p, textAt(plugin.node, 'version')) : undefined
    if (plugin && pluginVersion) return fact(pluginVersion, `spring-boot-maven-plugin ${pluginVersion}`, p === root ? 'pom.xml' : file, plugin.line)
  }
  return undefined
}

function readModule(snapshot: Snapshot, name: string): {pom: Pom; text: string} | undefined {
  const text = snapshot.read(`${name}/pom.xml`)
  const pom = text === undefined ? undefined : readPom(text)
  return pom && text !== undefined ? {pom, text} : undefined
}

function isApp(pom: Pom, snapshot: Snapshot, module: string): boolean {
  if (pom.packaging === 'war') return true
  if (pom.packaging !== 'jar') return false
  if (pom.plugins.some(p => APP_PLUGINS.includes(p.artifactId))) return true
  // A jar plugin that names a main class makes an executable jar too.
  if (pom.plugins.some(p => p.artifactId === 'maven-jar-plugin' && textAt(p.node, 'configuration/archive/manifest/mainClass'))) return true
  const main = findMainClass(snapshot, module)
  return Boolean(main && /@SpringBootApplication|@QuarkusMain|Micronaut\.run/.test(snapshot.read(main.evidence[0]!.file!) ?? ''))
}

/** The Java release the build compiles for, from the most explicit setting to the least. */
function javaVersion(pom: Pom, file: string): Fact<string> | undefined {
  const compiler = pom.plugins.find(p => p.artifactId === 'maven-compiler-plugin')
  for (const key of ['release', 'target', 'source']) {
    const node = compiler ? textAt(compiler.node, `configuration/${key}`) : undefined
    const major = javaMajor(interpolate(pom, node))
    if (major) return fact(major, `maven-compiler-plugin <${key}>${node}</${key}>`, file, compiler!.node.line)
  }
  for (const key of ['maven.compiler.release', 'java.version', 'maven.compiler.target', 'maven.compiler.source', 'jdk.version', 'java.release']) {
    const property = pom.properties.get(key)
    const major = javaMajor(interpolate(pom, property?.value))
    if (property && major) return fact(major, `<${key}>${property.value}</${key}>`, file, property.line)
  }
  return undefined
}

function layoutOf(pom: Pom, framework: JvmFramework | undefined, file: string): Fact<JvmLayout> {
  const plugin = (id: string): {line: number} | undefined => pom.plugins.find(p => p.artifactId === id)
  const boot = plugin('spring-boot-maven-plugin')
  if (boot) return fact('fat-jar', 'spring-boot-maven-plugin repackages the jar with its dependencies', file, boot.line)
  const quarkus = plugin('quarkus-maven-plugin')
  if (quarkus || framework === 'quarkus') return fact('quarkus', 'Quarkus builds target/quarkus-app/', file, quarkus?.line)
  if (framework === 'micronaut' && (pom.parent?.artifactId === 'micronaut-parent' || plugin('micronaut-maven-plugin'))) {
    return fact('fat-jar', 'micronaut-parent shades the dependencies into the jar', file, pom.parent?.line)
  }
  const shade = plugin('maven-shade-plugin')
  if (shade) return fact('fat-jar', 'maven-shade-plugin builds a jar with its dependencies', file, shade.line)
  const assembly = pom.plugins.find(p => p.artifactId === 'maven-assembly-plugin' && /jar-with-dependencies/.test(JSON.stringify(p.node)))
  if (assembly) return fact('fat-jar', 'maven-assembly-plugin builds a jar-with-dependencies', file, assembly.line)
  if (framework === 'spring-boot') {
    return fact('classpath', 'Spring Boot without spring-boot-maven-plugin: the jar is not repackaged, so it runs by class path')
  }
  return fact('classpath', 'a plain jar: it runs by class path with its runtime dependencies in lib/')
}

/** Name of the jar `mvn package` leaves in target/, when the POM says it plainly. */
function jarName(pom: Pom): {name: string; why: string; line?: number} | undefined {
  const assembly = pom.plugins.some(p => p.artifactId === 'maven-assembly-plugin' && /jar-with-dependencies/.test(JSON.stringify(p.node)))
  const shade = pom.plugins.find(p => p.artifactId === 'maven-shade-plugin')
  const shadedAttached = shade && textAt(shade.node, 'executions/execution/configuration/shadedArtifactAttached') === 'true'
  const classifier = assembly && !shade ? '-jar-with-dependencies' : shadedAttached ? `-${textAt(shade!.node, 'executions/execution/configuration/shadedClassifierName') ?? 'shaded'}` : ''
  const packaging = pom.packaging === 'war' ? 'war' : 'jar'
  const finalName = interpolate(pom, pom.finalName)
  if (finalName) return {name: `${finalName}${classifier}.${packaging}`, why: `<finalName>${pom.finalName}</finalName>`}
  const artifact = interpolate(pom, pom.artifactId)
  const version = interpolate(pom, pom.version)
  if (!artifact || !version) return undefined
  return {name: `${artifact}-${version}${classifier}.${packaging}`, why: `artifactId ${artifact}, version ${version}`, line: child(pom.root, 'artifactId')?.line}
}

/** A main class the POM names: start-class, exec.mainClass, or a plugin's mainClass. */
function mainClassOf(pom: Pom, file: string): Fact<string> | undefined {
  for (const key of ['start-class', 'exec.mainClass', 'main.class', 'mainClass']) {
    const property = pom.properties.get(key)
    const value = interpolate(pom, property?.value)
    if (property && value) return fact(value, `<${key}>${property.value}</${key}>`, file, property.line)
  }
  for (const plugin of pom.plugins) {
    for (const path of ['configuration/mainClass', 'configuration/archive/manifest/mainClass', 'configuration/transformers/transformer/mainClass', 'executions/execution/configuration/transformers/transformer/mainClass', 'executions/execution/configuration/archive/manifest/mainClass']) {
      const value = interpolate(pom, textAt(plugin.node, path))
      if (value) return fact(value, `${plugin.artifactId} names the main class ${value}`, file, plugin.line)
    }
  }
  return undefined
}

const stripComments = (text: string): string => text.replace(/<!--[\s\S]*?-->/g, '')
const lineOf = (text: string, needle: string): number | undefined => {
  const index = stripComments(text) === text ? text.indexOf(needle) : findOutsideComments(text, needle)
  if (index < 0) return undefined
  return text.slice(0, index).split('\n').length
}
function findOutsideComments(text: string, needle: string): number {
  const comments = [...text.matchAll(/<!--[\s\S]*?-->/g)].map(m => [m.index!, m.index! + m[0].length] as const)
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
    if (!comments.some(([a, b]) => i >= a && i < b)) return i
  }
  return -1
}
const firstModuleLine = (pom: Pom): number | undefined => pom.modules[0]?.line
