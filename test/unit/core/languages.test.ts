import assert from 'node:assert/strict'

import {rankLanguages} from '../../../src/detect/languages.js'
import {memorySnapshot} from '../../../src/detect/snapshot.js'

const big = (line: string, times: number): string => `${line}\n`.repeat(times)

describe('rankLanguages', () => {
  it('never lets the Maven wrapper (Shell) outvote a Spring app', async () => {
    const shell = await rankLanguages(memorySnapshot('/app', {'scripts/deploy.sh': `#!/bin/sh\n${big('echo deploy', 500)}`, 'App.java': 'class App {}\n'}))
    assert.equal(shell.code[0]?.language, 'Java', 'a large shell script is glue, never the app')
    assert.ok(shell.other.some(l => l.language === 'Shell'))
    const ranking = await rankLanguages(
      memorySnapshot('/app', {
        mvnw: `#!/bin/sh\n${big('echo "resolving the maven distribution"', 400)}`,
        'mvnw.cmd': big('@REM windows wrapper', 200),
        'pom.xml': `<project>${big('<dependency><groupId>x</groupId></dependency>', 200)}</project>`,
        'src/main/java/demo/App.java': 'package demo;\npublic class App { public static void main(String[] a) {} }\n',
      }),
    )
    assert.equal(ranking.code[0]?.language, 'Java')
    assert.ok(!ranking.code.some(l => l.language === 'Shell'), 'Shell is glue, not code')
    // linguist treats the wrapper as vendored: it is not counted at all.
    assert.deepEqual(ranking.code.map(l => l.language), ['Java'])
  })

  it('ranks TypeScript first even beside megabytes of JSON, and .ts is not XML', async () => {
    const ranking = await rankLanguages(
      memorySnapshot('/app', {
        'src/index.ts': 'import {x} from "./x"\nexport const handler = (n: number): number => n * 2\n',
        'src/x.ts': 'export const x: string = "x"\ninterface Y { a: number }\n',
        'data/catalog.json': JSON.stringify(Array.from({length: 5000}, (_, i) => ({id: i}))),
        'package.json': '{"name":"x"}',
      }),
    )
    assert.deepEqual(ranking.code.map(l => l.language), ['TypeScript'])
    assert.equal(ranking.code[0]!.share, 1)
    assert.ok(ranking.other.some(l => l.language === 'JSON' && l.bytes > 50_000))
  })

  it('keeps a C# app C# despite a huge .csproj and JSON settings', async () => {
    const ranking = await rankLanguages(
      memorySnapshot('/app', {
        'Api.csproj': `<Project Sdk="Microsoft.NET.Sdk.Web">${big('<PackageReference Include="A.B" Version="1.0.0" />', 500)}</Project>`,
        'appsettings.json': JSON.stringify({Logging: {LogLevel: {Default: 'Information'}}, items: Array.from({length: 3000}, (_, i) => i)}),
        'Program.cs': 'var builder = WebApplication.CreateBuilder(args);\nvar app = builder.Build();\napp.MapGet("/", () => "hi");\napp.Run();\n',
      }),
    )
    assert.equal(ranking.code[0]?.language, 'C#')
    assert.ok(!ranking.code.some(l => ['XML', 'JSON'].includes(l.language)))
  })

  it('classifies a few samples per kind and extrapolates to the rest', async () => {
    const files: Record<string, string> = {}
    for (let i = 0; i < 50; i++) files[`pkg/m${i}.go`] = `package pkg\n\nfunc F${i}() int { return ${i} }\n`
    const ranking = await rankLanguages(memorySnapshot('/app', files))
    assert.equal(ranking.code[0]?.language, 'Go')
    assert.equal(ranking.code[0]?.files, 50)
    assert.ok(ranking.sampled <= 3, `sampled ${ranking.sampled}`)
  })

  it('leaves out vendored paths such as minified libraries', async () => {
    const ranking = await rankLanguages(
      memorySnapshot('/app', {
        'static/jquery.min.js': big('!function(e){"use strict";e.fn=1}(window);', 2000),
        'app.py': 'print("hello")\n',
      }),
    )
    assert.deepEqual(ranking.code.map(l => l.language), ['Python'])
  })

  it('leaves Helm charts out, so a scaffolded chart never outweighs a small app', async () => {
    const ranking = await rankLanguages(
      memorySnapshot('/app', {
        'app.py': 'print("hi")\n',
        'charts/app/Chart.yaml': 'apiVersion: v2\nname: app\n',
        'charts/app/templates/_helpers.tpl': `{{- define "app.name" -}}\n${'{{ .Chart.Name }}\n'.repeat(200)}{{- end }}\n`,
      }),
    )
    assert.deepEqual(ranking.code.map(l => l.language), ['Python'])
  })
})
