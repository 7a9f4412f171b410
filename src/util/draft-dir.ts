import {existsSync, mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

const IGNORE = "# draft's own state (build logs, the content-tag cache): never commit it. packs/ is yours to commit.\ncache/\nlogs/\n"

/**
 * `.draft/<kind>` in the app, made on first use together with a `.draft/.gitignore`, so that draft's
 * logs and cache never show up in the user's `git status` (nor as "+dirty" in `draft history`).
 */
export function draftStateDir(appDir: string, kind: 'logs' | 'cache'): string {
  const dir = join(appDir, '.draft', kind)
  mkdirSync(dir, {recursive: true})
  const ignore = join(appDir, '.draft', '.gitignore')
  if (!existsSync(ignore)) writeFileSync(ignore, IGNORE)
  return dir
}

/**
 * Where a deploy keeps its `kind` of state: the app's `.draft/<kind>`, or, for a service of a project
 * (`stateDir`, under the project's `.draft/services/`), that folder's `<kind>`, with a .gitignore of its
 * own so neither ever shows up in `git status`.
 */
export function stateDirFor(config: {appDir: string; stateDir?: string}, kind: 'logs' | 'cache'): string {
  if (!config.stateDir) return draftStateDir(config.appDir, kind)
  const dir = join(config.stateDir, kind)
  mkdirSync(dir, {recursive: true})
  const ignore = join(config.stateDir, '.gitignore')
  if (!existsSync(ignore)) writeFileSync(ignore, IGNORE)
  return dir
}
