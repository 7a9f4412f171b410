import {randomBytes} from 'node:crypto'
import {cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {basename, join, resolve} from 'node:path'

import {DraftError} from '../core/errors.js'
import type {ProcessRunner} from '../process/process-runner.js'
import {type Pack, MANIFEST, loadPack} from '../pack-model/manifest.js'
import {formatProblem} from '../pack-model/registry.js'

/** Where an installed pack came from, kept beside it so `pack update` can fetch it again. */
export interface PackOrigin {
  kind: 'path' | 'git'
  source: string
  ref?: string
  commit?: string
  subdir?: string
  installedAt: string
}

export const ORIGIN_FILE = '.draft-pack.json'

export interface Fetched {
  origin: Omit<PackOrigin, 'installedAt' | 'subdir'>
  packs: {pack: Pack; dir: string; subdir: string}[]
  cleanup(): void
}

/** A git source: a URL, or a local repository with a #ref. */
export function isGitSource(source: string): boolean {
  const [location = ''] = source.split('#')
  return /^(https?|ssh|git|file):\/\//.test(location) || /^[\w.-]+@[\w.-]+:/.test(location) || /\.git\/?$/.test(location) || (source.includes('#') && existsSync(join(location, '.git')))
}

/** Fetch a source into a temporary folder and find and validate the packs in it. Nothing is installed yet. */
export async function fetchPacks(source: string, runner: ProcessRunner): Promise<Fetched> {
  const temp = mkdtempSync(join(tmpdir(), 'draft-pack-source-'))
  const cleanup = (): void => rmSync(temp, {recursive: true, force: true})
  try {
    let origin: Fetched['origin']
    let root: string
    if (isGitSource(source)) {
      const [url = '', ref] = source.split('#')
      root = join(temp, 'repo')
      const git = async (args: string[]): Promise<string> => {
        let result
        try {
          result = await runner.run('git', args, {env: {GIT_TERMINAL_PROMPT: '0'}, timeoutMs: 120_000})
        } catch {
          throw new DraftError('PACK_SOURCE_FAILED', {source, reason: 'git is not installed'})
        }
        if (result.exitCode !== 0) {
          // git's first "fatal:" line says what went wrong; the lines after it are generic advice.
          const lines = result.stderr.trim().split('\n')
          const reason = (lines.find(l => l.startsWith('fatal:')) ?? lines[0] ?? `git ${args[0]} failed`).replace(/^fatal:\s*/, '')
          throw new DraftError('PACK_SOURCE_FAILED', {source, reason})
        }
        return result.stdout.trim()
      }
      await git(['clone', '--quiet', url, root])
      if (ref) await git(['-C', root, 'checkout', '--quiet', ref])
      const commit = await git(['-C', root, 'rev-parse', 'HEAD'])
      origin = {kind: 'git', source: url, ...(ref ? {ref} : {}), commit}
    } else {
      root = resolve(source)
      if (!existsSync(root) || !statSync(root).isDirectory()) throw new DraftError('PACK_SOURCE_FAILED', {source, reason: 'no such folder, and it does not look like a git URL'})
      origin = {kind: 'path', source: root}
    }

    const candidates = existsSync(join(root, MANIFEST))
      ? ['']
      : [...subfolders(root), ...subfolders(join(root, 'packs')).map(s => `packs/${s}`)].filter(sub => existsSync(join(root, sub, MANIFEST)))
    if (candidates.length === 0) throw new DraftError('PACK_NOT_FOUND_IN_SOURCE', {source})
    const packs: Fetched['packs'] = []
    for (const subdir of candidates) {
      const dir = subdir ? join(root, subdir) : root
      const loaded = loadPack(dir, 'user')
      if (!loaded.ok) {
        throw new DraftError('PACK_INVALID', {pack: loaded.name, problems: loaded.problems.map(formatProblem)}, {location: {file: loaded.problems[0]?.file ?? dir, ...(loaded.problems[0]?.line ? {line: loaded.problems[0].line} : {})}})
      }
      packs.push({pack: loaded.pack, dir, subdir})
    }
    return {origin, packs, cleanup}
  } catch (error) {
    cleanup()
    throw error
  }
}

/**
 * Copy fetched packs into the user pack folder. Each goes to a staging folder beside its destination
 * and is renamed into place, so a pack is either fully installed or not at all.
 */
export function installPacks(fetched: Fetched, packsDir: string, options: {force: boolean}): {name: string; dir: string; replaced: boolean}[] {
  mkdirSync(packsDir, {recursive: true})
  for (const {pack} of fetched.packs) {
    const target = join(packsDir, pack.name)
    if (existsSync(target) && !options.force) throw new DraftError('PACK_EXISTS', {name: pack.name, dir: target})
  }
  const installed: {name: string; dir: string; replaced: boolean}[] = []
  for (const {pack, dir, subdir} of fetched.packs) {
    const target = join(packsDir, pack.name)
    const staging = join(packsDir, `.staging-${randomBytes(4).toString('hex')}`)
    try {
      cpSync(dir, staging, {recursive: true, filter: path => basename(path) !== '.git', verbatimSymlinks: true})
      const origin: PackOrigin = {...fetched.origin, ...(subdir ? {subdir} : {}), installedAt: new Date().toISOString()}
      writeFileSync(join(staging, ORIGIN_FILE), `${JSON.stringify(origin, null, 2)}\n`)
      const replaced = existsSync(target)
      const aside = `${target}.old-${randomBytes(4).toString('hex')}`
      if (replaced) renameSync(target, aside)
      try {
        renameSync(staging, target)
      } catch (error) {
        if (replaced) renameSync(aside, target)
        throw error
      }
      if (replaced) rmSync(aside, {recursive: true, force: true})
      installed.push({name: pack.name, dir: target, replaced})
    } finally {
      rmSync(staging, {recursive: true, force: true})
    }
  }
  return installed
}

export function readOrigin(packDir: string): PackOrigin | undefined {
  try {
    return JSON.parse(readFileSync(join(packDir, ORIGIN_FILE), 'utf8')) as PackOrigin
  } catch {
    return undefined
  }
}

/** The source string to fetch an installed pack again. */
export function sourceOf(origin: PackOrigin): string {
  return origin.kind === 'git' ? `${origin.source}${origin.ref ? `#${origin.ref}` : ''}` : origin.source
}

function subfolders(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, {withFileTypes: true}).filter(e => e.isDirectory() && !e.name.startsWith('.')).map(e => e.name).sort()
}
