import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import {basename} from 'node:path'

import {builtinFixtures} from '../support/fixtures.js'
import {bed, copyFixtureDir, draft, jsonLines} from '../support/cli.js'
import {answers, portForward} from '../support/port-forward.js'

const kubectl = (...args: string[]): string => execFileSync('kubectl', args, {encoding: 'utf8'})

/** Base images the bed could not build, with the reason (test/bed/README.md, base images). */
function unavailableImages(): Map<string, string> {
  const file = process.env.DRAFT_BED_BASE_IMAGES
  const out = new Map<string, string>()
  if (!file || !existsSync(file)) return out
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^unavailable (\S+) (.*)$/.exec(line)
    if (m) out.set(m[1]!, m[2]!)
  }
  return out
}

/**
 * Every buildable fixture of every built-in pack, as a user would run it: `draft create`, then
 * `draft up` onto the bed's real node (containerd, kubelet), where the rollout must become available
 * through the chart's real probes, the app must answer through a port-forward, and a deleted pod must
 * go well within the grace period.
 */
describe('every pack fixture runs on the real node (e2e)', function () {
  this.timeout(60 * 60_000)
  const rows: string[] = []
  let env: ReturnType<typeof bed>
  const missing = unavailableImages()

  before(() => {
    env = bed()
    assert.ok(process.env.DRAFT_BED_REAL_NODE, 'the bed has no real node: run `npm run bed:up` with this version of test/bed')
  })
  after(() => {
    console.log(`\n  ${'FIXTURE'.padEnd(35)}BUILT  READY   ${'ANSWERS'.padEnd(30)}ROLLOUT  POD DELETED IN\n${rows.join('\n')}`)
  })

  for (const fixture of builtinFixtures()) {
    it(`${fixture.name}: built, Ready on the real node, answers, and stops promptly`, async function () {
      if (!fixture.build) {
        rows.push(`  ${fixture.name.padEnd(35)}-      -       ${'-'.padEnd(30)}-        -  (${fixture.why ?? 'not buildable here'})`)
        this.skip()
      }
      const app = copyFixtureDir(fixture.dir)
      const namespace = `e2e-node-${fixture.name.replace(/[^a-z0-9]+/g, '-')}`.slice(0, 60)
      const created = await draft(['create', app, '--json'])
      assert.equal(created.code, 0, created.stderr)
      const plan = JSON.parse(created.stdout) as {baseImages?: string[]; variables?: Record<string, {value: unknown}>}
      const absent = (plan.baseImages ?? []).filter(ref => missing.has(ref))
      if (absent.length) {
        rows.push(`  ${fixture.name.padEnd(35)}-      -       ${'-'.padEnd(30)}-        -  (base image ${absent[0]} unavailable)`)
        this.skip()
      }
      try {
        const run = await draft(['up', app, '--registry', env.registry, '--namespace', namespace, '--build-network', 'host', '--timeout', '4m', '--json'], {timeoutMs: 15 * 60_000})
        const result = jsonLines(run.stdout).find(e => e.type === 'result')
        const failed = jsonLines(run.stdout).find(e => e.type === 'stage-failed') as {stage?: string; error?: {message: string; details?: string[]}} | undefined
        if (run.code !== 0) rows.push(`  ${fixture.name.padEnd(35)}${failed?.stage === 'build' ? 'no ' : 'yes'}    no      ${'-'.padEnd(30)}-        -`)
        assert.equal(run.code, 0, `${failed?.error?.message ?? ''}\n${(failed?.error?.details ?? []).join('\n')}\n${run.stderr}`)
        const release = String(result!.release)
        const rollout = Number((result!.timings as Record<string, number>).rollout ?? 0)
        const port = Number(kubectl('-n', namespace, 'get', 'deployment', release, '-o', 'jsonpath={.spec.template.spec.containers[0].ports[0].containerPort}'))
        const forward = await portForward(namespace, `deployment/${release}`, port)
        let answer: {status: number; body: string}
        try {
          answer = await answers(`http://127.0.0.1:${forward.port}${fixture.probe ?? '/'}`)
        } finally {
          forward.close()
        }
        // SIGTERM handled (or an init that passes it on) ends a pod in a second or two; ignored, the
        // kubelet waits out the grace period, 30 s here (the development environment's 5 s would hide
        // it). Measured, and asserted only well below 30 s.
        const pod = kubectl('-n', namespace, 'get', 'pods', '-l', `app.kubernetes.io/instance=${release}`, '-o', 'jsonpath={.items[0].metadata.name}').trim()
        const t0 = performance.now()
        kubectl('-n', namespace, 'delete', 'pod', pod, '--grace-period=30', '--wait=true', '--timeout=60s')
        const deleteSeconds = (performance.now() - t0) / 1000
        rows.push(`  ${fixture.name.padEnd(35)}yes    yes     ${`${answer.status} ${(fixture.probe ?? '/').slice(0, 25)}`.padEnd(30)}${`${(rollout / 1000).toFixed(1)}s`.padEnd(9)}${deleteSeconds.toFixed(1)}s`)
        assert.ok(answer.status >= 200 && answer.status < 400, `${basename(app)} answered ${answer.status} on ${fixture.probe ?? '/'}: ${answer.body.slice(0, 300)}`)
        assert.ok(deleteSeconds < 20, `the pod took ${deleteSeconds.toFixed(1)} s to stop: it ignores SIGTERM`)
      } finally {
        try {
          kubectl('delete', 'namespace', namespace, '--wait=false')
        } catch {
          // Best effort: the bed is torn down after the run anyway.
        }
      }
    })
  }
})
