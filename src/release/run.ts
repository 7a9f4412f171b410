import {type ConfigOverrides, type DeployConfig, loadConfig} from '../config/draft-toml.js'
import {type ProjectConfig, isProjectConfig, loadProject} from '../config/project-toml.js'
import {DraftError} from '../core/errors.js'
import type {StageError} from '../core/events.js'
import type {Emit} from '../core/events.js'
import {type DeletePlan, type DeleteResult, type HistoryReport, type ReleaseDependencies, ReleaseOps, type RollbackResult} from './release-ops.js'
import type {StatusReport} from './status.js'

type Wire = (config: DeployConfig) => Promise<ReleaseDependencies>

const realWire: Wire = async config => (await import('./wire.js')).realReleaseDependencies(config)

type Overrides = ConfigOverrides & {services?: readonly string[]}

/**
 * draft.toml with the flags, and the real systems: what every release command starts from. At the root
 * of several services, the one service --service names.
 */
async function open(path: string, overrides: Overrides, wire: Wire): Promise<{config: DeployConfig; ops: ReleaseOps}> {
  if (!isProjectConfig(path) && overrides.services?.length) {
    throw new DraftError('CONFIG_INVALID', {file: '--service', key: 'service', problem: `${path} holds one app, not several services`, fix: 'Leave --service out, or run it at the root of the services (its draft.toml has [services.NAME] tables).'})
  }
  const config = isProjectConfig(path) ? oneService(loadProject(path, overrides)) : loadConfig(path, overrides)
  return {config, ops: new ReleaseOps(await wire(config))}
}

function oneService(project: ProjectConfig): DeployConfig {
  if (project.services.length !== 1) throw new DraftError('SERVICE_NEEDED', {services: project.services.map(s => s.name)})
  return project.services[0]!.config
}

/**
 * `draft status` at the root of several services: every service's report (or those --service names). A
 * service that cannot be reported on (nothing deployed yet) is a row with its error; the others go on.
 */
export async function projectStatus(path: string, overrides: Overrides, wire: Wire = realWire): Promise<{service: string; report?: StatusReport; error?: StageError}[]> {
  const project = loadProject(path, overrides)
  const ops = new ReleaseOps(await wire(project.services[0]!.config))
  return Promise.all(
    project.services.map(async s => {
      try {
        return {service: s.name, report: await ops.status(s.config)}
      } catch (error) {
        if (!(error instanceof DraftError)) throw error
        return {service: s.name, error: {code: error.code, message: error.message, fix: error.fix}}
      }
    }),
  )
}

export async function releaseStatus(path: string, overrides: Overrides, wire: Wire = realWire): Promise<StatusReport> {
  const {config, ops} = await open(path, overrides, wire)
  return ops.status(config)
}

export async function releaseHistory(path: string, overrides: Overrides, wire: Wire = realWire): Promise<HistoryReport> {
  const {config, ops} = await open(path, overrides, wire)
  return ops.history(config)
}

export async function rollbackRelease(path: string, overrides: Overrides, options: {revision?: string; emit: Emit; signal?: AbortSignal}, wire: Wire = realWire): Promise<RollbackResult> {
  const {config, ops} = await open(path, overrides, wire)
  return ops.rollback(config, options)
}

/**
 * `draft delete`: plan what goes, ask `confirm` (which may refuse by throwing), then delete. Nothing
 * there is a result with `plan.exists` false, not an error.
 */
export async function deleteRelease(
  path: string,
  overrides: Overrides,
  options: {images: boolean; confirm: (plan: DeletePlan) => Promise<void>; emit: Emit; signal?: AbortSignal},
  wire: Wire = realWire,
): Promise<{plan: DeletePlan; result?: DeleteResult}> {
  const {config, ops} = await open(path, overrides, wire)
  const plan = await ops.planDelete(config, {images: options.images})
  if (!plan.exists) return {plan}
  await options.confirm(plan)
  return {plan, result: await ops.delete(config, plan, options)}
}
