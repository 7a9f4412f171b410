import {mkdtempSync, rmSync, writeFileSync, mkdirSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join, resolve} from 'node:path'

import {DraftError} from '../core/errors.js'
import {detectApp, openApp} from '../detect/detect.js'
import {memorySnapshot} from '../detect/snapshot.js'
import type {ProcessRunner} from '../process/process-runner.js'
import {ProgramNotFound} from '../process/process-runner.js'
import {readDockerfile} from '../scaffold/dockerfile.js'
import {type ScaffoldPlan, planScaffold} from '../scaffold/plan.js'
import type {TemplateRenderer} from '../scaffold/template-renderer.js'
import {resolveVariables} from '../pack-model/variables.js'
import {type Pack, type PackProblem, loadPack} from '../pack-model/manifest.js'
import {type PackSet, loadPacks} from '../pack-model/registry.js'

export interface LintProblem extends PackProblem {
  severity: 'error' | 'warning'
}

export interface LintReport {
  pack: string
  dir: string
  /** Renders checked: the defaults, then each fixture. */
  renders: string[]
  helm: 'passed' | 'failed' | 'not installed'
  problems: LintProblem[]
}

/**
 * `draft pack lint DIR`: the manifest against the schema, every template rendered with sample values
 * (the defaults, and each fixture's detected values), the rendered Dockerfile read back, and the
 * rendered chart through `helm lint --strict` when helm is installed. Every problem has a file and,
 * where there is one, a line.
 */
export async function lintPack(dir: string, deps: {runner: ProcessRunner; renderer: TemplateRenderer}): Promise<LintReport> {
  const {runner, renderer} = deps
  const root = resolve(dir)
  const loaded = loadPack(root, 'app')
  if (!loaded.ok) {
    return {pack: loaded.name, dir: root, renders: [], helm: 'not installed', problems: loaded.problems.map(p => ({...p, severity: 'error'}))}
  }
  const pack = loaded.pack
  const problems: LintProblem[] = []
  const renders: string[] = []
  const packs = withPack(pack, root)
  const plans: ScaffoldPlan[] = []

  const attempt = async (label: string, make: () => Promise<ScaffoldPlan>): Promise<void> => {
    try {
      const plan = await make()
      plans.push(plan)
      renders.push(label)
      problems.push(...readBack(pack, plan, label))
    } catch (error) {
      if (!(error instanceof DraftError)) throw error
      // The problem's file and line are printed before it; a template's failure then needs only its reason.
      const text = error.code === 'TEMPLATE_FAILED' ? `template failed: ${(error.context as {reason: string}).reason}` : error.message
      problems.push({file: error.location?.file ?? join(root, 'pack.toml'), ...(error.location?.line ? {line: error.location.line} : {}), message: `${label}: ${text}`, severity: 'error'})
    }
  }

  await attempt('defaults', async () => {
    const snapshot = memorySnapshot('/lint/sample-app', {'README.md': 'sample\n'})
    return planScaffold({snapshot, pack, variables: resolveVariables(pack, {}, []), app: 'sample-app', force: false, renderer})
  })
  for (const fixture of pack.fixtures) {
    await attempt(`fixture ${fixture.path}`, async () => {
      const snapshot = openApp(join(root, fixture.path))
      const detection = await detectApp(snapshot, packs, {pack: pack.name})
      return planScaffold({snapshot, pack, variables: detection.variables!, app: 'fixture', force: true, renderer})
    })
  }

  let helm: LintReport['helm'] = 'not installed'
  const plan = plans[0]
  if (plan) {
    const out = mkdtempSync(join(tmpdir(), 'draft-pack-lint-'))
    try {
      for (const file of plan.files.filter(f => f.path.startsWith(`${plan.chartPath}/`) && f.content !== undefined)) {
        const target = join(out, file.path)
        mkdirSync(dirname(target), {recursive: true})
        writeFileSync(target, file.content!)
      }
      const result = await runner.run(process.env.DRAFT_HELM || 'helm', ['lint', '--strict', join(out, plan.chartPath), '--set', 'image.tag=lint'])
      helm = result.exitCode === 0 ? 'passed' : 'failed'
      if (result.exitCode !== 0) {
        for (const line of `${result.stdout}\n${result.stderr}`.split('\n').filter(l => /\[(ERROR|WARNING)\]/.test(l))) {
          problems.push({file: join(root, 'chart'), message: `helm lint: ${line.trim()}`, severity: 'error'})
        }
      }
    } catch (error) {
      if (!(error instanceof ProgramNotFound)) throw error
    } finally {
      rmSync(out, {recursive: true, force: true})
    }
  }
  return {pack: pack.name, dir: root, renders, helm, problems}
}

/** The packs a lint or test sees: the pack under test first, then the user's and the built-ins. */
export function withPack(pack: Pack, dir: string): PackSet {
  const others = loadPacks({})
  const packs = [pack, ...others.packs.filter(p => p.name !== pack.name)]
  return {
    ...others,
    packs,
    names: () => packs.map(p => p.name).sort(),
    get: name => (name === pack.name ? pack : others.get(name)),
    shadowed: others.shadowed,
    broken: others.broken.filter(b => b.dir !== dir),
  }
}

/** What the rendered Dockerfile says, checked against what the pack promised. */
function readBack(pack: Pack, plan: ScaffoldPlan, label: string): LintProblem[] {
  const problems: LintProblem[] = []
  const dockerfile = plan.files.find(f => f.path === plan.dockerfile)?.content
  if (dockerfile === undefined) return problems
  const file = join(pack.dir, pack.files[plan.dockerfile] ?? 'Dockerfile.ejs')
  const facts = readDockerfile(dockerfile)
  if (facts.baseImages.length === 0) problems.push({file, message: `${label}: the rendered Dockerfile has no FROM image`, severity: 'error'})
  if (facts.baseImages.some(image => !/:[\w.-]+$/.test(image) || /:latest$/.test(image))) {
    problems.push({file, message: `${label}: pin the base image version (${facts.baseImages.join(', ')})`, severity: 'warning'})
  }
  const port = plan.variables.port?.value
  if (!facts.exposed.some(e => e.port === port)) problems.push({file, message: `${label}: the Dockerfile does not EXPOSE the port ${String(port)}`, severity: 'warning'})
  if (!/^USER\s+(?!root\b|0\b)\S+/m.test(dockerfile)) problems.push({file, message: `${label}: the image runs as root; add a USER with a numeric uid`, severity: 'warning'})
  if (!/^(CMD|ENTRYPOINT)\s+\[/m.test(dockerfile)) problems.push({file, message: `${label}: use the exec form for CMD or ENTRYPOINT (["app", "arg"]) so the app gets SIGTERM`, severity: 'warning'})
  return problems
}
