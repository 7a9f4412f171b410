import {appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

const HEADER = "# draft's own state (build logs, the content-tag cache, dashboard snapshots): never commit it. packs/ is yours to commit."
const KINDS = ['cache', 'logs', 'snapshots'] as const

/**
 * `.draft/<kind>` in the app, made on first use together with a `.draft/.gitignore`, so that draft's
 * logs and cache never show up in the user's `git status` (nor as "+dirty" in `draft history`).
 */
export function draftStateDir(appDir: string, kind: (typeof KINDS)[number]): string {
  const dir = join(appDir, '.draft', kind)
  mkdirSync(dir, {recursive: true})
  const ignore = join(appDir, '.draft', '.gitignore')
  if (!existsSync(ignore)) writeFileSync(ignore, `${HEADER}\n${KINDS.map(k => `${k}/`).join('\n')}\n`)
  else {
    // A .gitignore an older draft wrote lacks the newer folders; one the user wrote is left alone.
    const text = readFileSync(ignore, 'utf8')
    if (text.startsWith("# draft's own state") && !text.split('\n').includes(`${kind}/`)) appendFileSync(ignore, `${text.endsWith('\n') ? '' : '\n'}${kind}/\n`)
  }
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
  if (!existsSync(ignore)) writeFileSync(ignore, `${HEADER}\n${KINDS.map(k => `${k}/`).join('\n')}\n`)
  return dir
}
