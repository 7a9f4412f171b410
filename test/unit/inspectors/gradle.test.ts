import assert from 'node:assert/strict'

import {detectApp} from '../../../src/detect/detect.js'
import {gradleInspector, includes} from '../../../src/detect/inspectors/gradle.js'
import {memorySnapshot} from '../../../src/detect/snapshot.js'
import {loadPacks} from '../../../src/pack-model/registry.js'

const inspect = (files: Record<string, string>) => gradleInspector.inspect(memorySnapshot('/work/app', files))

const BOOT_KTS = `plugins {
    kotlin("jvm") version "1.9.25"
    kotlin("plugin.spring") version "1.9.25"
    id("org.springframework.boot") version "3.5.7"
    id("io.spring.dependency-management") version "1.1.7"
}

java { toolchain { languageVersion = JavaLanguageVersion.of(21) } }

dependencies {
    implementation("org.springframework.boot:spring-boot-starter-web")
    implementation("org.springframework.boot:spring-boot-starter-actuator")
}
`
const KT_APP = 'package com.example.demo\n\n@SpringBootApplication\nclass DemoApplication\n\nfun main(args: Array<String>) {\n    runApplication<DemoApplication>(*args)\n}\n'

const APPLICATION_GROOVY = (main = 'org.example.App') => `plugins {
    id 'application'
}

java {
    sourceCompatibility = JavaVersion.VERSION_17
}

application {
    mainClass = '${main}'
}
`

describe('gradle inspector', () => {
  it('reports nothing without a build or settings script', () => {
    assert.deepEqual(inspect({'src/main/kotlin/App.kt': 'fun main() {}'}), {})
  })

  describe('Kotlin DSL Spring Boot', () => {
    const files = {'settings.gradle.kts': 'rootProject.name = "demo"\n', 'build.gradle.kts': BOOT_KTS, 'src/main/kotlin/com/example/demo/DemoApplication.kt': KT_APP, gradlew: '#!/bin/sh\n'}

    it('reads the DSL, the wrapper, the toolchain, the Boot plugin and its bootJar', () => {
      const facts = inspect(files)
      assert.equal(facts.dsl?.value, 'kotlin')
      assert.equal(facts.packageManager?.value, 'gradle-wrapper')
      assert.equal(facts.version?.value, '21')
      assert.deepEqual(facts.version?.evidence, [{detail: 'Java toolchain languageVersion 21', file: 'build.gradle.kts', line: 8}])
      assert.equal(facts.framework?.value, 'spring-boot')
      assert.equal(facts.framework?.evidence[0]?.line, 4)
      assert.equal(facts.kotlin?.value, true)
      assert.equal(facts.layout?.value, 'fat-jar')
      assert.equal(facts.task?.value, 'bootJar')
      assert.equal(facts.startCommand?.value, 'java -jar app.jar')
      assert.equal(facts.mainClass?.value, 'com.example.demo.DemoApplicationKt')
      assert.equal(facts.healthPath?.value, '/actuator/health')
      assert.deepEqual(facts.env?.value, {SERVER_PORT: '{{port}}'})
      assert.equal(facts.buildFiles?.value, 'settings.gradle.kts build.gradle.kts')
    })

    it('extracts Boot 3.3+ jars into layers, the version read from the plugins block or the catalog', () => {
      assert.equal(inspect(files).frameworkVersion?.value, '3.5.7')
      assert.equal(inspect(files).layered?.value, true)
      const old = inspect({...files, 'build.gradle.kts': BOOT_KTS.replace('"3.5.7"', '"3.1.0"')})
      assert.equal(old.layered, undefined)
      const catalog = inspect({
        'build.gradle.kts': 'plugins {\n    alias(libs.plugins.spring.boot)\n}\n',
        'gradle/libs.versions.toml': '[versions]\nboot = "3.4.0"\n\n[plugins]\nspring-boot = { id = "org.springframework.boot", version.ref = "boot" }\n',
      })
      assert.equal(catalog.frameworkVersion?.value, '3.4.0')
      assert.equal(catalog.layered?.value, true)
    })

    it('reads jvmToolchain(17) and Kotlin jvmTarget when there is no Java toolchain', () => {
      const jvm = inspect({'build.gradle.kts': 'plugins { kotlin("jvm") version "2.0.0"; application }\nkotlin { jvmToolchain(17) }\n'})
      assert.equal(jvm.version?.value, '17')
      const target = inspect({'build.gradle.kts': 'plugins { application }\ntasks.withType<KotlinCompile> { compilerOptions { jvmTarget.set(JvmTarget.JVM_11) } }\n'})
      assert.equal(target.version?.value, '11')
    })

    it('resolves plugin and library aliases from the version catalog', () => {
      const facts = inspect({
        'build.gradle.kts': 'plugins {\n    alias(libs.plugins.spring.boot)\n    alias(libs.plugins.kotlin.jvm)\n}\ndependencies {\n    implementation(libs.spring.boot.starter.actuator)\n}\n',
        'gradle/libs.versions.toml':
          '[plugins]\nspring-boot = { id = "org.springframework.boot", version = "3.5.7" }\nkotlin-jvm = { id = "org.jetbrains.kotlin.jvm", version = "2.0.0" }\n\n[libraries]\nspring-boot-starter-actuator = { module = "org.springframework.boot:spring-boot-starter-actuator" }\n',
        'src/main/kotlin/a/App.kt': KT_APP,
      })
      assert.equal(facts.framework?.value, 'spring-boot')
      assert.equal(facts.layout?.value, 'fat-jar')
      assert.equal(facts.healthPath?.value, '/actuator/health')
      assert.equal(facts.buildFiles?.value, 'gradle/ build.gradle.kts')
    })

    it('ignores a plugin declared with apply false and commented-out dependencies', () => {
      const facts = inspect({
        'build.gradle.kts': 'plugins {\n    id("org.springframework.boot") version "3.5.7" apply false\n    application\n}\n// implementation("org.springframework.boot:spring-boot-starter-web")\napplication { mainClass.set("a.MainKt") }\n',
      })
      assert.equal(facts.framework, undefined)
      assert.equal(facts.layout?.value, 'classpath')
      assert.equal(facts.mainClass?.value, 'a.MainKt')
      assert.equal(facts.startCommand?.value, 'java -cp lib/* a.MainKt')
    })
  })

  describe('Groovy DSL and multi-project builds', () => {
    it('builds the one application project of gradle init layout with its task path', () => {
      const facts = inspect({
        'settings.gradle': "rootProject.name = 'tasks'\ninclude('app', 'list')\n",
        'app/build.gradle': APPLICATION_GROOVY(),
        'list/build.gradle': "plugins {\n    id 'java-library'\n}\n",
        'app/src/main/java/org/example/App.java': 'package org.example;\npublic class App { public static void main(String[] a) { int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "7070")); } }\n',
      })
      assert.equal(facts.dsl?.value, 'groovy')
      assert.equal(facts.wrapper?.value, false)
      assert.equal(facts.module?.value, 'app')
      assert.equal(facts.task?.value, ':app:installDist')
      assert.equal(facts.version?.value, '17')
      assert.equal(facts.mainClass?.value, 'org.example.App')
      assert.equal(facts.port?.value, 7070)
      assert.deepEqual(facts.env?.value, {PORT: '{{port}}'})
      assert.equal(facts.buildFiles?.value, 'settings.gradle app/build.gradle list/build.gradle')
    })

    it('is a workspace when several included projects are applications', () => {
      const facts = inspect({
        'settings.gradle.kts': 'include(":services:orders")\ninclude(":services:billing")\n',
        'services/orders/build.gradle.kts': BOOT_KTS,
        'services/billing/build.gradle.kts': 'plugins { application }\n',
      })
      assert.equal(facts.workspace?.value, true)
      assert.match(facts.workspace?.evidence[0]?.detail ?? '', /services\/orders, services\/billing/)
    })

    it('sees an application plugin applied through a buildSrc convention plugin', () => {
      const facts = inspect({
        'settings.gradle.kts': 'include("app", "utilities")\n',
        'buildSrc/build.gradle.kts': 'plugins { `kotlin-dsl` }\n',
        'buildSrc/src/main/kotlin/buildlogic.java-application-conventions.gradle.kts': 'plugins {\n    id("buildlogic.java-common-conventions")\n    application\n}\n',
        'app/build.gradle.kts': 'plugins {\n    id("buildlogic.java-application-conventions")\n}\napplication { mainClass = "org.example.app.App" }\n',
        'utilities/build.gradle.kts': 'plugins {\n    id("buildlogic.java-library-conventions")\n}\n',
      })
      assert.equal(facts.module?.value, 'app')
      assert.equal(facts.layout?.value, 'classpath')
      assert.match(String(facts.buildFiles?.value), /^buildSrc\/ /)
    })

    it('calls a project without an application plugin a library', () => {
      const facts = inspect({'build.gradle': "plugins {\n    id 'java-library'\n}\n", 'src/main/java/a/Lib.java': 'package a; public class Lib {}'})
      assert.equal(facts.library?.value, true)
      const app = inspect({'build.gradle': APPLICATION_GROOVY()})
      assert.equal(app.library, undefined)
    })

    it('includes() reads every spelling of include', () => {
      assert.deepEqual(includes("include 'a', 'b'\ninclude(\":c:d\")\n  include \"e\"\n"), ['a', 'b', 'c/d', 'e'])
    })

    it('reads a Quarkus build', () => {
      const facts = inspect({
        'build.gradle': "plugins {\n    id 'java'\n    id 'io.quarkus'\n}\ndependencies {\n    implementation 'io.quarkus:quarkus-smallrye-health'\n}\n",
      })
      assert.equal(facts.framework?.value, 'quarkus')
      assert.equal(facts.task?.value, 'quarkusBuild')
      assert.equal(facts.startCommand?.value, 'java -jar quarkus-app/quarkus-run.jar')
      assert.equal(facts.healthPath?.value, '/q/health')
    })

    it('reads a Ktor port from application.conf and the variable it reads', () => {
      const facts = inspect({
        'build.gradle.kts': 'plugins {\n    kotlin("jvm") version "2.0.0"\n    id("io.ktor.plugin") version "3.0.0"\n}\napplication { mainClass.set("io.ktor.server.netty.EngineMain") }\n',
        'src/main/resources/application.conf': 'ktor {\n    deployment {\n        port = 8089\n        port = ${?PORT}\n    }\n}\n',
      })
      assert.equal(facts.framework?.value, 'ktor')
      assert.equal(facts.port?.value, 8089)
      assert.deepEqual(facts.env?.value, {PORT: '{{port}}'})
      assert.equal(facts.startCommand?.value, 'java -cp lib/* io.ktor.server.netty.EngineMain')
    })

    it('reads the Gradle version the wrapper pins', () => {
      const facts = inspect({'build.gradle': APPLICATION_GROOVY(), gradlew: '', 'gradle/wrapper/gradle-wrapper.properties': 'distributionUrl=https\\://services.gradle.org/distributions/gradle-8.10.2-bin.zip\n'})
      assert.equal(facts.gradleVersion?.value, '8.10.2')
    })
  })
})

describe('Maven or Gradle', () => {
  const packs = loadPacks({draftHome: '/nonexistent-draft-home'})
  const java = {'src/main/java/a/App.java': 'package a;\npublic class App { public static void main(String[] x) {} }\n'}
  const pom = '<project><modelVersion>4.0.0</modelVersion><groupId>a</groupId><artifactId>app</artifactId><version>1</version></project>'
  const detect = async (files: Record<string, string>) => (await detectApp(memorySnapshot('/work/app', files), packs)).pack

  it('takes a pom.xml to java and a build script to gradle', async () => {
    assert.equal(await detect({...java, 'pom.xml': pom}), 'java')
    assert.equal(await detect({...java, 'build.gradle': APPLICATION_GROOVY('a.App')}), 'gradle')
    assert.equal(await detect({...java, 'settings.gradle.kts': 'rootProject.name = "a"\n', 'build.gradle.kts': 'plugins { application }\n'}), 'gradle')
  })

  it('lets Maven win when both builds are there, unless only Gradle has its wrapper', async () => {
    const both = {...java, 'pom.xml': pom, 'build.gradle': APPLICATION_GROOVY('a.App')}
    assert.equal(await detect(both), 'java')
    assert.equal(await detect({...both, gradlew: '#!/bin/sh\n'}), 'gradle')
    assert.equal(await detect({...both, gradlew: '#!/bin/sh\n', mvnw: '#!/bin/sh\n'}), 'java')
  })

  it('picks no JVM pack for Java sources without a build, or for a library', async () => {
    assert.equal(await detect(java), null)
    assert.equal(await detect({'src/main/java/a/Lib.java': 'package a; public class Lib {}', 'pom.xml': pom}), null)
  })
})
