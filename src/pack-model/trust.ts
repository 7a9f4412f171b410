import {createHash} from 'node:crypto'
import {existsSync, lstatSync, readFileSync, readdirSync, readlinkSync, realpathSync} from 'node:fs'
import {join} from 'node:path'

import {parseToml} from '../util/toml.js'
import {MANIFEST} from './manifest.js'
import {type PackLocations, type PackSet, loadPacks} from './registry.js'
import {type TrustEntry, type TrustStore, withAnswer} from './trust-store.js'

/**
 * Trust on first use for the packs an app brings in its own .draft/packs/. They arrive with whatever
 * repository was cloned, and their templates are code, so none is read as a pack until the user has
 * allowed that folder with that content. Built-in packs and those installed with `pack add` (shown and
 * confirmed at install) are not asked about.
 */

/** A pack folder in an app, as trust sees it: before anything in it is used. */
export interface LocalPack {
  /** From pack.toml when it says, else the folder name. */
  name: string
  /** Real path of the pack folder: the key of the remembered answer. */
  dir: string
  digest: string
}

export type HeldReason = 'no-terminal' | 'denied' | 'declined'

/** An app pack that was not loaded, and why. */
export interface HeldPack extends LocalPack {
  reason: HeldReason
  /** The content differs from the one the user last answered about. */
  changed: boolean
}

export type TrustDecision =
  | {load: true; why: 'allowed' | 'yes'}
  | {load: false; ask: true; changed: boolean}
  | {load: false; ask: false; why: 'denied' | 'no-terminal'; changed: boolean}

/**
 * Whether an app pack may load. The remembered answer holds only for the same content; a changed pack
 * is asked about again, `--yes` trusts it for this run without remembering, and without a terminal
 * it is skipped. A denial stands until `draft pack allow`, even with --yes.
 */
export function decideTrust(input: {pack: LocalPack; stored: readonly TrustEntry[]; tty: boolean; yes: boolean}): TrustDecision {
  const entry = input.stored.find(e => e.dir === input.pack.dir)
  const same = entry?.digest === input.pack.digest
  if (entry && same) return entry.answer === 'allow' ? {load: true, why: 'allowed'} : {load: false, ask: false, why: 'denied', changed: false}
  const changed = entry !== undefined
  if (input.yes) return {load: true, why: 'yes'}
  if (input.tty) return {load: false, ask: true, changed}
  return {load: false, ask: false, why: 'no-terminal', changed}
}

export type TrustState = 'allowed' | 'denied' | 'changed' | 'not allowed yet'

/** What `draft pack list` shows for an app pack. */
export function trustState(pack: LocalPack, stored: readonly TrustEntry[]): TrustState {
  const entry = stored.find(e => e.dir === pack.dir)
  if (!entry) return 'not allowed yet'
  if (entry.digest !== pack.digest) return 'changed'
  return entry.answer === 'allow' ? 'allowed' : 'denied'
}

/** The pack folders in an app's .draft/packs/ (those with a pack.toml), with their digests. */
export function localPacks(appDir: string): LocalPack[] {
  const root = join(appDir, '.draft', 'packs')
  if (!existsSync(root)) return []
  return readdirSync(root, {withFileTypes: true})
    .filter(e => e.isDirectory() && existsSync(join(root, e.name, MANIFEST)))
    .map(e => e.name)
    .sort()
    .map(folder => localPack(join(root, folder)))
}

/** One pack folder as trust sees it. */
export function localPack(dir: string): LocalPack {
  const real = realpathSync(dir)
  return {name: manifestName(real) ?? real.split(/[\\/]/).pop() ?? real, dir: real, digest: packDigest(real)}
}

/**
 * A digest of everything in the pack folder but .git: each path in order, its kind, the exec bit, and
 * the content (or a symlink's target, which is not followed). Any change a template could notice
 * changes it.
 */
export function packDigest(dir: string): string {
  const hash = createHash('sha256')
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      if (name === '.git') continue
      const path = rel ? `${rel}/${name}` : name
      const full = join(dir, path)
      const stat = lstatSync(full)
      if (stat.isSymbolicLink()) hash.update(`l ${path}\0${readlinkSync(full)}\0`)
      else if (stat.isDirectory()) {
        hash.update(`d ${path}\0`)
        walk(path)
      } else if (stat.isFile()) {
        hash.update(`f ${path} ${stat.mode & 0o111 ? 'x' : '-'}\0`)
        hash.update(createHash('sha256').update(readFileSync(full)).digest())
      }
    }
  }
  walk('')
  return `sha256:${hash.digest('hex')}`
}

/** The name pack.toml gives, read as plain data; a manifest that does not parse has none. */
function manifestName(dir: string): string | undefined {
  try {
    const name = parseToml(readFileSync(join(dir, MANIFEST), 'utf8')).data.name
    return typeof name === 'string' && /^[a-z][a-z0-9-]{0,39}$/.test(name) ? name : undefined
  } catch {
    return undefined
  }
}

export interface TrustDeps {
  store: TrustStore
  /** --yes: trust every app pack for this run, without remembering it. */
  yes: boolean
  /** Asks on the terminal; absent when there is none. Resolves true to allow. */
  ask?: (pack: LocalPack, changed: boolean) => Promise<boolean>
}

/** Which of an app's packs may be loaded: real paths of those admitted, and those held back. */
export interface AppTrust {
  admitted: ReadonlySet<string>
  held: HeldPack[]
}

/**
 * Decide for every app pack first (pure), then ask about the undecided ones and remember the answers
 * in one write of the store.
 */
export async function admitAppPacks(appDir: string, deps: TrustDeps): Promise<AppTrust> {
  const packs = localPacks(appDir)
  if (packs.length === 0) return {admitted: new Set(), held: []}
  const stored = deps.store.read()
  const decisions = packs.map(pack => ({pack, decision: decideTrust({pack, stored, tty: Boolean(deps.ask), yes: deps.yes})}))

  const admitted = new Set<string>()
  const held: HeldPack[] = []
  let entries = stored
  for (const {pack, decision} of decisions) {
    if (decision.load) {
      admitted.add(pack.dir)
    } else if (decision.ask) {
      const allowed = await deps.ask!(pack, decision.changed)
      entries = withAnswer(entries, {dir: pack.dir, digest: pack.digest, answer: allowed ? 'allow' : 'deny', name: pack.name, at: new Date().toISOString()})
      if (allowed) admitted.add(pack.dir)
      else held.push({...pack, reason: 'declined', changed: decision.changed})
    } else {
      held.push({...pack, reason: decision.why, changed: decision.changed})
    }
  }
  if (entries !== stored) deps.store.write(entries)
  return {admitted, held}
}

/** The packs an app sees, once its own packs have been through trust: admitted, or held back unread. */
export async function loadAppPacks(appDir: string, deps: TrustDeps, locations: Omit<PackLocations, 'appDir' | 'appTrust'> = {}): Promise<PackSet> {
  return loadPacks({...locations, appDir, appTrust: await admitAppPacks(appDir, deps)})
}
