import {randomBytes} from 'node:crypto'
import {cpSync, mkdtempSync, rmSync} from 'node:fs'
import {createConnection} from 'node:net'
import {tmpdir} from 'node:os'
import type {Readable} from 'node:stream'
import {basename, join, resolve} from 'node:path'

import {contextTar, listContext} from '../build/context.js'
import {detectApp, openApp} from '../detect/detect.js'
import {BuildFailure} from '../core/build-failure.js'
import type {ContainerSpec, DockerEngine} from '../docker/docker-engine.js'
import type {ProcessRunner} from '../process/process-runner.js'
import {applyPlan} from '../scaffold/apply.js'
import {type PodPlan, planScaffold} from '../scaffold/plan.js'
import type {TemplateRenderer} from '../scaffold/template-renderer.js'
import {type LintReport, lintPack, withPack} from './lint.js'
import {loadPack} from '../pack-model/manifest.js'

export interface FixtureOutcome {
  fixture: string
  detected: {ok: boolean; pack: string | null; mismatches: string[]}
  /** FROM images of the rendered Dockerfile (what a test bed must provide to build it). */
  baseImages: string[]
  built: 'yes' | 'no' | 'skipped'
  /** Why the build was skipped or failed. */
  note?: string
  imageBytes?: number
  answered: 'yes' | 'no' | 'skipped'
  probe?: string
  port?: number
  ms: number
}

export interface PackTestReport {
  pack: string
  lint: LintReport
  fixtures: FixtureOutcome[]
  passed: boolean
}

export interface PackTestOptions {
  build: boolean
  /** Network mode of build steps and of the test container ("host" on engines without a bridge). */
  network: string
  /** How long a container may take to answer. */
  answerTimeoutMs: number
  onProgress?: (fixture: string, message: string) => void
}

/**
 * `draft pack test DIR`: lint, then for every fixture: detection must choose this pack with the
 * expected values; the files are rendered into a copy; the image is built with the Docker engine; the
 * container is run and must answer HTTP on its port (2xx or 3xx on the probe path). Containers and
 * copies are removed whatever happens.
 */
export async function testPack(dir: string, deps: {docker: DockerEngine; runner: ProcessRunner; renderer: TemplateRenderer}, options: PackTestOptions): Promise<PackTestReport> {
  const root = resolve(dir)
  const lint = await lintPack(root, deps)
  const errors = lint.problems.filter(p => p.severity === 'error')
  if (errors.length) return {pack: lint.pack, lint, fixtures: [], passed: false}

  const loaded = loadPack(root, 'app')
  if (!loaded.ok) return {pack: lint.pack, lint, fixtures: [], passed: false}
  const pack = loaded.pack
  const packs = withPack(pack, root)
  const outcomes: FixtureOutcome[] = []
  for (const fixture of pack.fixtures) {
    const started = performance.now()
    const name = fixture.path
    const progress = (message: string): void => options.onProgress?.(name, message)
    const outcome: FixtureOutcome = {fixture: name, detected: {ok: false, pack: null, mismatches: []}, baseImages: [], built: 'skipped', answered: 'skipped', ms: 0}
    outcomes.push(outcome)

    progress('detecting')
    const snapshot = openApp(join(root, fixture.path))
    const detection = await detectApp(snapshot, packs)
    outcome.detected.pack = detection.pack
    for (const [key, want] of Object.entries(fixture.expect)) {
      const got = key in detection ? (detection as unknown as Record<string, unknown>)[key] : detection.variables?.[key]?.value
      if (JSON.stringify(got) !== JSON.stringify(want)) outcome.detected.mismatches.push(`${key}: expected ${JSON.stringify(want)}, detected ${JSON.stringify(got)}`)
    }
    outcome.detected.ok = detection.pack === pack.name && outcome.detected.mismatches.length === 0
    if (detection.pack !== pack.name) outcome.detected.mismatches.unshift(`chose ${detection.pack ?? 'no pack'} (${detection.scores.slice(0, 2).map(s => `${s.pack} ${s.score}`).join(', ')})`)

    // When detection chose this pack its variables are the ones wanted; only a miss needs a forced run.
    const forced = detection.pack === pack.name ? detection : await detectApp(snapshot, packs, {pack: pack.name})
    outcome.baseImages = (await planScaffold({snapshot, pack, variables: forced.variables!, app: 'fixture', force: true, renderer: deps.renderer})).baseImages

    if (!options.build || !fixture.build) {
      outcome.note = fixture.build ? 'build not requested (--no-build)' : `build = false: ${fixture.why ?? 'no reason given'}`
      outcome.ms = Math.round(performance.now() - started)
      continue
    }

    const work = join(mkdtempSync(join(tmpdir(), 'draft-pack-test-')), basename(fixture.path))
    let container: string | undefined
    const volumes: string[] = []
    const streams: Readable[] = []
    const image = `draft-pack-test/${pack.name}-${basename(fixture.path)}:latest`.toLowerCase()
    try {
      cpSync(join(root, fixture.path), work, {recursive: true})
      const appSnapshot = openApp(work)
      // The copy has the fixture's files, so the fixture's variables hold for it.
      const plan = await planScaffold({snapshot: appSnapshot, pack, variables: forced.variables!, app: basename(fixture.path).toLowerCase().replace(/[^a-z0-9-]+/g, '-'), force: true, renderer: deps.renderer})
      applyPlan(plan)
      const port = Number(plan.variables.port?.value)
      outcome.port = port

      progress('building')
      const listing = await listContext(work)
      // A failed build can leave the context half read: stop it before the copy is removed.
      const context = contextTar(work, listing)
      streams.push(context)
      try {
        await deps.docker.build({context, dockerfile: listing.dockerfile, tags: [image], buildArgs: {}, networkMode: options.network, onProgress: p => progress(`building: ${p.step}`)})
      } catch (error) {
        outcome.built = 'no'
        outcome.note = error instanceof BuildFailure ? `${error.step}: ${error.reason}\n${error.tail.slice(-8).join('\n')}` : (error as Error).message
        continue
      }
      outcome.built = 'yes'
      outcome.imageBytes = await deps.docker.imageSize(image)

      if (await portInUse(port)) {
        outcome.answered = 'no'
        outcome.note = `port ${port} is already in use on this machine, so the container's answer could not be told apart: stop what listens there`
        continue
      }
      progress(`running on port ${port}`)
      // Run it as the chart runs the pod: read-only root, writable paths (seeded where the image has
      // files there), the release phase first, then the app with the chart's environment.
      const pod = await preparePod(deps.docker, image, plan.pod, `draft-pack-test-${process.pid}-${outcomes.length}`, options.network)
      volumes.push(...pod.volumes)
      if (!pod.ok) {
        outcome.answered = 'no'
        outcome.note = pod.note
        continue
      }
      container = await deps.docker.startContainer({...pod.spec, image, name: `draft-pack-test-${process.pid}-${outcomes.length}`})
      const probe = fixture.probe ?? (String(plan.variables.healthPath?.value ?? '') || '/')
      outcome.probe = probe
      const answer = await waitForAnswer(`http://127.0.0.1:${port}${probe}`, options.answerTimeoutMs, () => deps.docker.containerRunning(container!))
      outcome.answered = answer.ok ? 'yes' : 'no'
      if (!answer.ok) outcome.note = `${answer.reason}\n${(await deps.docker.containerLogs(container)).trim().split('\n').slice(-10).join('\n')}`
    } finally {
      if (container) await deps.docker.removeContainer(container)
      for (const volume of volumes.splice(0)) await deps.docker.removeVolume(volume)
      for (const stream of streams) stream.destroy()
      rmSync(join(work, '..'), {recursive: true, force: true})
      outcome.ms = Math.round(performance.now() - started)
    }
  }
  const passed = outcomes.every(o => o.detected.ok && o.built !== 'no' && o.answered !== 'no')
  return {pack: pack.name, lint, fixtures: outcomes, passed}
}

type PreparedPod =
  | {ok: true; spec: Omit<ContainerSpec, 'image' | 'name'>; volumes: string[]}
  | {ok: false; note: string; volumes: string[]}

/**
 * The container settings of the chart's pod, on a Docker engine: a named volume for each writable
 * path, shared by the release step and the app; the Secret's values generated; the release phase run
 * to completion first.
 *
 * Docker fills an empty volume from the image's folder at that path, with its owner and mode: that
 * stands for the chart's seeding (and an image's /tmp keeps its 1777). A prepare step then hands the
 * volumes to the runtime user, as the chart's fsGroup does; an image without a shell (distroless)
 * cannot run it, and such images only have writable paths that the image itself made writable.
 */
export async function preparePod(docker: DockerEngine, image: string, pod: PodPlan, prefix: string, network: string): Promise<PreparedPod> {
  const volumes = pod.writable.map((w, i) => ({name: `${prefix}-${i}`, path: w.path}))
  const names = volumes.map(v => v.name)
  const env = {...pod.env}
  for (const [name, value] of Object.entries(pod.secrets)) env[name] = value || randomBytes(16).toString('hex')
  const spec = {env, networkMode: network, readOnlyRoot: pod.readOnlyRoot, volumes}

  const runOnce = async (what: string, extra: Partial<ContainerSpec>): Promise<string | undefined> => {
    const id = await docker.startContainer({...spec, image, name: `${prefix}-${what}`, ...extra})
    try {
      const code = await docker.waitContainer(id)
      if (code === 0) return undefined
      return `the ${what} step exited with code ${code}\n${(await docker.containerLogs(id)).trim().split('\n').slice(-10).join('\n')}`
    } finally {
      await docker.removeContainer(id)
    }
  }
  if (volumes.length) {
    const paths = volumes.map(v => `'${v.path}'`).join(' ')
    let failed: string | undefined
    try {
      failed = await runOnce('prepare', {user: '0', readOnlyRoot: false, command: ['sh', '-c', `chown -R ${pod.runAsUser}:${pod.runAsUser} ${paths}`]})
    } catch (error) {
      if (!/executable file not found|no such file or directory/i.test((error as Error).message)) throw error
      await docker.removeContainer(`${prefix}-prepare`)
    }
    if (failed) return {ok: false, note: failed, volumes: names}
  }
  if (pod.release) {
    const failed = await runOnce('release', {command: pod.release})
    if (failed) return {ok: false, note: `release phase (${pod.release.join(' ')}): ${failed}`, volumes: names}
  }
  return {ok: true, spec, volumes: names}
}

async function waitForAnswer(url: string, timeoutMs: number, alive: () => Promise<boolean>): Promise<{ok: true} | {ok: false; reason: string}> {
  const deadline = Date.now() + timeoutMs
  let last = 'no answer'
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, {redirect: 'manual', signal: AbortSignal.timeout(2000)})
      if (response.status >= 200 && response.status < 400) return {ok: true}
      last = `HTTP ${response.status}`
    } catch (error) {
      last = (error as {cause?: {code?: string}}).cause?.code ?? (error as Error).message
      if (!(await alive())) return {ok: false, reason: `the container exited before answering ${url}`}
    }
    await new Promise(r => setTimeout(r, 300))
  }
  return {ok: false, reason: `${url} did not answer 2xx/3xx within ${Math.round(timeoutMs / 1000)}s (last: ${last})`}
}

function portInUse(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const socket = createConnection({host: '127.0.0.1', port})
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

