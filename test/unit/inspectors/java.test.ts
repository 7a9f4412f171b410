import assert from 'node:assert/strict'

import {javaInspector} from '../../../src/detect/inspectors/java.js'
import {AppConfig, javaMajor, placeholder} from '../../../src/detect/inspectors/jvm.js'
import {interpolate, parseXml, readPom} from '../../../src/detect/inspectors/pom.js'
import {memorySnapshot} from '../../../src/detect/snapshot.js'

const inspect = (files: Record<string, string>) => javaInspector.inspect(memorySnapshot('/work/app', files))

const BOOT_PARENT = `<parent>
    <groupId>org.springframework.boot</groupId>
    <artifactId>spring-boot-starter-parent</artifactId>
    <version>3.5.7</version>
  </parent>`
const BOOT_PLUGIN = '<build><plugins><plugin><groupId>org.springframework.boot</groupId><artifactId>spring-boot-maven-plugin</artifactId></plugin></plugins></build>'
const dep = (artifactId: string, groupId = 'org.springframework.boot') => `<dependency><groupId>${groupId}</groupId><artifactId>${artifactId}</artifactId></dependency>`

function pom(opts: {parent?: string; props?: string; deps?: string[]; build?: string; packaging?: string; modules?: string[]; artifact?: string; version?: string} = {}): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  ${opts.parent ?? ''}
  <groupId>com.example</groupId>
  <artifactId>${opts.artifact ?? 'demo'}</artifactId>
  <version>${opts.version ?? '0.0.1-SNAPSHOT'}</version>
  ${opts.packaging ? `<packaging>${opts.packaging}</packaging>` : ''}
  ${opts.modules ? `<modules>${opts.modules.map(m => `<module>${m}</module>`).join('')}</modules>` : ''}
  <properties>${opts.props ?? ''}</properties>
  <dependencies>${(opts.deps ?? []).join('\n')}</dependencies>
  ${opts.build ?? ''}
</project>
`
}

const bootApp = (extra: Record<string, string> = {}, deps = [dep('spring-boot-starter-web'), dep('spring-boot-starter-actuator')]) => ({
  'pom.xml': pom({parent: BOOT_PARENT, props: '<java.version>21</java.version>', deps, build: BOOT_PLUGIN}),
  'src/main/java/com/example/demo/DemoApplication.java':
    'package com.example.demo;\n\n@SpringBootApplication\npublic class DemoApplication {\n  public static void main(String[] args) { SpringApplication.run(DemoApplication.class, args); }\n}\n',
  ...extra,
})

describe('java (Maven) inspector', () => {
  it('reports nothing without pom.xml, even beside Java sources', () => {
    assert.deepEqual(inspect({'src/main/java/Main.java': 'class Main { public static void main(String[] a) {} }'}), {})
  })

  it('reports a broken pom.xml as the manifest, and nothing it cannot read', () => {
    const facts = inspect({'pom.xml': '<project><artifactId>x</project>'})
    assert.equal(facts.manifest?.value, true)
    assert.equal(facts.broken?.value, true)
    assert.equal(facts.framework, undefined)
  })

  describe('Spring Boot', () => {
    it('reads the parent, the repackaging plugin, the jar name, actuator and SERVER_PORT', () => {
      const facts = inspect(bootApp())
      assert.equal(facts.framework?.value, 'spring-boot')
      assert.deepEqual(facts.framework?.evidence, [{detail: 'spring-boot-starter-parent in pom.xml', file: 'pom.xml', line: 6}])
      assert.equal(facts.frameworkVersion?.value, '3.5.7')
      assert.equal(facts.version?.value, '21')
      assert.equal(facts.layout?.value, 'fat-jar')
      assert.equal(facts.jar?.value, 'target/demo-0.0.1-SNAPSHOT.jar')
      assert.equal(facts.startCommand?.value, 'java -jar app.jar')
      assert.equal(facts.port?.value, 8080)
      assert.equal(facts.healthPath?.value, '/actuator/health')
      assert.deepEqual(facts.env?.value, {SERVER_PORT: '{{port}}'})
      assert.equal(facts.packageManager?.value, 'maven')
      assert.equal(facts.wrapper?.value, false)
    })

    it('extracts Boot 3.3+ jars into layers, older ones not, and finds the version in a BOM too', () => {
      const facts = inspect(bootApp())
      assert.equal(facts.layered?.value, true)
      assert.equal(facts.layered?.evidence[0]?.line, 4, 'the <parent> element')
      const old = bootApp()
      old['pom.xml'] = old['pom.xml']!.replace('<version>3.5.7</version>', '<version>3.2.5</version>')
      assert.equal(inspect(old).layered, undefined)
      const bom = inspect({
        ...bootApp(),
        'pom.xml': pom({
          props: '<boot>3.4.1</boot>',
          deps: [dep('spring-boot-starter-web')],
          build: `<dependencyManagement><dependencies><dependency><groupId>org.springframework.boot</groupId><artifactId>spring-boot-dependencies</artifactId><version>\${boot}</version><type>pom</type><scope>import</scope></dependency></dependencies></dependencyManagement>${BOOT_PLUGIN}`,
        }),
      })
      assert.equal(bom.frameworkVersion?.value, '3.4.1')
      assert.equal(bom.layered?.value, true)
    })

    it('takes the wrapper when mvnw is there', () => {
      const facts = inspect(bootApp({mvnw: '#!/bin/sh\n', 'mvnw.cmd': '@echo off\n', '.mvn/wrapper/maven-wrapper.properties': 'distributionUrl=x\n'}))
      assert.equal(facts.packageManager?.value, 'maven-wrapper')
      assert.equal(facts.wrapper?.value, true)
      assert.equal(facts.mvnConfig?.value, true)
      const broken = inspect(bootApp({mvnw: '#!/bin/sh\n'}))
      assert.equal(broken.wrapper?.value, false, 'mvnw cannot run without .mvn/wrapper/')
      assert.match(broken.wrapper?.evidence[0]?.detail ?? '', /without \.mvn/)
    })

    it('reads server.port from application.properties, with its line', () => {
      const facts = inspect(bootApp({'src/main/resources/application.properties': 'spring.application.name=demo\nserver.port = 9090\n'}))
      assert.equal(facts.port?.value, 9090)
      assert.deepEqual(facts.port?.evidence, [{detail: 'server.port=9090', file: 'src/main/resources/application.properties', line: 2}])
    })

    it('reads server.port from the default YAML document, not from a profile document', () => {
      const yml = 'server:\n  port: 8082\n---\nspring:\n  config:\n    activate:\n      on-profile: prod\nserver:\n  port: 80\n'
      const facts = inspect(bootApp({'src/main/resources/application.yml': yml}))
      assert.equal(facts.port?.value, 8082)
      assert.equal(facts.port?.evidence[0]?.line, 2)
    })

    it('sets the variable a ${PORT:9000} placeholder reads, beside SERVER_PORT', () => {
      const facts = inspect(bootApp({'src/main/resources/application.properties': 'server.port=${PORT:9000}\n'}))
      assert.equal(facts.port?.value, 9000)
      assert.deepEqual(facts.env?.value, {PORT: '{{port}}', SERVER_PORT: '{{port}}'})
      assert.equal(facts.portEnv?.value, 'PORT')
    })

    it('prefixes the health path with the context path and the management base path', () => {
      const facts = inspect(
        bootApp({'src/main/resources/application.properties': 'server.servlet.context-path=/api\nmanagement.endpoints.web.base-path=/manage\n'}),
      )
      assert.equal(facts.healthPath?.value, '/api/manage/health')
    })

    it('gives no health path when actuator is missing, on another port, or behind default Spring Security', () => {
      assert.equal(inspect(bootApp({}, [dep('spring-boot-starter-web')])).healthPath, undefined)
      const other = inspect(bootApp({'src/main/resources/application.properties': 'management.server.port=9001\n'}))
      assert.equal(other.healthPath, undefined, 'the probe only reaches the app port')
      const secured = inspect(bootApp({}, [dep('spring-boot-starter-web'), dep('spring-boot-starter-actuator'), dep('spring-boot-starter-security')]))
      assert.equal(secured.healthPath, undefined, 'default security answers 401')
      const permitted = inspect(
        bootApp({'src/main/java/com/example/demo/Security.java': 'class Security { void f(H http) { http.authorizeHttpRequests(a -> a.requestMatchers("/actuator/health").permitAll()); } }'}, [
          dep('spring-boot-starter-web'),
          dep('spring-boot-starter-actuator'),
          dep('spring-boot-starter-security'),
        ]),
      )
      assert.equal(permitted.healthPath?.value, '/actuator/health')
    })

    it('warns when server.address binds to localhost', () => {
      const facts = inspect(bootApp({'src/main/resources/application.properties': 'server.address=127.0.0.1\n'}))
      assert.equal(facts.bindsLocalhost?.value, true)
      assert.equal(facts.bindsLocalhost?.evidence[0]?.line, 1)
    })

    it('runs by class path when the pom has the Boot parent but not the repackaging plugin', () => {
      const files = bootApp()
      files['pom.xml'] = pom({parent: BOOT_PARENT, deps: [dep('spring-boot-starter-web')]})
      const facts = inspect(files)
      assert.equal(facts.framework?.value, 'spring-boot')
      assert.equal(facts.layout?.value, 'classpath')
      assert.equal(facts.mainClass?.value, 'com.example.demo.DemoApplication')
      assert.equal(facts.startCommand?.value, 'java -cp app.jar:lib/* com.example.demo.DemoApplication')
    })

    it('is not fooled by a commented-out Spring dependency', () => {
      const facts = inspect({
        'pom.xml': pom({deps: [`<!-- ${dep('spring-boot-starter-web')} -->`]}),
        'src/main/java/app/Main.java': 'package app;\npublic class Main { public static void main(String[] a) { new java.net.InetSocketAddress(7000); } }\n',
      })
      assert.equal(facts.framework, undefined)
      assert.equal(facts.port?.value, 7000)
    })
  })

  describe('Java version', () => {
    it('reads maven.compiler.release, then the compiler plugin, and turns 1.8 into 8', () => {
      assert.equal(inspect({'pom.xml': pom({props: '<maven.compiler.release>11</maven.compiler.release>'})}).version?.value, '11')
      assert.equal(inspect({'pom.xml': pom({props: '<maven.compiler.source>1.8</maven.compiler.source>'})}).version?.value, '8')
      const plugin = pom({
        props: '<jdk>17</jdk><maven.compiler.source>11</maven.compiler.source>',
        build: '<build><plugins><plugin><artifactId>maven-compiler-plugin</artifactId><configuration><release>${jdk}</release></configuration></plugin></plugins></build>',
      })
      const facts = inspect({'pom.xml': plugin})
      assert.equal(facts.version?.value, '17', 'the plugin release wins, with its property resolved')
    })

    it('lets .java-version and system.properties win over the pom', () => {
      assert.equal(inspect({'pom.xml': pom({props: '<java.version>17</java.version>'}), '.java-version': '21.0.2\n'}).version?.value, '21')
      assert.equal(inspect({'pom.xml': pom(), 'system.properties': 'java.runtime.version=11\n'}).version?.value, '11')
    })

    it('reports no version rather than a guess', () => {
      assert.equal(inspect({'pom.xml': pom()}).version, undefined)
    })
  })

  describe('layouts and jar names', () => {
    const main = {'src/main/java/com/example/cli/Main.java': 'package com.example.cli;\n\npublic class Main {\n  public static void main(String[] args) {}\n}\n'}

    it('runs a plain jar by class path with the main class from the source (com.example is not an example folder)', () => {
      const facts = inspect({'pom.xml': pom(), ...main})
      assert.equal(facts.layout?.value, 'classpath')
      assert.deepEqual(facts.mainClass?.evidence, [{detail: 'main method in src/main/java/com/example/cli/Main.java', file: 'src/main/java/com/example/cli/Main.java', line: 4}])
      assert.equal(facts.startCommand?.value, 'java -cp app.jar:lib/* com.example.cli.Main')
    })

    it('takes the main class the pom names over the sources', () => {
      const facts = inspect({'pom.xml': pom({props: '<exec.mainClass>com.example.cli.Other</exec.mainClass>'}), ...main})
      assert.equal(facts.mainClass?.value, 'com.example.cli.Other')
    })

    it('knows the shade and assembly jars, and a finalName', () => {
      const shade = inspect({'pom.xml': pom({build: '<build><finalName>${project.artifactId}</finalName><plugins><plugin><artifactId>maven-shade-plugin</artifactId></plugin></plugins></build>'}), ...main})
      assert.equal(shade.layout?.value, 'fat-jar')
      assert.equal(shade.jar?.value, 'target/demo.jar')
      const assembly = inspect({
        'pom.xml': pom({build: '<build><plugins><plugin><artifactId>maven-assembly-plugin</artifactId><configuration><descriptorRefs><descriptorRef>jar-with-dependencies</descriptorRef></descriptorRefs></configuration></plugin></plugins></build>'}),
        ...main,
      })
      assert.equal(assembly.jar?.value, 'target/demo-0.0.1-SNAPSHOT-jar-with-dependencies.jar')
    })

    it('leaves the jar name out when the version comes from outside the pom', () => {
      const facts = inspect({'pom.xml': pom({version: '${revision}'}), ...main})
      assert.equal(facts.jar, undefined)
    })

    it('builds Quarkus into quarkus-app/ with its health path and port variable', () => {
      const facts = inspect({
        'pom.xml': pom({
          deps: [dep('quarkus-rest', 'io.quarkus'), dep('quarkus-smallrye-health', 'io.quarkus')],
          build: '<build><plugins><plugin><groupId>io.quarkus.platform</groupId><artifactId>quarkus-maven-plugin</artifactId></plugin></plugins></build>',
        }),
        'src/main/resources/application.properties': 'quarkus.http.port=8085\n',
      })
      assert.equal(facts.framework?.value, 'quarkus')
      assert.equal(facts.layout?.value, 'quarkus')
      assert.equal(facts.startCommand?.value, 'java -jar quarkus-app/quarkus-run.jar')
      assert.equal(facts.port?.value, 8085)
      assert.equal(facts.healthPath?.value, '/q/health')
      assert.deepEqual(facts.env?.value, {QUARKUS_HTTP_PORT: '{{port}}'})
    })
  })

  describe('multi-module builds', () => {
    const aggregator = (modules: string[]) => pom({packaging: 'pom', modules, parent: BOOT_PARENT})
    const lib = pom({artifact: 'core'})
    const app = (name: string) => pom({artifact: name, deps: [dep('spring-boot-starter-web')], build: BOOT_PLUGIN})

    it('builds the only application module of an aggregator, with its own config', () => {
      const facts = inspect({
        'pom.xml': aggregator(['core', 'web']),
        'core/pom.xml': lib,
        'web/pom.xml': app('web'),
        'web/src/main/resources/application.yml': 'server:\n  port: 8181\n',
      })
      assert.equal(facts.workspace, undefined)
      assert.equal(facts.module?.value, 'web')
      assert.equal(facts.jar?.value, 'web/target/web-0.0.1-SNAPSHOT.jar')
      assert.equal(facts.framework?.value, 'spring-boot')
      assert.equal(facts.port?.value, 8181)
    })

    it('is a workspace when two modules are applications', () => {
      const facts = inspect({'pom.xml': aggregator(['orders', 'billing']), 'orders/pom.xml': app('orders'), 'billing/pom.xml': app('billing')})
      assert.equal(facts.workspace?.value, true)
      assert.equal(facts.workspace?.evidence[0]?.detail, '2 modules are applications')
      assert.equal(facts.port, undefined, 'no single app to describe')
    })
  })

  describe('plain apps', () => {
    it('reads the port and the PORT variable from the JDK HTTP server code', () => {
      const facts = inspect({
        'pom.xml': pom(),
        'src/main/java/a/Server.java':
          'package a;\nclass Server {\n  public static void main(String[] x) throws Exception {\n    int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8090"));\n    HttpServer.create(new InetSocketAddress(port), 0).createContext("/healthz", e -> {});\n  }\n}\n',
      })
      assert.equal(facts.port?.value, 8090)
      assert.deepEqual(facts.env?.value, {PORT: '{{port}}'})
      assert.equal(facts.healthPath?.value, '/healthz')
      assert.equal(facts.framework, undefined)
    })

    it('warns about a server bound to localhost', () => {
      const facts = inspect({'pom.xml': pom(), 'src/main/java/a/S.java': 'class S { void f() { new InetSocketAddress("localhost", 8000); } }'})
      assert.equal(facts.port?.value, 8000)
      assert.equal(facts.bindsLocalhost?.value, true)
    })

    it('calls a jar with no main class a library, which the pack then refuses', () => {
      const facts = inspect({'pom.xml': pom(), 'src/main/java/a/Util.java': 'package a;\npublic class Util { static int twice(int x) { return 2 * x; } }\n'})
      assert.equal(facts.library?.value, true)
      assert.equal(facts.startCommand, undefined)
    })

    it('finds the main of a Kotlin companion object and of a Scala object', () => {
      const kotlin = inspect({'pom.xml': pom(), 'src/main/kotlin/a/Server.kt': 'package a\n\nclass Server {\n    companion object {\n        @JvmStatic fun main(args: Array<String>) {}\n    }\n}\n'})
      assert.equal(kotlin.mainClass?.value, 'a.Server')
      assert.equal(kotlin.mainClass?.evidence[0]?.line, 5)
      const scala = inspect({'pom.xml': pom(), 'src/main/scala/b/Boot.scala': 'package b\n\nobject Boot extends App {\n  println("up")\n}\n'})
      assert.equal(scala.mainClass?.value, 'b.Boot')
      assert.equal(scala.library, undefined)
    })

    it('ignores ports in test sources', () => {
      const facts = inspect({'pom.xml': pom(), 'src/test/java/a/T.java': 'class T { int port = 9999; }', 'src/main/java/a/M.java': 'class M {}'})
      assert.equal(facts.port, undefined)
    })
  })
})

describe('JVM helpers', () => {
  it('javaMajor reads every spelling of a Java version', () => {
    assert.equal(javaMajor('1.8'), '8')
    assert.equal(javaMajor('17'), '17')
    assert.equal(javaMajor('21.0.2'), '21')
    assert.equal(javaMajor('JavaVersion.VERSION_11'), '11')
    assert.equal(javaMajor('JvmTarget.JVM_17'), '17')
    assert.equal(javaMajor('${java.version}'), undefined)
    assert.equal(javaMajor('3'), undefined)
  })

  it('placeholder splits ${VAR:default}', () => {
    assert.deepEqual(placeholder('${PORT:8080}'), {env: 'PORT', fallback: '8080'})
    assert.deepEqual(placeholder('8080'), {fallback: '8080'})
  })

  it('AppConfig lets application.properties win over application.yml', () => {
    const snapshot = memorySnapshot('/a', {'r/application.yml': 'server:\n  port: 1111\n', 'r/application.properties': 'server.port=2222\n'})
    assert.equal(AppConfig.read(snapshot, ['r']).get('server.port')?.value, '2222')
  })

  it('parseXml keeps lines, drops comments, and refuses broken XML', () => {
    const root = parseXml('<?xml version="1.0"?>\n<!-- <project> -->\n<project>\n  <a>x &amp; y</a>\n  <b/>\n</project>\n')
    assert.equal(root?.name, 'project')
    assert.deepEqual(root?.children.map(c => [c.name, c.text, c.line]), [['a', 'x & y', 4], ['b', '', 5]])
    assert.equal(parseXml('<project><a></project>'), undefined)
  })

  it('interpolate resolves nested properties and refuses unknown ones', () => {
    const parsed = readPom('<project><artifactId>x</artifactId><version>${revision}${changelist}</version><properties><revision>1.0</revision><changelist>-SNAPSHOT</changelist><v>${project.version}</v></properties></project>')!
    assert.equal(interpolate(parsed, '${v}'), '1.0-SNAPSHOT')
    assert.equal(interpolate(parsed, '${nope}'), undefined)
  })
})
