import type {DeployConfig} from '../config/draft-toml.js'
import {type ProjectOverrides, loadProject} from '../config/project-toml.js'
import {DraftError} from '../core/errors.js'
import type {StageError, UpEvent} from '../core/events.js'
import {type DeletePlan, type DeleteResult, type ReleaseDependencies, ReleaseOps} from '../release/release-ops.js'

type Wire = (config: DeployConfig) => Promise<ReleaseDependencies>

const realWire: Wire = async config => (await import('../release/wire.js')).realReleaseDependencies(config)

export interface ServiceDelete {
  service: string
  plan: DeletePlan
  result?: DeleteResult
  error?: StageError
}

/**
 * `draft delete` at a project root: every service's release. What goes is planned for all first and
 * asked about once; then the releases are deleted together, and one that fails does not keep the
 * others. Services with nothing deployed are reported, not errors.
 */
export async function deleteProject(
  path: string,
  overrides: ProjectOverrides,
  options: {images: boolean; confirm: (plans: ServiceDelete[]) => Promise<void>; emit: (event: UpEvent & {service: string}) => void; signal?: AbortSignal},
  wire: Wire = realWire,
): Promise<ServiceDelete[]> {
  const project = loadProject(path, overrides)
  const ops = new ReleaseOps(await wire(project.services[0]!.config))
  // A service that cannot be planned (pods helm does not manage) is reported; the others go on.
  const planned: ServiceDelete[] = await Promise.all(
    project.services.map(async s => {
      try {
        return {service: s.name, plan: await ops.planDelete(s.config, {images: options.images})}
      } catch (error) {
        if (!(error instanceof DraftError)) throw error
        const plan: DeletePlan = {release: s.config.release, namespace: s.config.namespace, context: '', exists: false, pods: []}
        return {service: s.name, plan, error: {code: error.code, message: error.message, fix: error.fix}}
      }
    }),
  )
  const present = planned.filter(p => p.plan.exists)
  if (present.length === 0) return planned
  await options.confirm(present)
  const configs = new Map(project.services.map(s => [s.name, s.config]))
  await Promise.all(
    present.map(async p => {
      try {
        p.result = await ops.delete(configs.get(p.service)!, p.plan, {emit: event => options.emit({...event, service: p.service}), ...(options.signal ? {signal: options.signal} : {})})
      } catch (error) {
        p.error = error instanceof DraftError ? {code: error.code, message: error.message, fix: error.fix} : {code: 'INTERNAL', message: String(error), fix: 'This is a bug in draft: please report it.'}
      }
    }),
  )
  return planned
}
