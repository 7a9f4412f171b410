import {basename} from 'node:path'

import {type Detection, detectApp, openApp, requirePack} from '../detect/detect.js'
import type {PackSet} from '../pack-model/registry.js'
import {type ApplyResult, applyPlan} from './apply.js'
import {type ScaffoldPlan, appNameFrom, planScaffold} from './plan.js'
import type {TemplateRenderer} from './template-renderer.js'

export interface CreateOptions {
  path: string
  pack?: string
  app?: string
  sets?: readonly string[]
  dryRun?: boolean
  force?: boolean
}

export interface CreateResult {
  detection: Detection
  plan: ScaffoldPlan
  /** Absent on --dry-run. */
  applied?: ApplyResult
}

/** `draft create`: detect, plan every file, then (unless --dry-run) write them all or nothing. */
export async function createApp(options: CreateOptions, packs: PackSet, renderer: TemplateRenderer): Promise<CreateResult> {
  renderer.prepare?.()
  const snapshot = openApp(options.path)
  const app = appNameFrom(options.app ?? basename(snapshot.root))
  const detection = await detectApp(snapshot, packs, {pack: options.pack, sets: options.sets})
  const pack = requirePack(detection, packs)
  const plan = await planScaffold({
    snapshot,
    pack,
    variables: detection.variables!,
    app,
    force: Boolean(options.force),
    warnings: detection.warnings,
    renderer,
  })
  if (options.dryRun) return {detection, plan}
  return {detection, plan, applied: applyPlan(plan)}
}

export {detectApp, openApp} from '../detect/detect.js'
