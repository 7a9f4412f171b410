import {join} from 'node:path'

import type {Pack} from '../../src/pack-model/manifest.js'
import {loadPacks} from '../../src/pack-model/registry.js'

export interface FixtureCase {
  pack: Pack
  name: string
  dir: string
  probe?: string
  build: boolean
  why?: string
  expect: Record<string, unknown>
}

/** Every fixture of every built-in pack, as declared in the packs' manifests. */
export function builtinFixtures(): FixtureCase[] {
  const packs = loadPacks({draftHome: '/nonexistent-draft-home'})
  return packs.packs
    .filter(p => p.source === 'builtin')
    .flatMap(pack =>
      pack.fixtures.map(f => ({
        pack,
        name: `${pack.name}/${f.path.replace(/^fixtures\//, '')}`,
        dir: join(pack.dir, f.path),
        probe: f.probe,
        build: f.build,
        why: f.why,
        expect: f.expect,
      })),
    )
}
