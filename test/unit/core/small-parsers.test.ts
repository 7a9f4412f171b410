import assert from 'node:assert/strict'

import {readDockerfile} from '../../../src/scaffold/dockerfile.js'
import {execForm, envLines, splitCommand} from '../../../src/scaffold/template-helpers.js'
import {globToRegExp, matchGlob} from '../../../src/util/glob.js'
import {TomlSyntaxError, parseToml} from '../../../src/util/toml.js'

describe('readDockerfile', () => {
  it('resolves global ARGs in FROM, skips stage references and reads EXPOSE', () => {
    const facts = readDockerfile(`# comment
ARG NODE_VERSION=20
ARG NGINX="1.27"
FROM node:\${NODE_VERSION}-bookworm-slim AS deps
RUN npm ci \\
    --omit=dev
FROM deps AS build
FROM --platform=linux/amd64 nginxinc/nginx-unprivileged:\${NGINX}
COPY --from=build /app/dist /usr/share/nginx/html
EXPOSE 8080/tcp
`)
    assert.deepEqual(facts.baseImages, ['node:20-bookworm-slim', 'nginxinc/nginx-unprivileged:1.27'])
    assert.deepEqual(facts.stages, ['deps', 'build'])
    assert.deepEqual(facts.exposed, [{port: 8080, line: 10}])
  })

  it('uses ${VAR:-default} fallbacks and ignores scratch', () => {
    assert.deepEqual(readDockerfile('FROM golang:${GO:-1.26} AS b\nFROM scratch\n').baseImages, ['golang:1.26'])
  })
})

describe('template helpers', () => {
  it('renders exec-form commands, with a shell only when the command needs one', () => {
    assert.equal(execForm('node server.js'), '["node","server.js"]')
    assert.equal(execForm(`gunicorn -b "0.0.0.0:8000" app:app`), '["gunicorn","-b","0.0.0.0:8000","app:app"]')
    assert.equal(execForm('java $JAVA_OPTS -jar app.jar'), '["sh","-c","exec java $JAVA_OPTS -jar app.jar"]')
    assert.equal(execForm('migrate && serve'), '["sh","-c","migrate && serve"]')
    assert.deepEqual(splitCommand(`a 'b c' "" d`), ['a', 'b c', '', 'd'])
  })

  it('writes one quoted ENV instruction', () => {
    assert.equal(envLines({PORT: 3000, HOST: '0.0.0.0', EMPTY: ''}), 'ENV PORT="3000" \\\n    HOST="0.0.0.0"')
    assert.equal(envLines({}), '')
  })
})

describe('globs', () => {
  it('keeps * within a segment and lets ** cross them', () => {
    assert.ok(globToRegExp('*.csproj').test('Api.csproj'))
    assert.ok(!globToRegExp('*.csproj').test('src/Api.csproj'))
    assert.ok(globToRegExp('**/*.csproj').test('src/Api/Api.csproj'))
    assert.ok(globToRegExp('**/*.csproj').test('Api.csproj'))
    assert.ok(globToRegExp('build.gradle{,.kts}').test('build.gradle.kts'))
    assert.ok(globToRegExp('requirements[-.]*').test('requirements-dev.txt'))
    assert.deepEqual(matchGlob('package.json', ['package.json', 'apps/api/package.json']), ['package.json'])
  })
})

describe('parseToml', () => {
  const source = `name = "x"

[detect]
languages = ["Go"]

[[detect.rules]]
files = ["go.mod"]
weight = 30

[[detect.rules]]
fact = "go.framework"
weight = 5

[variables.port]
type = "port"
expect = { port = 1 }
`
  it('finds the line of a key, including inside arrays of tables', () => {
    const doc = parseToml(source)
    assert.equal(doc.lineOf(['name']), 1)
    assert.equal(doc.lineOf(['detect', 'languages']), 4)
    assert.equal(doc.lineOf(['detect', 'rules', 1, 'weight']), 12)
    assert.equal(doc.lineOf(['detect', 'rules', 0]), 6)
    assert.equal(doc.lineOf(['variables', 'port', 'type']), 15)
    assert.equal(doc.lineOf(['variables', 'port', 'expect', 'port']), 16)
  })

  it('reports syntax errors with their line', () => {
    assert.throws(() => parseToml('a = 1\nb = [\n'), (e: unknown) => e instanceof TomlSyntaxError && e.line === 3)
  })
})
