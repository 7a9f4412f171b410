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
