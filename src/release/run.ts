import {type ConfigOverrides, type DeployConfig, loadConfig} from '../config/draft-toml.js'
import type {Emit} from '../core/events.js'
import {type DeletePlan, type DeleteResult, type HistoryReport, type ReleaseDependencies, ReleaseOps, type RollbackResult} from './release-ops.js'
import type {StatusReport} from './status.js'

type Wire = (config: DeployConfig) => Promise<ReleaseDependencies>

const realWire: Wire = async config => (await import('./wire.js')).realReleaseDependencies(config)

/** draft.toml with the flags, and the real systems: what every release command starts from. */
async function open(path: string, overrides: ConfigOverrides, wire: Wire): Promise<{config: DeployConfig; ops: ReleaseOps}> {
  const config = loadConfig(path, overrides)
  return {config, ops: new ReleaseOps(await wire(config))}
}

export async function releaseStatus(path: string, overrides: ConfigOverrides, wire: Wire = realWire): Promise<StatusReport> {
  const {config, ops} = await open(path, overrides, wire)
  return ops.status(config)
}

export async function releaseHistory(path: string, overrides: ConfigOverrides, wire: Wire = realWire): Promise<HistoryReport> {
  const {config, ops} = await open(path, overrides, wire)
  return ops.history(config)
}

export async function rollbackRelease(path: string, overrides: ConfigOverrides, options: {revision?: string; emit: Emit; signal?: AbortSignal}, wire: Wire = realWire): Promise<RollbackResult> {
  const {config, ops} = await open(path, overrides, wire)
  return ops.rollback(config, options)
}

/**
 * `draft delete`: plan what goes, ask `confirm` (which may refuse by throwing), then delete. Nothing
 * there is a result with `plan.exists` false, not an error.
 */
export async function deleteRelease(
  path: string,
  overrides: ConfigOverrides,
  options: {images: boolean; confirm: (plan: DeletePlan) => Promise<void>; emit: Emit; signal?: AbortSignal},
  wire: Wire = realWire,
): Promise<{plan: DeletePlan; result?: DeleteResult}> {
  const {config, ops} = await open(path, overrides, wire)
  const plan = await ops.planDelete(config, {images: options.images})
  if (!plan.exists) return {plan}
  await options.confirm(plan)
  return {plan, result: await ops.delete(config, plan, options)}
}
