import {DraftError} from '../core/errors.js'
import {openApp} from '../detect/detect.js'
import type {PackSet} from '../pack-model/registry.js'
import {type CreateOptions, type CreateResult, createApp} from '../scaffold/create.js'
import type {TemplateRenderer} from '../scaffold/template-renderer.js'
import {type ProjectCreateResult, composeProjectAt, createProject} from './create.js'

export type CreateOutcome = {kind: 'app'; result: CreateResult} | {kind: 'project'; result: ProjectCreateResult}

/**
 * `draft create PATH`: a project of several services when the folder is one (a compose file with two
 * services or more, or a monorepo of apps), else one app as before. --pack always means one app.
 */
export async function create(options: CreateOptions & {only?: readonly string[]; noDependencies?: boolean}, packs: PackSet, renderer: TemplateRenderer): Promise<CreateOutcome> {
  const projectFlag = Boolean(options.only?.length || options.noDependencies)
  const projectOptions = {path: options.path, ...(options.only ? {only: options.only} : {}), ...(options.noDependencies ? {noDependencies: true} : {}), ...(options.dryRun ? {dryRun: true} : {})}
  const asProject = async (found?: Parameters<typeof createProject>[3]): Promise<CreateOutcome> => {
    if (options.app || options.sets?.length) throw new DraftError('NOT_A_PROJECT_FLAG', {flag: options.app ? '--app' : '--set'})
    return {kind: 'project', result: await createProject({...projectOptions, ...(options.force ? {force: true} : {})}, packs, renderer, found)}
  }
  if (!options.pack) {
    const snapshot = openApp(options.path)
    const found = composeProjectAt(snapshot.root)
    // --only and --no-dependencies are about services: they make the folder a project.
    if (found.isProject || projectFlag) return asProject({snapshot, ...(found.compose ? {compose: found.compose} : {})})
  }
  try {
    return {kind: 'app', result: await createApp(options, packs, renderer)}
  } catch (error) {
    // A monorepo of apps with no compose file: every app, with a draft.toml for all of them.
    if (error instanceof DraftError && error.code === 'MONOREPO' && !options.pack) return asProject()
    throw error
  }
}
