import {posix} from 'node:path'

import {type IgnorePattern, excluded, prunable} from '../build/dockerignore.js'

/**
 * What a saved change means for the cluster, decided from paths alone. Pure.
 *   build:  the image's inputs changed (a context file, the Dockerfile, .dockerignore)
 *   deploy: only the deploy inputs changed (draft.toml, the chart, values files): redeploy, no rebuild
 *   none:   nothing that reaches the cluster (ignored files, editor temp files, draft's own logs)
 */
export type Route = 'build' | 'deploy' | 'none'

export interface WatchLayout {
  /** All paths relative to the watched app folder. */
  context: string
  dockerfile: string
  ignoreFile: string
  configFile: string
  chart: string
  values: string[]
  patterns: readonly IgnorePattern[]
  /** Nothing is built (a project's service that runs an image as it is): only its deploy inputs count. */
  noBuild?: boolean
}

/** Editor swap, backup and temp files; vim's write test file `4913`; JetBrains' safe-write files. */
const EDITOR_TEMP = [/\.sw[a-px]$/, /~$/, /(^|\/)\.#/, /(^|\/)#[^/]*#$/, /(^|\/)4913$/, /___jb_(tmp|old)___$/, /\.kate-swp$/, /(^|\/)\.~lock\..*#$/, /\.tmp$/]
/** Never part of an image or a deploy, and often huge. */
const NEVER = [/(^|\/)\.git(\/|$)/, /(^|\/)\.draft(\/|$)/, /(^|\/)\.draft-staging-/, /(^|\/)\.hg(\/|$)/, /(^|\/)\.svn(\/|$)/, /(^|\/)\.DS_Store$/]

export function routeChange(path: string, layout: WatchLayout): Route {
  if (NEVER.some(re => re.test(path)) || EDITOR_TEMP.some(re => re.test(path))) return 'none'
  if (!layout.noBuild && (path === layout.dockerfile || path === layout.ignoreFile)) return 'build'
  if (path === layout.configFile || layout.values.includes(path) || within(path, layout.chart)) return 'deploy'
  if (layout.noBuild) return 'none'
  const inContext = layout.context === '' ? path : within(path, layout.context) ? path.slice(layout.context.length + 1) : undefined
  if (inContext === undefined) return 'none'
  return excluded(inContext, layout.patterns) ? 'none' : 'build'
}

/** The stronger of two routes: a build also deploys. */
export const combine = (a: Route, b: Route): Route => (a === 'build' || b === 'build' ? 'build' : a === 'deploy' || b === 'deploy' ? 'deploy' : 'none')

/**
 * Whether the watcher may skip a path entirely (and, for a folder, everything below it). A folder that
 * holds a deploy input or the Dockerfile must stay watched even if .dockerignore excludes it.
 */
export function unwatched(path: string, isDirectory: boolean, layout: WatchLayout): boolean {
  if (NEVER.some(re => re.test(path))) return true
  if (!isDirectory && EDITOR_TEMP.some(re => re.test(path))) return true
  const inputs = [...(layout.noBuild ? [] : [layout.dockerfile, layout.ignoreFile]), layout.configFile, layout.chart, ...layout.values]
  // Inputs stay watched, and so does every folder on the way to one.
  if (inputs.some(input => input === path || within(path, input) || within(input, path))) return false
  if (layout.noBuild) return true
  const inContext = layout.context === '' ? path : within(path, layout.context) ? path.slice(layout.context.length + 1) : undefined
  if (inContext === undefined) return !within(layout.context, path)
  return prunable(inContext, isDirectory, layout.patterns)
}

const within = (path: string, folder: string): boolean => folder !== '' && (path === folder || path.startsWith(`${folder}/`))

export const relativeTo = (root: string, path: string): string => posix.relative(root, path)
