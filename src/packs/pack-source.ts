import {existsSync, rmSync} from 'node:fs'
import {join} from 'node:path'

import {DraftError} from '../core/errors.js'
import type {ProcessRunner} from '../process/process-runner.js'
import {type Fetched, type PackOrigin, fetchPacks, installPacks, readOrigin, sourceOf} from './install.js'
import type {Pack} from '../pack-model/manifest.js'
import {type BrokenPack, type ShadowedPack, draftHome, loadPacks} from '../pack-model/registry.js'
import {type TrustState, localPack, trustState} from '../pack-model/trust.js'
import type {TrustStore} from '../pack-model/trust-store.js'

export interface PackListing {
  packs: {name: string; version: string; description: string; source: Pack['source']; dir: string; origin?: PackOrigin; trust?: {state: TrustState; digest: string}}[]
  broken: BrokenPack[]
  shadowed: ShadowedPack[]
}

/**
 * `draft pack list`: every pack with where it comes from, and those that are broken or shadowed. The
 * app's own packs are listed (their manifests are only data) with whether they are allowed to run.
 */
export function listPacks(appDir: string | undefined, trust: TrustStore, home = draftHome()): PackListing {
  const set = loadPacks({...(appDir ? {appDir, appTrust: 'all'} : {}), draftHome: home})
  const stored = set.packs.some(p => p.source === 'app') ? trust.read() : []
  return {
    packs: set.packs.map(p => {
      const origin = p.source === 'user' ? readOrigin(p.dir) : undefined
      const local = p.source === 'app' ? localPack(p.dir) : undefined
      return {
        name: p.name,
        version: p.version,
        description: p.description,
        source: p.source,
        dir: p.dir,
        ...(origin ? {origin} : {}),
        ...(local ? {trust: {state: trustState(local, stored), digest: local.digest}} : {}),
      }
    }),
    broken: set.broken,
    shadowed: set.shadowed,
  }
}

export function showPack(name: string, appDir: string | undefined, home = draftHome()): Pack & {origin?: PackOrigin} {
  const pack = loadPacks({...(appDir ? {appDir, appTrust: 'all'} : {}), draftHome: home}).get(name)
  const origin = pack.source === 'user' ? readOrigin(pack.dir) : undefined
  return {...pack, ...(origin ? {origin} : {})}
}

export interface AddOptions {
  force: boolean
  /** Asked before anything from git is installed: templates are code. Resolves true to go on. */
  confirm: (fetched: Fetched) => Promise<boolean>
}

/**
 * `draft pack add PATH|GIT-URL[#ref]`: fetch, validate, show, confirm, install. A pack from git runs
 * its templates as code on every `draft create`, so its source and commit are shown and confirmed first.
 */
export async function addPack(source: string, runner: ProcessRunner, options: AddOptions, home = draftHome()): Promise<{origin: Fetched['origin']; installed: {name: string; dir: string; replaced: boolean}[]}> {
  const fetched = await fetchPacks(source, runner)
  try {
    if (fetched.origin.kind === 'git' && !(await options.confirm(fetched))) throw new DraftError('DECLINED', {what: `installing ${fetched.packs.map(p => p.pack.name).join(', ')} from ${source}`})
    return {origin: fetched.origin, installed: installPacks(fetched, join(home, 'packs'), {force: options.force})}
  } finally {
    fetched.cleanup()
  }
}

export function removePack(name: string, appDir: string | undefined, home = draftHome()): {dir: string} {
  const set = loadPacks({...(appDir ? {appDir, appTrust: 'all'} : {}), draftHome: home})
  const userDir = join(home, 'packs', name)
  if (existsSync(userDir)) {
    rmSync(userDir, {recursive: true, force: true})
    return {dir: userDir}
  }
  const pack = set.get(name)
  throw new DraftError('PACK_NOT_REMOVABLE', {name, source: pack.source, dir: pack.dir})
}

export interface UpdateOutcome {
  name: string
  source: string
  from?: string
  to?: string
  status: 'updated' | 'unchanged' | 'not from git'
}

/** `draft pack update [NAME]`: fetch git packs again from their recorded source and ref. */
export async function updatePacks(name: string | undefined, runner: ProcessRunner, home = draftHome()): Promise<UpdateOutcome[]> {
  const set = loadPacks({draftHome: home})
  const user = set.packs.filter(p => p.source === 'user' && (!name || p.name === name))
  if (name && user.length === 0) {
    const pack = set.get(name)
    throw new DraftError('PACK_NOT_REMOVABLE', {name, source: pack.source, dir: pack.dir})
  }
  const outcomes: UpdateOutcome[] = []
  for (const pack of user) {
    const origin = readOrigin(pack.dir)
    if (!origin || origin.kind !== 'git') {
      outcomes.push({name: pack.name, source: origin ? sourceOf(origin) : 'unknown', status: 'not from git'})
      continue
    }
    const fetched = await fetchPacks(sourceOf(origin), runner)
    try {
      const wanted = {...fetched, packs: fetched.packs.filter(p => p.pack.name === pack.name)}
      if (origin.commit === fetched.origin.commit) {
        outcomes.push({name: pack.name, source: sourceOf(origin), from: origin.commit, to: fetched.origin.commit, status: 'unchanged'})
        continue
      }
      installPacks(wanted, join(home, 'packs'), {force: true})
      outcomes.push({name: pack.name, source: sourceOf(origin), ...(origin.commit ? {from: origin.commit} : {}), ...(fetched.origin.commit ? {to: fetched.origin.commit} : {}), status: 'updated'})
    } finally {
      fetched.cleanup()
    }
  }
  return outcomes
}
