import assert from 'node:assert/strict'
import {execFileSync, spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'

import {detectApp, openApp} from '../../src/detect/detect.js'
import {DockerodeEngine} from '../../src/docker/dockerode-engine.js'
import {testPack} from '../../src/packs/pack-test.js'
import {loadPacks} from '../../src/pack-model/registry.js'
import {ExecaRunner} from '../../src/process/execa-runner.js'
import {formatBytes} from '../../src/util/format.js'
import {planScaffold} from '../../src/scaffold/plan.js'
import {NodeSandboxRenderer} from '../../src/sandbox/node-sandbox-renderer.js'
import {builtinFixtures} from '../support/fixtures.js'

const need = (name: string): string => {
  const value = process.env[name]
  if (!value) throw new Error(`${name} is not set: run \`npm run bed:up\` then \`eval "$(npm run -s bed:env)"\``)
  return value
}

/**
 * Every built-in pack against the real Docker engine: each fixture is detected as its pack, its
 * Dockerfile builds, and the container answers on its port. Fixtures marked `build = false` (no
 * toolchain or package registry reachable here) are checked for detection only, and say why.
 */
describe('built-in packs build and answer (integration)', function () {
  this.timeout(60 * 60_000)
  const rows: string[] = []
  before(() => {
    need('DOCKER_HOST')
  })
  after(() => {
    console.log(`\n  PACK/FIXTURE                      DETECTED  BUILT  SIZE      ANSWERS\n${rows.join('\n')}`)
  })

  const packs = loadPacks({draftHome: '/nonexistent-draft-home'}).packs.filter(p => p.source === 'builtin')
  for (const pack of packs) {
    it(`${pack.name}: every fixture is detected, builds and answers`, async () => {
      const report = await testPack(pack.dir, {docker: new DockerodeEngine(), runner: new ExecaRunner(), renderer: new NodeSandboxRenderer()}, {build: true, network: 'host', answerTimeoutMs: 150_000})
      for (const f of report.fixtures) {
        rows.push(`  ${`${pack.name}/${f.fixture.replace('fixtures/', '')}`.padEnd(34)}${(f.detected.ok ? 'yes' : 'no').padEnd(10)}${f.built.padEnd(7)}${(f.imageBytes ? formatBytes(f.imageBytes) : '-').padEnd(10)}${f.answered}${f.note && f.built === 'skipped' ? `  (${f.note.split('\n')[0]})` : ''}`)
      }
      const problems = report.lint.problems.filter(p => p.severity === 'error').map(p => `${p.file}:${p.line ?? ''} ${p.message}`)
      assert.deepEqual(problems, [])
      for (const f of report.fixtures) {
        assert.ok(f.detected.ok, `${f.fixture}: ${f.detected.mismatches.join('; ')}`)
        assert.notEqual(f.built, 'no', `${f.fixture} did not build: ${f.note}`)
        assert.notEqual(f.answered, 'no', `${f.fixture} did not answer: ${f.note}`)
      }
    })
  }
})

/** Every fixture's rendered chart passes `helm lint --strict` and `helm template | kubeconform -strict`. */
describe('rendered charts are valid (integration)', function () {
  this.timeout(10 * 60_000)
  const packs = loadPacks({draftHome: '/nonexistent-draft-home'})
  for (const fixture of builtinFixtures()) {
    it(`${fixture.name}: helm lint --strict and kubeconform -strict`, async () => {
      need('DRAFT_BED_KUBECONFORM_SCHEMAS')
      const snapshot = openApp(fixture.dir)
      const detection = await detectApp(snapshot, packs, {pack: fixture.pack.name})
      const plan = await planScaffold({snapshot, pack: fixture.pack, variables: detection.variables!, app: 'fixture-app', force: true, renderer: new NodeSandboxRenderer()})
      const out = mkdtempSync(join(tmpdir(), 'draft-chart-'))
      try {
        for (const file of plan.files.filter(f => f.path.startsWith(`${plan.chartPath}/`))) {
          mkdirSync(dirname(join(out, file.path)), {recursive: true})
          writeFileSync(join(out, file.path), file.content!)
        }
        const chart = join(out, plan.chartPath)
        const lint = spawnSync('helm', ['lint', '--strict', chart, '--set', 'image.tag=test'], {encoding: 'utf8'})
        assert.equal(lint.status, 0, lint.stdout + lint.stderr)
        for (const extra of [[], ['--set', 'ingress.enabled=true', '--set', 'autoscaling.enabled=true'], ['--set', 'persistence.enabled=true', '--set', 'secretEnv.DRAFT_CHECK=']]) {
          const rendered = execFileSync('helm', ['template', 'fixture-app', chart, '--set', 'image.tag=test', ...extra], {encoding: 'utf8'})
          // The bed's kubeconform uses schemas generated from its own API server: nothing is downloaded.
          const check = spawnSync('kubeconform', ['-strict', '-summary', '-'], {input: rendered, encoding: 'utf8'})
          assert.equal(check.status, 0, `${check.stdout}${check.stderr}`)
          assert.match(check.stdout, /Invalid: 0, Errors: 0/)
        }
      } finally {
        rmSync(out, {recursive: true, force: true})
      }
    })
  }
})
