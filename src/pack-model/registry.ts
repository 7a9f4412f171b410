import {existsSync, readdirSync, realpathSync} from 'node:fs'
import {join} from 'node:path'

import {DraftError} from '../core/errors.js'
import {draftHome} from '../util/draft-home.js'
import {packageRoot} from '../util/package-root.js'
import {type Pack, type PackProblem, type PackSource, MANIFEST, loadPack} from './manifest.js'
import type {AppTrust, HeldPack} from './trust.js'

export interface BrokenPack {
  name: string
  source: PackSource
  dir: string
  problems: PackProblem[]
}

export interface ShadowedPack {
  name: string
  dir: string
  source: PackSource
  /** The source whose pack of the same name wins. */
  by: PackSource
}

export interface PackSet {
  /** Usable packs, one per name, the winner of precedence. */
  packs: Pack[]
  broken: BrokenPack[]
  shadowed: ShadowedPack[]
  /** App packs that were not read at all: not allowed (yet), or changed since allowed. */
  held: HeldPack[]
  names(): string[]
  /** The pack of that name, or a DraftError naming the pack's problems or the available packs. */
  get(name: string): Pack
}

export interface PackLocations {
  /** The app folder, whose .draft/packs/ wins over everything. */
  appDir?: string
  /**
   * Which of the app's packs may be read (see trust.ts). Without it none is: they came with the app.
   * `'all'` reads every manifest, for commands that only show them (`pack list`, `pack show`).
   */
  appTrust?: AppTrust | 'all'
  /** $DRAFT_HOME, ~/.draft by default. */
  draftHome?: string
  builtinDir?: string
}

export {draftHome}

export function packSources(locations: PackLocations): {source: PackSource; dir: string}[] {
  const sources: {source: PackSource; dir: string}[] = []
  if (locations.appDir) sources.push({source: 'app', dir: join(locations.appDir, '.draft', 'packs')})
  sources.push({source: 'user', dir: join(locations.draftHome ?? draftHome(), 'packs')})
  sources.push({source: 'builtin', dir: locations.builtinDir ?? join(packageRoot(), 'packs')})
  return sources
}

/** Load every pack from every source. A broken pack is reported, never fatal for the others. */
export function loadPacks(locations: PackLocations = {}): PackSet {
  const packs: Pack[] = []
  const broken: BrokenPack[] = []
  const shadowed: ShadowedPack[] = []
  const taken = new Map<string, PackSource>()
  const trust = locations.appTrust
  const held = trust && trust !== 'all' ? trust.held : []
  const readable = (source: PackSource, folder: string): boolean =>
    source !== 'app' || trust === 'all' || (trust !== undefined && trust.admitted.has(realpathSync(folder)))
  for (const {source, dir} of packSources(locations)) {
    if (!existsSync(dir)) continue
    const folders = readdirSync(dir, {withFileTypes: true})
      .filter(e => e.isDirectory() && existsSync(join(dir, e.name, MANIFEST)) && readable(source, join(dir, e.name)))
      .map(e => e.name)
      .sort()
    for (const folder of folders) {
      const result = loadPack(join(dir, folder), source)
      const name = result.ok ? result.pack.name : result.name
      const winner = taken.get(name)
      if (winner) {
        shadowed.push({name, dir: join(dir, folder), source, by: winner})
        continue
      }
      taken.set(name, source)
      if (result.ok) packs.push(result.pack)
      else broken.push({name, source, dir: join(dir, folder), problems: result.problems})
    }
  }
  const names = (): string[] => packs.map(p => p.name).sort()
  return {
    packs,
    broken,
    shadowed,
    held,
    names,
    get(name) {
      const pack = packs.find(p => p.name === name)
      if (pack) return pack
      const untrusted = held.find(h => h.name === name)
      if (untrusted) throw new DraftError('PACK_UNTRUSTED', {name, dir: untrusted.dir, reason: heldReason(untrusted)})
      const bad = broken.find(b => b.name === name)
      if (bad) {
        throw new DraftError(
          'PACK_INVALID',
          {pack: name, problems: bad.problems.map(formatProblem)},
          {location: bad.problems[0] ? {file: bad.problems[0].file, line: bad.problems[0].line} : undefined},
        )
      }
      throw new DraftError('UNKNOWN_PACK', {name, packs: names()})
    },
  }
}

export const formatProblem = (p: PackProblem): string => `${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}`

/** Why an app pack was held back, in words. */
export function heldReason(pack: HeldPack): string {
  const changed = pack.changed ? 'it changed since you last answered about it, and ' : ''
  if (pack.reason === 'denied') return 'you denied it'
  if (pack.reason === 'declined') return `${changed}you did not allow it`
  return `${changed}there is no terminal to ask whether you trust it`
}
