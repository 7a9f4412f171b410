import {existsSync, readFileSync, readdirSync, realpathSync} from 'node:fs'
import {join, relative, sep} from 'node:path'

import type {RenderRequest} from '../scaffold/template-renderer.js'

/** Folders of a pack that hold no templates, however many files they have. */
const SKIPPED = new Set(['.git', 'node_modules', 'fixtures'])

/**
 * The texts the templates of a request may read: the files to render and every .ejs file under the
 * roots (what `include()` can name). A file whose real path leaves its root (a symlink to ~/.ssh, say)
 * is left out, so a template can never pull a file of the user's into what it writes.
 */
export function readTemplateFiles(request: RenderRequest): Map<string, string> {
  const roots = request.roots.filter(r => existsSync(r)).map(r => ({path: r, real: realpathSync(r)}))
  const files = new Map<string, string>()
  const add = (path: string): void => {
    if (files.has(path)) return
    let real: string
    try {
      real = realpathSync(path)
    } catch {
      return
    }
    if (!roots.some(root => inside(root.real, real))) return
    try {
      files.set(path, readFileSync(real, 'utf8'))
    } catch {
      // Unreadable or a folder: the template that names it fails with "missing".
    }
  }
  for (const file of request.files) add(file)
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, {withFileTypes: true})) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) {
        if (!SKIPPED.has(entry.name)) walk(path)
      } else if (entry.name.endsWith('.ejs')) {
        add(path)
      }
    }
  }
  for (const root of roots) walk(root.path)
  return files
}

const inside = (root: string, path: string): boolean => {
  const rel = relative(root, path)
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !rel.startsWith(sep))
}
