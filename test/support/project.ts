import {cpSync, mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {loadPacks} from '../../src/pack-model/registry.js'
import {type ProjectCreateResult, createProject} from '../../src/project/create.js'
import {InProcessRenderer} from '../../src/sandbox/in-process-renderer.js'
import {packageRoot} from '../../src/util/package-root.js'

/** The fixture monorepo of several services: an API, a worker, a static web app, a shared library and Redis, with compose.yaml. */
export const SHOP = join(packageRoot(), 'test', 'fixtures', 'multi', 'shop')

/** A fresh copy of the shop fixture in a temp folder. */
export function copyShop(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'draft-shop-')), 'shop')
  cpSync(SHOP, dir, {recursive: true})
  return dir
}

/** `draft create` at the root of a copy of the shop, in-process, with the built-in packs only. */
export async function createdShop(options: {dryRun?: boolean} = {}): Promise<{dir: string; result: ProjectCreateResult}> {
  const dir = copyShop()
  const result = await createProject({path: dir, ...options}, loadPacks({draftHome: '/nonexistent-draft-home'}), new InProcessRenderer())
  return {dir, result}
}
